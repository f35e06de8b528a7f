// The DaemonSet planner without I/O: one pod per eligible node (nodeSelector, required node
// affinity, taints with the automatic daemon tolerations), pods pinned by matchFields and left
// to the scheduler, new and removed nodes, extra and failed pods, history revisions, rolling
// updates bounded by maxUnavailable or maxSurge, OnDelete, and the status counts.
import { describe, expect, it } from 'vitest';
import type { ControllerRevision, DaemonSet } from '../../../api/apps/index.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../../../api/apps/index.js';
import type { Node, Pod } from '../../../api/core/index.js';
import { planDaemonSet, rollingBounds, type DaemonSetPlan } from '../../../controllers/daemonset/planner.js';
import { planHistory } from '../../../controllers/history/controller-revisions.js';
import { nodeShouldRunDaemonPod, nodeUpdateConcerns, targetNodeName } from '../../../controllers/daemonset/placement.js';

const NOW = new Date('2026-01-01T01:00:00Z');
const UID = 'ds-uid';

function ds(spec: Partial<DaemonSet['spec']> = {}, image = 'agent:v1', generation = 1): DaemonSet {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', uid: UID, generation },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
      ...spec,
    },
  };
}
const node = (name: string, labels: Record<string, string> = {}, taints: Node['spec'] extends infer S ? S extends { taints?: infer T } ? T : never : never = []): Node =>
  ({ metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: { taints } } as Node);

/** The hash the current template gets (what its revision and pods carry). */
const hashOf = (d: DaemonSet) => planHistory(d, [], []).hash;
const revisionOf = (d: DaemonSet, revision: number): ControllerRevision => {
  const r = planHistory(d, [], []).create!;
  return { ...r, metadata: { ...r.metadata, uid: `rev-${revision}-${r.metadata.name}` }, revision };
};

let n = 0;
function pod(nodeName: string, hash: string, opts: { ready?: boolean; phase?: Pod['status'] extends infer S ? S extends { phase?: infer P } ? P : never : never; deleting?: boolean; created?: string; scheduled?: boolean; readySince?: string } = {}): Pod {
  n++;
  return {
    metadata: {
      name: `agent-${n}`, namespace: 'default', uid: `p-${n}`, labels: { app: 'agent', [CONTROLLER_REVISION_HASH_LABEL]: hash },
      creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: UID, controller: true }],
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:59:00Z' } : {}),
    },
    spec: {
      containers: [{ name: 'a' }],
      ...(opts.scheduled === false ? {} : { nodeName }),
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] } } },
    },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: opts.readySince ?? '2026-01-01T00:00:00Z' }],
    },
  };
}

const plan = (d: DaemonSet, nodes: Node[], pods: Pod[], revisions: ControllerRevision[] = [revisionOf(d, 1)], expectationsSatisfied = true): DaemonSetPlan =>
  planDaemonSet({ ds: d, nodes, pods, revisions, expectationsSatisfied, now: NOW });
const createdOn = (p: DaemonSetPlan) => p.create.map((x) => targetNodeName(x)).sort();

describe('placement', () => {
  it('follows nodeSelector, required node affinity and the template nodeName', () => {
    const gpu = node('g', { gpu: 'yes', zone: 'a' });
    const plain = node('p', { zone: 'b' });
    expect(nodeShouldRunDaemonPod(gpu, ds({ template: { ...ds().spec.template, spec: { ...ds().spec.template.spec, nodeSelector: { gpu: 'yes' } } } })).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(plain, ds({ template: { ...ds().spec.template, spec: { ...ds().spec.template.spec, nodeSelector: { gpu: 'yes' } } } }))).toEqual({ shouldRun: false, shouldContinueRunning: false });
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['b'] }] }] } } };
    const withAffinity = ds({ template: { ...ds().spec.template, spec: { ...ds().spec.template.spec, affinity } } });
    expect(nodeShouldRunDaemonPod(plain, withAffinity).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(gpu, withAffinity).shouldRun).toBe(false);
    const pinned = ds({ template: { ...ds().spec.template, spec: { ...ds().spec.template.spec, nodeName: 'p' } } });
    expect(nodeShouldRunDaemonPod(gpu, pinned).shouldRun).toBe(false);
  });

  it('tolerates the not-ready/unreachable/unschedulable/pressure taints automatically, not others', () => {
    for (const t of [
      { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' },
    ] as const) {
      expect(nodeShouldRunDaemonPod(node('x', {}, [t]), ds()).shouldRun, t.key).toBe(true);
    }
    // Without hostNetwork, network-unavailable is not tolerated.
    expect(nodeShouldRunDaemonPod(node('x', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), ds()).shouldRun).toBe(false);
    // A NoSchedule taint: no new pod, but one already there may stay; NoExecute: it goes too.
    expect(nodeShouldRunDaemonPod(node('x', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), ds())).toEqual({ shouldRun: false, shouldContinueRunning: true });
    expect(nodeShouldRunDaemonPod(node('x', {}, [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]), ds())).toEqual({ shouldRun: false, shouldContinueRunning: false });
    const tolerant = ds({ template: { ...ds().spec.template, spec: { ...ds().spec.template.spec, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoExecute' }] } } });
    expect(nodeShouldRunDaemonPod(node('x', {}, [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]), tolerant).shouldRun).toBe(true);
  });

  it('a node update concerns a DaemonSet only when it changes where its pod belongs (heartbeats do not)', () => {
    const workers = ds({ template: { ...ds().spec.template, spec: { ...ds().spec.template.spec, nodeSelector: { role: 'worker' } } } });
    const before = node('a', { role: 'worker' });
    const heartbeat = { ...before, metadata: { ...before.metadata, resourceVersion: '9' }, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:10Z' }] } } as Node;
    expect(nodeUpdateConcerns(before, heartbeat, workers)).toBe(false);
    // Relabelled out of the selector: concerns the selective DaemonSet, not one that runs everywhere.
    const relabelled = node('a', { role: 'db' });
    expect(nodeUpdateConcerns(before, relabelled, workers)).toBe(true);
    expect(nodeUpdateConcerns(before, relabelled, ds())).toBe(false);
    // A NoSchedule taint stops new pods (shouldRun) but lets one stay; a tolerated taint changes nothing.
    expect(nodeUpdateConcerns(before, node('a', { role: 'worker' }, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), workers)).toBe(true);
    expect(nodeUpdateConcerns(before, node('a', { role: 'worker' }, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), workers)).toBe(false);
  });
});

describe('planDaemonSet', () => {
  it('creates one pod per eligible node, pinned by matchFields metadata.name, with the hash label and daemon tolerations', () => {
    const d = ds({ template: { ...ds().spec.template, spec: { ...ds().spec.template.spec, nodeSelector: { role: 'worker' } } } });
    const p = plan(d, [node('a', { role: 'worker' }), node('b', { role: 'worker' }), node('c')], [], [revisionOf(d, 1)]);
    expect(createdOn(p)).toEqual(['a', 'b']);
    const pa = p.create[0]!;
    expect(pa.metadata.generateName).toBe('agent-');
    expect(pa.metadata.labels).toEqual({ app: 'agent', [CONTROLLER_REVISION_HASH_LABEL]: hashOf(d) });
    expect(pa.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: UID, controller: true, blockOwnerDeletion: true }]);
    expect(pa.spec.nodeName).toBeUndefined();
    expect(pa.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }] });
    expect(pa.spec.tolerations).toContainEqual({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' });
    expect(p.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 0, numberReady: 0, observedGeneration: 1 });
  });

  it('a new node gets a pod; a removed node loses it; a node that stops matching loses it', () => {
    const d = ds();
    const h = hashOf(d);
    const onA = pod('a', h), onGone = pod('gone', h), onB = pod('b', h);
    const p = plan(d, [node('a'), node('b', {}, [{ key: 'evict', effect: 'NoExecute' }]), node('c')], [onA, onGone, onB]);
    expect(createdOn(p)).toEqual(['c']);
    expect(p.delete.map((x) => x.metadata.name)).toEqual([onB.metadata.name]);
    // The node is gone, and its kubelet with it: no one would confirm a graceful deletion.
    expect(p.forceDelete.map((x) => x.metadata.name)).toEqual([onGone.metadata.name]);
    expect(p.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 1, numberMisscheduled: 1, numberReady: 1, numberAvailable: 1, updatedNumberScheduled: 1, numberUnavailable: 1 });
  });

  it('an unscheduled pod counts for the node it is pinned to; a pod being deleted blocks a second one until it is gone', () => {
    const d = ds();
    const h = hashOf(d);
    const p = plan(d, [node('a'), node('b')], [pod('a', h, { scheduled: false, ready: false }), pod('b', h, { deleting: true })]);
    expect(p.create).toEqual([]);
    expect(p.delete).toEqual([]);
  });

  it('deletes failed and finished pods (with a warning for failed) and all but the oldest extra pod', () => {
    const d = ds();
    const h = hashOf(d);
    const failed = pod('a', h, { phase: 'Failed' });
    const old = pod('b', h, { created: '2026-01-01T00:00:00Z' }), young = pod('b', h, { created: '2026-01-01T00:30:00Z' });
    const p = plan(d, [node('a'), node('b')], [failed, young, old]);
    expect(p.delete.map((x) => x.metadata.name).sort()).toEqual([failed.metadata.name, young.metadata.name].sort());
    expect(p.events).toEqual([{ type: 'Warning', reason: 'FailedDaemonPod', message: `Found failed daemon pod default/${failed.metadata.name} on node a, will try to kill it` }]);
  });

  it('does nothing but status while earlier creations or deletions are unobserved', () => {
    const d = ds();
    const p = plan(d, [node('a')], [], [revisionOf(d, 1)], false);
    expect(p.create).toEqual([]);
    expect(p.status).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 0 });
  });

  it('rolling update, maxUnavailable 1: one old pod at a time, the next only once the new one is available', () => {
    const v1 = ds();
    const v2 = ds({}, 'agent:v2', 2);
    const h1 = hashOf(v1), h2 = hashOf(v2);
    const revs = [revisionOf(v1, 1), revisionOf(v2, 2)];
    const nodes = [node('a'), node('b'), node('c')];
    const start = plan(v2, nodes, [pod('a', h1), pod('b', h1), pod('c', h1)], revs);
    expect(start.create).toEqual([]);
    expect(start.delete.map((p) => targetNodeName(p))).toEqual(['a']);
    expect(start.status).toMatchObject({ updatedNumberScheduled: 0, observedGeneration: 2 });
    // a's new pod not ready yet: nothing more goes.
    const waiting = plan(v2, nodes, [pod('a', h2, { ready: false }), pod('b', h1), pod('c', h1)], revs);
    expect(waiting.delete).toEqual([]);
    expect(waiting.create).toEqual([]);
    const next = plan(v2, nodes, [pod('a', h2), pod('b', h1), pod('c', h1)], revs);
    expect(next.delete.map((p) => targetNodeName(p))).toEqual(['b']);
    expect(next.status).toMatchObject({ updatedNumberScheduled: 1 });
    // An old pod that is not available may always be replaced.
    const broken = plan(v2, nodes, [pod('a', h2, { ready: false }), pod('b', h1, { ready: false }), pod('c', h1)], revs);
    expect(broken.delete.map((p) => targetNodeName(p))).toEqual(['b']);
  });

  it('rolling update with maxUnavailable 2 and minReadySeconds: two at a time; a new pod is available only after minReadySeconds', () => {
    const v2 = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2, maxSurge: 0 } }, minReadySeconds: 60 }, 'agent:v2', 2);
    const h1 = hashOf(ds({ minReadySeconds: 60 })), h2 = hashOf(v2);
    const nodes = [node('a'), node('b'), node('c'), node('d')];
    const p = plan(v2, nodes, ['a', 'b', 'c', 'd'].map((x) => pod(x, h1)), [revisionOf(v2, 2)]);
    expect(p.delete.map((x) => targetNodeName(x))).toEqual(['a', 'b']);
    const fresh = plan(v2, nodes, [pod('a', h2, { readySince: '2026-01-01T00:59:30Z' }), pod('b', h2), pod('c', h1), pod('d', h1)], [revisionOf(v2, 2)]);
    expect(fresh.delete.map((x) => targetNodeName(x))).toEqual(['c']);
    expect(fresh.requeueAfterMs).toBe(30_000);
    expect(fresh.status).toMatchObject({ numberReady: 4, numberAvailable: 3 });
  });

  it('rolling update with maxSurge 1: a new pod beside the old one, the old one goes once the new one is available', () => {
    const v2 = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }, 'agent:v2', 2);
    const h1 = hashOf(ds()), h2 = hashOf(v2);
    const nodes = [node('a'), node('b')];
    const start = plan(v2, nodes, [pod('a', h1), pod('b', h1)], [revisionOf(v2, 2)]);
    expect(createdOn(start)).toEqual(['a']);
    expect(start.delete).toEqual([]);
    const surging = plan(v2, nodes, [pod('a', h1), pod('a', h2, { ready: false }), pod('b', h1)], [revisionOf(v2, 2)]);
    expect(surging.create).toEqual([]);
    expect(surging.delete).toEqual([]);
    const oldA = pod('a', h1);
    const ready = plan(v2, nodes, [oldA, pod('a', h2), pod('b', h1)], [revisionOf(v2, 2)]);
    expect(ready.delete.map((p) => p.metadata.name)).toEqual([oldA.metadata.name]);
    // An old pod that is unavailable gets its replacement at once, beyond maxSurge.
    const down = plan(v2, nodes, [pod('a', h1), pod('a', h2, { ready: false }), pod('b', h1, { ready: false })], [revisionOf(v2, 2)]);
    expect(createdOn(down)).toEqual(['b']);
  });

  it('OnDelete: old pods stay until someone deletes them; then the new template', () => {
    const v2 = ds({ updateStrategy: { type: 'OnDelete' } }, 'agent:v2', 2);
    const h1 = hashOf(ds()), h2 = hashOf(v2);
    const p = plan(v2, [node('a'), node('b')], [pod('a', h1)], [revisionOf(v2, 2)]);
    expect(p.delete).toEqual([]);
    expect(p.create.map((x) => x.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL])).toEqual([h2]);
    expect(p.status).toMatchObject({ updatedNumberScheduled: 0 });
  });

  it('bounds: percentages round up against the nodes that should run; both 0 means maxUnavailable 1', () => {
    expect(rollingBounds(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } } }), 15)).toEqual({ maxSurge: 0, maxUnavailable: 2 });
    expect(rollingBounds(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } } }), 3)).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(rollingBounds(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '0%', maxSurge: '0%' } } }), 3)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  });
});

describe('history', () => {
  it('makes revision 1, then 2 for a new template; a template that comes back is renumbered; old ones beyond the limit go unless a pod runs them', () => {
    const v1 = ds(), v2 = ds({}, 'agent:v2'), v3 = ds({}, 'agent:v3');
    const first = planHistory(v1, [], []);
    expect(first.create).toMatchObject({ metadata: { name: `agent-${first.hash}`, labels: { app: 'agent', [CONTROLLER_REVISION_HASH_LABEL]: first.hash } }, revision: 1 });
    expect(first.create!.data).toEqual({ spec: { template: { ...v1.spec.template, $patch: 'replace' } } });
    const r1 = revisionOf(v1, 1), r2 = revisionOf(v2, 2);
    expect(planHistory(v2, [r1], []).create?.revision).toBe(2);
    const back = planHistory(v1, [r1, r2], []);
    expect(back.create).toBeUndefined();
    expect(back.renumber).toMatchObject({ metadata: { name: r1.metadata.name }, revision: 3 });
    expect(back.hash).toBe(first.hash);
    const limited = planHistory({ ...v3, spec: { ...v3.spec, revisionHistoryLimit: 0 } }, [r1, r2], [pod('a', hashOf(v2))]);
    expect(limited.delete.map((r) => r.metadata.name)).toEqual([r1.metadata.name]);
  });
});
