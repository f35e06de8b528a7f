// Pod startup durations: from a pod's creation to its Ready condition turning True (the
// condition's lastTransitionTime), as a histogram and percentiles. A pod that was Ready, then
// not, then Ready again counts its latest transition: the condition keeps no history. Pure.
import type { KubeObject } from '../model/objects.js';

/** Seconds from creation to Ready, or undefined for a pod that is not Ready. */
export function startupSeconds(pod: KubeObject): number | undefined {
  const ready = (pod.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
  if (ready?.status !== 'True' || !ready.lastTransitionTime || !pod.metadata.creationTimestamp) return undefined;
  const s = (Date.parse(ready.lastTransitionTime) - Date.parse(pod.metadata.creationTimestamp)) / 1000;
  return Number.isNaN(s) ? undefined : Math.max(0, s);
}

/** Upper bounds (seconds) of the histogram's buckets; the last bucket is everything above. */
export const STARTUP_BUCKETS = [1, 2, 5, 10, 30, 60, 300];

export interface Bucket { label: string; count: number }

export function histogram(seconds: readonly number[], bounds: readonly number[] = STARTUP_BUCKETS): Bucket[] {
  const buckets = [...bounds.map((b) => ({ label: `≤ ${b}s`, count: 0 })), { label: `> ${bounds[bounds.length - 1]}s`, count: 0 }];
  for (const s of seconds) {
    const i = bounds.findIndex((b) => s <= b);
    buckets[i < 0 ? bounds.length : i]!.count++;
  }
  return buckets;
}

/** The nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
