// Pod readiness as controllers read it (k8s.io/kubernetes/pkg/api/v1/pod/util.go):
// Ready is the pod's Ready condition; Available is Ready for at least minReadySeconds;
// active is neither finished nor being deleted.
import type { Pod } from '../api/core/index.js';

export function readyCondition(pod: Pod) {
  return (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/**
 * Ready for at least minReadySeconds at `now`. Example: minReadySeconds 10, Ready since
 * 12:00:00 → available from 12:00:10 on (k8s requires strictly more than the window, but
 * with second-precision timestamps "at least" is what users observe).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  if (Number.isNaN(since)) return false;
  return since + minReadySeconds * 1000 <= now.getTime();
}

/** Milliseconds until a Ready pod becomes available (0 if it already is or never will be by waiting). */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: Date): number {
  const c = readyCondition(pod);
  if (c?.status !== 'True' || minReadySeconds <= 0 || !c.lastTransitionTime) return 0;
  return Math.max(0, Date.parse(c.lastTransitionTime) + minReadySeconds * 1000 - now.getTime());
}

/** FilterActivePods: not Succeeded/Failed and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function restartCount(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}
