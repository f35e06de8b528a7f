// Resource usage over the last minutes, sampled by the page from metrics.k8s.io (the API
// `kctl top` reads): per node and per pod (its containers summed), CPU in cores and memory in
// bytes. A sample is kept only when the API has measured anew (its timestamps moved), so
// polling faster than the scrape interval adds nothing. Shaped for uPlot: one time axis, one
// array per series, null where a series has no point. Pure.
import type { KubeObject } from '../model/objects.js';
import { parseQuantity } from '../model/quantity.js';

export interface Usage { cpu: number; memory: number }

export interface Sample {
  /** The newest measurement time in the answer, seconds since the epoch. */
  t: number;
  values: Map<string, Usage>;
}

export type Metric = keyof Usage;

/** One NodeMetrics' usage, or PodMetrics' containers summed. */
export function usageOf(m: KubeObject): Usage {
  if (m.usage) return { cpu: parseQuantity(m.usage.cpu) || 0, memory: parseQuantity(m.usage.memory) || 0 };
  const u = { cpu: 0, memory: 0 };
  for (const c of m.containers ?? []) {
    u.cpu += parseQuantity(c.usage?.cpu) || 0;
    u.memory += parseQuantity(c.usage?.memory) || 0;
  }
  return u;
}

/** A metrics list as a sample keyed like the dashboard's lists (namespace/name, or name). */
export function sampleOf(items: readonly KubeObject[]): Sample | undefined {
  let t = NaN;
  const values = new Map<string, Usage>();
  for (const m of items) {
    const ms = Date.parse(String(m.timestamp ?? ''));
    if (!Number.isNaN(ms) && (Number.isNaN(t) || ms / 1000 > t)) t = ms / 1000;
    values.set(m.metadata.namespace ? `${m.metadata.namespace}/${m.metadata.name}` : m.metadata.name, usageOf(m));
  }
  return Number.isNaN(t) ? undefined : { t, values };
}

/** The samples after adding one: a repeat of the newest measurement is dropped, and so is anything older than `windowSec`. */
export function addSample(samples: readonly Sample[], s: Sample | undefined, windowSec: number): Sample[] {
  if (!s) return [...samples];
  const last = samples[samples.length - 1];
  if (last && s.t <= last.t) return [...samples];
  return [...samples, s].filter((x) => x.t > s.t - windowSec);
}

/** The keys with the highest `metric` in the newest sample, at most `n` (ties by name). */
export function topKeys(samples: readonly Sample[], metric: Metric, n: number, filter: (key: string) => boolean = () => true): string[] {
  const last = samples[samples.length - 1];
  if (!last) return [];
  return [...last.values.entries()]
    .filter(([k]) => filter(k))
    .sort(([ka, a], [kb, b]) => b[metric] - a[metric] || (ka < kb ? -1 : 1))
    .slice(0, n)
    .map(([k]) => k);
}

/** uPlot's aligned data: [times, ...one array per key], null where a sample lacks the key. */
export function aligned(samples: readonly Sample[], keys: readonly string[], metric: Metric): [number[], ...(number | null)[][]] {
  return [samples.map((s) => s.t), ...keys.map((k) => samples.map((s) => s.values.get(k)?.[metric] ?? null))];
}
