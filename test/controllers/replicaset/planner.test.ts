import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../api/core/index.js';
import type { ReplicaSet } from '../../../api/apps/index.js';
import { ControllerExpectations } from '../../../controllers/replicaset/expectations.js';
import { compareForDeletion, podsToDelete } from '../../../controllers/replicaset/pod-ranking.js';
import { BURST_REPLICAS, planReplicaSet, podFromTemplate } from '../../../controllers/replicaset/planner.js';
import { slowStartBatches } from '../../../controllers/pod-control.js';

const NOW = new Date('2026-01-01T00:10:00Z');

function rs(replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: 'web-abc', namespace: 'default', uid: 'rs-uid', generation: 2 },
    spec: {
      replicas, selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web', tier: 'fe' }, annotations: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ...extra,
    },
  };
}

let n = 0;
function pod(opts: { name?: string; node?: string; phase?: string; ready?: boolean; readySince?: string; restarts?: number; created?: string; owner?: string | null; labels?: Record<string, string>; deleting?: boolean } = {}): Pod {
  const owner = opts.owner === undefined ? 'rs-uid' : opts.owner;
  return {
    metadata: {
      name: opts.name ?? `p${++n}`, namespace: 'default', uid: `uid-${n}`,
      labels: opts.labels ?? { app: 'web', tier: 'fe' },
      creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: owner, controller: true }] } : {}),
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:09:00Z' } : {}),
    },
    spec: { containers: [{ name: 'c' }], ...(opts.node ? { nodeName: opts.node } : {}) },
    status: {
      phase: (opts.phase ?? 'Running') as 'Running',
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: opts.readySince ?? '2026-01-01T00:00:00Z' }],
      containerStatuses: [{ name: 'c', ready: opts.ready !== false, restartCount: opts.restarts ?? 0, image: 'nginx', imageID: '' }],
    },
  };
}

describe('slow start', () => {
  it('batches 1, 2, 4, … capped by what remains', () => {
    expect(slowStartBatches(1)).toEqual([1]);
    expect(slowStartBatches(10)).toEqual([1, 2, 4, 3]);
    expect(slowStartBatches(15)).toEqual([1, 2, 4, 8]);
    expect(slowStartBatches(0)).toEqual([]);
    expect(slowStartBatches(500).reduce((a, b) => a + b)).toBe(500);
  });
  it('creates at most 500 per sync', () => {
    const plan = planReplicaSet({ rs: rs(1200), pods: [], expectationsSatisfied: true, now: NOW });
    expect(plan.create).toBe(BURST_REPLICAS);
    expect(plan.createBatches).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 245]);
  });
});

describe('pod ranking for deletion', () => {
  it('unassigned < assigned; Pending < Unknown < Running; not ready < ready; more restarts; newer first', () => {
    const unassigned = pod({ name: 'unassigned', phase: 'Running' });
    const pending = pod({ name: 'pending', node: 'n', phase: 'Pending', ready: false });
    const unknown = pod({ name: 'unknown', node: 'n', phase: 'Unknown', ready: false });
    const notReady = pod({ name: 'notready', node: 'n', ready: false });
    const restarts = pod({ name: 'restarts', node: 'n', restarts: 5 });
    const newer = pod({ name: 'newer', node: 'n', created: '2026-01-01T00:05:00Z' });
    const older = pod({ name: 'older', node: 'n', created: '2026-01-01T00:01:00Z' });
    const shuffled = [older, newer, restarts, notReady, unknown, pending, unassigned];
    expect([...shuffled].sort(compareForDeletion).map((p) => p.metadata.name)).toEqual(['unassigned', 'pending', 'unknown', 'notready', 'restarts', 'newer', 'older']);
    expect(podsToDelete(shuffled, 2).map((p) => p.metadata.name)).toEqual(['unassigned', 'pending']);
  });
  it('among ready pods, the one ready most recently goes first', () => {
    const a = pod({ name: 'long', node: 'n', readySince: '2026-01-01T00:00:00Z' });
    const b = pod({ name: 'recent', node: 'n', readySince: '2026-01-01T00:08:00Z' });
    expect(podsToDelete([a, b], 1)[0]!.metadata.name).toBe('recent');
  });
});

describe('expectations', () => {
  it('holds syncs until creations and deletions are observed, or 5 minutes pass', () => {
    let t = 0;
    const e = new ControllerExpectations(() => t);
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectCreations('ns/rs', 3);
    e.creationObserved('ns/rs'); e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a'); // a graceful delete is seen twice: counted once
    expect(e.satisfied('ns/rs')).toBe(false);
    e.deletionObserved('ns/rs', 'ns/b');
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectCreations('ns/rs', 2);
    e.lowerCreations('ns/rs', 1);
    expect(e.satisfied('ns/rs')).toBe(false);
    t += 5 * 60 * 1000 + 1;
    expect(e.satisfied('ns/rs')).toBe(true);
  });
  it('an RS with unsatisfied expectations does not create again (a slow watch never over-creates)', () => {
    const plan = planReplicaSet({ rs: rs(3), pods: [], expectationsSatisfied: false, now: NOW });
    expect(plan.create).toBe(0);
    expect(plan.delete).toEqual([]);
  });
});

describe('ReplicaSet planner', () => {
  it('creates the missing pods and deletes the extra ones by rank', () => {
    const have = [pod({ node: 'n' }), pod({ node: 'n' })];
    expect(planReplicaSet({ rs: rs(5), pods: have, expectationsSatisfied: true, now: NOW })).toMatchObject({ create: 3, createBatches: [1, 2], delete: [] });
    const extra = [pod({ name: 'old', node: 'n', created: '2026-01-01T00:00:00Z' }), pod({ name: 'sched', phase: 'Pending', ready: false }), pod({ name: 'new', node: 'n', created: '2026-01-01T00:01:00Z' })];
    const plan = planReplicaSet({ rs: rs(1), pods: extra, expectationsSatisfied: true, now: NOW });
    expect(plan.create).toBe(0);
    expect(plan.delete.map((p) => p.metadata.name)).toEqual(['sched', 'new']);
  });

  it('adopts matching orphans, releases non-matching owned pods, ignores others and terminating pods', () => {
    const orphan = pod({ name: 'orphan', owner: null });
    const strayed = pod({ name: 'strayed', labels: { app: 'api' } });
    const foreign = pod({ name: 'foreign', owner: 'other-uid' });
    const orphanDeleting = pod({ name: 'orphan-del', owner: null, deleting: true });
    const orphanNoMatch = pod({ name: 'orphan-nomatch', owner: null, labels: { app: 'api' } });
    const plan = planReplicaSet({ rs: rs(1), pods: [orphan, strayed, foreign, orphanDeleting, orphanNoMatch], expectationsSatisfied: true, now: NOW });
    expect(plan.adopt.map((p) => p.metadata.name)).toEqual(['orphan']);
    expect(plan.release.map((p) => p.metadata.name)).toEqual(['strayed']);
    expect(plan.create).toBe(0); // the adopted orphan counts
    expect(plan.status?.replicas).toBe(1);
  });

  it('ignores finished and terminating pods when counting', () => {
    const plan = planReplicaSet({ rs: rs(2), pods: [pod({ phase: 'Succeeded' }), pod({ phase: 'Failed' }), pod({ deleting: true }), pod()], expectationsSatisfied: true, now: NOW });
    expect(plan.create).toBe(1);
    expect(plan.status?.replicas).toBe(1);
  });

  it('status: fullyLabeled, ready, available honouring minReadySeconds, observedGeneration; requeues for availability', () => {
    const pods = [
      pod({ readySince: '2026-01-01T00:00:00Z' }),                 // available
      pod({ readySince: '2026-01-01T00:09:50Z' }),                 // ready 10s, needs 30s
      pod({ ready: false }),
      pod({ labels: { app: 'web' } }),                             // not fully labeled (no tier)
    ];
    const plan = planReplicaSet({ rs: rs(4, { minReadySeconds: 30 }), pods, expectationsSatisfied: true, now: NOW });
    expect(plan.status).toMatchObject({ replicas: 4, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 2, observedGeneration: 2 });
    expect(plan.requeueAfterMs).toBe(20_000 + 1000);
    const unchanged = planReplicaSet({ rs: { ...rs(4, { minReadySeconds: 30 }), status: plan.status }, pods, expectationsSatisfied: true, now: NOW });
    expect(unchanged.status).toBeUndefined();
  });

  it('a ReplicaSet being deleted neither creates nor deletes', () => {
    const r = rs(3); r.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    expect(planReplicaSet({ rs: r, pods: [], expectationsSatisfied: true, now: NOW }).create).toBe(0);
  });

  it('pods come from the template with generateName, labels and the controller ownerReference', () => {
    const p = podFromTemplate(rs(1));
    expect(p.metadata).toEqual({
      generateName: 'web-abc-', namespace: 'default', labels: { app: 'web', tier: 'fe' }, annotations: { a: 'b' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }],
    });
    expect(p.spec.containers[0]!.image).toBe('nginx');
  });
});
