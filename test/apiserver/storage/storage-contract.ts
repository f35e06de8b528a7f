// The behaviour every Storage backend must show, as a reusable suite: the embedded store runs
// it in memory and on a data dir; an etcd backend can run the same suite.
import { afterEach, describe, expect, it } from 'vitest';
import { isStatusError } from '../../../api/errors.js';
import type { Storage, StoreEvent, WatchHandle } from '../../../apiserver/storage/interface.js';

export type OpenStorage = () => Promise<Storage>;

/** Collects a watch's events; `until(n)` waits (polling, generous deadline) for n of them. */
export function collector(storage: Storage, prefix: string, after: number) {
  const events: StoreEvent[] = [];
  const batches: number[] = [];
  let error: Error | undefined;
  const handle: WatchHandle = storage.watch(prefix, after, {
    onEvents: (evs) => {
      batches.push(evs.length);
      events.push(...evs);
    },
    onError: (err) => {
      error = err;
    },
  });
  return {
    events,
    batches,
    handle,
    get error() {
      return error;
    },
    until: (pred: () => boolean, what = 'condition') => waitFor(pred, what),
  };
}

export async function waitFor(pred: () => boolean, what = 'condition', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const put = (s: Storage, key: string, value: string) => s.txn([], [{ type: 'put', key, value }]);
export const del = (s: Storage, key: string) => s.txn([], [{ type: 'delete', key }]);

export function storageContract(name: string, open: OpenStorage): void {
  describe(`Storage contract: ${name}`, () => {
    const opened: Storage[] = [];
    const fresh = async () => {
      const s = await open();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('counts one revision per write transaction and tracks create/mod revision and version', async () => {
      const s = await fresh();
      const r0 = s.revision;
      const a = await put(s, '/r/a', '{"n":1}');
      expect(a.succeeded).toBe(true);
      expect(a.revision).toBe(r0 + 1);
      expect(a.results[0]).toMatchObject({ key: '/r/a', value: '{"n":1}', createRevision: r0 + 1, modRevision: r0 + 1, version: 1 });
      const b = await put(s, '/r/a', '{"n":2}');
      expect(b.results[0]).toMatchObject({ createRevision: r0 + 1, modRevision: r0 + 2, version: 2 });
      expect(s.revision).toBe(r0 + 2);
      expect(await s.get('/r/a')).toMatchObject({ value: '{"n":2}', modRevision: r0 + 2, version: 2 });
      expect(await s.get('/r/missing')).toBeUndefined();

      const d = await del(s, '/r/a');
      expect(d.revision).toBe(r0 + 3);
      expect(d.results[0]).toMatchObject({ key: '/r/a', value: '{"n":2}', modRevision: r0 + 3 });
      expect(await s.get('/r/a')).toBeUndefined();
      // Deleting an absent key writes nothing and keeps the revision.
      const none = await del(s, '/r/a');
      expect(none).toMatchObject({ succeeded: true, revision: r0 + 3, results: [] });
      // A re-created key starts a new life: new createRevision, version 1.
      const again = await put(s, '/r/a', '{"n":3}');
      expect(again.results[0]).toMatchObject({ createRevision: r0 + 4, modRevision: r0 + 4, version: 1 });
    });

    it('applies several ops atomically at one revision and rejects a key twice in one txn', async () => {
      const s = await fresh();
      await put(s, '/m/x', 'x');
      const r = await s.txn([], [
        { type: 'put', key: '/m/a', value: 'a' },
        { type: 'put', key: '/m/b', value: 'b' },
        { type: 'delete', key: '/m/x' },
      ]);
      expect(r.results.map((kv) => kv.modRevision)).toEqual([r.revision, r.revision, r.revision]);
      expect((await s.range('/m/')).kvs.map((kv) => kv.key)).toEqual(['/m/a', '/m/b']);
      await expect(s.txn([], [{ type: 'put', key: '/m/a', value: '1' }, { type: 'delete', key: '/m/a' }])).rejects.toThrow(/duplicate/);
      expect(s.revision).toBe(r.revision);
    });

    it('compare-and-swap: a stale modRevision fails with the current kvs, a fresh one succeeds', async () => {
      const s = await fresh();
      const v1 = (await put(s, '/cas/k', 'v1')).results[0]!;
      const v2 = (await s.txn([{ key: '/cas/k', modRevision: v1.modRevision }], [{ type: 'put', key: '/cas/k', value: 'v2' }])).results[0]!;
      expect(v2.value).toBe('v2');
      const rev = s.revision;
      const stale = await s.txn(
        [{ key: '/cas/k', modRevision: v1.modRevision }, { key: '/cas/none', modRevision: 0 }],
        [{ type: 'put', key: '/cas/k', value: 'lost' }],
      );
      expect(stale.succeeded).toBe(false);
      expect(stale.revision).toBe(rev);
      expect(stale.current[0]).toMatchObject({ key: '/cas/k', value: 'v2', modRevision: v2.modRevision });
      expect(stale.current[1]).toBeUndefined();
      expect((await s.get('/cas/k'))!.value).toBe('v2');
    });

    it('create-if-absent: compare modRevision 0 wins once', async () => {
      const s = await fresh();
      const create = () => s.txn([{ key: '/c/k', modRevision: 0 }], [{ type: 'put', key: '/c/k', value: 'mine' }]);
      const results = await Promise.all([create(), create(), create()]);
      expect(results.filter((r) => r.succeeded)).toHaveLength(1);
      const losers = results.filter((r) => !r.succeeded);
      for (const l of losers) expect(l.current[0]!.value).toBe('mine');
      // Deleted keys count as absent again.
      await del(s, '/c/k');
      expect((await create()).succeeded).toBe(true);
    });

    it('ranges in key order with limit, startKey, count, more and a past revision', async () => {
      const s = await fresh();
      for (const n of [5, 3, 9, 1, 7]) await put(s, `/p/k${n}`, `v${n}`);
      await put(s, '/q/other', 'x');
      await put(s, '/p', 'not under /p/');
      const all = await s.range('/p/');
      expect(all.kvs.map((kv) => kv.key)).toEqual(['/p/k1', '/p/k3', '/p/k5', '/p/k7', '/p/k9']);
      expect(all).toMatchObject({ count: 5, more: false, revision: s.revision });

      const page1 = await s.range('/p/', { limit: 2 });
      expect(page1.kvs.map((kv) => kv.key)).toEqual(['/p/k1', '/p/k3']);
      expect(page1).toMatchObject({ count: 5, more: true });
      // Continue after the last key, at the first page's revision, while writes go on.
      await put(s, '/p/k4', 'late');
      await del(s, '/p/k5');
      const page2 = await s.range('/p/', { limit: 2, startKey: page1.kvs[1]!.key + '\0', revision: page1.revision });
      expect(page2.kvs.map((kv) => kv.key)).toEqual(['/p/k5', '/p/k7']);
      expect(page2).toMatchObject({ count: 3, more: true, revision: page1.revision });
      const page3 = await s.range('/p/', { limit: 2, startKey: page2.kvs[1]!.key + '\0', revision: page1.revision });
      expect(page3.kvs.map((kv) => kv.key)).toEqual(['/p/k9']);
      expect(page3.more).toBe(false);

      const now = await s.range('/p/', { countOnly: true });
      expect(now).toMatchObject({ kvs: [], count: 5 });
      await expect(s.range('/p/', { revision: s.revision + 10 })).rejects.toMatchObject({ code: 504 });
    });

    it('a watch from a revision replays exactly the missed events, then live ones', async () => {
      const s = await fresh();
      await put(s, '/w/a', '1');
      const from = s.revision;
      await put(s, '/w/b', '2');
      await put(s, '/other/x', 'no');
      await del(s, '/w/a');
      const w = collector(s, '/w/', from);
      await w.until(() => w.events.length >= 2, 'replay');
      await put(s, '/w/c', '3');
      await w.until(() => w.events.length >= 3, 'live event');
      expect(w.events.map((e) => [e.type, e.kv.key, e.kv.value])).toEqual([
        ['put', '/w/b', '2'],
        ['delete', '/w/a', '1'],
        ['put', '/w/c', '3'],
      ]);
      expect(w.events[1]!.prevKv).toMatchObject({ key: '/w/a', value: '1' });
      expect(w.events[1]!.kv.modRevision).toBe(from + 3);
      expect(w.events.every((e, i) => i === 0 || e.kv.modRevision > w.events[i - 1]!.kv.modRevision)).toBe(true);
      expect(w.error).toBeUndefined();
      w.handle.cancel();
      await put(s, '/w/d', '4');
      const w2 = collector(s, '/w/', s.revision - 1);
      await w2.until(() => w2.events.length === 1);
      expect(w.events).toHaveLength(3); // nothing after cancel
    });

    it('1,000 writes reach a watcher in order with no gaps, even when it starts mid-stream', async () => {
      const s = await fresh();
      const start = s.revision;
      const early = collector(s, '/seq/', start);
      const writes: Promise<unknown>[] = [];
      let late: ReturnType<typeof collector> | undefined;
      let lateFrom = 0;
      for (let i = 0; i < 1000; i++) {
        writes.push(put(s, `/seq/k${i % 37}`, String(i)));
        if (i % 50 === 49) await writes[writes.length - 1];
        if (i === 500) {
          lateFrom = s.revision; // whatever is committed right now; more is in flight
          late = collector(s, '/seq/', lateFrom);
        }
      }
      await Promise.all(writes);
      await early.until(() => early.events.length >= 1000, 'early watcher');
      await late!.until(() => late!.events.at(-1)?.kv.modRevision === s.revision, 'late watcher');
      expect(early.events.map((e) => e.kv.modRevision)).toEqual(Array.from({ length: 1000 }, (_, i) => start + 1 + i));
      expect(early.events.map((e) => e.kv.value)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
      const lateRevs = late!.events.map((e) => e.kv.modRevision);
      expect(lateRevs).toEqual(Array.from({ length: s.revision - lateFrom }, (_, i) => lateFrom + 1 + i));
    });

    it('watchers started at random moments during concurrent writes each see exactly their events', async () => {
      const s = await fresh();
      const prefixes = ['/z/', '/z/a/', '/z/b/', '/z/a/1', ''];
      const watchers: { prefix: string; from: number; c: ReturnType<typeof collector> }[] = [];
      const writes: Promise<unknown>[] = [];
      let seed = 3;
      const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
      for (let i = 0; i < 3000; i++) {
        const key = `/z/${rand() < 0.5 ? 'a' : 'b'}/${Math.floor(rand() * 30)}`;
        writes.push(rand() < 0.8 ? put(s, key, String(i)) : s.txn([], [{ type: 'delete', key }]));
        if (rand() < 0.02) {
          const prefix = prefixes[Math.floor(rand() * prefixes.length)]!;
          const from = Math.max(1, s.revision - Math.floor(rand() * 50));
          watchers.push({ prefix, from, c: collector(s, prefix, from) });
        }
        if (rand() < 0.05) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(writes);
      const all = collector(s, '', 1);
      await all.until(() => all.events.at(-1)?.kv.modRevision === s.revision);
      for (const w of watchers) {
        const want = all.events.filter((e) => e.kv.modRevision > w.from && e.kv.key.startsWith(w.prefix));
        await w.c.until(() => w.c.events.length >= want.length, `watcher ${w.prefix}@${w.from}`);
        expect(w.c.events).toEqual(want);
      }
      expect(watchers.length).toBeGreaterThan(20);
    });

    it('compaction: older reads and watches get 410 Expired, newer still work', async () => {
      const s = await fresh();
      await put(s, '/cp/a', '1');
      const old = s.revision;
      await put(s, '/cp/a', '2');
      await put(s, '/cp/b', '3');
      const mid = s.revision;
      await put(s, '/cp/a', '4');
      await s.compact(mid);
      expect(s.compactedRevision).toBe(mid);
      const err = await s.range('/cp/', { revision: old }).catch((e) => e);
      expect(isStatusError(err, 'Expired')).toBe(true);
      expect(err.code).toBe(410);
      expect((await s.range('/cp/', { revision: mid })).kvs.map((kv) => kv.value)).toEqual(['2', '3']);
      const w = collector(s, '/cp/', old);
      await w.until(() => w.error !== undefined, '410 on the watch');
      expect(isStatusError(w.error, 'Expired')).toBe(true);
      expect(w.events).toHaveLength(0);
      const ok = collector(s, '/cp/', mid);
      await ok.until(() => ok.events.length === 1);
      expect(ok.events[0]!.kv.value).toBe('4');
      await s.compact(mid - 1); // at or below the compaction point: no-op
      expect(s.compactedRevision).toBe(mid);
    });

    it('closing the store ends its watches', async () => {
      const s = await fresh();
      const w = collector(s, '/', s.revision);
      await s.close();
      await w.until(() => w.error !== undefined, 'close reported');
      await expect(put(s, '/x', 'y')).rejects.toThrow(/closed/);
    });
  });
}
