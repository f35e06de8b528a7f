import { describe, expect, it } from 'vitest';
import { isStatusError } from '../../../api/errors.js';
import { openEmbeddedStorage } from '../../../apiserver/storage/embedded.js';
import { collector, put, storageContract } from './storage-contract.js';

storageContract('embedded, in memory', () => openEmbeddedStorage({}));

describe('embedded store, in memory', () => {
  it('starts at revision 1 like etcd; the first write is revision 2', async () => {
    const s = await openEmbeddedStorage();
    expect(s.revision).toBe(1);
    expect(s.compactedRevision).toBe(0);
    expect((await put(s, '/a', '1')).revision).toBe(2);
    await s.close();
  });

  it('rejects malformed ops before taking a revision', async () => {
    const s = await openEmbeddedStorage();
    const bad = [
      { type: 'put', key: '', value: 'x' },
      { type: 'put', key: '/k', value: { not: 'a string' } },
      { type: 'upsert', key: '/k', value: 'x' },
      { type: 'put', key: 7, value: 'x' },
    ];
    for (const op of bad) await expect(s.txn([], [op as never])).rejects.toMatchObject({ code: 400 });
    expect(s.revision).toBe(1);
    expect((await put(s, '/k', 'ok')).revision).toBe(2);
    await s.close();
  });

  it('bounds history by historyRetention when nobody compacts', async () => {
    const s = await openEmbeddedStorage({ historyRetention: 100 });
    for (let i = 0; i < 2000; i++) await put(s, `/h/k${i % 10}`, String(i));
    // Compaction runs in batches: history stays within retention plus its slack.
    expect(s.revision - s.compactedRevision).toBeLessThan(100 + 1000 + 1);
    expect(s.compactedRevision).toBeGreaterThan(0);
    expect(s.stats().historyEvents).toBeLessThanOrEqual(s.revision - s.compactedRevision);
    expect(s.stats().keys).toBe(10);
    const err = await s.range('/h/', { revision: 2 }).catch((e) => e);
    expect(isStatusError(err, 'Expired')).toBe(true);
    expect((await s.range('/h/')).kvs).toHaveLength(10);
    await s.close();
  });

  it('compaction forgets deleted keys and superseded values entirely', async () => {
    const s = await openEmbeddedStorage({ historyRetention: 0 });
    for (let i = 0; i < 100; i++) await put(s, `/gone/k${i}`, 'a');
    for (let i = 0; i < 100; i++) await put(s, `/gone/k${i}`, 'b');
    for (let i = 0; i < 50; i++) await s.txn([], [{ type: 'delete', key: `/gone/k${i}` }]);
    expect(s.stats()).toMatchObject({ keys: 100, historyEvents: 250 });
    await s.compact(s.revision);
    expect(s.stats()).toMatchObject({ keys: 50, historyEvents: 0 });
    expect((await s.range('/gone/')).kvs.map((kv) => kv.value)).toEqual(Array(50).fill('b'));
    await s.close();
  });

  it('expires a watcher that was still replaying when its history was compacted away', async () => {
    const s = await openEmbeddedStorage({ historyRetention: 0 });
    for (let i = 0; i < 50; i++) await put(s, `/e/k${i}`, String(i));
    const w = collector(s, '/e/', 1); // replay starts on a later turn of the event loop
    await s.compact(s.revision);
    await w.until(() => w.error !== undefined, 'expiry');
    expect(isStatusError(w.error, 'Expired')).toBe(true);
    await s.close();
  });

  it('replays a long history in bounded batches, in order', async () => {
    const s = await openEmbeddedStorage({ historyRetention: 0 });
    const ops = Array.from({ length: 10_000 }, (_, i) => put(s, `/long/k${i % 100}`, String(i)));
    await Promise.all(ops);
    const w = collector(s, '/long/', 1);
    await w.until(() => w.events.length === 10_000, 'replay');
    expect(w.batches.length).toBeGreaterThan(1);
    expect(w.events.every((e, i) => e.kv.value === String(i))).toBe(true);
    await s.close();
  });

  it('a watch from the future waits for its revision', async () => {
    const s = await openEmbeddedStorage();
    const w = collector(s, '/f/', s.revision + 2);
    for (let i = 0; i < 4; i++) await put(s, '/f/k', String(i));
    await w.until(() => w.events.length === 2);
    expect(w.events.map((e) => e.kv.value)).toEqual(['2', '3']);
    await s.close();
  });

  it('a watcher whose callback throws is ended with that error, others carry on', async () => {
    const s = await openEmbeddedStorage();
    let err: Error | undefined;
    s.watch('/t/', s.revision, { onEvents: () => { throw new Error('boom'); }, onError: (e) => (err = e) });
    const ok = collector(s, '/t/', s.revision);
    await new Promise((r) => setImmediate(r));
    await put(s, '/t/a', '1');
    await put(s, '/t/b', '2');
    await ok.until(() => ok.events.length === 2);
    expect(err?.message).toBe('boom');
    await s.close();
  });
});
