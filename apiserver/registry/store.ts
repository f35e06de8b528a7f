// The generic registry over Storage — Kubernetes' genericregistry.Store: create, get, list,
// update, patch, delete, deletecollection and watch for one resource, with the
// per-kind rules supplied by its Strategy. Every write is a compare-modRevision
// transaction; writes without a resourceVersion precondition (patch, status writes,
// bindings) re-read and retry when they lose a race ("GuaranteedUpdate").
import { randomUUID } from 'node:crypto';
import type { DeleteOptions, KubeObject, Status } from '../../api/meta.js';
import { now } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import { apiVersionOf, groupResource, storageKey, storagePrefix } from '../../api/resources.js';
import {
  alreadyExists, badRequest, conflict, expired, forbidden, invalid, isStatusError, notFound,
  staleConflict, StatusError, successStatus, type FieldError,
} from '../../api/errors.js';
import { fromLabelSelector } from '../../api/labels.js';
import { deepEqual } from '../../api/patch/merge.js';
import type { KeyValue, Storage, TxnResult } from '../storage/interface.js';
import type { CacheEvent, WatchCache, WatchSink, Watcher } from '../watch-cache.js';
import { decode, encode, kvWireJSON, noteStored, wireJSON } from './codec.js';
import { applyDefaults, applyPatch, decodeObject, fillListKeyDefaults, validateDecodedObject, validateObject, validateStatusUpdate, type PatchType } from './object-rules.js';
import { SelectionPredicate } from './predicate.js';
import { apply as applyFields, fieldSetOf, recordUpdate } from './field-manager.js';
import type { Strategy } from './strategy.js';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  /** The objects (decoded on first access when the list was read as wire JSON). */
  readonly items: KubeObject[];
  /** The items' wire JSON when they were read without decoding (no selector to test). */
  itemsJSON?: string[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A list served from the watch cache: wire JSON now, objects decoded only if asked for. */
function cachedList(events: CacheEvent[], resourceVersion: string, continueToken?: string): ListResult {
  let decoded: KubeObject[] | undefined;
  const out: ListResult = { get items() { return (decoded ??= events.map((ev) => ev.obj)); }, itemsJSON: events.map((ev) => ev.json), resourceVersion };
  if (continueToken) out.continue = continueToken;
  return out;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** The field manager (`?fieldManager=`): it takes ownership of the fields it writes. */
  fieldManager?: string;
  /** Server-side apply: take over conflicting fields. */
  force?: boolean;
  /**
   * Validating admission (apiserver/admission.ts): sees the object about to be written (and
   * the stored one) after defaults and validation, and throws to refuse. The REST handler
   * binds it to the request's user, resource and subresource.
   */
  admit?: AdmitWrite;
  /**
   * Mutating admission on create (the ServiceAccount plugin): may change the new object after
   * defaulting and before validation, as kube-apiserver's mutating phase does.
   */
  mutate?: AdmitWrite;
}

export type AdmitWrite = (operation: 'CREATE' | 'UPDATE' | 'DELETE', obj: KubeObject | undefined, old: KubeObject | undefined) => void | Promise<void>;

/** Where the store asks whether a namespace exists and accepts new content. */
export type NamespaceLookup = (name: string) => Promise<KubeObject | undefined>;

const MAX_RETRIES = 64;
const DELETE_COLLECTION_WORKERS = 16;
const GENERATE_NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export function generateSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += GENERATE_NAME_CHARS[Math.floor(Math.random() * GENERATE_NAME_CHARS.length)];
  return s;
}

const clone = <T>(o: T): T => structuredClone(o);

interface ContinueToken { v: string; rv: number; start: string }

/** How one update attempt ended: done (written, unchanged or a dry run), or lost to a newer write (`current`: the key's newest kv, absent once deleted). */
type UpdateOutcome = { done: { obj: KubeObject; deleted: boolean }; current?: undefined } | { done?: undefined; current: KeyValue | undefined };

export class Store {
  readonly gr: string;
  readonly apiVersion: string;
  private readonly prefix: string;

  constructor(
    readonly storage: Storage,
    readonly info: ResourceInfo,
    readonly strategy: Strategy,
    private readonly namespaceLookup: NamespaceLookup,
    readonly cache?: WatchCache,
    /**
     * The cache holds every committed event by the time any request runs (true of the
     * embedded store, which hands events to watchers in the commit's own tick), so
     * selector lists may be served from it (kube-apiserver's consistent list from cache).
     */
    private readonly consistentCache = false,
  ) {
    this.gr = groupResource(info);
    this.apiVersion = apiVersionOf(info);
    this.prefix = storagePrefix(info);
  }

  key(namespace: string | undefined, name: string): string {
    return storageKey(this.info, this.info.namespaced ? namespace : undefined, name);
  }

  // ---- read ----

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const kv = await this.storage.get(this.key(namespace, name));
    if (!kv) throw notFound(this.gr, name);
    return decode(kv);
  }

  /**
   * The object as this server's watch cache has it, else as storage has it; undefined when
   * neither does. For in-process lookups on every request (a ServiceAccount token's bound
   * objects): a cache hit costs no storage read.
   */
  async lookup(namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const key = this.key(namespace, name);
    return this.cache?.get(key) ?? this.stored(key);
  }

  /**
   * Like lookup(), but a cache hit is the cache's own object, decoded once per change of it and
   * shared by every caller (WatchCache.getShared): read it, never change it. For the few small
   * objects every write consults — the namespace of each create, the ServiceAccount of each pod.
   */
  async lookupShared(namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const key = this.key(namespace, name);
    return this.cache?.getShared(key) ?? this.stored(key);
  }

  /** The object at `key` as storage has it (a read, then a decode). */
  private async stored(key: string): Promise<KubeObject | undefined> {
    const kv = await this.storage.get(key);
    return kv ? decode(kv) : undefined;
  }

  /** The object's wire JSON, straight from its stored bytes (no decode and re-encode). */
  async getJSON(namespace: string | undefined, name: string): Promise<string | Buffer> {
    const kv = await this.storage.get(this.key(namespace, name));
    if (!kv) throw notFound(this.gr, name);
    return kvWireJSON(kv);
  }

  async list(namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult> {
    const pred = SelectionPredicate.parse(this.info.kind, this.info.namespaced ? namespace : undefined, opts.labelSelector, opts.fieldSelector);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const listPrefix = storagePrefix(this.info, this.info.namespaced ? namespace : undefined);
    let revision: number | undefined;
    let startKey: string | undefined;
    if (opts.continue) {
      const tok = decodeContinue(opts.continue);
      revision = tok.rv;
      startKey = listPrefix + tok.start;
      if (revision < this.storage.compactedRevision) {
        throw new StatusError({
          ...expired().status,
          message: 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        });
      }
    } else if (opts.resourceVersion === '0' && this.cache) {
      // "Any version": served from the watch cache, whole (like kube-apiserver, limit ignored).
      await this.cache.ready;
      const r = this.cache.list(pred);
      return cachedList(r.events, String(r.revision));
    } else if (opts.resourceVersion && opts.resourceVersionMatch === 'Exact') {
      revision = parseRV(opts.resourceVersion);
      await this.waitForRevision(revision);
      if (revision < this.storage.compactedRevision) throw expired(`too old resource version: ${revision} (${this.storage.compactedRevision})`);
    } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
      // NotOlderThan: the current state qualifies once storage has reached that revision.
      await this.waitForRevision(parseRV(opts.resourceVersion));
    }

    if (this.consistentCache && this.cache && revision === undefined && !pred.everything) {
      // A filtered list (a kubelet's pods on its node, a controller's label selector) from
      // storage would decode every object to test it; the cache has them decoded, with their
      // field sets. Served whole, without a continue token, which clients accept.
      await this.cache.ready;
      const rv = Math.max(this.storage.revision, this.cache.revision);
      const { events } = this.cache.list(pred);
      if (!limit || events.length <= limit) return cachedList(events, String(rv));
      // More than a page: the rest comes from storage at this same revision (continue token).
      const page = events.slice(0, limit);
      return cachedList(page, String(rv), encodeContinue({ v: 'meta.k8s.io/v1', rv, start: page[page.length - 1]!.key.slice(listPrefix.length) + '\u0000' }));
    }

    // Without a selector nothing needs decoding: items travel as their stored JSON with the
    // resourceVersion spliced in (decoded only if someone asks for the objects, e.g. a Table).
    const raw = pred.everything;
    const items: KubeObject[] = [];
    const json: string[] = [];
    let more = false;
    let nextKey: string | undefined;
    let remaining: number | undefined;
    for (;;) {
      const want = limit ? Math.max(limit - items.length, pred.everything ? 0 : limit) : 0;
      let r;
      try {
        r = await this.storage.range(listPrefix, { limit: want || undefined, startKey, revision });
      } catch (e) {
        if (isStatusError(e) && e.code === 410) throw expired(e.message);
        throw e;
      }
      revision = r.revision;
      let i = 0;
      for (; i < r.kvs.length; i++) {
        const kv = r.kvs[i]!;
        if (raw) json.push(wireJSON(kv.value, kv.modRevision));
        else {
          const obj = decode(kv);
          if (!pred.matches(obj)) continue;
          items.push(obj);
        }
        if (limit && items.length + json.length >= limit) { i++; break; }
      }
      if (limit && items.length + json.length >= limit) {
        if (i < r.kvs.length || r.more) {
          more = true;
          nextKey = r.kvs[i - 1]!.key + '\u0000';
          if (pred.everything) remaining = r.count - i;
        }
        break;
      }
      if (!r.more || r.kvs.length === 0) break;
      startKey = r.kvs[r.kvs.length - 1]!.key + '\u0000';
    }
    let decoded: KubeObject[] | undefined;
    const out: ListResult = raw
      ? { get items() { return (decoded ??= json.map((j) => JSON.parse(j) as KubeObject)); }, itemsJSON: json, resourceVersion: String(revision) }
      : { items, resourceVersion: String(revision) };
    if (more && nextKey !== undefined) {
      out.continue = encodeContinue({ v: 'meta.k8s.io/v1', rv: revision!, start: nextKey.slice(listPrefix.length) });
      if (remaining !== undefined && remaining > 0) out.remainingItemCount = remaining;
    }
    return out;
  }

  /** Start a watch (see WatchCache.watch for the resourceVersion rules). */
  async watch(namespace: string | undefined, opts: ListOptions & { allowWatchBookmarks?: boolean }, sink: WatchSink): Promise<Watcher> {
    if (!this.cache) throw badRequest(`watch is not supported on ${this.gr}`);
    const pred = SelectionPredicate.parse(this.info.kind, this.info.namespaced ? namespace : undefined, opts.labelSelector, opts.fieldSelector);
    await this.cache.ready;
    if (opts.resourceVersion && opts.resourceVersion !== '0') await this.waitForRevision(parseRV(opts.resourceVersion));
    return this.cache.watch(pred, opts.resourceVersion, sink, !!opts.allowWatchBookmarks);
  }

  /**
   * A resourceVersion newer than anything stored (a client that talked to another store, or
   * one wiped since) waits up to 3 s, then is a 504 "Too large resource version" that makes
   * client-go relist — rather than a watch that silently skips what comes before it.
   */
  private async waitForRevision(rv: number): Promise<void> {
    const deadline = Date.now() + 3000;
    let refreshed = 0;
    while (this.storage.revision < rv) {
      // A shared store (etcd) may have moved on without this server noticing: a tiny read
      // brings its view of the current revision up to date.
      if (Date.now() - refreshed > 250) {
        refreshed = Date.now();
        await this.storage.range(this.prefix, { limit: 1, countOnly: true }).catch(() => undefined);
        if (this.storage.revision >= rv) break;
      }
      if (Date.now() > deadline) {
        throw new StatusError({
          kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 504, reason: 'Timeout',
          message: `Too large resource version: ${rv}, current: ${this.storage.revision}`,
          details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
        });
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  // ---- create ----

  /** The object returned is the watch cache's too (WatchCache.offer): read it, never change it. */
  create(namespace: string | undefined, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    // The body is decoded (copied) here, outside the async part, so that no suspended frame
    // holds the body's own tree until the write is durable: with 64 creates in flight, every
    // young-generation GC copied both trees of each.
    let obj: KubeObject;
    try {
      obj = this.admit(namespace, body, undefined);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.createDecoded(namespace, obj, !!(body as KubeObject | undefined)?.metadata?.name, opts);
  }

  private async createDecoded(namespace: string | undefined, obj: KubeObject, namedByClient: boolean, opts: WriteOptions): Promise<KubeObject> {
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + generateSuffix();
    meta.uid = randomUUID();
    meta.creationTimestamp = now();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    if (this.strategy.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    applyDefaults(this.info, obj);
    this.strategy.prepareForCreate?.(obj);
    // Defaulting runs once, before mutating admission, as in kube-apiserver (at decode): the
    // in-tree plugins add only content already in its defaulted form (the token volume's mode
    // and expiry, finalizers, a class name; test/api/defaults-schema.test.ts holds them to it).
    if (opts.mutate) await opts.mutate('CREATE', obj, undefined);
    this.validate(obj, [...validateDecodedObject(this.info, obj), ...(this.strategy.validate?.(obj) ?? [])]);
    if (opts.fieldManager) recordUpdate(this.info.kind, this.apiVersion, obj, undefined, opts.fieldManager);
    const admitted = opts.admit?.('CREATE', obj, undefined);
    if (admitted) await admitted; // most plugins answer synchronously (admission.ts)
    if (this.info.namespaced) await this.checkNamespace(namespace!);
    if (this.strategy.allocate) return this.createWithClaims(namespace, obj, !namedByClient && !!meta.generateName, opts);
    if (opts.dryRun) return obj;
    for (let attempt = 0; ; attempt++) {
      const r = await this.putNew(this.key(namespace, meta.name!), obj);
      if (r.succeeded) {
        const kv = r.results[0]!;
        meta.resourceVersion = String(kv.modRevision);
        if (this.consistentCache) this.cache?.offer(kv, obj);
        return noteStored(obj, kv);
      }
      // A generated name that collided gets another suffix; a chosen one is a 409.
      if (namedByClient || !meta.generateName || attempt >= 8) throw alreadyExists(this.gr, meta.name!);
      meta.name = meta.generateName + generateSuffix();
    }
  }

  /**
   * One create attempt: obj encoded and put if its key is absent. Not async: a suspended frame
   * keeps every value it ever held, so encoding inside createDecoded would hold the encoded
   * value (a copy of what the store already keeps off the heap) until the write is durable.
   */
  private putNew(key: string, obj: KubeObject): Promise<TxnResult> {
    return this.storage.txn([{ key, modRevision: 0 }], [{ type: 'put', key, value: encode(obj) }]);
  }

  /**
   * Create for kinds whose objects hold other keys (Services: cluster IP, node ports): each
   * attempt allocates on a fresh copy, then one transaction puts the object and its claims,
   * every key guarded by "does not exist". A claim lost to a concurrent create is avoided
   * on the next attempt (a value the client asked for is then a 422 from allocate).
   */
  private async createWithClaims(namespace: string | undefined, obj: KubeObject, generatedName: boolean, opts: WriteOptions): Promise<KubeObject> {
    const taken = new Set<string>();
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const next = clone(obj);
      await this.strategy.allocate!(next, undefined, this.storage, taken);
      if (opts.dryRun) return next;
      const key = this.key(namespace, next.metadata.name!);
      const claims = this.strategy.claims?.(next) ?? [];
      const r = await this.storage.txn(
        [{ key, modRevision: 0 }, ...claims.map((c) => ({ key: c.key, modRevision: 0 }))],
        [{ type: 'put', key, value: encode(next) }, ...claims.map((c) => ({ type: 'put' as const, key: c.key, value: c.value }))],
      );
      if (r.succeeded) {
        next.metadata.resourceVersion = String(r.results[0]!.modRevision);
        return next;
      }
      if (r.current[0]) {
        // A generated name that collided gets another suffix; a chosen one is a 409.
        if (!generatedName || attempt >= 8) throw alreadyExists(this.gr, next.metadata.name!);
        obj.metadata.name = obj.metadata.generateName + generateSuffix();
      }
      claims.forEach((c, i) => { if (r.current[i + 1]) taken.add(c.key); });
    }
    throw conflict(this.gr, obj.metadata.name!, 'too many concurrent writes; please try again');
  }

  private async checkNamespace(namespace: string): Promise<void> {
    const ns = await this.namespaceLookup(namespace);
    if (!ns) throw notFound('namespaces', namespace);
    if (ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') {
      throw forbidden(`${this.info.kind.toLowerCase()}s "${(ns.metadata.name)}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  /**
   * Check a request body against the URL (kind, apiVersion, namespace, name) and decode it
   * against the schema (422 naming every bad field).
   */
  admit(namespace: string | undefined, body: unknown, urlName: string | undefined, kind = this.info.kind, apiVersion = this.apiVersion): KubeObject {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`the body of the request must be a ${kind} object`);
    const b = body as Record<string, unknown>;
    if (b.apiVersion !== undefined && b.apiVersion !== apiVersion) {
      throw badRequest(`the API version in the data (${String(b.apiVersion)}) does not match the expected API version (${apiVersion})`);
    }
    if (b.kind !== undefined && b.kind !== kind) {
      throw badRequest(`${String(b.kind)} in version "${String(b.apiVersion ?? apiVersion)}" cannot be handled as a ${kind}: the kind in the data does not match the kind of the URL`);
    }
    if (b.metadata === undefined || b.metadata === null) b.metadata = {};
    const m = b.metadata as Record<string, unknown>;
    if (typeof m !== 'object' || Array.isArray(m)) throw badRequest('metadata must be an object');
    if (this.info.namespaced) {
      if (m.namespace !== undefined && m.namespace !== '' && m.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      m.namespace = namespace;
    } else if (m.namespace) {
      delete m.namespace;
    }
    if (urlName !== undefined && m.name !== undefined && m.name !== urlName) {
      throw badRequest(`the name of the object (${String(m.name)}) does not match the name on the URL (${urlName})`);
    }
    if (urlName !== undefined && !m.name) m.name = urlName;
    const name = typeof m.name === 'string' ? m.name : typeof m.generateName === 'string' ? m.generateName : '';
    const obj = decodeObject(this.info, { ...b, apiVersion, kind }, name);
    obj.apiVersion = apiVersion;
    obj.kind = kind;
    return obj;
  }

  private validate(obj: KubeObject, errors: FieldError[]): void {
    if (errors.length) throw invalid(this.info.kind, this.info.group, obj.metadata.name ?? obj.metadata.generateName ?? '', errors);
  }

  // ---- update ----

  /**
   * The read-modify-write loop: read, compute the next object, write it if the key is
   * unchanged since the read; on a lost race read again and recompute. `tryUpdate` throws
   * to abort (e.g. a stale resourceVersion precondition). An unchanged object is not
   * written (no new resourceVersion), as kube-apiserver does.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    tryUpdate: (current: KubeObject) => KubeObject,
    opts: WriteOptions = {},
  ): Promise<{ obj: KubeObject; deleted: boolean }> {
    const key = this.key(namespace, name);
    let kv: KeyValue | undefined = await this.storage.get(key);
    const taken = new Set<string>();
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      if (!kv) throw notFound(this.gr, name);
      const outcome = await this.updateAttempt(key, kv, tryUpdate, opts, taken);
      if (outcome.done) return outcome.done;
      kv = outcome.current;
    }
    throw conflict(this.gr, name, 'too many concurrent writes; please try again');
  }

  /**
   * One read-modify-write attempt on `kv`: the new state, written if kv is still the key's
   * newest write. It returns the write's promise rather than awaiting it, and the write is
   * made by writeUpdate (not async): a suspended frame keeps every value it ever held, and
   * the current object's tree and the encoded value are garbage long before the write is
   * durable.
   */
  private async updateAttempt(key: string, kv: KeyValue, tryUpdate: (current: KubeObject) => KubeObject, opts: WriteOptions, taken: Set<string>): Promise<UpdateOutcome> {
    const current = decode(kv);
    const next = tryUpdate(current);
    await opts.admit?.('UPDATE', next, current);
    const remove = this.shouldDeleteOnUpdate(next);
    if (this.strategy.allocate && !remove) await this.strategy.allocate(next, current, this.storage, taken);
    return this.writeUpdate(key, kv, current, next, remove, opts, taken);
  }

  private writeUpdate(key: string, kv: KeyValue, current: KubeObject, next: KubeObject, remove: boolean, opts: WriteOptions, taken: Set<string>): UpdateOutcome | Promise<UpdateOutcome> {
    const value = encode(next);
    if (value === kv.value && !kv.stale) return { done: { obj: current, deleted: false } };
    if (opts.dryRun) return { done: { obj: next, deleted: remove } };
    // Claims (Service IPs, node ports) the new state takes or lets go, in the same transaction.
    const had = this.strategy.claims?.(current) ?? [];
    const has = remove ? [] : this.strategy.claims?.(next) ?? [];
    const added = has.filter((c) => !had.some((h) => h.key === c.key));
    const released = had.filter((h) => !has.some((c) => c.key === h.key));
    const written = this.storage.txn(
      [{ key, modRevision: kv.modRevision }, ...added.map((c) => ({ key: c.key, modRevision: 0 }))],
      [
        remove ? { type: 'delete', key } : { type: 'put', key, value },
        ...added.map((c) => ({ type: 'put' as const, key: c.key, value: c.value })),
        ...released.map((c) => ({ type: 'delete' as const, key: c.key })),
      ],
    );
    return written.then((r): UpdateOutcome => {
      if (!r.succeeded) {
        added.forEach((c, i) => { if (r.current[i + 1]) taken.add(c.key); });
        return { current: r.current[0] };
      }
      next.metadata.resourceVersion = String(r.results[0]?.modRevision ?? r.revision);
      if (!remove) {
        noteStored(next, r.results[0]!);
        if (this.consistentCache) this.cache?.offer(r.results[0]!, next);
      }
      return { done: { obj: next, deleted: remove } };
    });
  }

  /** An object marked for deletion whose last finalizer just went is removed instead of written. */
  private shouldDeleteOnUpdate(obj: KubeObject): boolean {
    const m = obj.metadata;
    if (!m.deletionTimestamp) return false;
    if ((m.finalizers ?? []).length > 0) return false;
    if (this.strategy.pendingFinalization?.(obj)) return false;
    return (m.deletionGracePeriodSeconds ?? 0) === 0;
  }

  /** PUT: replace the object (or, with subresource 'status', only its status). */
  async update(namespace: string | undefined, name: string, body: unknown, subresource?: string, opts: WriteOptions = {}): Promise<{ obj: KubeObject; created: boolean }> {
    const incoming = this.admit(namespace, body, name);
    const precondition = incoming.metadata.resourceVersion;
    try {
      const r = await this.guaranteedUpdate(namespace, name, (current) => {
        if (precondition && precondition !== current.metadata.resourceVersion) throw staleConflict(this.gr, name);
        const next = this.nextFrom(current, clone(incoming), subresource);
        if (opts.fieldManager && !subresource) recordUpdate(this.info.kind, this.apiVersion, next, current, opts.fieldManager);
        return next;
      }, opts);
      return { obj: r.obj, created: false };
    } catch (e) {
      if (isStatusError(e, 'NotFound') && this.strategy.allowCreateOnUpdate && !subresource) {
        return { obj: await this.create(namespace, body, opts), created: true };
      }
      throw e;
    }
  }

  /**
   * The object an update produces: the client's object with server-owned metadata carried
   * over, status kept (main resource) or only status taken (status subresource),
   * generation bumped on a spec change, defaults and validation applied.
   */
  nextFrom(current: KubeObject, incoming: KubeObject, subresource?: string): KubeObject {
    let next: KubeObject;
    if (subresource === 'status') {
      next = clone(current);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
      this.validate(next, validateStatusUpdate(this.info, next, current));
    } else {
      next = incoming;
      const m = next.metadata;
      const c = current.metadata;
      if (m.uid && m.uid !== c.uid) {
        throw conflict(this.gr, c.name!, `Precondition failed: UID in precondition: ${m.uid}, UID in object meta: ${c.uid}`);
      }
      m.uid = c.uid;
      m.name = c.name;
      m.namespace = c.namespace;
      m.creationTimestamp = c.creationTimestamp;
      m.deletionTimestamp = c.deletionTimestamp;
      m.deletionGracePeriodSeconds = c.deletionGracePeriodSeconds;
      if (m.deletionTimestamp === undefined) delete m.deletionTimestamp;
      if (m.deletionGracePeriodSeconds === undefined) delete m.deletionGracePeriodSeconds;
      delete m.generateName;
      if (c.generateName) m.generateName = c.generateName;
      if (c.generation !== undefined) m.generation = c.generation;
      else delete m.generation;
      if (m.managedFields === undefined && c.managedFields) m.managedFields = c.managedFields;
      if (this.info.hasStatus) {
        if (current.status === undefined) delete next.status;
        else next.status = current.status;
      }
      this.strategy.prepareForUpdate?.(next, current);
      applyDefaults(this.info, next);
      if (this.strategy.tracksGeneration && !deepEqual(next.spec ?? null, current.spec ?? null)) {
        m.generation = (c.generation ?? 0) + 1;
      }
      const errs = [...validateObject(this.info, next, current), ...(this.strategy.validate?.(next) ?? []), ...(this.strategy.validateUpdate?.(next, current) ?? [])];
      if (c.deletionTimestamp) {
        const had = new Set(c.finalizers ?? []);
        for (const f of m.finalizers ?? []) {
          if (!had.has(f)) errs.push({ type: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ["${f}"]` });
        }
      }
      this.validate(next, errs);
    }
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    return next;
  }

  /** PATCH (merge, JSON, strategic) on the object or its status; retried on conflicts. */
  async patch(namespace: string | undefined, name: string, type: PatchType, patchBody: unknown, subresource?: string, opts: WriteOptions = {}): Promise<KubeObject> {
    const r = await this.guaranteedUpdate(namespace, name, (current) => {
      const patched = applyPatch(type, clone(current), patchBody, this.info) as KubeObject;
      const incoming = this.admit(namespace, patched, name);
      const rv = incoming.metadata.resourceVersion;
      if (rv && rv !== current.metadata.resourceVersion) throw staleConflict(this.gr, name);
      const next = this.nextFrom(current, incoming, subresource);
      if (opts.fieldManager && !subresource) recordUpdate(this.info.kind, this.apiVersion, next, current, opts.fieldManager);
      return next;
    }, opts);
    return r.obj;
  }

  /**
   * Server-side apply: merge the applied configuration into the live object with field
   * ownership (conflicts are 409 unless forced); a missing object is created from it.
   */
  async apply(namespace: string | undefined, name: string, config: unknown, opts: WriteOptions = {}): Promise<{ obj: KubeObject; created: boolean }> {
    const manager = opts.fieldManager;
    if (!manager) throw badRequest('PATCH requests with apply content type (application/apply-patch+yaml) must specify a fieldManager');
    if (!config || typeof config !== 'object' || Array.isArray(config)) throw badRequest('the applied configuration must be an object');
    const cfg = config as KubeObject;
    if (cfg.apiVersion !== this.apiVersion || cfg.kind !== this.info.kind) {
      throw badRequest(`the applied configuration must have apiVersion ${this.apiVersion} and kind ${this.info.kind}`);
    }
    cfg.metadata ??= {};
    if (cfg.metadata.name !== undefined && cfg.metadata.name !== name) throw badRequest(`the name of the object (${cfg.metadata.name}) does not match the name on the URL (${name})`);
    if (this.info.namespaced && cfg.metadata.namespace && cfg.metadata.namespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    delete cfg.metadata.managedFields;
    // List elements are addressed by their full key (a Service port: port + protocol, TCP if unsaid).
    fillListKeyDefaults(this.info.kind, cfg);
    const { status: _ignored, ...config_ } = cfg;
    try {
      const r = await this.guaranteedUpdate(namespace, name, (current) => {
        const { apiVersion: _a, kind: _k, ...patch } = clone(config_);
        const merged = applyPatch('strategic', clone(current), patch, this.info) as KubeObject;
        const owned = applyFields(this.info.kind, this.apiVersion, current, cfg, merged, manager, !!opts.force);
        const incoming = this.admit(namespace, owned, name);
        return this.nextFrom(current, incoming);
      }, opts);
      return { obj: r.obj, created: false };
    } catch (e) {
      if (!isStatusError(e, 'NotFound')) throw e;
    }
    const body = clone(config_) as KubeObject;
    body.metadata.name = name;
    body.metadata.managedFields = [{ manager, operation: 'Apply', apiVersion: this.apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: fieldSetOf(this.info.kind, cfg) }];
    return { obj: await this.create(namespace, body, { dryRun: opts.dryRun }), created: true };
  }

  // ---- scale subresource (deployments, replicasets) ----

  toScale(obj: KubeObject): KubeObject {
    const spec = (obj.spec ?? {}) as { replicas?: number; selector?: Parameters<typeof fromLabelSelector>[0] };
    const status = (obj.status ?? {}) as { replicas?: number };
    const m = obj.metadata;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp,
      },
      spec: { replicas: spec.replicas ?? 0 },
      status: { replicas: status.replicas ?? 0, selector: fromLabelSelector(spec.selector).toString() },
    };
  }

  async getScale(namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.toScale(await this.get(namespace, name));
  }

  /** PUT or PATCH of a Scale: only spec.replicas moves; a stale resourceVersion is a 409. */
  async updateScale(namespace: string | undefined, name: string, scaleOf: (current: KubeObject) => unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    const r = await this.guaranteedUpdate(namespace, name, (current) => {
      const body = scaleOf(current);
      if (!body || typeof body !== 'object') throw badRequest('the body of the request must be a Scale object');
      const b = body as { kind?: unknown; apiVersion?: unknown; metadata?: { resourceVersion?: string; name?: string }; spec?: { replicas?: unknown } };
      if (b.kind !== undefined && b.kind !== 'Scale') throw badRequest(`${String(b.kind)} cannot be handled as a Scale`);
      if (b.metadata?.name !== undefined && b.metadata.name !== name) throw badRequest(`the name of the object (${b.metadata.name}) does not match the name on the URL (${name})`);
      const rv = b.metadata?.resourceVersion;
      if (rv && rv !== current.metadata.resourceVersion) throw staleConflict(this.gr, name);
      const replicas = b.spec?.replicas ?? 0;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas)) {
        throw invalid('Scale', 'autoscaling', name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be an integer` }]);
      }
      if (replicas < 0) {
        throw invalid('Scale', 'autoscaling', name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${replicas}: must be greater than or equal to 0` }]);
      }
      const next = clone(current);
      (next.spec as { replicas?: number }).replicas = replicas;
      if (this.strategy.tracksGeneration && !deepEqual(next.spec ?? null, current.spec ?? null)) next.metadata.generation = (current.metadata.generation ?? 0) + 1;
      if (opts.fieldManager) recordUpdate(this.info.kind, this.apiVersion, next, current, opts.fieldManager, 'scale');
      return next;
    }, opts);
    return this.toScale(r.obj);
  }

  // ---- delete ----

  /**
   * DELETE: preconditions, then one of
   *  - graceful (pods on a node): set deletionTimestamp + deletionGracePeriodSeconds, keep;
   *  - finalizers pending (incl. the propagation policy's orphan/foregroundDeletion): set
   *    deletionTimestamp, keep until the finalizers are removed;
   *  - otherwise remove now.
   */
  async delete(namespace: string | undefined, name: string, options: DeleteOptions = {}, opts: WriteOptions = {}): Promise<{ obj: KubeObject | Status; deleted: boolean }> {
    const key = this.key(namespace, name);
    let kv = await this.storage.get(key);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      if (!kv) throw notFound(this.gr, name);
      const current = decode(kv);
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(this.gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      }
      this.strategy.checkDelete?.(current);
      await opts.admit?.('DELETE', undefined, current);
      const next = clone(current);
      const m = next.metadata;
      const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : undefined);
      let finalizers = [...(m.finalizers ?? [])];
      if (policy === 'Orphan') finalizers = [...finalizers.filter((f) => f !== 'foregroundDeletion' && f !== 'orphan'), 'orphan'];
      if (policy === 'Foreground') finalizers = [...finalizers.filter((f) => f !== 'foregroundDeletion' && f !== 'orphan'), 'foregroundDeletion'];
      if (policy === 'Background' && m.deletionTimestamp) finalizers = finalizers.filter((f) => f !== 'foregroundDeletion' && f !== 'orphan');
      if (finalizers.length) m.finalizers = finalizers;
      else delete m.finalizers;

      let grace = this.strategy.gracePeriodSeconds?.(current, options) ?? 0;
      if (grace < 0) grace = 0;
      let keep = false;
      if (grace > 0) {
        keep = true;
        const deadline = Date.now() + grace * 1000;
        const existing = m.deletionTimestamp ? Date.parse(m.deletionTimestamp) : undefined;
        if (existing === undefined || deadline < existing) {
          m.deletionTimestamp = new Date(deadline).toISOString().replace(/\.\d{3}Z$/, 'Z');
          m.deletionGracePeriodSeconds = grace;
          if (m.generation !== undefined && existing === undefined) m.generation++;
        }
      } else if (finalizers.length || this.strategy.pendingFinalization?.(next)) {
        keep = true;
        if (!m.deletionTimestamp) {
          m.deletionTimestamp = now();
          if (m.generation !== undefined) m.generation++;
        }
        m.deletionGracePeriodSeconds = 0;
      }
      if (keep) {
        this.strategy.markDeleting?.(next);
        const value = encode(next);
        if (value === kv.value && !kv.stale) return { obj: current, deleted: false };
        if (opts.dryRun) return { obj: next, deleted: false };
        const r = await this.storage.txn([{ key, modRevision: kv.modRevision }], [{ type: 'put', key, value }]);
        if (r.succeeded) {
          m.resourceVersion = String(r.results[0]!.modRevision);
          return { obj: next, deleted: false };
        }
        kv = r.current[0];
        continue;
      }
      if (opts.dryRun) return { obj: this.deletedAnswer(current), deleted: true };
      // The object's claims (a Service's cluster IP and node ports) go with it.
      const released = (this.strategy.claims?.(current) ?? []).map((c) => ({ type: 'delete' as const, key: c.key }));
      const r = await this.storage.txn([{ key, modRevision: kv.modRevision }], [{ type: 'delete', key }, ...released]);
      if (r.succeeded) {
        current.metadata.resourceVersion = String(r.results[0]?.modRevision ?? r.revision);
        return { obj: this.deletedAnswer(current), deleted: true };
      }
      kv = r.current[0];
    }
    throw conflict(this.gr, name, 'too many concurrent writes; please try again');
  }

  private deletedAnswer(obj: KubeObject): KubeObject | Status {
    if (this.strategy.returnDeletedObject) return obj;
    return successStatus({ name: obj.metadata.name, group: this.info.group || undefined, kind: this.info.plural, uid: obj.metadata.uid });
  }

  /** DELETE on a collection: delete every matching object; answers with the list of them. */
  async deleteCollection(namespace: string | undefined, listOpts: ListOptions, options: DeleteOptions, opts: WriteOptions = {}): Promise<ListResult> {
    const { items, resourceVersion } = await this.list(namespace, { labelSelector: listOpts.labelSelector, fieldSelector: listOpts.fieldSelector });
    // Several deletes in flight share the store's group commits (emptying a namespace of
    // thousands of pods would otherwise pay one fsync each, in turn).
    const out: (KubeObject | undefined)[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        const obj = items[i]!;
        try {
          const r = await this.delete(obj.metadata.namespace, obj.metadata.name!, options, opts);
          out[i] = (r.obj as KubeObject).metadata ? (r.obj as KubeObject) : obj;
        } catch (e) {
          if (!isStatusError(e, 'NotFound')) throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_COLLECTION_WORKERS, items.length) }, worker));
    return { items: out.filter((o): o is KubeObject => o !== undefined), resourceVersion };
  }

  /** The storage prefix of this resource (all namespaces). */
  get storagePrefix(): string {
    return this.prefix;
  }
}

function parseRV(rv: string): number {
  const n = Number(rv);
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(n)) throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return n;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || !Number.isSafeInteger(t.rv) || typeof t.start !== 'string') throw new Error('bad');
    return t;
  } catch {
    throw badRequest('continue key is not valid: invalid continue token');
  }
}
