// Resource metrics overhead (issue 17): the CPU a process-runtime kubelet with 100 running pods
// spends when /metrics/resource is scraped every 15 s (metrics-server's default resolution),
// beside the same kubelet, same pods, not scraped — plus what one scrape costs.
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/metrics.bench.ts
//   SKIFF_BENCH_PODS=100 (default) SKIFF_BENCH_METRICS_WINDOW_S=60 (default, per phase)
//
// The API server runs with --metric-resolution 0 so the bench itself is the only scraper (through
// nodes/NAME/proxy, as the scraper's request). Kubelet CPU is its utime+stime from /proc.
// Prints figures only; never asserts on timing.
import { readFileSync } from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import { processCpuNanos } from '../../kubelet/runtime/process/cgroup-stats.js';
import { client, podManifest, removeDir, startKubelet, startSkiff, suffix, tempDir, waitFor, type Proc } from '../kubelet/harness.js';
import { fmt, report, summarize } from './report.js';

const PODS = Number(process.env.SKIFF_BENCH_PODS ?? 100);
const WINDOW_S = Number(process.env.SKIFF_BENCH_METRICS_WINDOW_S ?? 60);
const RESOLUTION_S = 15;
const procs: Proc[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const p of procs.reverse()) await p.stop();
  for (const d of dirs) removeDir(d);
});

const cpuSeconds = (pid: number) => processCpuNanos(readFileSync(`/proc/${pid}/stat`, 'utf8'))! / 1e9;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('resource metrics', () => {
  it(`kubelet CPU with ${PODS} pods, scraped every ${RESOLUTION_S} s vs not scraped`, async () => {
    const dir = tempDir('bench-metrics-api');
    dirs.push(dir);
    const started = await startSkiff(['apiserver', '--port', '0', '--data-dir', dir, '--metric-resolution', '0'], /listening on (https?:\/\/\S+)/);
    procs.push(started.proc);
    const url = started.match[1]!;
    const node = `bmetrics-${suffix()}`;
    const root = tempDir(node);
    dirs.push(root);
    const kubelet = await startKubelet(url, node, root, ['--stop-pods-on-exit']);
    procs.push(kubelet);
    const c = client(url);
    for (let i = 0; i < PODS; i++) {
      await c.pods().create(podManifest(`m-${i}`, node, { containers: [{ name: 'c', image: 'host', command: ['/bin/sh', '-c', 'exec sleep 100000'] }] }));
    }
    await waitFor('all pods Running', async () => {
      const l = await c.pods().list({ namespace: 'default' });
      return l.items.filter((p: Pod) => p.status?.phase === 'Running').length === PODS;
    }, 600_000, 1000);
    await sleep(10_000); // let the start-up work settle
    const pid = kubelet.child.pid!;
    const scrape = async () => {
      const t = performance.now();
      const text = await c.request<string>('GET', `/api/v1/nodes/${node}/proxy/metrics/resource`);
      return { ms: performance.now() - t, lines: text.split('\n').filter((l) => l.startsWith('container_cpu_usage_seconds_total{')).length };
    };

    // Phase 1: not scraped.
    let t0 = cpuSeconds(pid);
    let w0 = performance.now();
    await sleep(WINDOW_S * 1000);
    const idleCpu = cpuSeconds(pid) - t0;
    const idleWall = (performance.now() - w0) / 1000;

    // Phase 2: scraped every RESOLUTION_S.
    t0 = cpuSeconds(pid);
    w0 = performance.now();
    const scrapes: number[] = [];
    let containers = 0;
    while (performance.now() - w0 < WINDOW_S * 1000) {
      const r = await scrape();
      scrapes.push(r.ms);
      containers = r.lines;
      const next = w0 + scrapes.length * RESOLUTION_S * 1000;
      await sleep(Math.max(0, Math.min(next, w0 + WINDOW_S * 1000) - performance.now()));
    }
    const scrapedCpu = cpuSeconds(pid) - t0;
    const scrapedWall = (performance.now() - w0) / 1000;

    // One scrape's own CPU: 20 back to back.
    const t1 = cpuSeconds(pid);
    const burst: number[] = [];
    for (let i = 0; i < 20; i++) burst.push((await scrape()).ms);
    const perScrapeMs = ((cpuSeconds(pid) - t1) / 20) * 1000;
    c.close();

    const pct = (cpu: number, wall: number) => `${fmt((cpu / wall) * 100, 2)}%`;
    const s = summarize(burst);
    report(`Resource metrics overhead: process-runtime kubelet, ${PODS} running pods, ${WINDOW_S} s per phase`, [
      { measure: `kubelet CPU, scraped every ${RESOLUTION_S} s (${scrapes.length} scrapes)`, value: pct(scrapedCpu, scrapedWall), baseline: `${pct(idleCpu, idleWall)} not scraped` },
      { measure: 'kubelet CPU per scrape (20 back to back)', value: `${fmt(perScrapeMs)} ms`, baseline: `${containers} containers in the answer` },
      { measure: 'scrape latency through nodes/proxy p50 / p99', value: `${fmt(s.p50)} / ${fmt(s.p99)} ms` },
    ]);
  });
});
