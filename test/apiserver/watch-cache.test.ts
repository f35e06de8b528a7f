// The watch cache over the in-memory store, without HTTP: one storage watch feeding many
// watchers, selector transitions, replay from the ring buffer, and the trigger index.
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStorage } from '../../apiserver/storage/embedded.js';
import type { Storage } from '../../apiserver/storage/interface.js';
import { WatchCache, type CacheEvent, type EventType, type WatchSink } from '../../apiserver/watch-cache.js';
import { SelectionPredicate } from '../../apiserver/registry/predicate.js';
import { encode } from '../../apiserver/registry/codec.js';
import { RESOURCES } from '../../api/resources.js';

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
afterEach(async () => {
  cache?.close();
  await storage?.close();
});

async function put(name: string, labels: Record<string, string>, nodeName?: string, ns = 'default') {
  const key = `/registry/pods/${ns}/${name}`;
  const cur = await storage!.get(key);
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: 'c', image: 'i' }], ...(nodeName ? { nodeName } : {}) } };
  return storage!.txn([{ key, modRevision: cur?.modRevision ?? 0 }], [{ type: 'put', key, value: encode(obj) }]);
}

const until = async (f: () => boolean) => { const d = Date.now() + 10_000; while (!f()) { if (Date.now() > d) throw new Error('timeout'); await new Promise((r) => setTimeout(r, 5)); } };

describe('WatchCache', () => {
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
