// The DaemonSet sync decision (syncDaemonSet → manage, rollingUpdate, updateDaemonSetStatus in
// k8s.io/kubernetes/pkg/controller/daemon, v1.32) as a pure function: given the DaemonSet,
// the nodes, the pods and revisions in its namespace and the time, say which pods to adopt,
// release, create (one per node) and delete, which revisions to write, and the status.
//
// manage: a node that should run the pod and has none gets one; a node that may keep it
// loses failed or finished pods and any extra (the oldest stays — or, while surging, the
// new one once it is available); a node that may not keep it loses them all; pods pinned to
// a node that no longer exists are deleted. Only when manage has nothing to do (and earlier
// writes are all observed) does the rolling update act, so one sync never does both:
//   maxSurge 0: delete old pods while fewer than maxUnavailable nodes are unavailable (an
//     unavailable old pod may always go); manage then creates the new one.
//   maxSurge > 0: start a new pod beside an old one on up to maxSurge nodes (at once where
//     the old one is unavailable); delete the old one once the new one is available.
//
// Example: 3 nodes, template changed, maxUnavailable 1 → delete the old pod on node-a; next
// sync creates its new pod; once that is available, node-b's old pod goes; and so on.
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from '../../api/apps/index.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../../api/apps/index.js';
import type { Node, Pod } from '../../api/core/index.js';
import { deepEqual } from '../../api/patch/merge.js';
import { planClaims } from '../controller-ref.js';
import { scaledValue } from '../deployment/fenceposts.js';
import { isPodAvailable, isPodReady, msUntilAvailable } from '../pod-readiness.js';
import { planHistory, type HistoryPlan } from '../history/controller-revisions.js';
import { newDaemonPod, nodeShouldRunDaemonPod, targetNodeName } from './placement.js';

export interface DaemonSetPlanInput {
  ds: DaemonSet;
  nodes: readonly Node[];
  /** Pods in the DaemonSet's namespace (claims pick ours). */
  pods: readonly Pod[];
  /** ControllerRevisions this DaemonSet controls. */
  revisions: readonly ControllerRevision[];
  /** False while pod creations/deletions this controller asked for are not all observed. */
  expectationsSatisfied: boolean;
  now: Date;
}

export interface DaemonSetEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface DaemonSetPlan {
  adopt: Pod[];
  release: Pod[];
  history?: HistoryPlan;
  /** Pods to POST, one per node named in their affinity. */
  create: Pod[];
  delete: Pod[];
  /**
   * Pods bound to nodes that no longer exist: deleted at once (grace period 0), as
   * Kubernetes' pod GC does for orphaned pods — no kubelet is left to confirm a graceful one.
   */
  forceDelete: Pod[];
  status?: DaemonSetStatus;
  events: DaemonSetEvent[];
  requeueAfterMs?: number;
}

/** podByCreationTimestampAndPhase: scheduled first, then oldest, then by name. */
function byAge(a: Pod, b: Pod): number {
  const sa = !!a.spec.nodeName, sb = !!b.spec.nodeName;
  if (sa !== sb) return sa ? -1 : 1;
  const ta = Date.parse(a.metadata.creationTimestamp ?? ''), tb = Date.parse(b.metadata.creationTimestamp ?? '');
  if (ta !== tb) return (ta || 0) - (tb || 0);
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

const terminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Surge and unavailability bounds against the nodes that should run the pod (both round up; never both 0). */
export function rollingBounds(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec.updateStrategy?.type === 'RollingUpdate' || !ds.spec.updateStrategy?.type ? ds.spec.updateStrategy?.rollingUpdate : undefined;
  const maxSurge = ru ? scaledValue(ru.maxSurge, desired, true, 0) : 0;
  let maxUnavailable = ru ? scaledValue(ru.maxUnavailable, desired, true, 1) : 1;
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** AllowsSurge: maxSurge resolved against one node is above 0. */
const allowsSurge = (ds: DaemonSet) => (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && rollingBounds(ds, 1).maxSurge > 0;

/** findUpdatedPodsOnNode: the node's live new and old pod; ok false if it has two of either. */
function updatedPodsOnNode(pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined, oldPod: Pod | undefined;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

export function planDaemonSet(input: DaemonSetPlanInput): DaemonSetPlan {
  const { ds, now } = input;
  const plan: DaemonSetPlan = { adopt: [], release: [], create: [], delete: [], forceDelete: [], events: [] };
  if (ds.metadata.deletionTimestamp) return plan;

  const claims = planClaims(ds, ds.spec.selector, input.pods);
  plan.adopt = claims.adopt;
  plan.release = claims.release;
  const history = planHistory(ds, input.revisions, claims.claimed);
  plan.history = history;
  const hash = history.hash;

  // nodeToDaemonPods: terminal pods already being deleted are as good as gone.
  const byNode = new Map<string, Pod[]>();
  const unpinned: Pod[] = [];
  for (const p of claims.claimed) {
    if (terminal(p) && p.metadata.deletionTimestamp) continue;
    const node = targetNodeName(p);
    if (!node) unpinned.push(p);
    else byNode.set(node, [...(byNode.get(node) ?? []), p]);
  }
  const nodes = [...input.nodes].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const nodeNames = new Set(nodes.map((n) => n.metadata.name!));
  const placement = new Map(nodes.map((n) => [n.metadata.name!, nodeShouldRunDaemonPod(n, ds)]));

  if (input.expectationsSatisfied && !history.collision) {
    const useSurge = allowsSurge(ds);
    const create: string[] = [];
    const del: Pod[] = [];
    for (const node of nodes) {
      const name = node.metadata.name!;
      const { shouldRun, shouldContinueRunning } = placement.get(name)!;
      const pods = byNode.get(name) ?? [];
      if (shouldRun && pods.length === 0) {
        create.push(name);
      } else if (shouldContinueRunning) {
        const running: Pod[] = [];
        for (const p of pods) {
          if (p.metadata.deletionTimestamp) continue;
          if (p.status?.phase === 'Failed') {
            plan.events.push({ type: 'Warning', reason: 'FailedDaemonPod', message: `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${name}, will try to kill it` });
            del.push(p);
          } else if (p.status?.phase === 'Succeeded') {
            del.push(p);
          } else running.push(p);
        }
        running.sort(byAge);
        if (!useSurge) {
          del.push(...running.slice(1));
        } else if (running.length > 1) {
          // Two pods only while the new one is not yet available and the old one is ready.
          let oldestNew: Pod | undefined, oldestOld: Pod | undefined;
          for (const p of running) {
            const isNew = p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
            if (isNew && !oldestNew) oldestNew = p;
            else if (!isNew && !oldestOld) oldestOld = p;
            else del.push(p);
          }
          if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec.minReadySeconds ?? 0, now))) del.push(oldestOld);
        }
      } else {
        del.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
      }
    }
    // Pods meant for nodes that are gone (Skiff has no pod GC controller to do it), or for none.
    for (const [name, pods] of byNode) if (!nodeNames.has(name)) plan.forceDelete.push(...pods.filter((p) => p.spec.nodeName));
    for (const [name, pods] of byNode) if (!nodeNames.has(name)) del.push(...pods.filter((p) => !p.spec.nodeName && !p.metadata.deletionTimestamp));
    del.push(...unpinned.filter((p) => !p.metadata.deletionTimestamp));

    if (create.length === 0 && del.length === 0 && plan.forceDelete.length === 0 && (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const r = rollingUpdate(ds, byNode, placement, hash, now);
      create.push(...r.create);
      del.push(...r.delete);
    }
    plan.create = create.map((n) => newDaemonPod(ds, n, hash));
    plan.delete = [...new Map(del.map((p) => [p.metadata.uid, p])).values()];
  }

  // updateDaemonSetStatus, on the pods as they are now.
  let desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
  let nextAvailableMs: number | undefined;
  for (const node of nodes) {
    const name = node.metadata.name!;
    const pods = [...(byNode.get(name) ?? [])].sort(byAge);
    if (placement.get(name)!.shouldRun) {
      desired++;
      if (pods.length === 0) continue;
      current++;
      const pod = pods[0]!;
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, ds.spec.minReadySeconds ?? 0, now)) available++;
        else {
          const ms = msUntilAvailable(pod, ds.spec.minReadySeconds ?? 0, now);
          nextAvailableMs = Math.min(nextAvailableMs ?? ms, ms);
        }
      }
      if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) updated++;
    } else if (pods.length > 0) misscheduled++;
  }
  const status: DaemonSetStatus = {
    ...(ds.status ?? {}),
    currentNumberScheduled: current, numberMisscheduled: misscheduled, desiredNumberScheduled: desired, numberReady: ready,
    observedGeneration: ds.metadata.generation ?? 0, updatedNumberScheduled: updated, numberAvailable: available, numberUnavailable: desired - available,
  };
  if (history.collision) status.collisionCount = (ds.status?.collisionCount ?? 0) + 1;
  if (!deepEqual(status, ds.status)) plan.status = status;
  if (nextAvailableMs !== undefined && nextAvailableMs > 0) plan.requeueAfterMs = nextAvailableMs;
  return plan;
}

/** rollingUpdate: which old pods to delete and which nodes get a surge pod, within the bounds. */
function rollingUpdate(ds: DaemonSet, byNode: Map<string, Pod[]>, placement: Map<string, { shouldRun: boolean }>, hash: string, now: Date): { create: string[]; delete: Pod[] } {
  const desired = [...placement.values()].filter((p) => p.shouldRun).length;
  const { maxSurge, maxUnavailable } = rollingBounds(ds, desired);
  const minReady = ds.spec.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, minReady, now);
  const nodeNames = [...byNode.keys()].sort();
  if (maxSurge === 0) {
    let unavailable = 0;
    const allowed: Pod[] = [];
    const candidates: Pod[] = [];
    for (const name of nodeNames) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(byNode.get(name)!, hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) { unavailable++; continue; }
      if (newPod) { if (!available(newPod)) unavailable++; continue; }
      if (!available(oldPod!)) allowed.push(oldPod!);
      else if (unavailable < maxUnavailable) candidates.push(oldPod!);
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    return { create: [], delete: [...allowed, ...candidates.slice(0, room)] };
  }
  const del: Pod[] = [];
  const shouldNotRun: Pod[] = [];
  const candidateNodes: string[] = [];
  const allowedNodes: string[] = [];
  let surge = 0, numAvailable = 0;
  for (const name of nodeNames) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(byNode.get(name)!, hash);
    if (!ok) { surge++; continue; }
    if (oldPod ? available(oldPod) : newPod && available(newPod)) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (placement.get(name)?.shouldRun) allowedNodes.push(name);
        else shouldNotRun.push(oldPod);
      } else if (surge < maxSurge) candidateNodes.push(name);
      continue;
    }
    if (!available(newPod)) { surge++; continue; }
    del.push(oldPod);
  }
  // With surge the owner expects full availability: a pod on a node it no longer belongs on
  // goes only as pods elsewhere become available.
  const deletable = Math.min(Math.max(0, numAvailable - desired), shouldNotRun.length);
  del.push(...shouldNotRun.slice(0, deletable));
  const room = Math.min(Math.max(0, maxSurge - surge), candidateNodes.length);
  return { create: [...allowedNodes, ...candidateNodes.slice(0, room)], delete: del };
}
