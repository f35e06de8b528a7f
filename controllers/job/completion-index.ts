// Indexed Jobs (KEP-2214): each pod carries a completion index in [0, completions), the Job
// is done when every index has a succeeded pod, and status.completedIndexes records them as
// intervals ("1,3-5,7,8"), so the status stays small however many indexes complete.
import type { Pod } from '../../api/core/index.js';
import { JOB_COMPLETION_INDEX_ANNOTATION } from '../../api/batch/index.js';

/** The pod's completion index, or undefined when it has none or it is not a decimal integer. */
export function completionIndexOf(pod: Pod): number | undefined {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] ?? pod.metadata.labels?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^(0|[1-9][0-9]*)$/.test(v)) return undefined;
  return Number(v);
}

/** "1,3-5" → {1,3,4,5}; indexes at or above `completions` are dropped, malformed parts ignored. */
export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = Math.min(m[2] === undefined ? from : Number(m[2]), completions - 1);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return out;
}

/** {1,3,4,5,7,8} → "1,3-5,7,8": runs of three or more become intervals (as Kubernetes writes them). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    if (j === i) parts.push(String(sorted[i]));
    else if (j === i + 1) parts.push(String(sorted[i]), String(sorted[j]));
    else parts.push(`${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
