// The informer: a local, indexed cache of one resource kept current by list + watch, and
// handlers told about every change.
//
// Loop: list (paged, limit 500) → replace the cache, emitting add/update/delete for what
// differs → watch from the list's resourceVersion with bookmarks → apply each event → when the
// stream ends (server timeout, connection loss) watch again from the last resourceVersion
// seen → on 410 Expired/Gone list again. Connection failures back off exponentially (with
// jitter, capped at 30 s): never a busy loop when the server is down.
//
// Handlers run synchronously, in the order events happen, one at a time; a handler that
// throws is logged and does not stop the others. Objects handed to handlers and returned by
// the store ARE the cache's objects: never mutate them — copy first (structuredClone).
import type { KubeObject } from '../api/meta.js';
import { isStatusError } from '../api/errors.js';
import type { ResourceClient } from './rest.js';

export type ObjectKey = string;

/** "namespace/name", or "name" for cluster-scoped objects. */
export function keyOf(obj: KubeObject): ObjectKey {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** Split a key back into namespace (undefined for cluster-scoped) and name. */
export function splitKey(key: ObjectKey): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export type IndexFunc<T> = (obj: T) => string[];

export interface InformerOptions<T> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Every resyncMs, onUpdate(obj, obj) for every cached object (0/undefined = never). */
  resyncMs?: number;
  indexers?: Record<string, IndexFunc<T>>;
  /** Page size of the initial and re-lists (default 500). */
  pageSize?: number;
  /** Applied to every object before it enters the cache (e.g. drop managedFields to save memory). */
  transform?: (obj: T) => T;
}

export interface Indexer<T> {
  get(key: ObjectKey): T | undefined;
  list(): T[];
  keys(): ObjectKey[];
  /** built-in indexes: 'namespace', 'ownerUID' (controller and other owners), 'nodeName' (pods' spec.nodeName) */
  byIndex(indexName: string, value: string): T[];
}

export const BUILTIN_INDEXERS: Record<string, IndexFunc<KubeObject>> = {
  namespace: (o) => (o.metadata?.namespace ? [o.metadata.namespace] : []),
  ownerUID: (o) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid).filter((u): u is string => !!u),
  nodeName: (o) => {
    const n = (o as { spec?: { nodeName?: unknown } }).spec?.nodeName;
    return typeof n === 'string' && n !== '' ? [n] : [];
  },
};

/** A keyed object cache with secondary indexes maintained on every write. */
export class CacheIndexer<T extends KubeObject> implements Indexer<T> {
  private readonly items = new Map<ObjectKey, T>();
  private readonly indexers: Record<string, IndexFunc<T>>;
  /** index name → index value → keys */
  private readonly indices = new Map<string, Map<string, Set<ObjectKey>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.indexers = { ...(BUILTIN_INDEXERS as Record<string, IndexFunc<T>>), ...indexers };
    for (const name of Object.keys(this.indexers)) this.indices.set(name, new Map());
  }

  get(key: ObjectKey): T | undefined {
    return this.items.get(key);
  }
  list(): T[] {
    return [...this.items.values()];
  }
  keys(): ObjectKey[] {
    return [...this.items.keys()];
  }
  get size(): number {
    return this.items.size;
  }
  byIndex(indexName: string, value: string): T[] {
    const idx = this.indices.get(indexName);
    if (!idx) throw new Error(`no index named ${JSON.stringify(indexName)}`);
    const keys = idx.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }
  /** Index values present for an index (e.g. every node name with pods). */
  indexValues(indexName: string): string[] {
    return [...(this.indices.get(indexName)?.keys() ?? [])];
  }

  /** Insert or replace; returns the previous object. */
  set(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    this.index(key, obj);
    return old;
  }

  delete(key: ObjectKey): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  private index(key: ObjectKey, obj: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const idx = this.indices.get(name)!;
      for (const v of safeIndex(fn, obj)) {
        let s = idx.get(v);
        if (!s) idx.set(v, (s = new Set()));
        s.add(key);
      }
    }
  }

  private unindex(key: ObjectKey, obj: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const idx = this.indices.get(name)!;
      for (const v of safeIndex(fn, obj)) {
        const s = idx.get(v);
        if (!s) continue;
        s.delete(key);
        if (s.size === 0) idx.delete(v);
      }
    }
  }
}

function safeIndex<T>(fn: IndexFunc<T>, obj: T): string[] {
  try {
    return fn(obj) ?? [];
  } catch {
    return [];
  }
}

export interface RelistDiff<T> {
  added: T[];
  updated: { oldObj: T; newObj: T }[];
  deleted: T[];
}

/**
 * What changed while the informer was away: compare the cache with a fresh list.
 * Objects whose resourceVersion is unchanged are not reported.
 */
export function diffRelist<T extends KubeObject>(cache: Indexer<T>, listed: T[]): RelistDiff<T> {
  const seen = new Set<ObjectKey>();
  const diff: RelistDiff<T> = { added: [], updated: [], deleted: [] };
  for (const obj of listed) {
    const key = keyOf(obj);
    seen.add(key);
    const old = cache.get(key);
    if (!old) diff.added.push(obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion || old.metadata.uid !== obj.metadata.uid) {
      diff.updated.push({ oldObj: old, newObj: obj });
    }
  }
  for (const key of cache.keys()) if (!seen.has(key)) diff.deleted.push(cache.get(key)!);
  return diff;
}

/** Backoff for the n-th consecutive failure: 0.5 s doubling to 30 s, jittered to [d/2, d]. */
export function informerBackoffMs(failures: number, random: () => number = Math.random): number {
  const d = Math.min(30_000, 500 * 2 ** Math.min(Math.max(failures - 1, 0), 10));
  return d / 2 + random() * (d / 2);
}

export class Informer<T extends KubeObject> {
  readonly store: CacheIndexer<T>;
  private readonly handlers: EventHandlers<T>[] = [];
  private readonly client: ResourceClient<T>;
  private readonly opts: InformerOptions<T>;
  private running = false;
  private stopped = false;
  private synced = false;
  private syncWaiters: ((err?: Error) => void)[] = [];
  private lastRV = '';
  private readonly ac = new AbortController();
  private currentWatch: { close(): void } | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  /** Consecutive failures; drives the backoff. */
  private failures = 0;
  /** For tests and diagnostics: how many lists and watches were started. */
  readonly stats = { lists: 0, watches: 0, relistsOnExpired: 0 };

  constructor(client: ResourceClient<T>, opts: InformerOptions<T> = {}) {
    this.client = client;
    this.opts = opts;
    this.store = new CacheIndexer<T>(opts.indexers);
  }

  /** Handlers added after the first sync are told about every cached object as an add. */
  addEventHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const o of this.store.list()) this.call(h, 'onAdd', o);
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.run();
    if (this.opts.resyncMs && this.opts.resyncMs > 0) {
      this.resyncTimer = setInterval(() => this.resync(), this.opts.resyncMs);
    }
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first full list is in the cache; rejects if signal aborts or stop() comes first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error(`informer ${this.client.info.plural} stopped before it synced`));
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new Error('waitForSync aborted'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push((err) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ac.abort();
    for (const w of this.syncWaiters.splice(0)) w(new Error(`informer ${this.client.info.plural} stopped before it synced`));
    this.currentWatch?.close();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
  }

  /** The resourceVersion the next watch would start from. */
  lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.listAndReplace();
          needList = false;
        }
        const outcome = await this.watchOnce();
        if (outcome === 'expired') {
          this.stats.relistsOnExpired++;
          needList = true;
          continue; // relist at once: the server is up, only our resourceVersion is too old
        }
        if (outcome === 'error') {
          this.failures++;
          await this.sleep(informerBackoffMs(this.failures));
        }
        // 'ended': the server closed the stream (timeoutSeconds) — watch again right away.
      } catch (e) {
        if (this.stopped) break;
        if (isStatusError(e) && (e.code === 410)) {
          needList = true;
        }
        this.failures++;
        if (this.failures === 1 || this.failures % 10 === 0) {
          console.error(`informer ${this.client.info.plural}: ${(e as Error).message} (retrying)`);
        }
        await this.sleep(informerBackoffMs(this.failures));
      }
    }
  }

  private async listAndReplace(): Promise<void> {
    this.stats.lists++;
    const base = { namespace: this.opts.namespace, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector };
    let list;
    try {
      list = await this.client.listAll({ ...base, limit: this.opts.pageSize ?? 500 });
    } catch (e) {
      // An expired continue token mid-paging: fall back to one unpaged list (as client-go does).
      if (!(isStatusError(e) && e.code === 410)) throw e;
      list = await this.client.list(base);
    }
    if (this.stopped) return;
    const items = (list.items ?? []).map((o) => this.withTypeMeta(o));
    const diff = diffRelist(this.store, items);
    for (const o of diff.deleted) {
      this.store.delete(keyOf(o));
      this.emit('onDelete', o);
    }
    for (const o of diff.added) {
      this.store.set(o);
      this.emit('onAdd', o);
    }
    for (const { oldObj, newObj } of diff.updated) {
      this.store.set(newObj);
      this.emit('onUpdate', oldObj, newObj);
    }
    this.lastRV = list.metadata?.resourceVersion ?? '';
    this.failures = 0;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** One watch until it ends: 'ended' (stream closed), 'expired' (410), or 'error' (other ERROR event). */
  private async watchOnce(): Promise<'ended' | 'expired' | 'error'> {
    this.stats.watches++;
    const startedAt = Date.now();
    let events = 0;
    const w = this.client.watch({
      namespace: this.opts.namespace, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector,
      resourceVersion: this.lastRV || undefined, allowWatchBookmarks: true,
      // Like client-go: a random 5–10 minute server-side timeout spreads re-watches out.
      timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      signal: this.ac.signal,
    });
    this.currentWatch = w;
    try {
      for await (const ev of w) {
        if (this.stopped) return 'ended';
        events++;
        if (ev.type === 'ERROR') {
          const st = ev.object as { code?: number; reason?: string; message?: string };
          if (st.code === 410 || st.reason === 'Expired' || st.reason === 'Gone') return 'expired';
          console.error(`informer ${this.client.info.plural}: watch error: ${st.message ?? st.reason ?? 'unknown'}`);
          return 'error';
        }
        const obj = ev.object as T;
        const rv = obj.metadata?.resourceVersion;
        if (rv) this.lastRV = rv;
        this.failures = 0;
        if (ev.type === 'BOOKMARK') continue;
        const o = this.withTypeMeta(obj);
        const key = keyOf(o);
        if (ev.type === 'DELETED') {
          // A delete of something never seen (e.g. created and deleted while we relisted) is not news.
          if (this.store.delete(key)) this.emit('onDelete', o);
        } else {
          const old = this.store.set(o);
          if (old) this.emit('onUpdate', old, o);
          else this.emit('onAdd', o);
        }
      }
      // A stream that ends at once with nothing in it is a failing server, not a timeout:
      // back off instead of spinning.
      if (events === 0 && Date.now() - startedAt < 1000 && !this.stopped) return 'error';
      return 'ended';
    } finally {
      this.currentWatch = undefined;
      w.close();
    }
  }

  /** List items lack kind/apiVersion on real Kubernetes; fill them so handlers can rely on them. */
  private withTypeMeta(o: T): T {
    if (this.opts.transform) o = this.opts.transform(o);
    if (o.kind && o.apiVersion) return o;
    o.kind ??= this.client.info.kind;
    o.apiVersion ??= this.client.info.group ? `${this.client.info.group}/${this.client.info.version}` : this.client.info.version;
    return o;
  }

  private resync(): void {
    if (!this.synced || this.stopped) return;
    for (const o of this.store.list()) this.emit('onUpdate', o, o);
  }

  private emit(kind: 'onAdd' | 'onDelete', obj: T): void;
  private emit(kind: 'onUpdate', oldObj: T, newObj: T): void;
  private emit(kind: keyof EventHandlers<T>, a: T, b?: T): void {
    for (const h of this.handlers) this.call(h, kind, a, b);
  }

  private call(h: EventHandlers<T>, kind: keyof EventHandlers<T>, a: T, b?: T): void {
    try {
      if (kind === 'onUpdate') h.onUpdate?.(a, b!);
      else h[kind]?.(a);
    } catch (e) {
      console.error(`informer ${this.client.info.plural}: ${kind} handler threw:`, e);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.ac.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(t);
        this.ac.signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.ac.signal.addEventListener('abort', done, { once: true });
    });
  }
}

