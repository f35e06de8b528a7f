// The watch cache (Kubernetes' Cacher): one storage watch per resource feeds
//   - a store of the current objects (serves `resourceVersion=0` lists and the synthetic
//     ADDED events a watch without a resourceVersion starts with),
//   - a ring buffer of recent events (a watch from a recent resourceVersion replays from it),
//   - every HTTP/WebSocket watcher of that resource.
// Each event is decoded and serialized once here, not once per watcher, so a thousand
// watchers cost one storage watch and one JSON string per event. What stays in the cache is
// each object's stored value and what selectors test, not its decoded tree (CacheEvent). Watchers whose field
// selector pins a "trigger" field (pods by spec.nodeName: every kubelet) are indexed by it,
// so an event reaches only the watchers that can care about it.
//
// Slow watchers never block others: each sink buffers what it cannot write yet, and one
// whose backlog grows past a bound is closed (its client re-watches from its last
// resourceVersion) rather than silently losing events.
import type { KubeObject, Status } from '../api/meta.js';
import type { ResourceInfo } from '../api/resources.js';
import { apiVersionOf, storagePrefix } from '../api/resources.js';
import { expired, isStatusError, StatusError } from '../api/errors.js';
import type { KeyValue, Storage, StoreEvent, WatchHandle } from './storage/interface.js';
import { decode, wireJSON } from './registry/codec.js';
import { selectableOf, type Selectable, type SelectionPredicate } from './registry/predicate.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * One change to one object, serialized at most once for every watcher: its wire JSON is made
 * from the stored value on first use (a watcher's event, a list), so a write nobody watches or
 * lists costs no second copy of its bytes.
 *
 * The cache keeps the stored value and what selectors test (Selectable), not the decoded
 * object: an object tree kept per write is what made the API server's young-generation GC
 * pauses long (every tree copied by the scavenger, then promoted). The object is held only
 * while its storage batch is dispatched (every watcher of it shares one decode); afterwards it
 * is decoded again for whoever asks. (A WeakRef would not do: V8's scavenger keeps its target.)
 */
export class CacheEvent {
  private json_: string | undefined;
  private held: KubeObject | undefined;
  /** Serialized watch lines by event type, made on first use. */
  lines?: Partial<Record<EventType, string>>;
  /** The same as bytes, and as one HTTP chunk (size line + bytes + CRLF), made on first use. */
  bytes?: Partial<Record<EventType, Buffer>>;
  chunks?: Partial<Record<EventType, Buffer>>;

  constructor(
    readonly type: EventType,
    readonly revision: number,
    readonly key: string,
    /** The stored kv of the object after the change (for DELETED: its last state, at the
     *  delete's revision; codec.ts: no resourceVersion in its value). Kept rather than its
     *  value: the embedded store keeps values off the V8 heap (StoredKeyValue). */
    private readonly kv: KeyValue,
    /** What selectors test of that object. */
    readonly sel: Selectable,
    /** The same of the object before the change (MODIFIED and DELETED). */
    readonly prevSel?: Selectable,
    /** The object itself, decoded, held until release() (read-only from now on). */
    obj?: KubeObject,
  ) {
    this.held = obj;
  }

  /** The object after the change, resourceVersion included. Read-only: it may be shared. */
  get obj(): KubeObject {
    return this.held ?? decode(this.kv);
  }

  /**
   * While its storage batch is dispatched: what is made for one watcher (the object, its JSON,
   * lines and chunks) is kept for the next. Afterwards the cache keeps only the kv and the
   * Selectable, and a list or a replay serializes again.
   */
  get dispatching(): boolean {
    return this.held !== undefined;
  }

  /** The dispatch is over: let go of the object and its serializations. */
  release(): void {
    this.held = undefined;
    this.json_ = undefined;
    this.lines = this.bytes = this.chunks = undefined;
  }

  /** The wire JSON of obj (resourceVersion included). */
  get json(): string {
    if (this.json_ !== undefined) return this.json_;
    const json = wireJSON(this.kv.value, this.revision);
    if (this.dispatching) this.json_ = json;
    return json;
  }
}

/** `{"type":"ADDED","object":{…}}\n`: built once per event and type while it is dispatched. */
export function eventLine(ev: CacheEvent, type: EventType): string {
  const line = ev.lines?.[type] ?? `{"type":"${type}","object":${ev.json}}\n`;
  if (ev.dispatching) (ev.lines ??= {})[type] = line;
  return line;
}

/** eventLine as UTF-8 bytes, encoded once for every watcher of a dispatch. */
export function eventBytes(ev: CacheEvent, type: EventType): Buffer {
  const bytes = ev.bytes?.[type] ?? Buffer.from(eventLine(ev, type));
  if (ev.dispatching) (ev.bytes ??= {})[type] = bytes;
  return bytes;
}

/** One HTTP/1.1 chunk: `<size hex>\r\n<data>\r\n`. */
export function httpChunk(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, CRLF]);
}
const CRLF = Buffer.from('\r\n');

/** eventBytes framed as an HTTP chunk, framed once for every watcher of a dispatch. */
export function eventChunk(ev: CacheEvent, type: EventType): Buffer {
  const chunk = ev.chunks?.[type] ?? httpChunk(eventBytes(ev, type));
  if (ev.dispatching) (ev.chunks ??= {})[type] = chunk;
  return chunk;
}

/** Where a watcher's events go: an HTTP response, a WebSocket. */
export interface WatchSink {
  /** Take what it needs of ev.obj before returning: the cache then lets the object go. */
  send(type: EventType, ev: CacheEvent): void;
  bookmark(revision: number): void;
  /** Send an ERROR event carrying a Status, then end. */
  error(status: Status): void;
  end(): void;
  /** Drop the connection at once (a hopelessly slow watcher: its backlog is freed). */
  abort(): void;
  /** Bytes accepted but not yet written to the network. */
  backlog(): number;
  /** Write what is queued now (the cache calls it once per watcher per storage batch). */
  flush(): void;
}

export interface WatchCacheOptions {
  /** Events kept for replay (watch from a recent resourceVersion). */
  capacity?: number;
  /** Told how long each storage batch took to reach every watcher's socket (for /metrics). */
  onDispatch?: (seconds: number, events: number, watchers: number) => void;
  /** How often watchers that allow bookmarks get one. */
  bookmarkIntervalMs?: number;
  /** A watcher with more than this many bytes unwritten is closed. */
  maxBacklogBytes?: number;
}

/** Fields whose exact-match watchers get indexed (the kube watch cache's "triggers"). */
const TRIGGER_FIELDS: Record<string, string> = { Pod: 'spec.nodeName' };

export class Watcher {
  stopped = false;
  /** The highest revision delivered (for bookmarks never to go backwards). */
  lastRevision = 0;
  /** Set when the watcher is fed by its own storage watch (resourceVersion older than the cache). */
  storageWatch?: WatchHandle;
  trigger?: string;
  constructor(
    readonly pred: SelectionPredicate,
    readonly sink: WatchSink,
    readonly bookmarks: boolean,
    private readonly detach: (w: Watcher) => void,
  ) {}

  /** Stop delivering (the client went away or the request timed out). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.storageWatch?.cancel();
    this.detach(this);
  }

  /** Events at or below this revision are already reflected in what the client has. */
  fromRevision = 0;

  /** Deliver one event through this watcher's filter, like the kube watch cache. */
  consider(ev: CacheEvent): void {
    // A cache behind the client's resourceVersion (another API server's list over shared etcd)
    // must not replay what the client already has.
    if (this.stopped || ev.revision <= this.fromRevision) return;
    const nowMatches = this.pred.matchesSelectable(ev.sel);
    let type: EventType | undefined;
    if (ev.type === 'ADDED') type = nowMatches ? 'ADDED' : undefined;
    else if (ev.type === 'DELETED') type = nowMatches ? 'DELETED' : undefined;
    else {
      const wasMatching = ev.prevSel ? this.pred.matchesSelectable(ev.prevSel) : false;
      if (nowMatches) type = wasMatching ? 'MODIFIED' : 'ADDED';
      else if (wasMatching) type = 'DELETED';
    }
    if (ev.revision > this.lastRevision) this.lastRevision = ev.revision;
    if (type) this.sink.send(type, ev);
  }
}

export class WatchCache {
  readonly prefix: string;
  /** The last revision this cache has applied. */
  revision = 0;
  /** Watchers closed because they could not keep up. */
  slowWatchersClosed = 0;
  /** Watches from a resourceVersion ≥ this are served from the ring buffer. */
  startRevision = 0;
  readonly ready: Promise<void>;
  private readonly store = new Map<string, CacheEvent>();
  /** Objects the registry just wrote, by key, until their event arrives (offer). */
  private readonly offered = new Map<string, { kv: KeyValue; obj: KubeObject }>();
  /** getShared()'s objects, by the cache event they were decoded from (gone with the event). */
  private readonly shared = new WeakMap<CacheEvent, KubeObject>();
  /** Keys by namespace, so a namespace's list or initial watch state does not scan every key. */
  private readonly byNamespace = new Map<string, Set<string>>();
  private readonly ring: (CacheEvent | undefined)[];
  private ringHead = 0; // index of the oldest event
  private ringSize = 0;
  private readonly general = new Set<Watcher>();
  private readonly byTrigger = new Map<string, Set<Watcher>>();
  private readonly triggerField?: string;
  private storageWatch?: WatchHandle;
  private bookmarkTimer?: NodeJS.Timeout;
  private closed = false;
  private readonly maxBacklog: number;
  private readonly onDispatch?: (seconds: number, events: number, watchers: number) => void;
  private resolveReady!: () => void;
  private rejectReady!: (e: Error) => void;

  constructor(
    private readonly storage: Storage,
    readonly info: ResourceInfo,
    opts: WatchCacheOptions = {},
  ) {
    this.prefix = storagePrefix(info);
    this.ring = new Array(opts.capacity ?? 10_000);
    this.maxBacklog = opts.maxBacklogBytes ?? 64 * 1024 * 1024;
    this.triggerField = TRIGGER_FIELDS[info.kind];
    this.onDispatch = opts.onDispatch;
    this.ready = new Promise((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    this.ready.catch(() => undefined);
    const interval = opts.bookmarkIntervalMs ?? 10_000;
    this.bookmarkTimer = setInterval(() => this.sendBookmarks(), interval);
    this.bookmarkTimer.unref();
  }

  get watcherCount(): number {
    let n = this.general.size;
    for (const s of this.byTrigger.values()) n += s.size;
    return n;
  }

  /** List the prefix, then watch it from the list's revision. */
  async start(): Promise<void> {
    try {
      const r = await this.storage.range(this.prefix);
      this.store.clear();
      this.byNamespace.clear();
      for (const [key, o] of this.offered) if (o.kv.modRevision <= r.revision) this.offered.delete(key);
      for (const kv of r.kvs) {
        const ev = this.eventOf('ADDED', kv);
        ev.release();
        this.storeSet(ev);
      }
      this.revision = r.revision;
      this.startRevision = r.revision;
      this.ringHead = 0;
      this.ringSize = 0;
      this.storageWatch = this.storage.watch(this.prefix, r.revision, {
        onEvents: (events) => this.apply(events),
        onError: (err) => this.onStorageError(err),
      });
      this.resolveReady();
    } catch (e) {
      this.rejectReady(e as Error);
      throw e;
    }
  }

  close(): void {
    this.closed = true;
    this.offered.clear();
    clearInterval(this.bookmarkTimer);
    this.storageWatch?.cancel();
    for (const w of this.allWatchers()) {
      w.stop();
      w.sink.end();
    }
  }

  /** Current objects (the state at `revision`), in key order, matching a predicate. */
  list(pred: SelectionPredicate): { events: CacheEvent[]; revision: number } {
    const keys: Iterable<string> = pred.namespace !== undefined && this.info.namespaced ? (this.byNamespace.get(pred.namespace) ?? []) : this.store.keys();
    const matched: CacheEvent[] = [];
    for (const k of keys) {
      const ev = this.store.get(k)!;
      if (pred.matchesSelectable(ev.sel)) matched.push(ev);
    }
    // Key order, as a list from storage would be (only the matches are sorted).
    matched.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { events: matched, revision: this.revision };
  }

  get(key: string): KubeObject | undefined {
    return this.store.get(key)?.obj;
  }

  /**
   * Like get(), but decoded once per change of the object and the same instance for every
   * caller until it changes (read-only): for the few hot, rarely written objects every write
   * consults — the namespace each create checks — which get() would parse again each time.
   */
  getShared(key: string): KubeObject | undefined {
    const ev = this.store.get(key);
    if (!ev) return undefined;
    let obj = this.shared.get(ev);
    if (!obj) this.shared.set(ev, (obj = ev.obj));
    return obj;
  }

  /**
   * Start a watcher. resourceVersion undefined or "0": synthetic ADDED events for the current
   * state, then live events. A number: every event after it (from the ring buffer, or from
   * storage when it is older than the buffer; 410 when storage compacted it too).
   */
  watch(pred: SelectionPredicate, resourceVersion: string | undefined, sink: WatchSink, bookmarks: boolean): Watcher {
    const w = new Watcher(pred, sink, bookmarks, (x) => this.detach(x));
    if (resourceVersion === undefined || resourceVersion === '' || resourceVersion === '0') {
      for (const ev of this.list(pred).events) sink.send('ADDED', ev);
      w.lastRevision = this.revision;
      w.fromRevision = this.revision;
      this.attach(w);
      return w;
    }
    const from = Number(resourceVersion);
    if (!Number.isSafeInteger(from) || from < 0) throw new StatusError({ ...expired().status, code: 400, reason: 'BadRequest', message: `invalid resourceVersion "${resourceVersion}"` });
    w.lastRevision = from;
    w.fromRevision = from;
    if (from >= this.startRevision) {
      for (let i = 0; i < this.ringSize; i++) {
        const ev = this.ring[(this.ringHead + i) % this.ring.length]!;
        if (ev.revision > from) w.consider(ev);
      }
      this.attach(w);
      return w;
    }
    // Older than the buffer: this watcher reads storage's history itself.
    if (from < this.storage.compactedRevision) throw expired(`too old resource version: ${from} (${this.storage.compactedRevision})`);
    const prevByKey = new Map<string, Selectable>();
    w.storageWatch = this.storage.watch(this.prefix, from, {
      onEvents: (events) => {
        for (const se of events) {
          const ev = this.eventFromStore(se, prevByKey.get(se.kv.key));
          if (ev.type === 'DELETED') prevByKey.delete(se.kv.key);
          else prevByKey.set(se.kv.key, ev.sel);
          w.consider(ev);
        }
        this.checkBacklog(w);
      },
      onError: (err) => {
        if (w.stopped) return;
        w.stop();
        if (isStatusError(err)) sink.error(err.status);
        else sink.end();
      },
    });
    return w;
  }

  private storeSet(ev: CacheEvent): void {
    if (!this.store.has(ev.key) && this.info.namespaced) {
      const ns = ev.sel.namespace ?? '';
      let set = this.byNamespace.get(ns);
      if (!set) this.byNamespace.set(ns, (set = new Set()));
      set.add(ev.key);
    }
    this.store.set(ev.key, ev);
  }

  private storeDelete(ev: CacheEvent): void {
    if (this.store.delete(ev.key) && this.info.namespaced) {
      const ns = ev.sel.namespace ?? '';
      const set = this.byNamespace.get(ns);
      set?.delete(ev.key);
      if (set && set.size === 0) this.byNamespace.delete(ns);
    }
  }

  private attach(w: Watcher): void {
    const v = this.triggerField ? w.pred.exactField(this.triggerField) : undefined;
    if (v === undefined) {
      this.general.add(w);
      return;
    }
    w.trigger = v;
    let set = this.byTrigger.get(v);
    if (!set) this.byTrigger.set(v, (set = new Set()));
    set.add(w);
  }

  private detach(w: Watcher): void {
    if (w.trigger === undefined) {
      this.general.delete(w);
      return;
    }
    const set = this.byTrigger.get(w.trigger);
    set?.delete(w);
    if (set && set.size === 0) this.byTrigger.delete(w.trigger);
  }

  private *allWatchers(): Iterable<Watcher> {
    yield* [...this.general];
    for (const s of [...this.byTrigger.values()]) yield* [...s];
  }

  /**
   * The registry offers the object it has just written as `kv` (its txn's answer): when that
   * very kv arrives from storage, the cache takes the object instead of parsing the value
   * again — one object tree less per write. From then on the object is the
   * cache's, read-only like all it holds. Only the embedded store, which delivers a write in its
   * commit's tick, hands watchers the kv it answered with; an offer the cache has already passed
   * is refused, and any other kv misses and is decoded.
   */
  offer(kv: KeyValue, obj: KubeObject): void {
    // kv is the txn's own answer for obj's put, so its value is obj's encoding by construction
    // (comparing it would decode the stored bytes once more per write).
    if (kv.modRevision > this.revision && String(kv.modRevision) === obj.metadata.resourceVersion) {
      this.offered.set(kv.key, { kv, obj });
    }
  }

  /** A kv's object: the one offered for it, else decoded. */
  private objectOf(kv: KeyValue): KubeObject {
    const o = this.offered.get(kv.key);
    if (o === undefined) return decode(kv);
    if (o.kv.modRevision <= kv.modRevision) this.offered.delete(kv.key);
    return o.kv === kv ? o.obj : decode(kv);
  }

  private eventOf(type: EventType, kv: KeyValue, prevSel?: Selectable): CacheEvent {
    const obj = this.objectOf(kv);
    return new CacheEvent(type, kv.modRevision, kv.key, kv, selectableOf(this.info.kind, obj), prevSel, obj);
  }

  private eventFromStore(se: StoreEvent, knownPrev?: Selectable): CacheEvent {
    const prev = knownPrev ?? (se.prevKv ? selectableOf(this.info.kind, decode(se.prevKv)) : undefined);
    if (se.type === 'delete') return this.eventOf('DELETED', se.kv, prev);
    return this.eventOf(se.prevKv || knownPrev ? 'MODIFIED' : 'ADDED', se.kv, prev);
  }

  private apply(events: StoreEvent[]): void {
    if (this.closed) return;
    const started = performance.now();
    const touched = new Set<Watcher>();
    for (const se of events) {
      const ev = this.eventFromStore(se, this.store.get(se.kv.key)?.sel);
      if (ev.type === 'DELETED') this.storeDelete(ev);
      else this.storeSet(ev);
      this.revision = ev.revision;
      this.push(ev);
      this.fanOut(ev, touched);
      ev.release(); // every sink has taken what it needs of the object (send is synchronous)
    }
    // One write per watcher for the whole batch, here rather than in a microtask each.
    for (const w of touched) {
      w.sink.flush();
      this.checkBacklog(w);
    }
    this.onDispatch?.((performance.now() - started) / 1000, events.length, touched.size);
  }

  private push(ev: CacheEvent): void {
    const cap = this.ring.length;
    if (this.ringSize === cap) {
      const oldest = this.ring[this.ringHead]!;
      this.startRevision = oldest.revision;
      this.ring[this.ringHead] = ev;
      this.ringHead = (this.ringHead + 1) % cap;
    } else {
      this.ring[(this.ringHead + this.ringSize) % cap] = ev;
      this.ringSize++;
    }
  }

  private fanOut(ev: CacheEvent, touched: Set<Watcher>): void {
    for (const w of this.general) {
      w.consider(ev);
      touched.add(w);
    }
    if (this.triggerField && this.byTrigger.size > 0) {
      const now = ev.sel.fields[this.triggerField] ?? '';
      const before = ev.prevSel ? (ev.prevSel.fields[this.triggerField] ?? '') : undefined;
      for (const v of before !== undefined && before !== now ? [now, before] : [now]) {
        const set = this.byTrigger.get(v);
        if (!set) continue;
        for (const w of set) {
          w.consider(ev);
          touched.add(w);
        }
      }
    }
  }

  private checkBacklog(w: Watcher): void {
    if (!w.stopped && w.sink.backlog() > this.maxBacklog) {
      // Closing, not dropping events: the client re-watches from its last resourceVersion.
      w.stop();
      w.sink.abort();
      this.slowWatchersClosed++;
    }
  }

  private sendBookmarks(): void {
    for (const w of this.allWatchers()) {
      if (!w.bookmarks || w.stopped || w.storageWatch) continue;
      // Everything up to the cache's revision has been offered to this watcher.
      const rv = Math.max(w.lastRevision, this.revision);
      w.lastRevision = rv;
      w.sink.bookmark(rv);
    }
  }

  private onStorageError(err: Error): void {
    if (this.closed) return;
    // The cache lost its feed: end every watcher (clients re-watch) and rebuild from storage.
    for (const w of this.allWatchers()) {
      w.stop();
      if (isStatusError(err) && err.code === 410) w.sink.error(err.status);
      else w.sink.end();
    }
    setTimeout(() => {
      if (!this.closed) this.start().catch(() => undefined);
    }, 1000).unref();
  }
}

/** A bookmark event's object: just kind, apiVersion and the resourceVersion. */
export function bookmarkObject(info: ResourceInfo, revision: number): string {
  return `{"kind":"${info.kind}","apiVersion":"${apiVersionOf(info)}","metadata":{"resourceVersion":"${revision}","creationTimestamp":null}}`;
}
