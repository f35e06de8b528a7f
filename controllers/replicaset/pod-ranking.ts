// Which pods a ReplicaSet deletes first when it has too many (controller.ActivePods in
// k8s.io/kubernetes/pkg/controller/controller_utils.go). Cheapest to lose first:
//   1. unassigned (no spec.nodeName) before assigned
//   2. Pending before Unknown before Running
//   3. not ready before ready
//   4. ready for less time before ready for longer
//   5. more container restarts before fewer
//   6. newer (later creationTimestamp) before older
// Example: [running+ready old, pending unscheduled, running not-ready] is deleted in the
// order pending unscheduled, running not-ready, running+ready old.
import type { Pod } from '../../api/core/index.js';
import { isPodReady, readyCondition, restartCount } from '../pod-readiness.js';

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseRank(pod: Pod): number {
  return PHASE_RANK[pod.status?.phase ?? 'Pending'] ?? 0;
}

function time(t: string | null | undefined): number {
  return t ? Date.parse(t) : NaN;
}

/** Comparator: negative when `a` should be deleted before `b`. */
export function compareForDeletion(a: Pod, b: Pod): number {
  const aAssigned = a.spec.nodeName ? 1 : 0;
  const bAssigned = b.spec.nodeName ? 1 : 0;
  if (aAssigned !== bAssigned) return aAssigned - bAssigned;
  const pa = phaseRank(a), pb = phaseRank(b);
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a) ? 1 : 0, rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  if (ra && rb) {
    // Both ready: the one that became ready more recently goes first.
    const ta = time(readyCondition(a)?.lastTransitionTime), tb = time(readyCondition(b)?.lastTransitionTime);
    if (ta !== tb && !(Number.isNaN(ta) && Number.isNaN(tb))) {
      if (Number.isNaN(ta)) return -1;
      if (Number.isNaN(tb)) return 1;
      return tb - ta;
    }
  }
  const ca = restartCount(a), cb = restartCount(b);
  if (ca !== cb) return cb - ca;
  const ta = time(a.metadata.creationTimestamp), tb = time(b.metadata.creationTimestamp);
  if (ta !== tb && !(Number.isNaN(ta) && Number.isNaN(tb))) {
    if (Number.isNaN(ta)) return -1; // no creation time counts as newest
    if (Number.isNaN(tb)) return 1;
    return tb - ta;
  }
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** The `count` pods to delete, cheapest first. */
export function podsToDelete(pods: readonly Pod[], count: number): Pod[] {
  if (count <= 0) return [];
  return [...pods].sort(compareForDeletion).slice(0, count);
}
