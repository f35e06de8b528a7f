// The embedded store and etcd (a private single-member etcd on loopback, Debian's
// etcd-server) side by side in one run, on the same disk:
//   - storage level: write throughput, single-write latency, write → watch event;
//   - API level, through real `skiff apiserver` processes (one --data-dir, one --storage etcd):
//     create latency and rate at 64 in flight, get latency, and watch fan-out.
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/storage-etcd.bench.ts
//
// Both are durable (the embedded store with a data dir fsyncs before acknowledging, etcd
// fsyncs its raft log). Prints figures only; never asserts on timing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { openEmbeddedStorage } from '../../apiserver/storage/embedded.js';
import { openEtcdStorage } from '../../apiserver/storage/etcd.js';
import type { Storage } from '../../apiserver/storage/interface.js';
import { EtcdServer, findEtcd } from '../apiserver/storage/etcd-server.js';
import { fmt, measureConcurrent, report, summarize, type Figure } from './report.js';

const PUTS = 5_000;
const ROUNDS = 3;
const SAMPLES = 500;
const VALUE = JSON.stringify({ kind: 'Pod', pad: 'x'.repeat(1000) }).slice(0, 1024);

const API_CREATES = 3_000;
const API_GETS = 1_000;
const WATCHERS = 200;
const FANOUT_WRITES = 30;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function drive(inFlight: number, total: number, write: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < total) await write(next++);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (total / (performance.now() - t0)) * 1000;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;

interface Backend {
  name: string;
  open(): Promise<Storage>;
}

/** Unconditional puts (call order kept) and create-if-absent CAS writes (as the registry writes). */
async function throughput(b: Backend, round: number) {
  const s = await b.open();
  try {
    await drive(64, 500, (i) => s.txn([], [{ type: 'put', key: `/warm/${round}/${i}`, value: VALUE }]));
    const put = await drive(64, PUTS, (i) => s.txn([], [{ type: 'put', key: `/registry/pods/default/p${i}`, value: VALUE }]));
    const cas = await drive(64, PUTS, (i) => {
      const key = `/registry/pods/cas${round}/p${i}`;
      return s.txn([{ key, modRevision: 0 }], [{ type: 'put', key, value: VALUE }]);
    });
    return { put, cas };
  } finally {
    await s.close();
  }
}

/** One write at a time: its latency, and the time until a watcher of its prefix gets the event. */
async function latency(b: Backend) {
  const s = await b.open();
  try {
    const single: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const key = `/registry/leases/l${i % 10}`;
      const t = performance.now();
      await s.txn([], [{ type: 'put', key, value: VALUE }]);
      single.push(performance.now() - t);
    }
    const watchLat: number[] = [];
    let started = 0;
    let arrived: () => void = () => {};
    const h = s.watch('/registry/pods/', s.revision, {
      onEvents: () => {
        watchLat.push(performance.now() - started);
        arrived();
      },
      onError: () => {},
    });
    await new Promise((r) => setTimeout(r, 100)); // the watch is established
    for (let i = 0; i < SAMPLES; i++) {
      const got = new Promise<void>((r) => (arrived = r));
      started = performance.now();
      await s.txn([], [{ type: 'put', key: `/registry/pods/default/w${i % 10}`, value: VALUE }]);
      await got;
    }
    h.cancel();
    return { single: summarize(single), watch: summarize(watchLat) };
  } finally {
    await s.close();
  }
}

describe('storage backends side by side: embedded vs etcd', () => {
  it('puts/s at 64 in flight, single put latency, watch put→event latency', async () => {
    const backends: Backend[] = [
      {
        name: 'embedded',
        open: () => {
          const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-embedded-'));
          cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
          return openEmbeddedStorage({ dataDir: dir });
        },
      },
    ];
    const found = findEtcd();
    let etcdVersion = '';
    if (found.bin) {
      const server = await EtcdServer.start(found.bin);
      cleanups.push(() => server.destroy());
      etcdVersion = ((await (await fetch(`${server.url}/version`)).json()) as { etcdserver?: string }).etcdserver ?? '?';
      let n = 0;
      backends.push({ name: 'etcd', open: () => openEtcdStorage({ endpoints: [server.url], prefix: `/bench-${n++}` }) });
    } else {
      console.log(`storage-etcd bench: etcd skipped: ${found.reason}`);
    }

    const rates = new Map(backends.map((b) => [b.name, { put: [] as number[], cas: [] as number[] }]));
    // Alternate rounds so the shared machine's ups and downs hit both backends alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const b of backends) {
        const r = await throughput(b, round);
        rates.get(b.name)!.put.push(r.put);
        rates.get(b.name)!.cas.push(r.cas);
      }
    }
    const lat = new Map<string, Awaited<ReturnType<typeof latency>>>();
    for (const b of backends) lat.set(b.name, await latency(b));

    const emb = rates.get('embedded')!;
    const et = rates.get('etcd');
    const el = lat.get('embedded')!;
    const tl = lat.get('etcd');
    const pair = (x: { p50: number; p99: number }) => `${fmt(x.p50, 2)} / ${fmt(x.p99, 2)} ms`;
    const figures: Figure[] = [
      {
        measure: `create (CAS on mod_revision 0) /s, 64 in flight, median of ${ROUNDS}`,
        value: et ? `etcd ${fmt(median(et.cas), 0)}` : 'etcd skipped',
        baseline: `embedded ${fmt(median(emb.cas), 0)}`,
      },
      {
        measure: `unconditional put/s, 64 in flight (call order kept), median of ${ROUNDS}`,
        value: et ? `etcd ${fmt(median(et.put), 0)}` : 'etcd skipped',
        baseline: `embedded ${fmt(median(emb.put), 0)}`,
      },
      {
        measure: '  all rounds create/s: etcd | embedded',
        value: et ? et.cas.map((r) => fmt(r / 1000, 1) + 'k').join(' ') : '-',
        baseline: emb.cas.map((r) => fmt(r / 1000, 1) + 'k').join(' '),
      },
      { measure: 'single put latency p50/p99', value: tl ? `etcd ${pair(tl.single)}` : '-', baseline: `embedded ${pair(el.single)}` },
      { measure: 'watch: put → event p50/p99', value: tl ? `etcd ${pair(tl.watch)}` : '-', baseline: `embedded ${pair(el.watch)}` },
    ];
    report(`storage: embedded (data dir) vs etcd ${etcdVersion} (1 member, loopback), 1 KB values`, figures);
  });

  it('API over each backend: create and get latency, creates/s, watch fan-out', async () => {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'ignore' });
    const found = findEtcd();
    const servers: { name: string; url: string }[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-api-embedded-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    servers.push({ name: 'embedded', url: await startApiserver(['--data-dir', dir]) });
    if (found.bin) {
      const etcdServer = await EtcdServer.start(found.bin);
      cleanups.push(() => etcdServer.destroy());
      servers.push({ name: 'etcd', url: await startApiserver(['--storage', 'etcd', '--etcd-servers', etcdServer.url]) });
    } else {
      console.log(`storage-etcd bench: etcd skipped: ${found.reason}`);
    }
    const results = new Map<string, { create: ReturnType<typeof summarize>; rate: number; get: ReturnType<typeof summarize>; fan: ReturnType<typeof summarize>; failures: number }>();
    for (const { name, url } of servers) {
      await measureConcurrent(300, 64, (i) => request(url, 'POST', '/api/v1/namespaces/default/pods', podBody(`warm-${i}`)));
      let failures = 0;
      const created = await measureConcurrent(API_CREATES, 64, async (i) => {
        if ((await request(url, 'POST', '/api/v1/namespaces/default/pods', podBody(`p-${i}`))) !== 201) failures++;
      });
      const got = await measureConcurrent(API_GETS, 1, async (i) => {
        if ((await request(url, 'GET', `/api/v1/namespaces/default/pods/p-${i}`)) !== 200) failures++;
      });
      results.set(name, { create: summarize(created.samples), rate: API_CREATES / created.seconds, get: summarize(got.samples), fan: await fanOut(url), failures });
    }
    const e = results.get('embedded')!;
    const t = results.get('etcd');
    const pair = (x: { p50: number; p99: number }) => `${fmt(x.p50, 2)} / ${fmt(x.p99, 2)} ms`;
    report('API over embedded (data dir) vs etcd: real skiff apiserver processes', [
      { measure: `create p50/p99, ${API_CREATES} pods, 64 in flight`, value: t ? `etcd ${pair(t.create)}` : 'etcd skipped', baseline: `embedded ${pair(e.create)}` },
      { measure: 'creates/s, 64 in flight', value: t ? `etcd ${fmt(t.rate, 0)}` : '-', baseline: `embedded ${fmt(e.rate, 0)}` },
      { measure: `get p50/p99, one at a time`, value: t ? `etcd ${pair(t.get)}` : '-', baseline: `embedded ${pair(e.get)}` },
      { measure: `watch fan-out: one write → ${WATCHERS} watches, p50/p99`, value: t ? `etcd ${pair(t.fan)}` : '-', baseline: `embedded ${pair(e.fan)}` },
      { measure: 'failed requests', value: t ? `etcd ${t.failures}` : '-', baseline: `embedded ${e.failures}` },
    ]);
  });
});

function startApiserver(args: string[]): Promise<string> {
  // Plain HTTP (the loopback development flag): this compares storage backends; TLS costs
  // are measured in apiserver-tls.bench.ts.
  const proc = spawn(process.execPath, [join(root, 'dist/cli/skiff.js'), 'apiserver', '--port', '0', '--insecure-http', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolvePromise(m[1]!);
    });
    proc.on('exit', (c) => reject(new Error(`apiserver exited ${c}: ${out}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
cleanups.push(() => agent.destroy());

function request(base: string, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string | number> = body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {};
    const req = http.request(base + path, { method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolvePromise(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const podBody = (name: string, ns = 'default') =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  });

/** WATCHERS watches on one namespace; each write is timed from its POST to every watcher. */
async function fanOut(url: string) {
  await request(url, 'POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: 'fan' } }));
  const watchAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const pending = new Map<string, { t0: number; left: number; done: () => void }>();
  const samples: number[] = [];
  const reqs: http.ClientRequest[] = [];
  let opened = 0;
  await new Promise<void>((resolvePromise, reject) => {
    for (let w = 0; w < WATCHERS; w++) {
      const req = http.get(`${url}/api/v1/namespaces/fan/pods?watch=true&resourceVersion=0`, { agent: watchAgent }, (res) => {
        if (++opened === WATCHERS) resolvePromise();
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const t = performance.now();
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const m = /"name":"(f-\d+)"/.exec(buf.slice(0, i));
            buf = buf.slice(i + 1);
            const p = m && pending.get(m[1]!);
            if (p) {
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
  for (let i = 0; i < FANOUT_WRITES; i++) {
    const name = `f-${i}`;
    await new Promise<void>((done) => {
      pending.set(name, { t0: performance.now(), left: WATCHERS, done });
      void request(url, 'POST', '/api/v1/namespaces/fan/pods', podBody(name, 'fan'));
    });
    pending.delete(name);
  }
  for (const r of reqs) r.destroy();
  watchAgent.destroy();
  return summarize(samples);
}
