// The delay before a failed Job pod is replaced (the job controller's backoffRecord): 10 s
// after the first failure since the last success, doubling with each further failure, at
// most 6 minutes. Read from the pods themselves rather than kept in memory, so a restarted
// controller-manager waits as long as the old one would have.
//
// Example (base 10 s): failures at t=0 and t=12 after the last success → next pod no
// earlier than t=12+20.
import type { Pod } from '../../api/core/index.js';

export const DEFAULT_BACKOFF_BASE_MS = 10_000;
export const MAX_BACKOFF_MS = 6 * 60_000;

/** When a terminated (or terminating) pod finished: its containers' last finishedAt, else its deletion, else its last condition change. */
export function finishedAt(pod: Pod): number | undefined {
  let latest: number | undefined;
  for (const cs of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    const t = cs.state?.terminated?.finishedAt;
    if (t) latest = Math.max(latest ?? 0, Date.parse(t));
  }
  if (latest !== undefined) return latest;
  if (pod.metadata.deletionTimestamp) return Date.parse(pod.metadata.deletionTimestamp);
  const conds = (pod.status?.conditions ?? []).map((c) => (c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0));
  return conds.length ? Math.max(...conds) : undefined;
}

/**
 * Milliseconds to wait before creating a replacement pod (0: go ahead). `failed` and
 * `succeeded` are the Job's finished pods as seen now.
 */
export function backoffRemainingMs(failed: readonly Pod[], succeeded: readonly Pod[], now: Date, baseMs = DEFAULT_BACKOFF_BASE_MS): number {
  const lastSuccess = Math.max(0, ...succeeded.map((p) => finishedAt(p) ?? 0));
  const times = failed.map((p) => finishedAt(p) ?? now.getTime()).filter((t) => t > lastSuccess);
  if (times.length === 0) return 0;
  const delay = Math.min(baseMs * 2 ** (times.length - 1), MAX_BACKOFF_MS);
  return Math.max(0, Math.max(...times) + delay - now.getTime());
}
