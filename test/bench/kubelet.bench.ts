// Kubelet benchmarks against real processes (compiled dist/):
//   1. Pod startup latency: create → Running seen through a watch, for 100 pods on one
//      process-runtime node (paced at 20 creates/s), beside the raw cost of spawning the
//      same process from Node in the same run.
//   2. Hollow nodes: how many fake-runtime nodes one kubelet process keeps Ready, i.e. with
//      every Lease renewed within its 40 s duration (renewals due every 10 s).
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/kubelet.bench.ts
//   SKIFF_BENCH_HOLLOW_NODES=5000 (default) SKIFF_BENCH_PODS=100 (default) SKIFF_BENCH_CPU_PROF=DIR (kubelet profile)
//   -t 'pod startup' runs the first only.
//
// The per-phase medians come from the kubelet itself: its /metrics (through the API server's
// node proxy) scraped before and after each run, the phase histogram's increase read as
// Prometheus' histogram_quantile does.
//
// Prints figures only; never asserts on timing.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { cpuNanosV2, nodeCpuNanos, USER_HZ } from '../../kubelet/runtime/process/cgroup-stats.js';
import type { RestClient } from '../../client/rest.js';
import { POD_START_PHASES } from '../../kubelet/metrics/kubelet-metrics.js';
import { afterAll, describe, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import { client, podManifest, removeDir, startApiServer, startKubelet, startSkiff, suffix, tempDir, waitFor, type Proc } from '../kubelet/harness.js';
import { fmt, report, summarize } from './report.js';

const PODS = Number(process.env.SKIFF_BENCH_PODS ?? 100);
const HOLLOW = Number(process.env.SKIFF_BENCH_HOLLOW_NODES ?? 5000);
const procs: Proc[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const p of procs.reverse()) await p.stop();
  for (const d of dirs) removeDir(d);
});

/** One process's /proc/PID/stat: its parent, and its CPU (user + system) with and without its reaped children's, in ms. */
function procCpu(pid: number): { comm: string; ppid: number; selfMs: number; withChildrenMs: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone
  }
  // Fields counted from the last ')' (the command may hold anything): f[0] is field 3 (state).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  const ms = (ticks: number) => (ticks * 1000) / USER_HZ;
  return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ppid: f[1]!, selfMs: ms(f[11]! + f[12]!), withChildrenMs: ms(f[11]! + f[12]! + f[13]! + f[14]!) };
}

/**
 * CPU used so far by each part of a pod start, in ms: the API server; the kubelet itself; its
 * spawn helpers; the commands they ran to completion (ip batches: their reaped children); the shims (alive: they
 * wait for their containers); the containers, from the node's cpuacct parent cgroup (v1:
 * charged to every ancestor, so containers already removed still count); this bench process
 * (the client); and the whole machine's busy time (/proc/stat), other users of it included.
 * USER_HZ ticks: 10 ms resolution per process, so figures are per pod over a whole phase.
 */
function cpuSample(apiserverPid: number, kubeletPid: number, node: string): Record<'apiserver' | 'kubelet' | 'helpers' | 'ip' | 'shims' | 'containers' | 'bench' | 'machine', number> {
  const procs = new Map<number, NonNullable<ReturnType<typeof procCpu>>>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const c = procCpu(Number(d));
    if (c) procs.set(Number(d), c);
  }
  const helpers = [...procs].filter(([, c]) => c.ppid === kubeletPid);
  const helperPids = new Set(helpers.map(([p]) => p));
  // A helper's children: the shims (sh, alive while their containers run), and ip batches caught running.
  const shims = [...procs].filter(([, c]) => helperPids.has(c.ppid) && c.comm === 'sh');
  const running = [...procs].filter(([, c]) => helperPids.has(c.ppid) && c.comm !== 'sh');
  const sum = (xs: Array<[number, { withChildrenMs: number }]>) => xs.reduce((a, [, c]) => a + c.withChildrenMs, 0);
  const own = (xs: Array<[number, { selfMs: number }]>) => xs.reduce((a, [, c]) => a + c.selfMs, 0);
  // The node's parent cgroup is made with its first container: none yet is nothing used yet.
  let containers = existsSync('/sys/fs/cgroup/cpuacct') || existsSync('/sys/fs/cgroup/cgroup.controllers') ? 0 : NaN;
  try {
    containers = Number(readFileSync(`/sys/fs/cgroup/cpuacct/skiff/${node}/cpuacct.usage`, 'utf8')) / 1e6;
  } catch {
    try {
      containers = (cpuNanosV2(readFileSync(`/sys/fs/cgroup/skiff/${node}/cpu.stat`, 'utf8')) ?? NaN) / 1e6;
    } catch { /* no cgroups (not root) */ }
  }
  const self = process.cpuUsage();
  return {
    apiserver: procs.get(apiserverPid)?.selfMs ?? NaN,
    kubelet: procs.get(kubeletPid)?.selfMs ?? NaN,
    helpers: own(helpers),
    ip: sum(helpers) - own(helpers) + sum(running),
    shims: sum(shims),
    containers,
    bench: (self.user + self.system) / 1000,
    machine: nodeCpuNanos(readFileSync('/proc/stat', 'utf8'))! / 1e6,
  };
}

/** CPU per pod by component between two samples, and how busy the machine was over the wall time. */
function cpuFigures(before: ReturnType<typeof cpuSample>, after: ReturnType<typeof cpuSample>, pods: number, wallMs: number): { perPod: string; busy: string } {
  const d = (k: keyof typeof before) => after[k] - before[k];
  const ours = (['apiserver', 'kubelet', 'helpers', 'ip', 'shims', 'containers', 'bench'] as const).reduce((a, k) => a + (Number.isNaN(d(k)) ? 0 : d(k)), 0);
  const perPod = (['apiserver', 'kubelet', 'helpers', 'ip', 'shims', 'containers', 'bench'] as const).map((k) => `${k === 'helpers' ? 'spawn helpers' : k} ${fmt(d(k) / pods)}`).join(', ');
  const capacity = wallMs * cpus().length;
  return { perPod: `${perPod}; all ${fmt(ours / pods)}`, busy: `${fmt((100 * d('machine')) / capacity, 0)}% (this bench's processes ${fmt((100 * ours) / capacity, 0)}%) over ${fmt(wallMs / 1000, 2)} s` };
}

async function rawSpawnMs(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const child = spawn('/bin/sh', ['-c', 'exec sleep 1000'], { stdio: 'ignore', detached: true });
    await new Promise<void>((r) => child.once('spawn', () => r()));
    out.push(performance.now() - t);
    child.kill('SIGKILL');
  }
  return out;
}

/** Cumulative bucket counts by `le` for each series of one histogram, and plain samples, from a Prometheus text scrape. */
function parseScrape(text: string): { buckets: Map<string, Map<number, number>>; samples: Map<string, number> } {
  const buckets = new Map<string, Map<number, number>>();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const [, name, labels = '', value] = m;
    const le = /(?:^|,)le="([^"]+)"/.exec(labels);
    if (name!.endsWith('_bucket') && le) {
      const key = `${name!.slice(0, -'_bucket'.length)}{${labels.replace(/,?le="[^"]+"/, '')}}`;
      const b = buckets.get(key) ?? new Map<number, number>();
      b.set(le[1] === '+Inf' ? Infinity : Number(le[1]), Number(value));
      buckets.set(key, b);
    } else samples.set(labels ? `${name}{${labels}}` : name!, Number(value));
  }
  return { buckets, samples };
}

/** histogram_quantile(q, increase) over the buckets' increase between two scrapes, in ms (NaN: nothing observed). */
function quantileMs(q: number, before: Map<number, number> | undefined, after: Map<number, number> | undefined): number {
  if (!after) return NaN;
  const les = [...after.keys()].sort((a, b) => a - b);
  const inc = les.map((le) => after.get(le)! - (before?.get(le) ?? 0));
  const total = inc[inc.length - 1]!;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  for (let i = 0; i < les.length; i++) {
    if (inc[i]! < rank) continue;
    if (les[i] === Infinity) return les[i - 1]! * 1000;
    const lower = i === 0 ? 0 : les[i - 1]!;
    const below = i === 0 ? 0 : inc[i - 1]!;
    return (lower + ((les[i]! - lower) * (rank - below)) / (inc[i]! - below)) * 1000;
  }
  return NaN;
}

/** The kubelet's scrape once it has observed `n` starts (it does when its own watch shows each pod Running). */
async function observedStarts(c: RestClient, node: string, n: number, kubelet: Proc): Promise<ReturnType<typeof parseScrape>> {
  let last = 0;
  try {
    return await waitFor(`the kubelet to observe ${n} pod starts`, async () => {
      const m = await scrapeKubelet(c, node);
      last = m.samples.get('kubelet_pod_start_sli_duration_seconds_count') ?? 0;
      return last >= n ? m : undefined;
    }, 60_000, 200);
  } catch (err) {
    const log = process.env.SKIFF_BENCH_KUBELET_LOG;
    if (log) (await import('node:fs')).writeFileSync(log, kubelet.output());
    throw new Error(`${err instanceof Error ? err.message : err} (observed ${last})`);
  }
}

async function scrapeKubelet(c: RestClient, node: string): Promise<ReturnType<typeof parseScrape>> {
  return parseScrape(await c.request<string>('GET', `/api/v1/nodes/${node}/proxy/metrics`));
}

/** The kubelet's per-phase medians and CPU per pod between two scrapes, as one table cell each. */
function phaseFigures(before: ReturnType<typeof parseScrape>, after: ReturnType<typeof parseScrape>, pods: number): { phases: string; cpuPerPodMs: string } {
  const phase = (p: string) => `skiff_kubelet_pod_start_phase_duration_seconds{phase="${p}"}`;
  const phases = POD_START_PHASES.map((p) => `${p} ${fmt(quantileMs(0.5, before.buckets.get(phase(p)), after.buckets.get(phase(p))))}`).join(', ');
  const cpu = (after.samples.get('process_cpu_seconds_total')! - before.samples.get('process_cpu_seconds_total')!) * 1000;
  return { phases, cpuPerPodMs: fmt(cpu / pods) };
}

describe('kubelet', () => {
  it(`pod startup latency, ${PODS} pods on one process-runtime node`, async () => {
    const api = await startApiServer();
    procs.push(api.proc);
    dirs.push(api.dir);
    const node = `bench-${suffix()}`;
    const root = tempDir(node);
    dirs.push(root);
    // SKIFF_BENCH_CPU_PROF=DIR: the kubelet writes a V8 CPU profile there when it stops (node --cpu-prof).
    const prof = process.env.SKIFF_BENCH_CPU_PROF;
    if (prof) process.env.PROF = prof;
    const kubelet = await startKubelet(api.url, node, root, ['--stop-pods-on-exit'], {}, prof ? ['/bin/sh', '-c', 'exec "$0" --cpu-prof --cpu-prof-dir="$PROF" "$@"'] : []);
    procs.push(kubelet);
    const c = client(api.url);
    const scrape0 = await waitFor('the kubelet\'s /metrics', () => scrapeKubelet(c, node));
    const created = new Map<string, number>();
    const latency = new Map<string, number>();
    const watch = c.pods().watch({ namespace: 'default' });
    const watching = (async () => {
      for await (const ev of watch) {
        if (ev.type === 'ERROR') continue;
        const p = ev.object as Pod;
        const name = p.metadata.name!;
        if (p.status?.phase === 'Running' && created.has(name) && !latency.has(name)) latency.set(name, performance.now() - created.get(name)!);
        if (latency.size === PODS + 20) break;
      }
    })();
    const cpuOf = () => cpuSample(api.proc.child.pid!, kubelet.child.pid!, node);
    const burstFrom = { cpu: cpuOf(), ms: performance.now() };
    for (let i = 0; i < PODS; i++) {
      const name = `b-${i}`;
      created.set(name, performance.now());
      void c.pods().create(podManifest(name, node, { containers: [{ name: 'c', image: 'host', command: ['/bin/sh', '-c', 'exec sleep 1000'] }] }));
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor('all pods Running', () => latency.size === PODS, 300_000, 50);
    const burstCpu = cpuFigures(burstFrom.cpu, cpuOf(), PODS, performance.now() - burstFrom.ms);
    // The kubelet observes a start once its own watch shows the pod Running: wait for all of them.
    const burstDone = await observedStarts(c, node, PODS, kubelet);
    // Then one at a time (each created once the previous one runs): the path without queueing.
    const SEQ = 20;
    const seq: number[] = [];
    const seqFrom = { cpu: cpuOf(), ms: performance.now() };
    for (let i = 0; i < SEQ; i++) {
      const name = `s-${i}`;
      created.set(name, performance.now());
      await c.pods().create(podManifest(name, node, { containers: [{ name: 'c', image: 'host', command: ['/bin/sh', '-c', 'exec sleep 1000'] }] }));
      await waitFor(`${name} Running`, () => latency.has(name), 60_000, 5);
      seq.push(latency.get(name)!);
    }
    const seqCpu = cpuFigures(seqFrom.cpu, cpuOf(), SEQ, performance.now() - seqFrom.ms);
    const seqDone = await observedStarts(c, node, PODS + SEQ, kubelet);
    watch.close();
    await watching.catch(() => undefined);
    const burst = phaseFigures(scrape0, burstDone, PODS);
    const one = phaseFigures(burstDone, seqDone, SEQ);
    const sq = summarize(seq);
    const raw = summarize(await rawSpawnMs(PODS));
    const s = summarize([...latency.entries()].filter(([n]) => n.startsWith('b-')).map(([, v]) => v));
    report(`kubelet pod startup (${PODS} pods, process runtime${process.getuid?.() === 0 ? ', namespaces + cgroups + pod netns' : ', plain processes'}, 20 creates/s, load avg ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`, [
      { measure: 'create → Running via watch, p50 (ms)', value: fmt(s.p50), baseline: `${fmt(raw.p50)} (raw spawn p50)`, goal: '≤ 100' },
      { measure: 'create → Running via watch, p99 (ms)', value: fmt(s.p99), baseline: `${fmt(raw.p99)} (raw spawn p99)`, goal: '≤ 500 (k8s SLO 5000)' },
      { measure: 'max (ms)', value: fmt(s.max), baseline: fmt(raw.max) },
      { measure: 'one at a time, p50 (ms)', value: fmt(sq.p50), baseline: `${fmt(raw.p50)} (raw spawn p50)`, goal: '≤ 30' },
      { measure: 'one at a time, max of 20 (ms)', value: fmt(sq.max) },
      { measure: 'burst: kubelet phase medians (ms)', value: burst.phases },
      { measure: 'one at a time: kubelet phase medians (ms)', value: one.phases },
      { measure: 'kubelet CPU per pod start, burst / one at a time (ms)', value: `${burst.cpuPerPodMs} / ${one.cpuPerPodMs}` },
      { measure: 'burst: CPU per pod by process (ms)', value: burstCpu.perPod },
      { measure: 'burst: machine busy (of all cores)', value: burstCpu.busy },
      { measure: 'one at a time: CPU per pod by process (ms)', value: seqCpu.perPod },
      { measure: 'one at a time: machine busy (of all cores)', value: seqCpu.busy },
    ]);
    await c.pods().deleteCollection({ namespace: 'default' }).catch(() => undefined);
    // Let the kubelet remove them itself (sandboxes, netns, cgroups) before it is stopped.
    await waitFor('the pods gone', async () => (await c.pods().list({ namespace: 'default' })).items.length === 0, 180_000, 500).catch(() => undefined);
    c.close();
  });

  it(`hollow nodes kept Ready by one fake-runtime kubelet (${HOLLOW})`, async () => {
    const api = await startApiServer();
    procs.push(api.proc);
    dirs.push(api.dir);
    const prefix = `h${suffix()}-`;
    const t0 = performance.now();
    const hollowRoot = tempDir('hollow');
    dirs.push(hollowRoot);
    const { proc } = await startSkiff(['kubelet', '--server', api.url, '--runtime', 'fake', '--nodes', String(HOLLOW), '--node-name-prefix', prefix, '--port', '0', '--root-dir', hollowRoot], /hollow nodes ready/, {}, 600_000);
    procs.push(proc);
    const registerS = (performance.now() - t0) / 1000;
    const c = client(api.url);
    // Observe for 45 s (more than one lease duration): the oldest renewTime of any node's lease.
    let worstAgeS = 0;
    let samples = 0;
    let lastRenewals = 0;
    const end = Date.now() + 45_000;
    let renewedInWindow = 0;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 5000));
      const leases = (await c.leases().listAll({ namespace: 'kube-node-lease' })).items.filter((l) => l.metadata.name!.startsWith(prefix));
      const now = Date.now();
      const ages = leases.map((l) => (now - Date.parse(l.spec!.renewTime!)) / 1000);
      worstAgeS = Math.max(worstAgeS, ...ages);
      renewedInWindow = ages.filter((a) => a <= 40).length;
      lastRenewals = leases.length;
      samples++;
    }
    const ready = renewedInWindow;
    report(`hollow nodes (fake runtime, one kubelet process, lease renew every 10 s, duration 40 s)`, [
      { measure: 'nodes simulated', value: String(HOLLOW), goal: '5000' },
      { measure: 'nodes registered + first lease (s)', value: fmt(registerS) },
      { measure: 'leases present at the end', value: String(lastRenewals) },
      { measure: `nodes with lease younger than 40 s (last of ${samples} samples)`, value: String(ready), baseline: `${HOLLOW} (all)`, goal: String(HOLLOW) },
      { measure: 'oldest lease seen over 45 s (s)', value: fmt(worstAgeS), baseline: '10 (renew period)', goal: '< 40' },
      { measure: 'renewals needed (/s)', value: fmt(HOLLOW / 10, 0) },
    ]);
    c.close();
  });
});
