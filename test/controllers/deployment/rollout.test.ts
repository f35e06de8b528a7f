import { describe, expect, it } from 'vitest';
import type { ReplicaSet } from '../../../api/apps/index.js';
import { planDeployment } from '../../../controllers/deployment/planner.js';
import { maxSurge, maxUnavailable, resolveFenceposts } from '../../../controllers/deployment/fenceposts.js';
import { computeHash, equalIgnoreHash, safeEncodeString } from '../../../controllers/deployment/pod-template-hash.js';
import { deployment, FakeWorld } from './fake-world.js';

function settle(w: FakeWorld, check: () => void, max = 200): number {
  let steps = 0;
  for (; steps < max; steps++) {
    const actions = w.syncDeployment();
    check();
    w.syncReplicaSets();
    check();
    w.tick();
    const writes = actions.filter((a) => a.type !== 'event');
    if (writes.length === 0 && w.pods.every((p) => p.age >= w.readyAfter)) {
      // One more quiet round to be sure nothing is pending.
      if (w.syncDeployment().filter((a) => a.type !== 'event').length === 0) return steps;
    }
  }
  throw new Error(`did not settle in ${max} steps`);
}

describe('fenceposts (maxSurge rounds up, maxUnavailable rounds down)', () => {
  it('resolves Kubernetes defaults and percentages', () => {
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts('25%', '25%', 1)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts('30%', '30%', 5)).toEqual({ surge: 2, unavailable: 1 });
    expect(resolveFenceposts(0, 0, 5)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts(undefined, undefined, 4)).toEqual({ surge: 1, unavailable: 1 });
    expect(resolveFenceposts('0%', '10%', 9)).toEqual({ surge: 0, unavailable: 1 }); // floor(0.9)=0 → 1
  });
  it('is zero for Recreate and caps unavailable at replicas', () => {
    const r = deployment('web', 3, 'a', { type: 'Recreate' });
    expect(maxSurge(r)).toBe(0);
    expect(maxUnavailable(r)).toBe(0);
    const big = deployment('web', 2, 'a', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 5 } });
    expect(maxUnavailable(big)).toBe(2);
  });
});

describe('pod-template-hash', () => {
  it('is stable, safe-encoded and changes with the template and collisionCount', () => {
    const t = deployment('web', 1, 'nginx:1').spec.template;
    const h = computeHash(t);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(computeHash(structuredClone(t))).toBe(h);
    // key order does not matter
    expect(computeHash({ spec: t.spec, metadata: t.metadata })).toBe(h);
    expect(computeHash(deployment('web', 1, 'nginx:2').spec.template)).not.toBe(h);
    expect(computeHash(t, 1)).not.toBe(h);
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
  });
  it('equalIgnoreHash ignores the hash label and nil-vs-empty', () => {
    const a = deployment('web', 1, 'x').spec.template;
    const b = structuredClone(a);
    b.metadata!.labels!['pod-template-hash'] = 'abc';
    b.metadata!.annotations = {};
    expect(equalIgnoreHash(a, b)).toBe(true);
    b.spec.containers[0]!.image = 'y';
    expect(equalIgnoreHash(a, b)).toBe(false);
  });
});

describe('rolling update', () => {
  it('creates the first ReplicaSet named <deploy>-<hash> with revision 1 and scales it up', () => {
    const w = new FakeWorld(deployment('web', 3, 'nginx:1'));
    w.syncDeployment();
    expect(w.rss).toHaveLength(1);
    const rs = w.rss[0]!;
    const hash = computeHash(w.d.spec.template);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.labels?.['pod-template-hash']).toBe(hash);
    expect(rs.spec.selector.matchLabels?.['pod-template-hash']).toBe(hash);
    expect(rs.spec.template?.metadata?.labels?.['pod-template-hash']).toBe(hash);
    expect(rs.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'web-uid', controller: true, blockOwnerDeletion: true }]);
    expect(rs.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(w.d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(rs.spec.replicas).toBe(3);
    expect(w.events).toContain(`ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 3`);
    const cond = w.d.status?.conditions?.find((c) => c.type === 'Progressing');
    expect(cond?.reason).toBe('NewReplicaSetCreated');
    settle(w, () => {});
    expect(w.d.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0, observedGeneration: 1 });
    expect(w.d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    expect(w.d.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
  });

  for (const readyAfter of [0, 1, 3]) {
    for (const [surge, unavail] of [[3, 2], ['25%', '25%'], [0, 1], [1, 0], ['50%', '0%']] as const) {
      it(`10 replicas A→B, maxSurge ${surge} maxUnavailable ${unavail}, pods ready after ${readyAfter} ticks: bounds hold on every step`, () => {
        const w = new FakeWorld(deployment('web', 10, 'a', { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavail } }), readyAfter);
        settle(w, () => {});
        expect(w.availablePods()).toBe(10);
        const { surge: s, unavailable: u } = resolveFenceposts(surge, unavail, 10);
        w.edit((d) => { d.spec.template.spec.containers[0]!.image = 'b'; });
        let maxTotal = 0, minAvail = Infinity;
        settle(w, () => {
          maxTotal = Math.max(maxTotal, w.totalPods());
          minAvail = Math.min(minAvail, w.availablePods());
          expect(w.totalPods()).toBeLessThanOrEqual(10 + s);
          expect(w.availablePods()).toBeGreaterThanOrEqual(10 - u);
        });
        expect(w.rss).toHaveLength(2);
        const newRS = w.rss.find((r) => w.image(r) === 'b')!;
        const oldRS = w.rss.find((r) => w.image(r) === 'a')!;
        expect(newRS.spec.replicas).toBe(10);
        expect(oldRS.spec.replicas).toBe(0);
        expect(w.pods.every((p) => p.rs === newRS.metadata.name)).toBe(true);
        expect(newRS.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
        expect(w.d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
        expect(w.d.status).toMatchObject({ replicas: 10, updatedReplicas: 10, availableReplicas: 10, observedGeneration: 2 });
        // The rollout used its budget: it did surge (when allowed) and did dip (when allowed).
        if (s > 0) expect(maxTotal).toBeGreaterThan(10);
        if (readyAfter === 0 && u > 0 && s === 0) expect(minAvail).toBeLessThan(10);
      });
    }
  }

  it('stale ReplicaSet statuses (several syncs before the RS controller reports) never break the bounds', () => {
    for (const [surge, unavail] of [[3, 2], [0, 1], [1, 0], ['25%', '25%']] as const) {
      const w = new FakeWorld(deployment('web', 10, 'a', { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavail } }), 1);
      settle(w, () => {});
      const { surge: s, unavailable: u } = resolveFenceposts(surge, unavail, 10);
      w.edit((d) => { d.spec.template.spec.containers[0]!.image = 'b'; });
      const check = () => {
        expect(w.totalPods()).toBeLessThanOrEqual(10 + s);
        expect(w.availablePods()).toBeGreaterThanOrEqual(10 - u);
      };
      for (let i = 0; i < 100; i++) {
        // Three Deployment syncs on the same (stale) RS statuses, then the RS controllers act
        // in two halves: pods change first, statuses are reported one round later.
        w.syncDeployment(); w.syncDeployment(); w.syncDeployment();
        const before = w.rss.map((r) => structuredClone(r.status));
        w.syncReplicaSets();
        check();
        w.rss.forEach((r, j) => { if (before[j]) r.status = before[j]; });
        w.syncDeployment();
        check();
        w.refreshStatus();
        w.tick();
      }
      expect(w.rss.find((r) => w.image(r) === 'b')!.spec.replicas).toBe(10);
      expect(w.pods.every((p) => w.image(w.rss.find((r) => r.metadata.name === p.rs)!) === 'b')).toBe(true);
    }
  });

  it('first step with maxSurge 3: new RS to 3, then old RS down by maxScaledDown', () => {
    const w = new FakeWorld(deployment('web', 10, 'a', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } }), 1);
    settle(w, () => {});
    w.edit((d) => { d.spec.template.spec.containers[0]!.image = 'b'; });
    w.syncDeployment();
    const newRS = w.rss.find((r) => w.image(r) === 'b')!;
    expect(newRS.spec.replicas).toBe(3);
    w.syncReplicaSets(); // 3 new pods exist but are not available yet
    w.syncDeployment();
    // maxScaledDown = 13 − (10 − 2) − (3 − 0) = 2
    expect(w.rss.find((r) => w.image(r) === 'a')!.spec.replicas).toBe(8);
  });

  it('scales down unhealthy old replicas first (cleanupUnhealthyReplicas)', () => {
    const d = deployment('web', 10, 'b', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } });
    const mk = (name: string, image: string, replicas: number, available: number, created: string, rev: string): ReplicaSet => ({
      metadata: { name, namespace: 'default', uid: name, creationTimestamp: created, annotations: { 'deployment.kubernetes.io/revision': rev, 'deployment.kubernetes.io/desired-replicas': '10', 'deployment.kubernetes.io/max-replicas': '13' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'web-uid', controller: true }] },
      spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } } },
      status: { replicas, availableReplicas: available, readyReplicas: available },
    });
    // old RS has 10 replicas of which only 6 are available; new RS at 3, none available.
    const plan = planDeployment({
      deployment: d, now: new Date(),
      replicaSets: [mk('web-old', 'a', 10, 6, '2026-01-01T00:00:00Z', '1'), mk('web-new', 'b', 3, 0, '2026-01-01T00:01:00Z', '2')],
    });
    // maxScaledDown = 13 − 8 − 3 = 2: both taken from the 4 unavailable old replicas.
    const upd = plan.actions.filter((a) => a.type === 'updateReplicaSet');
    expect(upd.map((a) => a.type === 'updateReplicaSet' && [a.replicaSet.metadata.name, a.replicaSet.spec.replicas])).toEqual([['web-old', 8]]);
  });
});

describe('decisions on stale ReplicaSet statuses', () => {
  const mk = (name: string, image: string, replicas: number, available: number, statusReplicas: number, created: string, rev: string): ReplicaSet => ({
    metadata: { name, namespace: 'default', uid: name, creationTimestamp: created, annotations: { 'deployment.kubernetes.io/revision': rev, 'deployment.kubernetes.io/desired-replicas': '10', 'deployment.kubernetes.io/max-replicas': '13' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'web-uid', controller: true }] },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } } },
    status: { replicas: statusReplicas, availableReplicas: available, readyReplicas: available },
  });
  const d = deployment('web', 10, 'b', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } });
  const scaled = (plan: ReturnType<typeof planDeployment>) => plan.actions.flatMap((a) => a.type === 'updateReplicaSet' ? [[a.replicaSet.metadata.name, a.replicaSet.spec.replicas]] : []);

  it('an old RS just scaled 10→5 whose status still says 10 available is counted as 5 (no second scale-down to 0)', () => {
    const plan = planDeployment({ deployment: d, now: new Date(), replicaSets: [
      mk('web-old', 'a', 5, 10, 10, '2026-01-01T00:00:00Z', '1'),
      mk('web-new', 'b', 5, 5, 5, '2026-01-01T00:01:00Z', '2'),
    ] });
    // Kubernetes' sum (15 available) would scale the old RS to 0, leaving 5 < 8 available.
    expect(scaled(plan)).toEqual([['web-old', 3]]);
  });

  it('the new RS does not grow while an old RS still has more pods than its spec', () => {
    const plan = planDeployment({ deployment: d, now: new Date(), replicaSets: [
      mk('web-old', 'a', 5, 10, 10, '2026-01-01T00:00:00Z', '1'),   // told 5, still 10 pods
      mk('web-new', 'b', 3, 3, 3, '2026-01-01T00:01:00Z', '2'),
    ] });
    // spec sum 8 would let the new RS grow to 8 (13 by spec, but 18 pods for a moment).
    expect(scaled(plan).filter(([n]) => n === 'web-new')).toEqual([]);
  });
});

describe('proportional scaling mid-rollout', () => {
  it("Kubernetes' example: 10 replicas, maxSurge 3, maxUnavailable 2, scaled to 15 → +3 old, +2 new", () => {
    const w = new FakeWorld(deployment('web', 10, 'a', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } }), 1000);
    // All 10 A pods available (age beyond the threshold).
    w.readyAfter = 0; settle(w, () => {}); w.readyAfter = 1000;
    for (const p of w.pods) p.age = 2000;
    w.refreshStatus();
    w.edit((d) => { d.spec.template.spec.containers[0]!.image = 'b'; });
    // New pods never become available: the rollout stalls at old 8 / new 5 (13 pods).
    for (let i = 0; i < 6; i++) { w.syncDeployment(); w.syncReplicaSets(); }
    const oldRS = () => w.rss.find((r) => w.image(r) === 'a')!;
    const newRS = () => w.rss.find((r) => w.image(r) === 'b')!;
    expect([oldRS().spec.replicas, newRS().spec.replicas]).toEqual([8, 5]);
    w.edit((d) => { d.spec.replicas = 15; });
    w.syncDeployment();
    expect([oldRS().spec.replicas, newRS().spec.replicas]).toEqual([11, 7]);
    expect(oldRS().metadata.annotations?.['deployment.kubernetes.io/max-replicas']).toBe('18');
    expect(oldRS().metadata.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('15');
    expect(w.events.filter((e) => e.startsWith('ScalingReplicaSet')).slice(-2)).toEqual([
      `ScalingReplicaSet: Scaled up replica set ${oldRS().metadata.name} from 8 to 11`,
      `ScalingReplicaSet: Scaled up replica set ${newRS().metadata.name} from 5 to 7`,
    ]);
    // and scaling back down to 10 undoes it proportionally
    w.edit((d) => { d.spec.replicas = 10; });
    w.syncDeployment();
    expect(oldRS().spec.replicas! + newRS().spec.replicas!).toBe(13);
    expect([oldRS().spec.replicas, newRS().spec.replicas]).toEqual([8, 5]);
  });

  it('with a single active RS just resizes it; 10 → 3 → 20 converges', () => {
    const w = new FakeWorld(deployment('web', 10, 'a'));
    settle(w, () => {});
    w.edit((d) => { d.spec.replicas = 3; });
    settle(w, () => {});
    expect(w.totalPods()).toBe(3);
    w.edit((d) => { d.spec.replicas = 20; });
    settle(w, () => {});
    expect(w.totalPods()).toBe(20);
    expect(w.rss).toHaveLength(1);
    expect(w.d.status).toMatchObject({ replicas: 20, availableReplicas: 20, observedGeneration: 3 });
  });
});

describe('Recreate', () => {
  it('scales old to 0, waits for their pods to be gone, then brings the new RS up at once', () => {
    const w = new FakeWorld(deployment('web', 4, 'a', { type: 'Recreate' }), 1);
    settle(w, () => {});
    w.edit((d) => { d.spec.template.spec.containers[0]!.image = 'b'; });
    w.syncDeployment();
    expect(w.rss).toHaveLength(1);
    expect(w.rss[0]!.spec.replicas).toBe(0);
    // Old pods still exist (the RS status still counts them): no new RS yet.
    w.syncDeployment();
    expect(w.rss).toHaveLength(1);
    settle(w, () => {
      const images = new Set(w.pods.map((p) => w.image(w.rss.find((r) => r.metadata.name === p.rs)!)));
      expect(images.size).toBeLessThanOrEqual(1); // never two versions at once
    });
    const newRS = w.rss.find((r) => w.image(r) === 'b')!;
    expect(newRS.spec.replicas).toBe(4);
    expect(w.totalPods()).toBe(4);
    expect(w.events.some((e) => e === `ScalingReplicaSet: Scaled up replica set ${newRS.metadata.name} from 0 to 4`)).toBe(true);
  });
});

describe('paused', () => {
  it('does not roll out a template change, but still scales; resuming rolls out', () => {
    const w = new FakeWorld(deployment('web', 3, 'a'));
    settle(w, () => {});
    w.edit((d) => { d.spec.paused = true; d.spec.template.spec.containers[0]!.image = 'b'; });
    settle(w, () => {});
    expect(w.rss).toHaveLength(1);
    expect(w.d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused' });
    w.edit((d) => { d.spec.replicas = 5; });
    settle(w, () => {});
    expect(w.rss).toHaveLength(1);
    expect(w.totalPods()).toBe(5);
    // No deadline checks while paused.
    w.tick(3600_000);
    const plan = planDeployment({ deployment: w.d, replicaSets: w.rss, now: w.now() });
    expect(plan.requeueAfterMs).toBeUndefined();
    w.edit((d) => { d.spec.paused = false; });
    settle(w, () => {});
    expect(w.rss).toHaveLength(2);
    expect(w.rss.find((r) => w.image(r) === 'b')!.spec.replicas).toBe(5);
    expect(w.d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
  });
});

describe('rollback and history', () => {
  it('a template equal to an older RS reuses it with revision max+1 (kubectl rollout undo)', () => {
    const w = new FakeWorld(deployment('web', 3, 'a'));
    settle(w, () => {});
    const first = w.rss[0]!.metadata.name;
    w.edit((d) => { d.spec.template.spec.containers[0]!.image = 'b'; d.metadata.annotations = { 'kubernetes.io/change-cause': 'to b' }; });
    settle(w, () => {});
    expect(w.rsByRevision(2)?.metadata.annotations?.['kubernetes.io/change-cause']).toBe('to b');
    // undo: the old RS's template minus pod-template-hash is patched back in
    const old = structuredClone(w.rsByRevision(1)!.spec.template!);
    delete old.metadata!.labels!['pod-template-hash'];
    w.edit((d) => { d.spec.template = old; });
    settle(w, () => {});
    expect(w.rss).toHaveLength(2);
    const reused = w.rss.find((r) => r.metadata.name === first)!;
    expect(reused.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(reused.spec.replicas).toBe(3);
    expect(w.rsByRevision(1)).toBeUndefined();
    expect(w.d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(w.pods.every((p) => p.rs === first)).toBe(true);
  });

  it('legacy deprecated.deployment.rollback.to copies the revision template and clears the annotation', () => {
    const w = new FakeWorld(deployment('web', 2, 'a'));
    settle(w, () => {});
    w.edit((d) => { d.spec.template.spec.containers[0]!.image = 'b'; });
    settle(w, () => {});
    w.d.metadata.annotations = { ...w.d.metadata.annotations, 'deprecated.deployment.rollback.to': '0' };
    w.syncDeployment();
    expect(w.d.spec.template.spec.containers[0]!.image).toBe('a');
    expect(w.d.metadata.annotations?.['deprecated.deployment.rollback.to']).toBeUndefined();
    expect(w.d.spec.template.metadata?.labels?.['pod-template-hash']).toBeUndefined();
    settle(w, () => {});
    expect(w.rss).toHaveLength(2);
    expect(w.rss.find((r) => w.image(r) === 'a')!.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('prunes empty old ReplicaSets beyond revisionHistoryLimit, oldest revisions first', () => {
    const w = new FakeWorld(deployment('web', 2, 'v0', undefined, { revisionHistoryLimit: 2 }));
    settle(w, () => {});
    for (let v = 1; v <= 5; v++) {
      w.edit((d) => { d.spec.template.spec.containers[0]!.image = `v${v}`; });
      settle(w, () => {});
    }
    // current (v5, revision 6) + 2 old (revisions 4 and 5)
    expect(w.rss.map((r) => w.image(r)).sort()).toEqual(['v3', 'v4', 'v5']);
    expect(w.events.filter((e) => e.startsWith('ScalingReplicaSet')).length).toBeGreaterThan(0);
  });

  it('revisionHistoryLimit 0 keeps no old ReplicaSets', () => {
    const w = new FakeWorld(deployment('web', 1, 'a', undefined, { revisionHistoryLimit: 0 }));
    settle(w, () => {});
    w.edit((d) => { d.spec.template.spec.containers[0]!.image = 'b'; });
    settle(w, () => {});
    expect(w.rss.map((r) => w.image(r))).toEqual(['b']);
  });

  it('restartedAt is just a template change (rolling restart)', () => {
    const w = new FakeWorld(deployment('web', 2, 'a'));
    settle(w, () => {});
    w.edit((d) => { d.spec.template.metadata!.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' }; });
    settle(w, () => {});
    expect(w.rss).toHaveLength(2);
    expect(w.rsByRevision(2)?.spec.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe('2026-01-01T00:00:00Z');
  });
});

describe('progress deadline', () => {
  it('turns Progressing False/ProgressDeadlineExceeded when nothing moves for progressDeadlineSeconds', () => {
    const w = new FakeWorld(deployment('web', 2, 'a', undefined, { progressDeadlineSeconds: 60 }));
    settle(w, () => {});
    w.readyAfter = 1_000_000; // new pods never become available
    for (const p of w.pods) p.age = 2_000_000;
    w.refreshStatus();
    w.edit((d) => { d.spec.template.spec.containers[0]!.image = 'b'; });
    for (let i = 0; i < 5; i++) { w.syncDeployment(); w.syncReplicaSets(); w.tick(); }
    const plan = planDeployment({ deployment: w.d, replicaSets: w.rss, now: w.now() });
    expect(plan.requeueAfterMs).toBeGreaterThan(0);
    expect(w.d.status?.conditions?.find((c) => c.type === 'Progressing')?.status).toBe('True');
    w.tick(61_000);
    w.syncDeployment();
    expect(w.d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(w.d.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
  });
});
