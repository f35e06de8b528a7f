// A Prometheus histogram (cumulative buckets, _sum, _count, optional labels) rendered in the
// text format 0.0.4 — the shape component-base's metrics.NewHistogram(Vec) exposes. Small on
// purpose: the kubelet observes a few numbers per pod start, and renders only on a scrape.
import { escapeLabel } from './prometheus-text.js';

/** component-base's metrics.DefBuckets. */
export const DEF_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** metrics.ExponentialBuckets: `count` upper bounds from `start`, each `factor` times the last. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (start <= 0 || factor <= 1 || count < 1) throw new Error(`exponentialBuckets(${start}, ${factor}, ${count}): want start > 0, factor > 1, count ≥ 1`);
  // Rounded to 6 significant digits, so the le labels read like the numbers they are.
  return Array.from({ length: count }, (_, i) => Number((start * factor ** i).toPrecision(6)));
}

interface Series {
  labels: string; // rendered label pairs, e.g. phase="sandbox"
  counts: number[]; // per bucket (not cumulative); the last is +Inf
  sum: number;
  count: number;
}

export class Histogram {
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    readonly labelNames: readonly string[] = [],
  ) {
    for (let i = 1; i < buckets.length; i++) if (!(buckets[i]! > buckets[i - 1]!)) throw new Error(`${name}: buckets must increase`);
  }

  observe(value: number, labels: Record<string, string> = {}): void {
    if (!Number.isFinite(value)) return;
    const rendered = this.labelNames.map((n) => `${n}="${escapeLabel(labels[n] ?? '')}"`).join(',');
    let s = this.series.get(rendered);
    if (!s) this.series.set(rendered, (s = { labels: rendered, counts: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 }));
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** Observations so far with these labels (for tests and the debug log). */
  count(labels: Record<string, string> = {}): number {
    return this.series.get(this.labelNames.map((n) => `${n}="${escapeLabel(labels[n] ?? '')}"`).join(','))?.count ?? 0;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const s of [...this.series.values()].sort((a, b) => (a.labels < b.labels ? -1 : 1))) {
      const sep = s.labels ? ',' : '';
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += s.counts[i]!;
        out += `${this.name}_bucket{${s.labels}${sep}le="${b}"} ${cumulative}\n`;
      });
      out += `${this.name}_bucket{${s.labels}${sep}le="+Inf"} ${s.count}\n`;
      const braces = s.labels ? `{${s.labels}}` : '';
      out += `${this.name}_sum${braces} ${s.sum}\n${this.name}_count${braces} ${s.count}\n`;
    }
    return out;
  }
}
