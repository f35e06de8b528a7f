import { afterEach, describe, expect, it } from 'vitest';
import { CacheIndexer, diffRelist, Informer, informerBackoffMs, keyOf, splitKey } from '../../client/informer.js';
import { RestClient } from '../../client/rest.js';
import type { Pod } from '../../api/core/index.js';
import { FakeApiServer } from './fake-apiserver.js';

async function until(cond: () => boolean, what: string, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A Pod whose name is known: what the fake API server's put() needs to key it. */
type NamedPod = Pod & { metadata: { name: string } };
const pod = (name: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): NamedPod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...meta }, spec: { containers: [], ...extra } }) as NamedPod;

describe('keyOf', () => {
  it('is namespace/name or name', () => {
    expect(keyOf({ metadata: { name: 'a', namespace: 'ns' } })).toBe('ns/a');
    expect(keyOf({ metadata: { name: 'n1' } })).toBe('n1');
    expect(splitKey('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(splitKey('n1')).toEqual({ name: 'n1' });
  });
});

describe('CacheIndexer', () => {
  it('maintains built-in and custom indexes across updates and deletes', () => {
    const s = new CacheIndexer<Pod>({ byImage: (p) => (p.spec?.containers ?? []).map((c) => c.image ?? '') });
    s.set(pod('a', { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true }] }));
    s.set(pod('b', { nodeName: 'n2' }, { namespace: 'other' }));
    expect(s.byIndex('namespace', 'default').map(keyOf)).toEqual(['default/a']);
    expect(s.byIndex('namespace', 'other').map(keyOf)).toEqual(['other/b']);
    expect(s.byIndex('ownerUID', 'rs-uid').map(keyOf)).toEqual(['default/a']);
    expect(s.byIndex('nodeName', 'n1').map(keyOf)).toEqual(['default/a']);
    expect(s.byIndex('byImage', 'nginx').map(keyOf)).toEqual(['default/a']);
    // Update moves index entries.
    s.set(pod('a', { nodeName: 'n2' }));
    expect(s.byIndex('nodeName', 'n1')).toEqual([]);
    expect(s.byIndex('nodeName', 'n2').map(keyOf).sort()).toEqual(['default/a', 'other/b']);
    expect(s.byIndex('ownerUID', 'rs-uid')).toEqual([]);
    expect(s.byIndex('byImage', 'nginx')).toEqual([]);
    s.delete('other/b');
    expect(s.byIndex('nodeName', 'n2').map(keyOf)).toEqual(['default/a']);
    expect(s.keys()).toEqual(['default/a']);
    expect(() => s.byIndex('nope', 'x')).toThrow(/no index/);
  });
});

describe('diffRelist', () => {
  it('reports adds, changed resourceVersions and deletions', () => {
    const s = new CacheIndexer<Pod>();
    s.set(pod('same', {}, { resourceVersion: '1' }));
    s.set(pod('changed', {}, { resourceVersion: '2' }));
    s.set(pod('gone', {}, { resourceVersion: '3' }));
    const d = diffRelist(s, [pod('same', {}, { resourceVersion: '1' }), pod('changed', {}, { resourceVersion: '9' }), pod('new', {}, { resourceVersion: '10' })]);
    expect(d.added.map(keyOf)).toEqual(['default/new']);
    expect(d.updated.map((u) => `${u.oldObj.metadata.resourceVersion}->${u.newObj.metadata.resourceVersion}`)).toEqual(['2->9']);
    expect(d.deleted.map(keyOf)).toEqual(['default/gone']);
  });
  it('backoff is bounded', () => {
    expect(informerBackoffMs(1, () => 1)).toBe(500);
    expect(informerBackoffMs(100, () => 1)).toBe(30_000);
  });
});

describe('Informer against a fake API server', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(opts: { resyncMs?: number } = {}) {
    const srv = await new FakeApiServer().start();
    cleanups.push(() => srv.stop());
    const client = new RestClient({ server: srv.url, retries: 1, baseBackoffMs: 10, maxBackoffMs: 50, timeoutMs: 5000 });
    cleanups.push(() => client.close());
    const inf = new Informer<Pod>(client.pods(), { pageSize: 2, ...opts });
    cleanups.push(() => inf.stop());
    const log: string[] = [];
    inf.addEventHandler({
      onAdd: (o) => log.push(`add ${o.metadata.name}`),
      onUpdate: (a, b) => log.push(a === b ? `resync ${b.metadata.name}` : `update ${b.metadata.name}@${b.metadata.resourceVersion}`),
      onDelete: (o) => log.push(`delete ${o.metadata.name}`),
    });
    return { srv, client, inf, log };
  }
  const R = 'api/v1/pods';

  it('lists (paged), then watches: adds, updates, deletes arrive in order', async () => {
    const { srv, inf, log } = await setup();
    for (const n of ['a', 'b', 'c']) srv.put(R, pod(n));
    inf.start();
    await inf.waitForSync();
    expect(inf.hasSynced()).toBe(true);
    expect(inf.store.keys().sort()).toEqual(['default/a', 'default/b', 'default/c']);
    expect(srv.requests.filter((r) => r.includes('limit=2')).length).toBe(2); // two pages
    expect(inf.store.get('default/a')!.kind).toBe('Pod');
    srv.put(R, pod('d'));
    const upd = srv.put(R, pod('a', { nodeName: 'n1' }));
    srv.remove(R, 'default', 'b');
    await until(() => log.length >= 6, 'watch events');
    expect(log.slice(3)).toEqual(['add d', `update a@${upd.metadata.resourceVersion}`, 'delete b']);
    expect(inf.store.byIndex('nodeName', 'n1').map(keyOf)).toEqual(['default/a']);
    const watch = srv.requests.find((r) => r.includes('watch=true'))!;
    expect(watch).toContain('allowWatchBookmarks=true');
    expect(watch).toMatch(/resourceVersion=\d+/);
  });

  it('re-watches from the last resourceVersion after the server restarts, without relisting', async () => {
    const { srv, inf, log } = await setup();
    srv.put(R, pod('a'));
    inf.start();
    await inf.waitForSync();
    srv.put(R, pod('b'));
    await until(() => log.includes('add b'), 'add b');
    await srv.stop();
    // Changes made while the informer cannot see them (as another client would, with the server back).
    srv.put(R, pod('c'));
    srv.remove(R, 'default', 'a');
    const lastRv = inf.lastSyncResourceVersion();
    srv.requests.length = 0;
    await srv.start();
    await until(() => log.includes('add c') && log.includes('delete a'), 'changes made while away');
    expect(inf.stats.lists).toBe(1);
    expect(srv.requests.some((r) => r.includes('watch=true') && r.includes(`resourceVersion=${lastRv}`))).toBe(true);
    expect(inf.store.keys().sort()).toEqual(['default/b', 'default/c']);
  });

  it('relists on 410 Expired and emits what changed while away', async () => {
    const { srv, inf, log } = await setup();
    srv.put(R, pod('keep'));
    srv.put(R, pod('change'));
    srv.put(R, pod('drop'));
    inf.start();
    await inf.waitForSync();
    await srv.stop();
    const changed = srv.put(R, pod('change', { nodeName: 'n9' }));
    srv.remove(R, 'default', 'drop');
    srv.put(R, pod('fresh'));
    srv.compact();
    await srv.start();
    await until(() => inf.stats.relistsOnExpired >= 1 && log.includes('add fresh'), 'relist after 410');
    expect(log.slice(3).sort()).toEqual(['add fresh', 'delete drop', `update change@${changed.metadata.resourceVersion}`].sort());
    expect(inf.store.keys().sort()).toEqual(['default/change', 'default/fresh', 'default/keep']);
    // And it keeps watching afterwards.
    srv.put(R, pod('later'));
    await until(() => log.includes('add later'), 'add after relist');
  });

  it('backs off while the server is down (no busy loop) and recovers', async () => {
    const { srv, inf, log } = await setup();
    srv.put(R, pod('a'));
    inf.start();
    await inf.waitForSync();
    await srv.stop();
    const before = inf.stats.watches + inf.stats.lists;
    await new Promise((r) => setTimeout(r, 1500));
    // A busy loop would make thousands of attempts; backoff makes a handful.
    expect(inf.stats.watches + inf.stats.lists - before).toBeLessThan(15);
    srv.put(R, pod('b'));
    await srv.start();
    await until(() => log.includes('add b'), 'recovery');
  });

  it('syncs once a server that was down at start comes up', async () => {
    const { srv, inf, log } = await setup();
    srv.put(R, pod('a'));
    await srv.stop();
    inf.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(inf.hasSynced()).toBe(false);
    await srv.start();
    await inf.waitForSync();
    expect(log).toEqual(['add a']);
  });

  it('resyncs: onUpdate(obj, obj) for every cached object', async () => {
    const { srv, inf, log } = await setup({ resyncMs: 50 });
    srv.put(R, pod('a'));
    inf.start();
    await inf.waitForSync();
    await until(() => log.includes('resync a'), 'resync');
  });

  it('applies a transform before objects enter the cache', async () => {
    const srv = await new FakeApiServer().start();
    cleanups.push(() => srv.stop());
    const client = new RestClient({ server: srv.url });
    cleanups.push(() => client.close());
    const inf = new Informer<Pod>(client.pods(), {
      transform: (p) => { delete p.metadata.managedFields; return p; },
    });
    cleanups.push(() => inf.stop());
    srv.put(R, { ...pod('a'), metadata: { ...pod('a').metadata, managedFields: [{ manager: 'kubectl' }] } } as never);
    inf.start();
    await inf.waitForSync();
    expect(inf.store.get('default/a')!.metadata.managedFields).toBeUndefined();
  });

  it('a handler added after sync hears about every cached object', async () => {
    const { srv, inf } = await setup();
    srv.put(R, pod('a'));
    srv.put(R, pod('b'));
    inf.start();
    await inf.waitForSync();
    const late: string[] = [];
    inf.addEventHandler({ onAdd: (o) => late.push(o.metadata.name!) });
    expect(late.sort()).toEqual(['a', 'b']);
  });

  it('a throwing handler does not stop others', async () => {
    const { srv, inf, log } = await setup();
    inf.addEventHandler({ onAdd: () => { throw new Error('boom'); } });
    const after: string[] = [];
    inf.addEventHandler({ onAdd: (o) => after.push(o.metadata.name!) });
    srv.put(R, pod('a'));
    inf.start();
    await inf.waitForSync();
    expect(log).toContain('add a');
    expect(after).toEqual(['a']);
  });

  it('waitForSync rejects when its signal aborts first', async () => {
    const client = new RestClient({ server: 'http://127.0.0.1:1', retries: 0 });
    cleanups.push(() => client.close());
    const inf = new Informer<Pod>(client.pods());
    cleanups.push(() => inf.stop());
    inf.start();
    const ac = new AbortController();
    const p = inf.waitForSync(ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow(/aborted/);
    const q = inf.waitForSync();
    inf.stop();
    await expect(q).rejects.toThrow(/stopped before it synced/);
  });
});
