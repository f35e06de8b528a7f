// The node lifecycle controller's decisions (k8s.io/kubernetes/pkg/controller/nodelifecycle
// and its taint manager), pure: one node, its Lease, its pods, what this controller observed
// last time and the clock in; condition updates, taints, evictions and when to look again out.
//
// Health. A node is alive while its kubelet renews Lease kube-node-lease/<node> (every 10 s)
// or posts node status. Like Kubernetes, the controller does not compare the kubelet's
// timestamps with its own clock: it remembers, on its own clock, when it last SAW either
// change (the "probe time"). A node unseen for the grace period (40 s) gets every kubelet
// condition (Ready, MemoryPressure, DiskPressure, PIDPressure) set to Unknown with reason
// NodeStatusUnknown. A controller that has just started (or just won leader election) grants
// every node a full grace period from that moment.
//
// Taints follow the Ready condition (TaintNodesByCondition + taint-based eviction):
//   Ready=False   → node.kubernetes.io/not-ready   NoSchedule + NoExecute
//   Ready=Unknown → node.kubernetes.io/unreachable NoSchedule + NoExecute
//   Ready=True    → neither (removed)
// Taints we keep carry their original timeAdded, so the eviction clock survives restarts.
//
// Eviction (the taint manager): a pod on a node with NoExecute taints is evicted when some
// taint is not tolerated (at once) or when the shortest matching tolerationSeconds, counted
// from the taint's timeAdded, has passed. A toleration without tolerationSeconds tolerates
// forever. The API server adds not-ready/unreachable tolerations of 300 s to every pod on
// create (DefaultTolerationSeconds admission), which is where the 5-minute default comes from.
//
// Full disruption: when no node at all is Ready, the trouble is far more likely the control
// plane's own connectivity than every machine dying at once, so (as Kubernetes does) no
// NoExecute taints are kept and nothing is evicted until some node is Ready again.
//
// Worked example (grace 40 s, pods with the default 300 s tolerations): the kubelet of node
// n1 dies at t=0 just after renewing. At t=40 s the plan sets Ready=Unknown and adds
// unreachable:NoSchedule and unreachable:NoExecute (timeAdded t=40 s); the pods are evicted
// at t=340 s. If n1's kubelet posts Ready=True at t=100 s, both taints go and nothing is evicted.
import type { Node, NodeCondition, Pod, Taint, Toleration } from '../../api/core/index.js';
import type { Lease } from '../../api/coordination/index.js';

export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';

/** The conditions the kubelet owns: all turn Unknown when it goes silent. */
export const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export const DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS = 40_000;

/** What this controller last observed of a node, on its own clock. */
export interface NodeProbe {
  /** When (ms, controller clock) the Lease renewal or the Ready heartbeat last changed. */
  probeTimeMs: number;
  leaseRenewTime?: string;
  readyHeartbeat?: string;
  /** NoExecute taints without a timeAdded: when we first saw them (key "key=value:effect"). */
  taintsFirstSeenMs?: Record<string, number>;
}

export interface NodeLifecycleInput {
  node: Node;
  lease: Lease | undefined;
  /** Pods bound to this node. */
  pods: readonly Pod[];
  /** Undefined on first sight (after start or a leader change). */
  probe: NodeProbe | undefined;
  /** Is any other node Ready=True? (false on every node → full disruption) */
  anyOtherNodeReady: boolean;
  nowMs: number;
  gracePeriodMs: number;
}

export interface Eviction {
  namespace: string;
  name: string;
  uid: string;
  /** The taint that ran out (for the event and the DisruptionTarget message). */
  taint: Taint;
}

export interface NodeLifecyclePlan {
  probe: NodeProbe;
  /** Write these as status.conditions (nodes/status). */
  conditions?: NodeCondition[];
  /** The Ready status before and after, when it changed (for an event). */
  readyTransition?: { from: string; to: string };
  /** Write these as spec.taints. */
  taints?: Taint[];
  evictions: Eviction[];
  /** Look at this node again after this long even if nothing changes. */
  requeueAfterMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function readyStatus(node: Node): string | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

/** Record what changed since the last look: a new Lease renewal or status heartbeat is a probe. */
export function observe(probe: NodeProbe | undefined, node: Node, lease: Lease | undefined, nowMs: number): NodeProbe {
  const leaseRenewTime = lease?.spec?.renewTime ?? undefined;
  const readyHeartbeat = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime ?? undefined;
  const fresh = !probe || probe.leaseRenewTime !== leaseRenewTime || probe.readyHeartbeat !== readyHeartbeat;
  const next: NodeProbe = { probeTimeMs: fresh ? nowMs : probe!.probeTimeMs };
  if (leaseRenewTime !== undefined) next.leaseRenewTime = leaseRenewTime;
  if (readyHeartbeat !== undefined) next.readyHeartbeat = readyHeartbeat;
  if (probe?.taintsFirstSeenMs) next.taintsFirstSeenMs = probe.taintsFirstSeenMs;
  return next;
}

/** The kubelet conditions set to Unknown (missing ones added), or undefined if nothing changes. */
export function unknownConditions(node: Node, nowMs: number): NodeCondition[] | undefined {
  const current = node.status?.conditions ?? [];
  let changed = false;
  const next = current.map((c) => {
    if (!(KUBELET_CONDITIONS as readonly string[]).includes(c.type) || c.status === 'Unknown') return c;
    changed = true;
    return { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: iso(nowMs) } as NodeCondition;
  });
  for (const type of KUBELET_CONDITIONS) {
    if (current.some((c) => c.type === type)) continue;
    changed = true;
    next.push({
      type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.',
      lastHeartbeatTime: node.metadata.creationTimestamp ?? iso(nowMs), lastTransitionTime: iso(nowMs),
    } as NodeCondition);
  }
  return changed ? next : undefined;
}

const OWNED = new Set([TAINT_NODE_UNREACHABLE, TAINT_NODE_NOT_READY]);
const isOwned = (t: Taint) => OWNED.has(t.key) && (t.effect === 'NoSchedule' || t.effect === 'NoExecute');
const sameTaint = (a: Taint, b: Taint) => a.key === b.key && (a.value ?? '') === (b.value ?? '') && a.effect === b.effect;

/** The node's taints with ours made to match its Ready status; others untouched, kept ones keep timeAdded. */
export function desiredTaints(current: readonly Taint[], ready: string | undefined, fullyDisrupted: boolean, nowMs: number): Taint[] {
  const key = ready === 'False' ? TAINT_NODE_NOT_READY : ready === 'Unknown' ? TAINT_NODE_UNREACHABLE : undefined;
  const want: Taint[] = [];
  if (key) {
    want.push({ key, effect: 'NoSchedule' });
    if (!fullyDisrupted) want.push({ key, effect: 'NoExecute' });
  }
  const next = current.filter((t) => !isOwned(t) || want.some((w) => sameTaint(w, t)));
  for (const w of want) {
    if (next.some((t) => sameTaint(t, w))) continue;
    next.push(w.effect === 'NoExecute' ? { ...w, timeAdded: iso(nowMs) } : w);
  }
  return next;
}

/** Kubernetes' ToleratesTaint: key (empty with Exists = all keys), operator/value, effect (empty = all). */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  if (!t.key) return false; // an empty key is only valid with Exists
  return (t.value ?? '') === (taint.value ?? '');
}

const taintId = (t: Taint) => `${t.key}=${t.value ?? ''}:${t.effect}`;

/**
 * When the pod must go (ms, controller clock), or Infinity if it tolerates every NoExecute
 * taint forever. `taintStartMs` says since when each taint has been there.
 */
export function evictionTimeMs(pod: Pod, noExecute: readonly Taint[], taintStartMs: (t: Taint) => number): { atMs: number; taint?: Taint } {
  let best: { atMs: number; taint?: Taint } = { atMs: Infinity };
  const tolerations = pod.spec.tolerations ?? [];
  for (const taint of noExecute) {
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    let atMs: number;
    if (matching.length === 0) atMs = -Infinity; // not tolerated: at once
    else {
      // The shortest bound among the tolerations that match (none bound → forever).
      const bounds = matching.map((t) => (t.tolerationSeconds === undefined || t.tolerationSeconds === null ? Infinity : Math.max(0, t.tolerationSeconds)));
      const seconds = Math.min(...bounds);
      atMs = seconds === Infinity ? Infinity : taintStartMs(taint) + seconds * 1000;
    }
    if (atMs < best.atMs) best = { atMs, taint };
  }
  return best;
}

export function planNodeLifecycle(input: NodeLifecycleInput): NodeLifecyclePlan {
  const { node, nowMs, gracePeriodMs } = input;
  const probe = observe(input.probe, node, input.lease, nowMs);
  const plan: NodeLifecyclePlan = { probe, evictions: [] };
  let requeue = Infinity;

  // 1. Health: silent for the grace period → kubelet conditions Unknown.
  let conditions = node.status?.conditions ?? [];
  const silentFor = nowMs - probe.probeTimeMs;
  if (silentFor >= gracePeriodMs) {
    const next = unknownConditions(node, nowMs);
    if (next) {
      plan.conditions = next;
      conditions = next;
    }
  } else {
    requeue = Math.min(requeue, gracePeriodMs - silentFor);
  }
  const before = readyStatus(node);
  const ready = conditions.find((c) => c.type === 'Ready')?.status;
  if (before !== ready) plan.readyTransition = { from: before ?? 'None', to: ready ?? 'None' };

  // 2. Taints from the Ready condition.
  const fullyDisrupted = ready !== 'True' && !input.anyOtherNodeReady;
  const current = node.spec?.taints ?? [];
  const taints = desiredTaints(current, ready, fullyDisrupted, nowMs);
  const differs = taints.length !== current.length || taints.some((t, i) => !sameTaint(t, current[i]!) || t.timeAdded !== current[i]!.timeAdded);
  if (differs) plan.taints = taints;

  // 3. Taint manager: evict pods whose toleration of a NoExecute taint ran out.
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  const firstSeen: Record<string, number> = {};
  for (const t of noExecute) {
    if (t.timeAdded) continue;
    const id = taintId(t);
    firstSeen[id] = probe.taintsFirstSeenMs?.[id] ?? nowMs;
  }
  if (Object.keys(firstSeen).length) probe.taintsFirstSeenMs = firstSeen;
  else delete probe.taintsFirstSeenMs;
  if (noExecute.length > 0 && !fullyDisrupted) {
    const start = (t: Taint) => {
      const added = t.timeAdded ? Date.parse(t.timeAdded) : NaN;
      return Number.isNaN(added) ? firstSeen[taintId(t)] ?? nowMs : added;
    };
    for (const pod of input.pods) {
      if (pod.metadata.deletionTimestamp) continue;
      const { atMs, taint } = evictionTimeMs(pod, noExecute, start);
      if (atMs <= nowMs) plan.evictions.push({ namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name!, uid: pod.metadata.uid ?? '', taint: taint! });
      else if (atMs !== Infinity) requeue = Math.min(requeue, atMs - nowMs);
    }
  }

  if (requeue !== Infinity) plan.requeueAfterMs = Math.max(0, Math.ceil(requeue));
  return plan;
}
