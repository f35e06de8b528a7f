// Scheduler throughput, kube-scheduler's scheduler_perf "SchedulingBasic" shape: a real API
// server process with 5,000 Node objects and 10,000 pending pods, then a real
// `skiff scheduler` process. Figure: pods bound per second from the first binding to the
// last, as seen by a watch. Baseline in the same run: 10,000 raw pods/binding POSTs (256 in
// flight, nodes round-robin, no scheduling logic) against the same server.
// CPU: utime+stime from /proc/<pid>/stat over the scheduling window, as a share of one core.
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, describe, it } from 'vitest';
import type { Node, Pod } from '../../api/core/index.js';
import { RestClient } from '../../client/rest.js';
import { SchedulerCache } from '../../scheduler/cache.js';
import { newDefaultFramework } from '../../scheduler/default-profile.js';
import { Processes, waitFor } from '../scheduler/processes.js';
import { fmt, report } from './report.js';
import { testPki } from '../support/tls.js';

const NODES = Number(process.env.SKIFF_BENCH_NODES ?? 5000);
const PODS = Number(process.env.SKIFF_BENCH_PODS ?? 10000);
const CLK_TCK = 100; // Linux USER_HZ
/** Extra `skiff scheduler` flags, e.g. SKIFF_BENCH_SCHEDULER_ARGS="--max-in-flight-bindings 64". */
const SCHEDULER_ARGS = (process.env.SKIFF_BENCH_SCHEDULER_ARGS ?? '').split(' ').filter(Boolean);

function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is state (field 3); utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function node(i: number): Node {
  const name = `node-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
  };
}

const nodeStatus = {
  status: {
    capacity: { cpu: '4', memory: '32Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '32Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
  },
};

function pod(ns: string, i: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: ns },
    spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

/** Watches pods in ns from rv and records when each first shows a nodeName. */
function watchBindings(client: RestClient, ns: string, rv: string) {
  const bound = new Map<string, number>();
  const w = client.pods().watch({ namespace: ns, resourceVersion: rv });
  const done = (async () => {
    for await (const ev of w) {
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
      const p = ev.object as Pod;
      if (p.spec?.nodeName && !bound.has(p.metadata.name!)) bound.set(p.metadata.name!, performance.now());
    }
  })().catch(() => {});
  return {
    bound,
    close: async () => {
      w.close();
      await done;
    },
  };
}

const procs = new Processes();
afterAll(() => procs.stopAll());

describe('scheduler throughput', () => {
  it(`${NODES} nodes, ${PODS} pending pods`, async () => {
    const { url, proc: apiserver } = await procs.apiserver();
    const client = new RestClient({ server: url, credentials: testPki().credentials, userAgent: 'scheduler-bench', maxSockets: 300, timeoutMs: 120_000 });
    for (const ns of ['bench', 'baseline']) {
      await client.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(() => {});
    }

    let t = performance.now();
    await pool(Array.from({ length: NODES }, (_, i) => i), 64, (i) => client.nodes().create(node(i)));
    // Status through nodes/status, as a kubelet would (retried: a read right after a write
    // may still miss the object on this API server).
    await pool(Array.from({ length: NODES }, (_, i) => i), 64, (i) =>
      waitFor(() => client.nodes().patch(`node-${i}`, nodeStatus, 'merge', { subresource: 'status' }), 30_000),
    );
    const nodeSetup = (performance.now() - t) / 1000;
    t = performance.now();
    await pool(Array.from({ length: PODS }, (_, i) => i), 64, (i) => client.pods().create(pod('bench', i), { namespace: 'bench' }));
    const podSetup = (performance.now() - t) / 1000;
    console.log(`setup: ${NODES} nodes in ${fmt(nodeSetup)} s, ${PODS} pods in ${fmt(podSetup)} s`);

    // ---- the scheduler ----
    const rv = (await client.pods().list({ namespace: 'bench', limit: 1 })).metadata.resourceVersion!;
    const watch = watchBindings(client, 'bench', rv);
    const apiCpu0 = cpuSeconds(apiserver.child.pid!);
    const wall0 = performance.now();
    const scheduler = procs.scheduler(url, ['--leader-elect=false', ...SCHEDULER_ARGS]);
    await waitFor(() => watch.bound.size >= PODS, 600_000, () => `${PODS} pods bound (have ${watch.bound.size})`, scheduler);
    const wall1 = performance.now();
    const apiCpu1 = cpuSeconds(apiserver.child.pid!);
    const schedCpu = cpuSeconds(scheduler.child.pid!);
    await watch.close();
    await procs.stop(scheduler);
    const times = [...watch.bound.values()].sort((a, b) => a - b);
    const firstToLast = (times[times.length - 1]! - times[0]!) / 1000;
    const rate = PODS / firstToLast;
    const windowS = (wall1 - wall0) / 1000;
    const startToFirst = (times[0]! - wall0) / 1000;

    // ---- baseline: raw bindings, no scheduling ----
    await pool(Array.from({ length: PODS }, (_, i) => i), 64, (i) => client.pods().create(pod('baseline', i), { namespace: 'baseline' }));
    const b0 = performance.now();
    const apiCpuB0 = cpuSeconds(apiserver.child.pid!);
    await pool(Array.from({ length: PODS }, (_, i) => i), 256, (i) =>
      client.bind('baseline', `pod-${i}`, `node-${i % NODES}`),
    );
    const b1 = performance.now();
    const apiCpuB1 = cpuSeconds(apiserver.child.pid!);
    const baselineS = (b1 - b0) / 1000;
    client.close();

    // ---- the algorithm alone, in this process: same nodes and pods, no I/O ----
    const cache = new SchedulerCache();
    for (let i = 0; i < NODES; i++) {
      const n = node(i);
      n.status = nodeStatus.status as Node['status'];
      cache.addNode(n);
    }
    const framework = newDefaultFramework(() => cache.nodes);
    const pods = Array.from({ length: PODS }, (_, i) => pod('algo', i));
    const cpu0 = process.cpuUsage();
    const a0 = performance.now();
    for (const p of pods) {
      const host = framework.schedulePod(p, cache).suggestedHost;
      cache.assumePod({ ...p, spec: { ...p.spec, nodeName: host } });
    }
    const algoS = (performance.now() - a0) / 1000;
    const algoCpu = process.cpuUsage(cpu0);

    report(`scheduler: ${NODES} nodes, ${PODS} pending pods (${os.cpus().length} cores)`, [
      {
        measure: 'pods scheduled/s (first bind → last bind)',
        value: fmt(rate, 0),
        baseline: `${fmt(PODS / baselineS, 0)} raw binding POSTs/s`,
        goal: '≥ 1000 (k8s CI floor 680)',
      },
      { measure: 'first bind → last bind', value: `${fmt(firstToLast, 2)} s`, baseline: `${fmt(baselineS, 2)} s for ${PODS} raw bindings` },
      { measure: 'scheduler start → first bind (list + sync)', value: `${fmt(startToFirst, 2)} s` },
      {
        measure: 'API server CPU (share of one core)',
        value: `${fmt(apiCpu1 - apiCpu0, 1)} s / ${fmt(windowS, 1)} s = ${fmt((100 * (apiCpu1 - apiCpu0)) / windowS, 0)}%`,
        baseline: `${fmt(apiCpuB1 - apiCpuB0, 1)} s / ${fmt(baselineS, 1)} s = ${fmt((100 * (apiCpuB1 - apiCpuB0)) / baselineS, 0)}%`,
      },
      {
        measure: 'scheduler CPU (share of one core)',
        value: `${fmt(schedCpu, 1)} s / ${fmt(windowS, 1)} s = ${fmt((100 * schedCpu) / windowS, 0)}%`,
      },
      { measure: 'scheduler CPU per pod (incl. list/sync)', value: `${fmt((schedCpu * 1e6) / PODS, 0)} µs` },
      {
        measure: 'algorithm alone (filter+score+assume, in-process)',
        value: `${fmt(PODS / algoS, 0)} pods/s, ${fmt((algoCpu.user + algoCpu.system) / PODS, 0)} µs CPU/pod`,
      },
    ]);
  });
});
