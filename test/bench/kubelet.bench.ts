// Kubelet benchmarks against real processes (compiled dist/):
//   1. Pod startup latency: create → Running seen through a watch, for 100 pods on one
//      process-runtime node (paced at 20 creates/s), beside the raw cost of spawning the
//      same process from Node in the same run.
//   2. Hollow nodes: how many fake-runtime nodes one kubelet process keeps Ready, i.e. with
//      every Lease renewed within its 40 s duration (renewals due every 10 s).
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/kubelet.bench.ts
//   SKIFF_BENCH_HOLLOW_NODES=5000 (default) SKIFF_BENCH_PODS=100 (default)
//
// Prints figures only; never asserts on timing.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
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

describe('kubelet', () => {
  it(`pod startup latency, ${PODS} pods on one process-runtime node`, async () => {
    const api = await startApiServer();
    procs.push(api.proc);
    dirs.push(api.dir);
    const node = `bench-${suffix()}`;
    const root = tempDir(node);
    dirs.push(root);
    const kubelet = await startKubelet(api.url, node, root, ['--stop-pods-on-exit']);
    procs.push(kubelet);
    const c = client(api.url);
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
    for (let i = 0; i < PODS; i++) {
      const name = `b-${i}`;
      created.set(name, performance.now());
      void c.pods().create(podManifest(name, node, { containers: [{ name: 'c', image: 'host', command: ['/bin/sh', '-c', 'exec sleep 1000'] }] }));
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor('all pods Running', () => latency.size === PODS, 300_000, 50);
    // Then one at a time (each created once the previous one runs): the path without queueing.
    const SEQ = 20;
    const seq: number[] = [];
    for (let i = 0; i < SEQ; i++) {
      const name = `s-${i}`;
      created.set(name, performance.now());
      await c.pods().create(podManifest(name, node, { containers: [{ name: 'c', image: 'host', command: ['/bin/sh', '-c', 'exec sleep 1000'] }] }));
      await waitFor(`${name} Running`, () => latency.has(name), 60_000, 5);
      seq.push(latency.get(name)!);
    }
    watch.close();
    await watching.catch(() => undefined);
    const sq = summarize(seq);
    const raw = summarize(await rawSpawnMs(PODS));
    const s = summarize([...latency.entries()].filter(([n]) => n.startsWith('b-')).map(([, v]) => v));
    report(`kubelet pod startup (${PODS} pods, process runtime${process.getuid?.() === 0 ? ', namespaces + cgroups + pod netns' : ', plain processes'}, 20 creates/s, load avg ${loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).cpus().length} cores)`, [
      { measure: 'create → Running via watch, p50 (ms)', value: fmt(s.p50), baseline: `${fmt(raw.p50)} (raw spawn p50)`, goal: '≤ 100' },
      { measure: 'create → Running via watch, p99 (ms)', value: fmt(s.p99), baseline: `${fmt(raw.p99)} (raw spawn p99)`, goal: '≤ 500 (k8s SLO 5000)' },
      { measure: 'max (ms)', value: fmt(s.max), baseline: fmt(raw.max) },
      { measure: 'one at a time, p50 (ms)', value: fmt(sq.p50), baseline: `${fmt(raw.p50)} (raw spawn p50)`, goal: '≤ 100' },
      { measure: 'one at a time, max of 20 (ms)', value: fmt(sq.max) },
    ]);
    await c.pods().deleteCollection({ namespace: 'default' }).catch(() => undefined);
    c.close();
  });

  it(`hollow nodes kept Ready by one fake-runtime kubelet (${HOLLOW})`, async () => {
    const api = await startApiServer();
    procs.push(api.proc);
    dirs.push(api.dir);
    const prefix = `h${suffix()}-`;
    const t0 = performance.now();
    const { proc } = await startSkiff(['kubelet', '--server', api.url, '--runtime', 'fake', '--nodes', String(HOLLOW), '--node-name-prefix', prefix, '--port', '0'], /hollow nodes ready/, {}, 600_000);
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
