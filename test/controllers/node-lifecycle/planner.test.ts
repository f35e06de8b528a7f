import { describe, expect, it } from 'vitest';
import type { Node, Pod, Taint, Toleration } from '../../../api/core/index.js';
import type { Lease } from '../../../api/coordination/index.js';
import {
  evictionTimeMs, planNodeLifecycle, toleratesTaint, type NodeLifecycleInput, type NodeProbe,
  TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE,
} from '../../../controllers/node-lifecycle/planner.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const GRACE = 40_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function node(ready: 'True' | 'False' | 'Unknown' | undefined, taints: Taint[] = [], heartbeat = iso(T0)): Node {
  const conditions = ready === undefined ? [] : [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: heartbeat, lastTransitionTime: iso(T0) },
    { type: 'Ready', status: ready, reason: ready === 'True' ? 'KubeletReady' : 'KubeletNotReady', lastHeartbeatTime: heartbeat, lastTransitionTime: iso(T0) },
  ];
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', creationTimestamp: iso(T0 - 60_000) }, spec: { taints }, status: { conditions } } as Node;
}

const lease = (renewTime: string): Lease => ({ metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime } });

function pod(name: string, tolerations?: Toleration[], extra: Partial<Pod['metadata']> = {}): Pod {
  return { metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }], ...(tolerations ? { tolerations } : {}) } } as Pod;
}

const defaults = (seconds: number): Toleration[] => [
  { key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds },
  { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds },
];

function plan(over: Partial<NodeLifecycleInput>) {
  return planNodeLifecycle({ node: node('True'), lease: lease(iso(T0)), pods: [], probe: undefined, anyOtherNodeReady: true, nowMs: T0, gracePeriodMs: GRACE, ...over });
}

/** Run the planner the way the loop does: carry the probe and apply the writes between calls. */
function sequence(steps: { at: number; node?: Node; lease?: Lease }[], pods: Pod[] = []) {
  let probe: NodeProbe | undefined;
  let n = node('True');
  let l = lease(iso(T0));
  return steps.map((s) => {
    if (s.node) n = s.node;
    if (s.lease) l = s.lease;
    const p = planNodeLifecycle({ node: n, lease: l, pods, probe, anyOtherNodeReady: true, nowMs: s.at, gracePeriodMs: GRACE });
    probe = p.probe;
    n = { ...n, spec: { ...n.spec, ...(p.taints ? { taints: p.taints } : {}) }, status: { ...n.status, ...(p.conditions ? { conditions: p.conditions } : {}) } };
    return { plan: p, node: n };
  });
}

describe('node health', () => {
  it('a healthy node needs nothing and is looked at again when its grace period would run out', () => {
    const p = plan({});
    expect(p.conditions).toBeUndefined();
    expect(p.taints).toBeUndefined();
    expect(p.evictions).toEqual([]);
    expect(p.requeueAfterMs).toBe(GRACE);
  });

  it('first sight grants a full grace period even if the Lease is old (new leader)', () => {
    const p = plan({ lease: lease(iso(T0 - 3_600_000)), nowMs: T0 });
    expect(p.conditions).toBeUndefined();
    expect(p.probe.probeTimeMs).toBe(T0);
  });

  it('a Lease not renewed for the grace period turns every kubelet condition Unknown and taints unreachable', () => {
    const [, , last] = sequence([{ at: T0 }, { at: T0 + 20_000 }, { at: T0 + GRACE }]);
    const p = last!.plan;
    const ready = p.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: iso(T0 + GRACE), lastHeartbeatTime: iso(T0) });
    expect(p.conditions!.find((c) => c.type === 'MemoryPressure')!.status).toBe('Unknown');
    // Never-posted conditions appear as Unknown too.
    expect(p.conditions!.find((c) => c.type === 'DiskPressure')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated' });
    expect(p.readyTransition).toEqual({ from: 'True', to: 'Unknown' });
    expect(p.taints).toEqual([
      { key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' },
      { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(T0 + GRACE) },
    ]);
  });

  it('renewals keep the node healthy however long it runs', () => {
    const steps = [];
    for (let t = 0; t <= 200_000; t += 10_000) steps.push({ at: T0 + t, lease: lease(iso(T0 + t)) });
    for (const { plan: p } of sequence(steps)) {
      expect(p.conditions).toBeUndefined();
      expect(p.taints).toBeUndefined();
    }
  });

  it('a status heartbeat counts as a sign of life as well as a Lease renewal', () => {
    const r = sequence([{ at: T0 }, { at: T0 + 30_000, node: node('True', [], iso(T0 + 30_000)) }, { at: T0 + 50_000 }]);
    expect(r[2]!.plan.conditions).toBeUndefined();
    expect(r[2]!.plan.requeueAfterMs).toBe(20_000);
  });

  it('an Unknown node that the kubelet reports Ready again loses its taints', () => {
    const r = sequence([{ at: T0 }, { at: T0 + GRACE }, { at: T0 + 60_000, node: undefined }]);
    const lost = r[1]!.node;
    expect(lost.spec!.taints).toHaveLength(2);
    const back = { ...node('True', lost.spec!.taints, iso(T0 + 70_000)) };
    const p = planNodeLifecycle({ node: back, lease: lease(iso(T0 + 70_000)), pods: [pod('a', defaults(300))], probe: r[2]!.plan.probe, anyOtherNodeReady: true, nowMs: T0 + 70_000, gracePeriodMs: GRACE });
    expect(p.conditions).toBeUndefined();
    expect(p.taints).toEqual([]);
    expect(p.evictions).toEqual([]);
  });

  it('Ready=False from the kubelet taints not-ready (and swaps an unreachable taint for it)', () => {
    const unreachable: Taint[] = [{ key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(T0 - 5000) }];
    const p = plan({ node: node('False', [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, ...unreachable]) });
    expect(p.conditions).toBeUndefined();
    expect(p.taints).toEqual([
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' },
      { key: TAINT_NODE_NOT_READY, effect: 'NoExecute', timeAdded: iso(T0) },
    ]);
  });

  it('keeps existing taints (and their timeAdded) untouched when they are already right', () => {
    const taints: Taint[] = [{ key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NODE_NOT_READY, effect: 'NoExecute', timeAdded: iso(T0 - 5000) }];
    expect(plan({ node: node('False', taints) }).taints).toBeUndefined();
  });

  it('a node that never posted status turns Unknown (NodeStatusNeverUpdated) after the grace period', () => {
    const n = node(undefined);
    const first = plan({ node: n, lease: undefined });
    expect(first.conditions).toBeUndefined();
    const p = plan({ node: n, lease: undefined, probe: first.probe, nowMs: T0 + GRACE });
    expect(p.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated' });
  });

  it('no node Ready at all (full disruption): NoSchedule only, NoExecute removed, nothing evicted', () => {
    const taints: Taint[] = [{ key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(T0 - 600_000) }];
    const p = plan({ node: node('Unknown', taints), anyOtherNodeReady: false, pods: [pod('a')] });
    expect(p.taints).toEqual([{ key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' }]);
    expect(p.evictions).toEqual([]);
  });
});

describe('taint-based eviction', () => {
  const unreachableSince = (ms: number): Taint[] => [{ key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(ms) }];

  it('evicts once the toleration runs out, counted from the taint\'s timeAdded, and requeues for the earliest one', () => {
    const pods = [pod('short', defaults(5)), pod('long', defaults(300)), pod('forever', [{ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }])];
    // Long silent already: no health recheck pending, only the eviction clock.
    const probe: NodeProbe = { probeTimeMs: T0 - 100_000, leaseRenewTime: iso(T0), readyHeartbeat: iso(T0) };
    const plan = (over: Partial<NodeLifecycleInput>) => planNodeLifecycle({ node: node('True'), lease: lease(iso(T0)), pods: [], probe, anyOtherNodeReady: true, nowMs: T0, gracePeriodMs: GRACE, ...over });
    const at3 = plan({ node: node('Unknown', unreachableSince(T0)), pods, nowMs: T0 + 3000 });
    expect(at3.evictions).toEqual([]);
    expect(at3.requeueAfterMs).toBe(2000);
    const at5 = plan({ node: node('Unknown', unreachableSince(T0)), pods, nowMs: T0 + 5000 });
    expect(at5.evictions.map((e) => e.name)).toEqual(['short']);
    expect(at5.evictions[0]).toMatchObject({ namespace: 'default', uid: 'uid-short', taint: { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' } });
    expect(at5.requeueAfterMs).toBe(295_000);
    const later = plan({ node: node('Unknown', unreachableSince(T0)), pods, nowMs: T0 + 10 * 3_600_000 });
    expect(later.evictions.map((e) => e.name)).toEqual(['short', 'long']);
  });

  it('a pod without a matching toleration goes at once; pods already terminating are left alone', () => {
    const pods = [pod('bare'), pod('other', [{ key: 'x', operator: 'Exists', effect: 'NoExecute' }]), pod('leaving', undefined, { deletionTimestamp: iso(T0) })];
    const p = plan({ node: node('Unknown', unreachableSince(T0)), pods });
    expect(p.evictions.map((e) => e.name)).toEqual(['bare', 'other']);
  });

  it('a node that has just turned Unknown evicts intolerant pods in the same pass', () => {
    const r = sequence([{ at: T0 }, { at: T0 + GRACE }], [pod('bare'), pod('tolerant', defaults(300))]);
    expect(r[1]!.plan.evictions.map((e) => e.name)).toEqual(['bare']);
    expect(r[1]!.plan.requeueAfterMs).toBe(300_000);
  });

  it('NoSchedule taints never evict', () => {
    const p = plan({ node: node('True', [{ key: 'dedicated', effect: 'NoSchedule' }]), pods: [pod('a')] });
    expect(p.evictions).toEqual([]);
  });

  it('a NoExecute taint without timeAdded is timed from when this controller first saw it', () => {
    const taints: Taint[] = [{ key: 'maintenance', effect: 'NoExecute' }];
    const pods = [pod('a', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }])];
    const first = plan({ node: node('True', taints), pods, nowMs: T0 });
    expect(first.evictions).toEqual([]);
    expect(first.requeueAfterMs).toBe(10_000);
    const again = plan({ node: node('True', taints), pods, probe: first.probe, nowMs: T0 + 10_000 });
    expect(again.evictions.map((e) => e.name)).toEqual(['a']);
  });

  it('toleration matching follows Kubernetes (empty key + Exists tolerates all; empty effect matches any; Equal compares values)', () => {
    const t: Taint = { key: 'k', value: 'v', effect: 'NoExecute' };
    expect(toleratesTaint({ operator: 'Exists' }, t)).toBe(true);
    expect(toleratesTaint({ key: 'k', operator: 'Exists' }, t)).toBe(true);
    expect(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v' }, t)).toBe(true);
    expect(toleratesTaint({ key: 'k', value: 'v' }, t)).toBe(true);
    expect(toleratesTaint({ key: 'k', operator: 'Equal', value: 'w' }, t)).toBe(false);
    expect(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, t)).toBe(false);
    expect(toleratesTaint({ key: 'j', operator: 'Exists' }, t)).toBe(false);
  });

  it('the shortest matching toleration wins; a negative tolerationSeconds means at once', () => {
    const t: Taint = { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' };
    const start = () => T0;
    expect(evictionTimeMs(pod('a', [{ operator: 'Exists' }, { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', tolerationSeconds: 7 }]), [t], start).atMs).toBe(T0 + 7000);
    expect(evictionTimeMs(pod('a', [{ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', tolerationSeconds: -1 }]), [t], start).atMs).toBe(T0);
    expect(evictionTimeMs(pod('a', [{ operator: 'Exists' }]), [t], start).atMs).toBe(Infinity);
  });
});
