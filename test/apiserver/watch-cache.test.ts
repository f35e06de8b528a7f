// The watch cache over the in-memory store, without HTTP: one storage watch feeding many
// watchers, selector transitions, replay from the ring buffer, and the trigger index.
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStorage } from '../../apiserver/storage/embedded.js';
import type { Storage } from '../../apiserver/storage/interface.js';
import { eventChunk, WatchCache, type CacheEvent, type EventType, type WatchSink } from '../../apiserver/watch-cache.js';
import { SelectionPredicate } from '../../apiserver/registry/predicate.js';
import { encode } from '../../apiserver/registry/codec.js';
import { Registry } from '../../apiserver/registry/index.js';
import { RESOURCES } from '../../api/resources.js';
import type { KubeObject } from '../../api/meta.js';
import { TempDirs } from '../support/temp.js';

const podInfo = RESOURCES.find((r) => r.kind === 'Pod')!;

class CollectingSink implements WatchSink {
  got: string[] = [];
  ended = false;
  send(type: EventType, ev: CacheEvent) { this.got.push(`${type}:${ev.obj.metadata.name}@${ev.revision}`); }
  bookmark(rv: number) { this.got.push(`BOOKMARK@${rv}`); }
  error() { this.ended = true; }
  end() { this.ended = true; }
  abort() { this.ended = true; }
  backlog() { return 0; }
  flush() {}
}

let storage: Storage | undefined;
let cache: WatchCache | undefined;
const temp = new TempDirs();
afterEach(async () => {
  cache?.close();
  await storage?.close();
  storage = undefined;
  cache = undefined;
  temp.removeAll();
});

async function put(name: string, labels: Record<string, string>, nodeName?: string, ns = 'default') {
  const key = `/registry/pods/${ns}/${name}`;
  const cur = await storage!.get(key);
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: 'c', image: 'i' }], ...(nodeName ? { nodeName } : {}) } };
  return storage!.txn([{ key, modRevision: cur?.modRevision ?? 0 }], [{ type: 'put', key, value: encode(obj) }]);
}

const until = async (f: () => boolean) => { const d = Date.now() + 10_000; while (!f()) { if (Date.now() > d) throw new Error('timeout'); await new Promise((r) => setTimeout(r, 5)); } };

describe('WatchCache', () => {
  it('getShared: one decoded object per change of the key, the same for every caller until the next write', async () => {
    storage = await openEmbeddedStorage({});
    await put('a', { v: '1' });
    cache = new WatchCache(storage, podInfo, {});
    await cache.start();
    const key = '/registry/pods/default/a';
    const first = cache.getShared(key)!;
    expect(first.metadata.labels).toEqual({ v: '1' });
    expect(cache.getShared(key)).toBe(first);
    expect(cache.get(key)).not.toBe(first); // get() still decodes a copy of its own
    const r = await put('a', { v: '2' });
    await until(() => cache!.revision >= r.revision);
    const second = cache.getShared(key)!;
    expect(second).not.toBe(first);
    expect(second.metadata.labels).toEqual({ v: '2' });
    expect(second.metadata.resourceVersion).toBe(String(r.revision));
    expect(cache.getShared('/registry/pods/default/none')).toBeUndefined();
  });

  it('fans one storage watch out to watchers with their own selectors and transitions', async () => {
    storage = await openEmbeddedStorage({});
    await put('a', { app: 'web' });
    cache = new WatchCache(storage, podInfo, { bookmarkIntervalMs: 60_000 });
    await cache.start();
    const all = new CollectingSink();
    const web = new CollectingSink();
    const onN1 = new CollectingSink();
    cache.watch(SelectionPredicate.parse('Pod', 'default', undefined, undefined), '0', all, false);
    cache.watch(SelectionPredicate.parse('Pod', undefined, 'app=web', undefined), '0', web, false);
    cache.watch(SelectionPredicate.parse('Pod', undefined, undefined, 'spec.nodeName=n1'), '0', onN1, false);
    await put('a', { app: 'db' });
    await put('b', { app: 'web' }, 'n1');
    await put('b', { app: 'web' }, 'n1', 'other');
    await until(() => all.got.length >= 3 && onN1.got.length >= 2);
    expect(all.got.map((s) => s.split('@')[0])).toEqual(['ADDED:a', 'MODIFIED:a', 'ADDED:b']);
    expect(web.got.map((s) => s.split('@')[0])).toEqual(['ADDED:a', 'DELETED:a', 'ADDED:b', 'ADDED:b']);
    expect(onN1.got.map((s) => s.split('@')[0])).toEqual(['ADDED:b', 'ADDED:b']);
    expect(cache.watcherCount).toBe(3);
  });

  it('replays from a resourceVersion out of the ring buffer, and from storage beyond it', async () => {
    storage = await openEmbeddedStorage({});
    cache = new WatchCache(storage, podInfo, { capacity: 5 });
    await cache.start();
    const revs: number[] = [];
    for (let i = 0; i < 12; i++) revs.push((await put(`p${i}`, {})).revision);
    await until(() => cache!.revision === revs[11]);
    const recent = new CollectingSink();
    cache.watch(SelectionPredicate.parse('Pod', undefined), String(revs[8]), recent, false);
    expect(recent.got).toEqual([`ADDED:p9@${revs[9]}`, `ADDED:p10@${revs[10]}`, `ADDED:p11@${revs[11]}`]);
    const old = new CollectingSink();
    cache.watch(SelectionPredicate.parse('Pod', undefined), String(revs[2]), old, false);
    await until(() => old.got.length >= 9);
    expect(old.got).toEqual(revs.slice(3).map((r, i) => `ADDED:p${i + 3}@${r}`));
  });

  it('a watch from a resourceVersion the cache has not reached yet skips what came before it', async () => {
    // Over shared etcd a client may list through another API server, ahead of this cache.
    storage = await openEmbeddedStorage({});
    cache = new WatchCache(storage, podInfo);
    await cache.start();
    const ahead = storage.revision + 3;
    const sink = new CollectingSink();
    cache.watch(SelectionPredicate.parse('Pod', undefined), String(ahead), sink, false);
    const revs: number[] = [];
    for (let i = 0; i < 5; i++) revs.push((await put(`q${i}`, {})).revision);
    await until(() => cache!.revision === revs[4]);
    expect(sink.got).toEqual(revs.filter((r) => r > ahead).map((r) => `ADDED:q${revs.indexOf(r)}@${r}`));
  });
});

// The registry offers the cache the object it has just written (WatchCache.offer) so a write's
// event is not parsed a second time: its watchers get that very object. The cache may only
// ever serve what storage holds, and afterwards keeps the value, not the object.
describe('WatchCache.offer', () => {
  const podObj = (name: string, labels: Record<string, string>): KubeObject =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  /** A write as the registry makes it: txn, resourceVersion stamped, then the offer. */
  async function write(obj: KubeObject, offer = true): Promise<number> {
    const key = `/registry/pods/default/${obj.metadata.name}`;
    const cur = await storage!.get(key);
    const value = encode(obj);
    const r = await storage!.txn([{ key, modRevision: cur?.modRevision ?? 0 }], [{ type: 'put', key, value }]);
    obj.metadata.resourceVersion = String(r.results[0]!.modRevision);
    if (offer) cache!.offer(r.results[0]!, obj);
    return r.revision;
  }
  /** The objects a watcher of every pod is handed, in order. */
  function watchObjects(): KubeObject[] {
    const seen: KubeObject[] = [];
    const sink = new CollectingSink();
    sink.send = (_t, ev) => { seen.push(ev.obj); };
    cache!.watch(SelectionPredicate.parse('Pod', undefined, undefined, undefined), '0', sink, false);
    return seen;
  }

  it('hands watchers the offered object for the very kv it was written as, instead of decoding it; then keeps only its value', async () => {
    // Durable: the txn's caller hears of the commit before the watch does (as in the API server).
    storage = await openEmbeddedStorage({ dataDir: temp.make('skiff-offer-') });
    cache = new WatchCache(storage, podInfo, {});
    await cache.start();
    const seen = watchObjects();
    const obj = podObj('a', { v: '1' });
    const rev = await write(obj);
    await until(() => cache!.revision >= rev);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(obj);
    // Read later, it is decoded from the value: equal, resourceVersion included, not the same.
    expect(cache.get('/registry/pods/default/a')).toEqual(obj);
    expect(cache.get('/registry/pods/default/a')).not.toBe(obj);
    expect(cache.get('/registry/pods/default/a')!.metadata.resourceVersion).toBe(String(rev));
  });

  it('never serves an offer for another kv: a later write, a revision already passed', async () => {
    storage = await openEmbeddedStorage({ dataDir: temp.make('skiff-offer-') });
    cache = new WatchCache(storage, podInfo, {});
    await cache.start();
    const seen = watchObjects();
    const key = '/registry/pods/default/a';
    // Offered after the cache has applied the write: refused, so the next write (not offered)
    // is decoded from storage rather than answered with the stale object.
    const first = podObj('a', { v: '1' });
    const r1 = await write(first, false);
    await until(() => cache!.revision >= r1);
    const kv1 = (await storage.get(key))!;
    cache.offer(kv1, first);
    const r2 = await write(podObj('a', { v: '2' }), false);
    await until(() => cache!.revision >= r2);
    expect(seen).toHaveLength(2);
    expect(seen[1]).not.toBe(first);
    expect(seen[1]!.metadata.labels).toEqual({ v: '2' });
    expect(seen[1]!.metadata.resourceVersion).toBe(String(r2));
  });

  it('through the registry: a created and an updated pod read back from the cache equal what was written and what storage decodes', async () => {
    storage = await openEmbeddedStorage({ dataDir: temp.make('skiff-offer-') });
    const registry = new Registry(storage, {}, true);
    try {
      await registry.start();
      const pods = registry.byKind('Pod');
      const created = await pods.create('default', podObj('p', { v: '1' }));
      await until(() => registry.caches.some((c) => c.revision >= Number(created.metadata.resourceVersion) && c.prefix === '/registry/pods/'));
      expect(await pods.lookup('default', 'p')).toEqual(created);
      expect(await pods.get('default', 'p')).toEqual(created);
      const { obj: updated } = await pods.update('default', 'p', { ...created, metadata: { ...created.metadata, labels: { v: '2' } } });
      await until(() => registry.caches.some((c) => c.revision >= Number(updated.metadata.resourceVersion) && c.prefix === '/registry/pods/'));
      expect(await pods.lookup('default', 'p')).toEqual(updated);
      expect(await pods.get('default', 'p')).toEqual(updated);
    } finally {
      registry.close();
    }
  });

  it('serializes an event from its stored value on first use: the same wire JSON as the value with its resourceVersion, once per dispatch', async () => {
    storage = await openEmbeddedStorage({});
    cache = new WatchCache(storage, podInfo, { bookmarkIntervalMs: 60_000 });
    await cache.start();
    const events: CacheEvent[] = [];
    const chunks: Buffer[] = [];
    const sink = new CollectingSink();
    sink.send = (type, ev) => {
      events.push(ev);
      // A dispatch's watchers share one serialization.
      expect(eventChunk(ev, type)).toBe(eventChunk(ev, type));
      chunks.push(eventChunk(ev, type));
    };
    cache.watch(SelectionPredicate.parse('Pod', undefined, undefined, undefined), '0', sink, false);
    const r = await put('lazy', { app: 'web' });
    await until(() => events.length === 1);
    const kv = r.results[0]!;
    const want = JSON.parse(kv.value) as KubeObject;
    want.metadata.resourceVersion = String(kv.modRevision);
    expect(JSON.parse(events[0]!.json)).toEqual(want);
    expect(cache.list(SelectionPredicate.parse('Pod', undefined, undefined, undefined)).events.map((ev) => ev.json)).toEqual([events[0]!.json]);
    // After its dispatch the cache keeps the kv, not the serializations: a later reader (a
    // replay, a list) makes them again, byte for byte the same.
    expect(events[0]!.dispatching).toBe(false);
    expect([events[0]!.lines, events[0]!.bytes, events[0]!.chunks]).toEqual([undefined, undefined, undefined]);
    const again = eventChunk(events[0]!, 'ADDED');
    expect(again).not.toBe(chunks[0]);
    expect(again.equals(chunks[0]!)).toBe(true);
    expect(events[0]!.lines).toBeUndefined();
  });
});
