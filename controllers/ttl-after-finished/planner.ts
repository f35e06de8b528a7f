// When a finished Job is deleted (k8s.io/kubernetes/pkg/controller/ttlafterfinished, v1.32):
// ttlSecondsAfterFinished after the moment it finished — the lastTransitionTime of its
// Complete or Failed condition. A Job without a TTL, not finished, or already being deleted
// is left alone.
//
// Example: Complete at 12:00:00, ttlSecondsAfterFinished 100, now 12:01:00 → wait 40 s.
import type { Job } from '../../api/batch/index.js';

export type TTLDecision =
  | { action: 'none' }
  | { action: 'wait'; afterMs: number }
  | { action: 'delete' };

/** The time the Job finished, if it has (and the condition says when). */
export function jobFinishTime(job: Job): number | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c?.lastTransitionTime) return undefined;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

export function planTTL(job: Job, now: Date): TTLDecision {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata.deletionTimestamp) return { action: 'none' };
  const finished = jobFinishTime(job);
  if (finished === undefined) return { action: 'none' };
  const left = finished + ttl * 1000 - now.getTime();
  return left > 0 ? { action: 'wait', afterMs: left } : { action: 'delete' };
}
