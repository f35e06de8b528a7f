// The StatefulSet planner without I/O: pod identity and claims, OrderedReady vs Parallel
// creation, scale-down from the top, rolling updates with a partition and maxUnavailable,
// OnDelete, claim retention (owner references), revisions and status — and, over a small
// simulated cluster driven in random orders, never two pods for one ordinal.
import { describe, expect, it } from 'vitest';
import type { ControllerRevision, StatefulSet } from '../../../api/apps/index.js';
import { CONTROLLER_REVISION_HASH_LABEL, POD_INDEX_LABEL, STATEFULSET_POD_NAME_LABEL } from '../../../api/apps/index.js';
import type { PersistentVolumeClaim, Pod } from '../../../api/core/index.js';
import { planHistory } from '../../../controllers/history/controller-revisions.js';
import { planStatefulSet, type StatefulSetPlan } from '../../../controllers/statefulset/planner.js';

const NOW = new Date('2026-01-01T01:00:00Z');
const UID = 'sts-uid';

function sts(spec: Partial<StatefulSet['spec']> = {}, image = 'web:v1'): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: UID, generation: 1 },
    spec: {
      replicas: 3,
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
      revisionHistoryLimit: 10,
      ...spec,
    },
  };
}

const revisionFor = (set: StatefulSet, revision = 1): ControllerRevision => {
  const r = planHistory(set, [], [], 'StatefulSet').create!;
  return { ...r, metadata: { ...r.metadata, uid: `rev-${r.metadata.name}` }, revision };
};
const hashOf = (set: StatefulSet) => planHistory(set, [], [], 'StatefulSet').hash;

let uid = 0;
/** A pod the controller made earlier, Running and Ready unless told otherwise. */
function pod(set: StatefulSet, ordinal: number, opts: { ready?: boolean; phase?: 'Pending' | 'Running' | 'Failed' | 'Succeeded'; deleting?: boolean; hash?: string } = {}): Pod {
  const name = `web-${ordinal}`;
  return {
    metadata: {
      name, namespace: 'default', uid: `p-${++uid}`,
      labels: { app: 'web', [STATEFULSET_POD_NAME_LABEL]: name, [CONTROLLER_REVISION_HASH_LABEL]: opts.hash ?? hashOf(set) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: UID, controller: true }],
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:59:00Z' } : {}),
    },
    spec: { containers: [{ name: 'c' }], hostname: name, subdomain: 'web' },
    status: { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  };
}
const claim = (ordinal: number, owners: PersistentVolumeClaim['metadata']['ownerReferences'] = undefined): PersistentVolumeClaim =>
  ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `data-web-${ordinal}`, namespace: 'default', uid: `c-${ordinal}`, ...(owners ? { ownerReferences: owners } : {}) }, spec: {} });

const plan = (set: StatefulSet, pods: Pod[], claims: PersistentVolumeClaim[] = [], revisions: ControllerRevision[] = [revisionFor(set)]): StatefulSetPlan =>
  planStatefulSet({ set, pods, claims, revisions, now: NOW });
const names = (pods: Pod[]) => pods.map((p) => p.metadata.name);

describe('pod identity and claims', () => {
  it('names the pod <set>-<ordinal>, with hostname, subdomain, labels, owner and its claim mounted', () => {
    const set = sts();
    const p = plan(set, []);
    expect(names(p.create)).toEqual(['web-0']);
    const web0 = p.create[0]!;
    expect(web0.spec.hostname).toBe('web-0');
    expect(web0.spec.subdomain).toBe('web');
    expect(web0.metadata.labels).toEqual({ app: 'web', [STATEFULSET_POD_NAME_LABEL]: 'web-0', [POD_INDEX_LABEL]: '0', [CONTROLLER_REVISION_HASH_LABEL]: hashOf(set) });
    expect(web0.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: UID, controller: true, blockOwnerDeletion: true }]);
    expect(web0.spec.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }]);
    expect(p.createClaims.map((c) => c.metadata.name)).toEqual(['data-web-0']);
    // The selector's labels go on the claim; Retain/Retain means no owner.
    expect(p.createClaims[0]!.metadata.labels).toEqual({ app: 'web' });
    expect(p.createClaims[0]!.metadata.ownerReferences).toBeUndefined();
  });

  it('does not make a claim that exists (a pod recreated gets its old claim back)', () => {
    const set = sts();
    const p = plan(set, [pod(set, 0)], [claim(0), claim(1)]);
    expect(names(p.create)).toEqual(['web-1']);
    expect(p.createClaims).toEqual([]);
  });

  it('recreates a claim deleted under a live pod', () => {
    const set = sts({ replicas: 1 });
    expect(plan(set, [pod(set, 0)], []).createClaims.map((c) => c.metadata.name)).toEqual(['data-web-0']);
  });

  it('adopts only orphans named like its members', () => {
    const set = sts();
    const orphan = { ...pod(set, 0), metadata: { ...pod(set, 0).metadata, ownerReferences: undefined } };
    const stranger = { ...orphan, metadata: { ...orphan.metadata, name: 'other-0', uid: 'x' } };
    const p = plan(set, [orphan, stranger]);
    expect(names(p.adopt)).toEqual(['web-0']);
  });
});

describe('OrderedReady', () => {
  it('creates one pod at a time, each only after the lower ones are Running and Ready', () => {
    const set = sts();
    expect(names(plan(set, [pod(set, 0, { phase: 'Pending', ready: false })]).create)).toEqual([]);
    expect(names(plan(set, [pod(set, 0, { ready: false })]).create)).toEqual([]);
    expect(names(plan(set, [pod(set, 0)]).create)).toEqual(['web-1']);
    expect(names(plan(set, [pod(set, 0), pod(set, 1)]).create)).toEqual(['web-2']);
    // A hole below is filled first.
    expect(names(plan(set, [pod(set, 1), pod(set, 2)]).create)).toEqual(['web-0']);
  });

  it('scales down from the highest ordinal, one at a time, waiting for it to be gone', () => {
    const set = sts({ replicas: 1 });
    const pods = [pod(set, 0), pod(set, 1), pod(set, 2)];
    expect(names(plan(set, pods).delete)).toEqual(['web-2']);
    expect(names(plan(set, [pod(set, 0), pod(set, 1), pod(set, 2, { deleting: true })]).delete)).toEqual([]);
    expect(names(plan(set, [pod(set, 0), pod(set, 1)]).delete)).toEqual(['web-1']);
  });

  it('does not scale down past an unhealthy pod unless it is the lowest unhealthy one', () => {
    const set = sts({ replicas: 1 });
    expect(names(plan(set, [pod(set, 0), pod(set, 1, { ready: false }), pod(set, 2, { ready: false })]).delete)).toEqual([]);
    expect(names(plan(set, [pod(set, 0), pod(set, 1), pod(set, 2, { ready: false })]).delete)).toEqual(['web-2']);
    // Nor while a replica below is unhealthy.
    expect(names(plan(set, [pod(set, 0, { ready: false }), pod(set, 1)]).delete)).toEqual([]);
  });

  it('replaces a failed pod only after it is gone', () => {
    const set = sts();
    const failed = plan(set, [pod(set, 0), pod(set, 1, { phase: 'Failed', ready: false })]);
    expect(names(failed.delete)).toEqual(['web-1']);
    expect(failed.create).toEqual([]);
    expect(plan(set, [pod(set, 0), pod(set, 1, { phase: 'Failed', ready: false, deleting: true })]).create).toEqual([]);
    expect(names(plan(set, [pod(set, 0)]).create)).toEqual(['web-1']);
  });
});

describe('Parallel', () => {
  it('creates every missing pod at once, and deletes every condemned one at once', () => {
    const set = sts({ podManagementPolicy: 'Parallel' });
    const up = plan(set, []);
    expect(names(up.create)).toEqual(['web-0', 'web-1', 'web-2']);
    expect(up.createClaims.map((c) => c.metadata.name)).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    expect(names(plan(set, [pod(set, 0, { ready: false })]).create)).toEqual(['web-1', 'web-2']);
    const down = sts({ podManagementPolicy: 'Parallel', replicas: 1 });
    expect(names(plan(down, [pod(down, 0), pod(down, 1, { ready: false }), pod(down, 2)]).delete)).toEqual(['web-2', 'web-1']);
  });

  it('still waits for a Terminating pod to go before making its replacement', () => {
    const set = sts({ podManagementPolicy: 'Parallel' });
    expect(names(plan(set, [pod(set, 0, { deleting: true })]).create)).toEqual(['web-1', 'web-2']);
  });
});

describe('RollingUpdate', () => {
  const v1 = sts();
  const v2 = sts({}, 'web:v2');
  const revs = [revisionFor(v1, 1), revisionFor(v2, 2)];
  const withStatus = (set: StatefulSet): StatefulSet => ({ ...set, status: { replicas: 3, currentRevision: revs[0]!.metadata.name } });

  it('deletes the highest pod not at the update revision, then waits for its replacement to be Ready', () => {
    const set = withStatus(v2);
    const old = [pod(v1, 0), pod(v1, 1), pod(v1, 2)];
    expect(names(plan(set, old, [], revs).delete)).toEqual(['web-2']);
    // web-2 gone: recreated at v2.
    const recreated = plan(set, [old[0]!, old[1]!], [], revs);
    expect(names(recreated.create)).toEqual(['web-2']);
    expect(recreated.create[0]!.spec.containers[0]!.image).toBe('web:v2');
    // web-2 at v2 but not Ready: nothing else moves.
    expect(plan(set, [old[0]!, old[1]!, pod(v2, 2, { ready: false })], [], revs).delete).toEqual([]);
    expect(names(plan(set, [old[0]!, old[1]!, pod(v2, 2)], [], revs).delete)).toEqual(['web-1']);
  });

  it('keeps ordinals below the partition at the current revision, recreating them from it', () => {
    const set = withStatus(sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, 'web:v2'));
    expect(plan(set, [pod(v1, 0), pod(v1, 1), pod(v2, 2)], [], revs).delete).toEqual([]);
    const recreated = plan(set, [pod(v1, 1), pod(v2, 2)], [], revs);
    expect(recreated.create[0]!.spec.containers[0]!.image).toBe('web:v1');
    expect(recreated.create[0]!.metadata.labels![CONTROLLER_REVISION_HASH_LABEL]).toBe(hashOf(v1));
    const status = plan(set, [pod(v1, 0), pod(v1, 1), pod(v2, 2)], [], revs).status!;
    expect(status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 2, updatedReplicas: 1, currentRevision: revs[0]!.metadata.name, updateRevision: revs[1]!.metadata.name });
  });

  it('with maxUnavailable, deletes up to that many old pods at once, counting the unavailable', () => {
    const set = withStatus(sts({ podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } } }, 'web:v2'));
    expect(names(plan(set, [pod(v1, 0), pod(v1, 1), pod(v1, 2)], [], revs).delete)).toEqual(['web-2', 'web-1']);
    expect(names(plan(set, [pod(v1, 0), pod(v1, 1), pod(v2, 2, { ready: false })], [], revs).delete)).toEqual(['web-1']);
  });

  it('OnDelete never deletes for an update; a deleted pod comes back at the update revision', () => {
    const set = withStatus(sts({ updateStrategy: { type: 'OnDelete' } }, 'web:v2'));
    expect(plan(set, [pod(v1, 0), pod(v1, 1), pod(v1, 2)], [], revs).delete).toEqual([]);
    expect(plan(set, [pod(v1, 0), pod(v1, 2)], [], revs).create[0]!.spec.containers[0]!.image).toBe('web:v2');
  });

  it('makes the update revision current once every pod is updated and ready', () => {
    const set = withStatus(v2);
    const status = plan(set, [pod(v2, 0), pod(v2, 1), pod(v2, 2)], [], revs).status!;
    expect(status).toMatchObject({ replicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: revs[1]!.metadata.name, updateRevision: revs[1]!.metadata.name, observedGeneration: 1 });
  });

  it('writes a revision for a new template, and keeps the current one past the history limit', () => {
    const set = { ...withStatus(sts({ revisionHistoryLimit: 0 }, 'web:v3')) };
    const p = plan(set, [pod(v1, 0)], [], revs);
    expect(p.history!.create!.revision).toBe(3);
    expect(p.history!.delete.map((r) => r.revision)).toEqual([2]);
  });
});

describe('claim retention', () => {
  const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: UID };

  it('Retain/Retain: claims have no owner, and scale-down leaves them', () => {
    const set = sts({ replicas: 1 });
    const p = plan(set, [pod(set, 0), pod(set, 1)], [claim(0), claim(1)]);
    expect(names(p.delete)).toEqual(['web-1']);
    expect(p.claimOwners).toEqual([]);
  });

  it('whenDeleted Delete: the set owns every claim, new or existing', () => {
    const set = sts({ replicas: 2, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    const p = plan(set, [pod(set, 0)], [claim(0)]);
    expect(p.claimOwners).toEqual([{ claim: claim(0), ownerReferences: [setRef] }]);
    expect(p.createClaims[0]!.metadata.ownerReferences).toEqual([setRef]);
  });

  it('whenScaled Delete: a condemned pod owns its claim before it is deleted, so the claim goes with it', () => {
    const set = sts({ replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    const web1 = pod(set, 1);
    const p = plan(set, [pod(set, 0), web1], [claim(0), claim(1)]);
    expect(names(p.delete)).toEqual(['web-1']);
    expect(p.claimOwners).toEqual([{ claim: claim(1), ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: web1.metadata.uid }] }]);
    // Scaled back up: the pod reference comes off again.
    const up = sts({ replicas: 2, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    const owned = claim(1, [{ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: web1.metadata.uid! }]);
    expect(plan(up, [pod(up, 0), web1], [claim(0), owned]).claimOwners).toEqual([{ claim: owned, ownerReferences: [] }]);
  });
});

describe('never two pods for one ordinal', () => {
  // A tiny cluster: the API server refuses a second pod with a name in use (as a real one
  // does, so this also checks the planner never relies on that), kubelets make pods Ready and
  // finish terminations, users delete pods and change the spec, all in a seeded random order.
  for (const policy of ['OrderedReady', 'Parallel'] as const) {
    it(`${policy}: the planner never asks for a pod whose ordinal still has one`, () => {
      let seed = 7;
      const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
      let set = sts({ podManagementPolicy: policy });
      let revisions = [revisionFor(set)];
      const pods = new Map<string, Pod>();
      let created = 0;
      for (let step = 0; step < 600; step++) {
        const action = rand(6);
        if (action === 0) {
          const p = plan(set, [...pods.values()], [], revisions);
          if (policy === 'OrderedReady') {
            // One step at a time, and only from a settled state: every lower pod Running and Ready, nothing terminating.
            expect(p.create.length + p.delete.length).toBeLessThanOrEqual(1);
            const settledBelow = (ord: number) => [...Array(ord).keys()].every((i) => {
              const q = pods.get(`web-${i}`);
              return q && !q.metadata.deletionTimestamp && q.status?.phase === 'Running';
            });
            for (const c of p.create) expect(settledBelow(Number(c.metadata.name!.slice(4))), `${c.metadata.name} before its predecessors`).toBe(true);
            if (p.create.length + p.delete.length > 0) expect([...pods.values()].some((q) => q.metadata.deletionTimestamp && q.metadata.name !== p.delete[0]?.metadata.name)).toBe(false);
          }
          for (const c of p.create) {
            expect(pods.has(c.metadata.name!), `${c.metadata.name} asked for while one exists`).toBe(false);
            pods.set(c.metadata.name!, { ...c, metadata: { ...c.metadata, uid: `u${++created}` }, status: { phase: 'Pending' } });
          }
          for (const d of p.delete) pods.set(d.metadata.name!, { ...d, metadata: { ...d.metadata, deletionTimestamp: NOW.toISOString() } });
          if (p.history?.create) revisions = [...revisions, p.history.create];
          if (p.status) set = { ...set, status: p.status };
        } else if (action === 1) {
          const all = [...pods.values()];
          const p = all[rand(all.length || 1)];
          if (p && !p.metadata.deletionTimestamp) pods.set(p.metadata.name!, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
        } else if (action === 2) {
          const gone = [...pods.values()].filter((p) => p.metadata.deletionTimestamp);
          const p = gone[rand(gone.length || 1)];
          if (p) pods.delete(p.metadata.name!);
        } else if (action === 3 && rand(4) === 0) {
          const all = [...pods.values()];
          const p = all[rand(all.length || 1)];
          if (p) pods.set(p.metadata.name!, { ...p, metadata: { ...p.metadata, deletionTimestamp: NOW.toISOString() } });
        } else if (action === 4 && rand(6) === 0) {
          set = { ...set, spec: { ...set.spec, replicas: rand(5) } };
        } else if (action === 5 && rand(6) === 0) {
          set = { ...set, spec: { ...set.spec, template: { ...set.spec.template, spec: { containers: [{ name: 'c', image: `web:v${rand(3)}` }] } } } };
        }
      }
      expect(created).toBeGreaterThan(5);
    });
  }
});
