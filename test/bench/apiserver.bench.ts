// API server latency, measured against a real `skiff apiserver` process (compiled dist/,
// durable data dir, so every create waits for its fsync'd group commit):
//   - create latency p50/p99 with 64 requests in flight, beside two baselines measured in
//     the same run: a bare node:http server answering a trivial POST (the HTTP floor), and
//     the embedded store's txn latency at 64 in flight on the same disk (the storage floor);
//   - pods/binding latency and rate at 64 in flight (what the scheduler sends);
//   - watch fan-out: one write → 1,000 open watches, latency from sending the write to each
//     watcher receiving its event.
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/apiserver.bench.ts
//
// Prints figures only; never asserts on timing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { openEmbeddedStorage } from '../../apiserver/storage/embedded.js';
import { fmt, measureConcurrent, report, summarize } from './report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CREATES = Number(process.env.SKIFF_BENCH_CREATES ?? 5000);
const IN_FLIGHT = 64;
const WATCHERS = Number(process.env.SKIFF_BENCH_WATCHERS ?? 1000);
const FANOUT_WRITES = 30;

const children: ChildProcess[] = [];
const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-apiserver-'));
  dirs.push(d);
  return d;
};

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function startProcess(args: string[]): Promise<string> {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

function post(url: string, body: string, contentType = 'application/json'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Run `n` operations with `concurrency` in flight; returns each one's latency in ms. */
/** The watch cache's dispatch histogram sum and count, from /metrics. */
async function dispatchTotals(url: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const num = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { sum: num('apiserver_watch_cache_dispatch_seconds_sum'), count: num('apiserver_watch_cache_dispatch_seconds_count') };
}

const podBody = (name: string, ns = 'default') => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: ns, labels: { app: 'bench' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
});

const BARE_SERVER = `
const http = require('http');
const s = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const out = JSON.stringify({ ok: true, length: body.length });
    res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
    res.end(out);
  });
});
s.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + s.address().port));
`;

describe('apiserver', () => {
  it('create latency at 64 in flight, and watch fan-out to 1,000 watches', async () => {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'ignore' });

    // Baseline 1: a bare node:http server in its own process.
    const bare = await startProcess(['-e', BARE_SERVER]);
    await measureConcurrent(500, IN_FLIGHT, () => post(`${bare}/`, podBody('warm')));
    const bareRun = await measureConcurrent(CREATES, IN_FLIGHT, (i) => post(`${bare}/`, podBody(`b-${i}`)));

    // Baseline 2: the embedded store's durable txn at 64 in flight, same disk.
    const storage = await openEmbeddedStorage({ dataDir: tmp() });
    const storeRun = await measureConcurrent(CREATES, IN_FLIGHT, (i) =>
      storage.txn([{ key: `/registry/pods/default/s-${i}`, modRevision: 0 }], [{ type: 'put', key: `/registry/pods/default/s-${i}`, value: podBody(`s-${i}`) }]));
    await storage.close();

    // Skiff: POST pods to a real apiserver process with a durable data dir, over plain HTTP
    // (the loopback development flag) like the bare baseline: this measures the API
    // machinery; HTTPS with client certificates is measured in apiserver-tls.bench.ts.
    const url = await startProcess([path.join(root, 'dist/cli/skiff.js'), 'apiserver', '--port', '0', '--insecure-http', '--data-dir', tmp()]);
    await measureConcurrent(500, IN_FLIGHT, (i) => post(`${url}/api/v1/namespaces/default/pods`, podBody(`warm-${i}`)));
    let failures = 0;
    const apiRun = await measureConcurrent(CREATES, IN_FLIGHT, async (i) => {
      const code = await post(`${url}/api/v1/namespaces/default/pods`, podBody(`p-${i}`));
      if (code !== 201) failures++;
    });

    // Bindings (what the scheduler sends): pods/binding for every created pod.
    const bindRun = await measureConcurrent(CREATES, IN_FLIGHT, (i) => post(`${url}/api/v1/namespaces/default/pods/p-${i}/binding`,
      JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: `p-${i}` }, target: { kind: 'Node', name: `node-${i % 100}` } })));
    const bindS = summarize(bindRun.samples);

    const bareS = summarize(bareRun.samples);
    const storeS = summarize(storeRun.samples);
    const apiS = summarize(apiRun.samples);
    report(`API create latency, ${CREATES} pods, ${IN_FLIGHT} in flight`, [
      { measure: 'create p50 (ms)', value: fmt(apiS.p50, 2), baseline: `bare http ${fmt(bareS.p50, 2)} / store txn ${fmt(storeS.p50, 2)}` },
      { measure: 'create p99 (ms)', value: fmt(apiS.p99, 2), baseline: `bare http ${fmt(bareS.p99, 2)} / store txn ${fmt(storeS.p99, 2)}`, goal: '≤ 20' },
      { measure: 'creates/s', value: fmt(CREATES / apiRun.seconds, 0), baseline: `bare http ${fmt(CREATES / bareRun.seconds, 0)} / store txn ${fmt(CREATES / storeRun.seconds, 0)}` },
      { measure: 'non-201 answers', value: String(failures) },
      { measure: 'binding p50 / p99 (ms)', value: `${fmt(bindS.p50, 2)} / ${fmt(bindS.p99, 2)}`, baseline: `bare http ${fmt(bareS.p50, 2)} / ${fmt(bareS.p99, 2)}` },
      { measure: 'bindings/s', value: fmt(CREATES / bindRun.seconds, 0), baseline: `bare http ${fmt(CREATES / bareRun.seconds, 0)}` },
    ]);

    // Fan-out: WATCHERS watches on one namespace; each write is timed to every watcher.
    await post(`${url}/api/v1/namespaces`, JSON.stringify({ metadata: { name: 'fan' } }));
    const watchAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    const pending = new Map<string, { t0: number; left: number; done: () => void; needle: Buffer }>();
    const samples: number[] = [];
    const reqs: http.ClientRequest[] = [];
    let opened = 0;
    await new Promise<void>((resolve, reject) => {
      for (let w = 0; w < WATCHERS; w++) {
        const req = http.get(`${url}/api/v1/namespaces/fan/pods?watch=true&resourceVersion=0`, { agent: watchAgent }, (res) => {
          if (++opened === WATCHERS) resolve();
          // Lean on purpose (this process reads all 1,000 streams): look for the write's name
          // in the raw bytes instead of splitting and parsing lines.
          res.on('data', (chunk: Buffer) => {
            const t = performance.now();
            for (const [, p] of pending) {
              if (chunk.includes(p.needle)) {
                samples.push(t - p.t0);
                if (--p.left === 0) p.done();
              }
            }
          });
        });
        req.on('error', reject);
        reqs.push(req);
      }
    });
    const dispatchBefore = await dispatchTotals(url);
    const t0 = performance.now();
    for (let i = 0; i < FANOUT_WRITES; i++) {
      const name = `f-${i}`;
      await new Promise<void>((resolve) => {
        pending.set(name, { t0: performance.now(), left: WATCHERS, done: resolve, needle: Buffer.from(`"name":"${name}"`) });
        void post(`${url}/api/v1/namespaces/fan/pods`, podBody(name, 'fan'));
      });
      pending.delete(name);
    }
    const fanSeconds = (performance.now() - t0) / 1000;
    const dispatchAfter = await dispatchTotals(url);
    const dispatchMs = ((dispatchAfter.sum - dispatchBefore.sum) / Math.max(1, dispatchAfter.count - dispatchBefore.count)) * 1000;
    for (const r of reqs) r.destroy();
    const fan = summarize(samples);
    report(`Watch fan-out: one write → ${WATCHERS} watches (${FANOUT_WRITES} writes, ${samples.length} deliveries)`, [
      { measure: 'delivery p50 (ms)', value: fmt(fan.p50, 2), baseline: `create p50 ${fmt(apiS.p50, 2)}` },
      { measure: 'delivery p99 (ms)', value: fmt(fan.p99, 2), goal: '≤ 100' },
      { measure: 'delivery max (ms)', value: fmt(fan.max, 2) },
      { measure: 'server: batch → all sockets, mean (ms)', value: fmt(dispatchMs, 2) },
      { measure: 'events delivered/s', value: fmt(samples.length / fanSeconds, 0) },
    ]);
    agent.destroy();
  });
});
