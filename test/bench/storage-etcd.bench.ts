// The embedded store and etcd (a private single-member etcd on loopback, Debian's
// etcd-server) side by side in one run, on the same disk: write throughput, single-write
// latency, and the time from a write to its watch event.
//
//   npx vitest run --config vitest.bench.config.ts test/bench/storage-etcd.bench.ts
//
// Both are durable (the embedded store with a data dir fsyncs before acknowledging, etcd
// fsyncs its raft log). Prints figures only; never asserts on timing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { openEmbeddedStorage } from '../../apiserver/storage/embedded.js';
import { openEtcdStorage } from '../../apiserver/storage/etcd.js';
import type { Storage } from '../../apiserver/storage/interface.js';
import { EtcdServer, findEtcd } from '../apiserver/storage/etcd-server.js';
import { fmt, report, summarize, type Figure } from './report.js';

const PUTS = 5_000;
const ROUNDS = 3;
const SAMPLES = 500;
const VALUE = JSON.stringify({ kind: 'Pod', pad: 'x'.repeat(1000) }).slice(0, 1024);

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
});
