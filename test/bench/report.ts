// Shared by the benchmarks: percentiles and a plain table of figures beside their baseline.

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samplesMs: number[]): { p50: number; p99: number; max: number; n: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, n: s.length };
}

export interface Figure {
  measure: string;
  value: string;
  baseline?: string;
  goal?: string;
}

/** Print one benchmark's figures as an aligned table, so README figures can be copied from it. */
export function report(title: string, figures: Figure[]): void {
  const rows = [['measure', 'skiff', 'baseline (same run)', 'goal'], ...figures.map((f) => [f.measure, f.value, f.baseline ?? '', f.goal ?? ''])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  console.log(`\n== ${title} ==`);
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
}

export const fmt = (n: number, digits = 1) => n.toFixed(digits);

/**
 * Run `op` n times with `concurrency` calls in flight; each call's latency in ms and the
 * whole run's wall time in seconds (so throughput = n / seconds).
 */
export async function measureConcurrent(n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<{ samples: number[]; seconds: number }> {
  const samples: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        await op(i);
        samples.push(performance.now() - s);
      }
    }),
  );
  return { samples, seconds: (performance.now() - t0) / 1000 };
}
