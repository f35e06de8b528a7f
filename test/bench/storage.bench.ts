// Embedded store throughput beside its physical envelope, measured in the same run on the
// same disk: a bare Map + append-only file with the same group-commit policy (records that
// arrive while an fdatasync is in flight are written together and synced once). The goal is
// the store at ≥ 50% of the bare file. Also: reads over 150k keys and watch fan-out.
//
//   npx vitest run --config vitest.bench.config.ts test/bench/storage.bench.ts
//
// Prints figures only; never asserts on timing.
import { mkdtempSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { openEmbeddedStorage } from '../../apiserver/storage/embedded.js';
import type { Storage } from '../../apiserver/storage/interface.js';
import { fmt, report, summarize, type Figure } from './report.js';

const PUTS = 15_000;
const ROUNDS = 7;
const KEYS = 10_000;
const VALUE = JSON.stringify({ kind: 'Pod', pad: 'x'.repeat(1000) }).slice(0, 1024);

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'skiff-bench-storage-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The envelope: a Map and an append-only file with group commit, nothing else. */
class BareLog {
  private map = new Map<string, string>();
  private queue: Buffer[] = [];
  private waiting: (() => void)[] = [];
  private flushing = false;
  private scheduled = false;
  constructor(private fh: FileHandle) {}
  static async open(path: string) {
    return new BareLog(await open(path, 'a'));
  }
  put(key: string, value: string): Promise<void> {
    this.map.set(key, value);
    const rec = Buffer.from(`${key}\t${value}\n`);
    const frame = Buffer.allocUnsafe(4 + rec.length);
    frame.writeUInt32LE(rec.length, 0);
    rec.copy(frame, 4);
    this.queue.push(frame);
    const p = new Promise<void>((r) => this.waiting.push(r));
    if (!this.flushing && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
    return p;
  }
  private async flush() {
    if (this.flushing) return;
    this.flushing = true;
    while (this.queue.length > 0) {
      const data = Buffer.concat(this.queue);
      const done = this.waiting;
      this.queue = [];
      this.waiting = [];
      let off = 0;
      while (off < data.length) off += (await this.fh.write(data, off, data.length - off, null)).bytesWritten;
      await this.fh.datasync();
      for (const d of done) d();
    }
    this.flushing = false;
  }
  close() {
    return this.fh.close();
  }
}

/** Runs `total` puts with `inFlight` outstanding; returns puts/s. */
async function drive(inFlight: number, total: number, put: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < total) await put(next++);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (total / (performance.now() - t0)) * 1000;
}

const storePut = (s: Storage) => (i: number) => s.txn([], [{ type: 'put', key: `/registry/pods/default/p${i % KEYS}`, value: VALUE }]);

describe('storage benchmark', () => {
  it('puts/s: embedded store vs bare append-only file with group fsync (1 KB values)', async () => {
    const figures: Figure[] = [];
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
    for (const inFlight of [64, 256]) {
      // Several short rounds, alternating baseline and store, so that the disk's ups and downs
      // on a shared machine hit both alike; medians are reported.
      const bareRates: number[] = [];
      const storeRates: number[] = [];
      let recordsPerFsync = 0;
      let snapshots = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const bare = await BareLog.open(join(tempDir(), 'bare.log'));
        await drive(inFlight, 2000, (i) => bare.put(`w${i}`, VALUE));
        bareRates.push(await drive(inFlight, PUTS, (i) => bare.put(`/registry/pods/default/p${i % KEYS}`, VALUE)));
        await bare.close();

        const store = await openEmbeddedStorage({ dataDir: tempDir() });
        await drive(inFlight, 2000, (i) => store.txn([], [{ type: 'put', key: `/warm/${i}`, value: VALUE }]));
        storeRates.push(await drive(inFlight, PUTS, storePut(store)));
        const st = store.stats();
        recordsPerFsync = (st.walRecords ?? 0) / Math.max(1, st.walFsyncs ?? 1);
        snapshots += st.snapshots ?? 0;
        await store.close();
      }
      const b = median(bareRates);
      const m = median(storeRates);
      figures.push({
        measure: `puts/s, ${inFlight} in flight (durable, median of ${ROUNDS})`,
        value: fmt(m, 0),
        baseline: `${fmt(b, 0)} bare file`,
        goal: `≥ 50% (${fmt((m / b) * 100, 0)}%)`,
      });
      const ratios = storeRates.map((r, i) => r / bareRates[i]!);
      figures.push({
        measure: '  store/bare per round (median)',
        value: `${fmt(median(ratios) * 100, 0)}%`,
        baseline: ratios.map((r) => fmt(r * 100, 0) + '%').join(' '),
      });
      figures.push({
        measure: '  all rounds: store | bare',
        value: storeRates.map((r) => fmt(r / 1000, 1) + 'k').join(' '),
        baseline: bareRates.map((r) => fmt(r / 1000, 1) + 'k').join(' '),
      });
      figures.push({ measure: `  records per fsync | snapshots taken`, value: `${fmt(recordsPerFsync, 1)} | ${snapshots}` });
    }
    const mem = await openEmbeddedStorage({});
    await drive(64, 2000, storePut(mem));
    const memRate = await drive(64, PUTS * 3, storePut(mem));
    await mem.close();
    figures.push({ measure: 'puts/s, 64 in flight (in memory)', value: fmt(memRate, 0) });
    report('embedded storage: writes', figures);
  });

  it('reads over 150k keys and watch fan-out to 1,000 watchers', async () => {
    const s = await openEmbeddedStorage({});
    const N = 150_000;
    const small = '{"kind":"Pod","metadata":{"name":"p"}}';
    const t0 = performance.now();
    for (let i = 0; i < N; i += 1000) {
      await s.txn([], Array.from({ length: 1000 }, (_, j) => ({ type: 'put' as const, key: `/registry/pods/ns${(i + j) % 50}/p${i + j}`, value: small })));
    }
    const loadMs = performance.now() - t0;
    const page: number[] = [];
    const nsList: number[] = [];
    for (let r = 0; r < 30; r++) {
      let t = performance.now();
      await s.range('/registry/pods/', { limit: 500 });
      page.push(performance.now() - t);
      t = performance.now();
      await s.range(`/registry/pods/ns${r % 50}/`);
      nsList.push(performance.now() - t);
    }
    const pageS = summarize(page);
    const nsS = summarize(nsList);

    // Fan-out: 1,000 watchers on the pods prefix; time from txn() to the last watcher's callback.
    const lat: number[] = [];
    let pending = 0;
    let started = 0;
    let resolveRound: () => void = () => {};
    const handles = Array.from({ length: 1000 }, () =>
      s.watch('/registry/pods/', s.revision, {
        onEvents: () => {
          if (--pending === 0) {
            lat.push(performance.now() - started);
            resolveRound();
          }
        },
        onError: () => {},
      }),
    );
    await new Promise((r) => setTimeout(r, 50)); // let them sync
    for (let r = 0; r < 200; r++) {
      const round = new Promise<void>((res) => (resolveRound = res));
      pending = 1000;
      started = performance.now();
      await s.txn([], [{ type: 'put', key: `/registry/pods/ns0/p${r}`, value: small }]);
      await round;
    }
    for (const h of handles) h.cancel();
    const fan = summarize(lat);
    await s.close();

    report('embedded storage: reads and fan-out (in memory)', [
      { measure: 'load 150k keys (batches of 1,000)', value: `${fmt(loadMs, 0)} ms` },
      { measure: 'range first 500 of 150k, with count p50/p99', value: `${fmt(pageS.p50, 2)} / ${fmt(pageS.p99, 2)} ms` },
      { measure: 'range one namespace (3k of 150k) p50/p99', value: `${fmt(nsS.p50, 2)} / ${fmt(nsS.p99, 2)} ms` },
      { measure: 'one write → 1,000 watchers, p50/p99', value: `${fmt(fan.p50, 2)} / ${fmt(fan.p99, 2)} ms`, goal: 'p99 ≤ 100 ms (API level)' },
    ]);
  });

  it('snapshot and recovery of 150k keys × 1 KB', async () => {
    const dir = tempDir();
    let s = await openEmbeddedStorage({ dataDir: dir });
    const N = 150_000;
    for (let i = 0; i < N; i += 500) {
      await s.txn([], Array.from({ length: 500 }, (_, j) => ({ type: 'put' as const, key: `/registry/pods/ns${(i + j) % 50}/p${i + j}`, value: VALUE })));
    }
    let t = performance.now();
    await s.snapshot();
    const snapMs = performance.now() - t;
    const snapBytes = s.stats().lastSnapshotBytes ?? 0;
    for (let i = 0; i < 20_000; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => s.txn([], [{ type: 'put', key: `/registry/pods/ns1/p${i + j}`, value: VALUE }])));
    }
    await s.close();
    t = performance.now();
    s = await openEmbeddedStorage({ dataDir: dir });
    const openMs = performance.now() - t;
    const st = s.stats();
    await s.close();
    report('embedded storage: snapshot and recovery', [
      { measure: `snapshot of ${N} keys (${fmt(snapBytes / 1048576, 0)} MiB)`, value: `${fmt(snapMs, 0)} ms` },
      { measure: `reopen: snapshot + ${st.recoveredRecords} log records`, value: `${fmt(openMs, 0)} ms` },
    ]);
  });
});
