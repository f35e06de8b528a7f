// Shared by the benchmarks: percentiles, a plain table of figures beside their baseline, and
// the machine-readable record of every table (test/bench/results.json) from which
// `npm run bench:readme` regenerates the README's figures — so no figure is copied by hand.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Print one benchmark's figures as an aligned table and record them in the results file. */
export function report(title: string, figures: Figure[]): void {
  record(title, figures);
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

// ---- the results file ----

/** One table as recorded: when, where and on what commit it was measured. */
export interface RecordedTable {
  bench: string; // the benchmark file, e.g. apiserver.bench.ts
  title: string;
  figures: Figure[];
  measuredAt: string; // ISO time
  commit: string; // short hash, "+dirty" when the tree had uncommitted changes
  loadavg1: number; // the machine's 1-minute load average when the table was printed
  cpus: number;
  node: string;
}

export const RESULTS_FILE = process.env.SKIFF_BENCH_RESULTS ?? join(dirname(fileURLToPath(import.meta.url)), 'results.json');

/** The benchmark file that called report(), from the call stack. */
function callerBench(): string {
  const line = new Error().stack?.split('\n').find((l) => /\.bench\.ts/.test(l));
  const m = line?.match(/([\w.-]+\.bench\.ts)/);
  return m ? basename(m[1]!) : 'unknown';
}

function commitStamp(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dirname(fileURLToPath(import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    // The results file and the README table made from it change as a full run goes: not the code measured.
    const dirty = git('status', '--porcelain', '--untracked-files=no', '--', ':/', ':(top,exclude)test/bench/results.json', ':(top,exclude)README.md').length > 0;
    return git('rev-parse', '--short', 'HEAD') + (dirty ? '+dirty' : '');
  } catch {
    return 'unknown';
  }
}

/** A title without its run parameters: parenthesised parts dropped, numbers as '#'. */
export function tableKey(title: string): string {
  return title.replace(/\([^)]*\)/g, '').replace(/\d[\d.,]*/g, '#').replace(/\s+/g, ' ').trim();
}

/** Replace this table's previous record (same benchmark, same title) with the new one. */
function record(title: string, figures: Figure[]): void {
  let tables: RecordedTable[] = [];
  try {
    tables = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')).tables ?? [];
  } catch {
    /* first run, or an unreadable file: start afresh */
  }
  const bench = callerBench();
  // Titles carry run parameters (load, counts, in parentheses or as numbers): a table is its
  // benchmark and its title's words without them, so a re-run replaces it and only it.
  const key = (t: { bench: string; title: string }) => `${t.bench}\0${tableKey(t.title)}`;
  const entry: RecordedTable = {
    bench, title, figures, measuredAt: new Date().toISOString(), commit: commitStamp(),
    loadavg1: Math.round(os.loadavg()[0]! * 100) / 100, cpus: os.cpus().length, node: process.version,
  };
  const at = tables.findIndex((t) => key(t) === key(entry));
  if (at >= 0) tables[at] = entry;
  else tables.push(entry);
  writeFileSync(RESULTS_FILE, JSON.stringify({ tables }, null, 2) + '\n');
}
