// The API server's heap under creates: what each created pod keeps on the heap, and the
// garbage collector's pauses while 64 creates are in flight — the tail of the create latency
// in apiserver.bench.ts is mostly young-generation GC (scavenges), whose cost is what survives
// them. Measured in this process (node:perf_hooks 'gc' entries; heap and Buffers after a full GC), beside
// a bare node:http server in the same process that parses each body and keeps it as its
// string (the floor for a server that must hold what it stored).
//
//   npx vitest run --config vitest.bench.config.ts test/bench/apiserver-heap.bench.ts
//
// Plain HTTP and the embedded store in memory: TLS and the disk are apiserver.bench.ts's.
// SKIFF_BENCH_CREATES (default 20,000) after 5,000 warm-up creates each. Prints figures only.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'vitest';
import { createApiServer } from '../../apiserver/server.js';
import { openEmbeddedStorage } from '../../apiserver/storage/embedded.js';
import { fmt, measureConcurrent, percentile, report } from './report.js';

const CREATES = Number(process.env.SKIFF_BENCH_CREATES ?? 20000);
const WARMUP = 5000;
const IN_FLIGHT = 64;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const podBody = (name: string) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'bench' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
});

function poster(url: string): (body: string) => Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  return (body) => new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'User-Agent': 'skiff-bench/v0.1.0 (linux/amd64)' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`create: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The V8 heap and the Buffers' memory off it (what the embedded store keeps values in), after a full GC. */
function memoryAfterFullGC(): { heap: number; buffers: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

interface HeapRun { perPodBytes: number; perPodBufferBytes: number; heapMB: number; scavenges: number[]; markCompacts: number[] }

/** Warm up, then CREATES creates at 64 in flight: retained heap per create and the GC pauses meanwhile. */
async function measure(post: (body: string) => Promise<void>, prefix: string): Promise<HeapRun> {
  await measureConcurrent(WARMUP, IN_FLIGHT, (i) => post(podBody(`${prefix}-warm-${i}`)));
  const before = memoryAfterFullGC();
  const scavenges: number[] = [];
  const markCompacts: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges.push(e.duration);
      else if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) markCompacts.push(e.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  await measureConcurrent(CREATES, IN_FLIGHT, (i) => post(podBody(`${prefix}-${i}`)));
  await new Promise((r) => setTimeout(r, 50)); // the observer's last entries
  observer.disconnect();
  const after = memoryAfterFullGC();
  return {
    perPodBytes: (after.heap - before.heap) / CREATES,
    perPodBufferBytes: (after.buffers - before.buffers) / CREATES,
    heapMB: after.heap / 1e6,
    scavenges: scavenges.sort((a, b) => a - b),
    markCompacts,
  };
}

describe('apiserver heap', () => {
  it('retained heap per created pod and GC pauses under 64 creates in flight, beside a bare server keeping each body', async () => {
    // The bare server: parse, keep the body, answer it.
    const kept = new Map<string, string>();
    const bare = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const obj = JSON.parse(body) as { metadata: { name: string } };
        kept.set(obj.metadata.name, body);
        res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    bare.keepAliveTimeout = 65_000;
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const bareRun = await measure(poster(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`), 'bare');
    bare.closeAllConnections();
    await new Promise((r) => bare.close(r));
    kept.clear();

    const skiffRun = async (watched: boolean): Promise<HeapRun> => {
      const storage = await openEmbeddedStorage({});
      const server = createApiServer({ storage, compactionIntervalMs: 0 });
      const { url } = await server.listen(0, '127.0.0.1');
      // Every cluster has pods watched (informers, kubelets): each write is then serialized for them.
      const watch = watched ? await new Promise<http.ClientRequest>((resolve, reject) => {
        const req = http.get(`${url}/api/v1/pods?watch=true`, (res) => (res.statusCode === 200 ? (res.resume(), resolve(req)) : reject(new Error(`watch: ${res.statusCode}`))));
        req.on('error', () => undefined);
      }) : undefined;
      const run = await measure(poster(`${url}/api/v1/namespaces/default/pods`), 'p');
      watch?.destroy();
      await server.close();
      await storage.close();
      return run;
    };
    const skiff = await skiffRun(false);
    const watched = await skiffRun(true);

    const pauses = (r: HeapRun) => `${r.scavenges.length} · p50 ${fmt(percentile(r.scavenges, 50), 2)} · max ${fmt(r.scavenges[r.scavenges.length - 1] ?? 0, 2)}`;
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    report(`API server heap: ${CREATES} pod creates at ${IN_FLIGHT} in flight in one process (plain HTTP, store in memory) after ${WARMUP} warm-up creates`, [
      { measure: 'retained heap per created pod (bytes)', value: fmt(skiff.perPodBytes, 0), baseline: `bare server keeping the body ${fmt(bareRun.perPodBytes, 0)}` },
      { measure: 'retained off the heap, in Buffers, per created pod (bytes)', value: fmt(Math.round(skiff.perPodBufferBytes) || 0, 0), baseline: `bare ${fmt(Math.round(bareRun.perPodBufferBytes) || 0, 0)}` },
      { measure: 'retained heap per created pod, one watch of all pods open (bytes)', value: fmt(watched.perPodBytes, 0), baseline: `off the heap ${fmt(watched.perPodBufferBytes, 0)}` },
      { measure: 'scavenges · pause p50 · max (ms)', value: pauses(skiff), baseline: `bare ${pauses(bareRun)}` },
      { measure: 'scavenge time per 1000 creates (ms)', value: fmt(total(skiff.scavenges) / CREATES * 1000, 1), baseline: `bare ${fmt(total(bareRun.scavenges) / CREATES * 1000, 1)}` },
      { measure: 'scavenge time per 1000 creates, one watch open (ms)', value: fmt(total(watched.scavenges) / CREATES * 1000, 1) },
      { measure: 'mark-compacts · total (ms)', value: `${skiff.markCompacts.length} · ${fmt(total(skiff.markCompacts), 1)}`, baseline: `bare ${bareRun.markCompacts.length} · ${fmt(total(bareRun.markCompacts), 1)}` },
      { measure: 'heap used after a full GC (MB)', value: fmt(skiff.heapMB, 0), baseline: `bare ${fmt(bareRun.heapMB, 0)}` },
    ]);
  });
});
