// The Storage contract over a real etcd v3 cluster, for users who outgrow one machine.
// Revisions are etcd's: resourceVersion = mod_revision; txn compares mod_revision (0 = the key
// is absent); watches start at afterRevision+1 with prev_kv and resume after the last delivered
// revision when a connection breaks; a compacted revision becomes a 410 Expired StatusError;
// compact() is etcd's physical compaction. Several storages (API servers) can share one etcd.
//
// Transport: our own gRPC over node:http2 (etcd-client.ts, etcd-wire.ts) — see etcd-client.ts
// for why not the etcd3 package or the JSON gateway.
//
//   const s = await openEtcdStorage({ endpoints: ["http://127.0.0.1:2379"] });   // skiff apiserver --storage etcd --etcd-servers URL
import { StatusError, badRequest, expired, internalError, requestEntityTooLarge, serviceUnavailable, timeoutError } from '../../api/errors.js';
import { EtcdConnection, EtcdUnavailableError, GrpcCode, GrpcError, type GrpcStream } from './etcd-client.js';
import {
  decodeRangeResponse,
  decodeResponseHeaderRevision,
  decodeTxnResponse,
  decodeWatchResponse,
  encodeCompactionRequest,
  encodeRangeRequest,
  encodeTxnRequest,
  encodeWatchCreateRequest,
  prefixRangeEnd,
  type RequestOp,
  type WireKeyValue,
} from './etcd-wire.js';
import type { Compare, KeyValue, Op, RangeOptions, RangeResult, Storage, StoreEvent, TxnResult, WatchCallbacks, WatchHandle } from './interface.js';
import { valueFromBytes, valueToBytes } from './value-bytes.js';

export interface EtcdStorageOptions {
  /** Client URLs of the etcd members, e.g. ['http://127.0.0.1:2379']; calls fail over in order. */
  endpoints: string[];
  /**
   * Prepended to every key in etcd, so several clusters (or tests) can share one etcd. Storage
   * keys already start with /registry/, so the default is none, as in kube-apiserver.
   */
  prefix?: string;
  /** Per call, including failover retries (default 30 s). */
  requestTimeoutMs?: number;
  /** Pause before a broken watch reconnects, doubled up to 2 s (default 50 ms). */
  watchRetryMs?: number;
  /** HTTP/2 ping interval (default 10 s) and the pong deadline (default 5 s) that detect a frozen member. */
  keepaliveMs?: number;
  keepaliveTimeoutMs?: number;
}

const KV_RANGE = '/etcdserverpb.KV/Range';
const KV_TXN = '/etcdserverpb.KV/Txn';
const KV_COMPACT = '/etcdserverpb.KV/Compact';
const WATCH = '/etcdserverpb.Watch/Watch';

const COMPACTED = /required revision has been compacted/;
const FATAL_WATCH_CODES = new Set<number>([GrpcCode.INVALID_ARGUMENT, GrpcCode.PERMISSION_DENIED, GrpcCode.FAILED_PRECONDITION, GrpcCode.UNAUTHENTICATED]);
const FUTURE = /required revision is a future revision/;

/** Opens the store: checks etcd answers and learns its revision and compaction point. */
export async function openEtcdStorage(opts: EtcdStorageOptions): Promise<Storage> {
  const s = new EtcdStorage(opts);
  try {
    await s.start();
  } catch (e) {
    await s.close();
    throw e;
  }
  return s;
}

class EtcdStorage implements Storage {
  private readonly conn: EtcdConnection;
  private readonly prefix: Buffer;
  private readonly prefixLen: number;
  private readonly watchRetryMs: number;
  private rev = 0;
  private compacted = 0;
  private closed = false;
  private readonly watches = new Set<EtcdWatch>();

  constructor(opts: EtcdStorageOptions) {
    this.conn = new EtcdConnection({
      endpoints: opts.endpoints,
      requestTimeoutMs: opts.requestTimeoutMs,
      keepaliveMs: opts.keepaliveMs,
      keepaliveTimeoutMs: opts.keepaliveTimeoutMs,
    });
    this.prefix = Buffer.from(opts.prefix ?? '', 'utf8');
    this.prefixLen = this.prefix.length;
    this.watchRetryMs = opts.watchRetryMs ?? 50;
  }

  get revision(): number {
    return this.rev;
  }
  get compactedRevision(): number {
    return this.compacted;
  }

  async start(): Promise<void> {
    // Any read gives the current revision in its header.
    const r = await this.rangeRaw({ key: this.etcdKey('\0compaction-probe') });
    this.seen(r.revision);
    await this.probeCompacted();
  }

  /** Every response header and watch message moves our view of etcd's revision forward. */
  seen(revision: number): void {
    if (revision > this.rev) this.rev = revision;
  }
  noteCompacted(revision: number): void {
    if (revision > this.compacted) this.compacted = revision;
  }

  /**
   * etcd has no call that reports its compaction point, but a read at a compacted revision
   * fails: binary-search the lowest readable revision with count-only reads of an empty range
   * (≈ log2(revision) tiny requests; done at start and after another server compacted).
   * 0 means nothing was compacted (revision 1 is readable), as in the embedded store.
   */
  private probing: Promise<void> | undefined;
  probeCompacted(): Promise<void> {
    this.probing ??= this.probeCompactedNow().finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async probeCompactedNow(): Promise<void> {
    const readable = async (rev: number) => {
      try {
        await this.rangeRaw({ key: this.etcdKey('\0compaction-probe'), revision: rev, countOnly: true });
        return true;
      } catch (e) {
        if (e instanceof StatusError && e.code === 410) return false;
        throw e;
      }
    };
    if (await readable(1)) return;
    let lo = 1; // unreadable
    let hi = this.rev; // the current revision is always readable
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await readable(mid)) hi = mid;
      else lo = mid;
    }
    this.noteCompacted(hi);
  }

  private etcdKey(key: string): Buffer {
    return this.prefixLen === 0 ? Buffer.from(key, 'utf8') : Buffer.concat([this.prefix, Buffer.from(key, 'utf8')]);
  }

  /** The first key of a prefix range: etcd refuses an empty key, and "\0" is the lowest there is. */
  private rangeStart(prefix: string): Buffer {
    const k = this.etcdKey(prefix);
    return k.length === 0 ? Buffer.from([0]) : k;
  }

  private toKeyValue(kv: WireKeyValue): KeyValue {
    return {
      key: kv.key.toString('utf8', this.prefixLen),
      value: valueFromBytes(kv.value),
      createRevision: kv.createRevision,
      modRevision: kv.modRevision,
      version: kv.version,
    };
  }

  private check(): void {
    if (this.closed) throw new Error('storage: closed');
  }

  /** etcd's errors in the contract's terms. */
  private mapError(e: unknown, revision?: number): Error {
    if (this.closed) return new Error('storage: closed');
    if (e instanceof GrpcError) {
      if (COMPACTED.test(e.message)) {
        return expired(`The resourceVersion for the provided list is too old (required revision ${revision ?? '?'} has been compacted).`);
      }
      if (FUTURE.test(e.message)) return timeoutError(`Too large resource version: ${revision ?? '?'}, current: ${this.rev}`);
      if (/request is too large/.test(e.message)) {
        // etcd's --max-request-bytes (1.5 MiB by default), as kube-apiserver reports it.
        return new StatusError({ ...requestEntityTooLarge(0).status, message: `storage: ${e.message}` });
      }
      if (e.code === GrpcCode.INVALID_ARGUMENT) return badRequest(`storage: ${e.message}`);
      if (e.code === GrpcCode.UNAVAILABLE || e.code === GrpcCode.DEADLINE_EXCEEDED) return serviceUnavailable(`storage: ${e.message}`);
      return internalError(`storage: ${e.message}`);
    }
    if (e instanceof EtcdUnavailableError) return serviceUnavailable(`storage: ${e.message}`);
    return e instanceof Error ? e : new Error(String(e));
  }

  private async rangeRaw(q: { key: Buffer; rangeEnd?: Buffer; limit?: number; revision?: number; countOnly?: boolean }) {
    let buf: Buffer;
    try {
      buf = await this.conn.unary(KV_RANGE, encodeRangeRequest(q).finish(), true);
    } catch (e) {
      throw this.mapError(e, q.revision);
    }
    const r = decodeRangeResponse(buf);
    this.seen(r.revision);
    return r;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.check();
    const r = await this.rangeRaw({ key: this.etcdKey(key) });
    return r.kvs[0] ? this.toKeyValue(r.kvs[0]) : undefined;
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    try {
      return await this.rangeAt(prefix, opts);
    } catch (e) {
      // Someone (another API server) compacted past what we knew: learn the new point.
      if (e instanceof StatusError && e.code === 410 && !this.closed) void this.probeCompacted().catch(() => {});
      throw e;
    }
  }

  private async rangeAt(prefix: string, opts: RangeOptions): Promise<RangeResult> {
    this.check();
    const full = this.etcdKey(prefix);
    const start = opts.startKey !== undefined && opts.startKey > prefix ? this.etcdKey(opts.startKey) : this.rangeStart(prefix);
    if (opts.revision !== undefined && opts.revision > 0 && opts.revision < this.compacted) {
      throw expired(`The resourceVersion for the provided list is too old (required revision ${opts.revision} has been compacted; oldest is ${this.compacted}).`);
    }
    const r = await this.rangeRaw({
      key: start,
      rangeEnd: prefixRangeEnd(full),
      limit: opts.countOnly ? 0 : opts.limit,
      revision: opts.revision,
      countOnly: opts.countOnly,
    });
    return {
      kvs: r.kvs.map((kv) => this.toKeyValue(kv)),
      // etcd's header carries the current revision; a read at a past revision was served there.
      revision: opts.revision && opts.revision > 0 ? opts.revision : r.revision,
      more: r.more,
      count: r.count,
    };
  }

  /**
   * Write ordering. etcd serves concurrent requests in parallel, so two txns sent back to back
   * can commit in either order. For a conditional txn that is harmless: its compares decide
   * (the registry's writes all compare mod_revision). Unconditional writes have only call order
   * to say which one should win, so they keep it, like the embedded store: an unconditional
   * txn waits until every earlier write has finished, and any txn waits for earlier
   * unconditional ones. Conditional txns in a row stay fully pipelined.
   */
  private unconditionalDone: Promise<unknown> = Promise.resolve();
  private readonly conditionalInFlight = new Set<Promise<unknown>>();

  txn(compares: Compare[], ops: Op[]): Promise<TxnResult> {
    if (this.closed) return Promise.reject(new Error('storage: closed'));
    let p: Promise<TxnResult>;
    if (compares.length > 0) {
      p = this.unconditionalDone.then(() => this.txnNow(compares, ops));
      const settled = p.catch(() => {});
      this.conditionalInFlight.add(settled);
      void settled.then(() => this.conditionalInFlight.delete(settled));
    } else {
      p = Promise.all([this.unconditionalDone, ...this.conditionalInFlight]).then(() => this.txnNow(compares, ops));
      this.unconditionalDone = p.catch(() => {});
    }
    return p;
  }

  private async txnNow(compares: Compare[], ops: Op[]): Promise<TxnResult> {
    this.check();
    const success: RequestOp[] = ops.map((op) =>
      op.type === 'put' ? { put: { key: this.etcdKey(op.key), value: valueToBytes(op.value) } } : { deleteRange: { key: this.etcdKey(op.key) } },
    );
    // On failure, read each compared key so the caller sees what it lost against.
    const failure: RequestOp[] = compares.map((c) => ({ range: { key: this.etcdKey(c.key) } }));
    const body = encodeTxnRequest(
      compares.map((c) => ({ key: this.etcdKey(c.key), modRevision: c.modRevision })),
      success,
      failure,
    );
    let buf: Buffer;
    try {
      buf = await this.conn.unary(KV_TXN, body, false);
    } catch (e) {
      throw this.mapError(e);
    }
    const r = decodeTxnResponse(buf);
    this.seen(r.revision);
    if (!r.succeeded) {
      return {
        succeeded: false,
        revision: r.revision,
        results: [],
        current: r.responses.map((resp) => ('range' in resp && resp.range.kvs[0] ? this.toKeyValue(resp.range.kvs[0]) : undefined)),
      };
    }
    const results: KeyValue[] = [];
    r.responses.forEach((resp, i) => {
      const op = ops[i]!;
      if ('put' in resp && op.type === 'put') {
        // etcd's put response holds only prev_kv; the new kv follows from it and the revision.
        const prev = resp.put.prevKv;
        results.push({
          key: op.key,
          value: op.value,
          createRevision: prev ? prev.createRevision : r.revision,
          modRevision: r.revision,
          version: prev ? prev.version + 1 : 1,
        });
      } else if ('deleteRange' in resp) {
        for (const p of resp.deleteRange.prevKvs) results.push({ ...this.toKeyValue(p), modRevision: r.revision });
      }
    });
    return { succeeded: true, revision: r.revision, results, current: [] };
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    const w = new EtcdWatch(this, prefix, afterRevision, callbacks);
    if (this.closed) {
      setImmediate(() => w.fail(new Error('storage: closed')));
      return w;
    }
    if (afterRevision < this.compacted) {
      const at = this.compacted;
      setImmediate(() => w.fail(expired(`too old resource version: ${afterRevision} (${at})`)));
      return w;
    }
    this.watches.add(w);
    setImmediate(() => w.connect());
    return w;
  }

  /** Used by EtcdWatch. */
  openWatchStream(prefix: string, startRevision: number, onMessage: (m: Buffer) => void, onEnd: (e: Error) => void): GrpcStream {
    const stream = this.conn.openStream(WATCH, { onMessage, onEnd });
    stream.write(
      encodeWatchCreateRequest({
        key: this.rangeStart(prefix),
        rangeEnd: prefixRangeEnd(this.etcdKey(prefix)),
        startRevision,
        // No progress notifications: etcd before 3.4.24/3.5.8 could send one ahead of events
        // still queued for the watch (etcd issues #15220, #17507), so they cannot move the
        // resume point. An idle watch that reconnects after its revision was compacted gets
        // 410, and the watch cache relists — as a Kubernetes reflector does.
        progressNotify: false,
        prevKv: true,
      }),
    );
    return stream;
  }

  toStoreEvent(type: 'put' | 'delete', kv: WireKeyValue, prevKv: WireKeyValue | undefined): StoreEvent {
    const prev = prevKv ? this.toKeyValue(prevKv) : undefined;
    if (type === 'put') return prev ? { type, kv: this.toKeyValue(kv), prevKv: prev } : { type, kv: this.toKeyValue(kv) };
    // etcd's delete event carries only the key and the delete's revision; the contract wants
    // the last kv with modRevision = the delete's revision.
    const last: KeyValue = prev
      ? { ...prev, modRevision: kv.modRevision }
      : { key: kv.key.toString('utf8', this.prefixLen), value: '', createRevision: 0, modRevision: kv.modRevision, version: 0 };
    return prev ? { type, kv: last, prevKv: prev } : { type, kv: last };
  }

  get isClosed(): boolean {
    return this.closed;
  }
  get retryMs(): number {
    return this.watchRetryMs;
  }
  rotateEndpoint(): void {
    this.conn.rotate();
  }
  forget(w: EtcdWatch): void {
    this.watches.delete(w);
  }

  async compact(revision: number): Promise<void> {
    this.check();
    if (revision <= this.compacted) return;
    if (revision > this.rev) {
      // Our view may lag (another server wrote); refresh before calling it the future.
      await this.rangeRaw({ key: this.etcdKey('\0compaction-probe'), countOnly: true });
      if (revision > this.rev) throw badRequest(`storage: cannot compact to future revision ${revision} (current ${this.rev})`);
    }
    try {
      const buf = await this.conn.unary(KV_COMPACT, encodeCompactionRequest(revision, true), true);
      this.seen(decodeResponseHeaderRevision(buf));
      this.noteCompacted(revision);
    } catch (e) {
      if (e instanceof GrpcError && COMPACTED.test(e.message)) {
        // Another API server compacted at least this far already: not an error.
        await this.probeCompacted();
        return;
      }
      throw this.mapError(e, revision);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error('storage: closed');
    for (const w of [...this.watches]) w.fail(err);
    this.watches.clear();
    await this.conn.close();
  }
}

/**
 * One storage watch = one etcd Watch stream. Delivers events with revision > `delivered`;
 * when the stream breaks it reconnects from delivered+1, so nothing is lost or repeated
 * (etcd never splits one revision's events across responses unless asked to fragment).
 */
class EtcdWatch implements WatchHandle {
  private stream: GrpcStream | undefined;
  private delivered: number;
  private done = false;
  private backoff: number;
  private timer: NodeJS.Timeout | undefined;
  private created = false;

  constructor(
    private readonly store: EtcdStorage,
    private readonly prefix: string,
    afterRevision: number,
    private readonly cb: WatchCallbacks,
  ) {
    this.delivered = afterRevision;
    this.backoff = store.retryMs;
  }

  connect(): void {
    if (this.done) return;
    if (this.store.isClosed) return this.fail(new Error('storage: closed'));
    this.created = false;
    const stream = this.store.openWatchStream(
      this.prefix,
      this.delivered + 1,
      (m) => {
        if (this.stream === stream) this.onMessage(m);
      },
      (e) => {
        if (this.stream === stream) this.onEnd(e);
      },
    );
    this.stream = stream;
  }

  private onMessage(m: Buffer): void {
    if (this.done) return;
    const res = decodeWatchResponse(m);
    this.store.seen(res.revision);
    if (res.compactRevision > 0) {
      // etcd cancels a watch whose start revision was compacted and says where history begins.
      this.store.noteCompacted(res.compactRevision);
      return this.fail(expired(`too old resource version: ${this.delivered} (${res.compactRevision})`));
    }
    if (res.canceled) {
      return this.fail(internalError(`storage: etcd canceled the watch: ${res.cancelReason || 'no reason given'}`));
    }
    if (res.created) {
      this.created = true;
      this.backoff = this.store.retryMs;
    }
    if (res.events.length === 0) return;
    const out: StoreEvent[] = [];
    for (const ev of res.events) {
      if (ev.kv.modRevision <= this.delivered) continue; // already delivered before a reconnect
      out.push(this.store.toStoreEvent(ev.type, ev.kv, ev.prevKv));
    }
    if (out.length === 0) return;
    this.delivered = out[out.length - 1]!.kv.modRevision;
    this.cb.onEvents(out);
  }

  private onEnd(err: Error): void {
    if (this.done) return;
    this.stream = undefined;
    if (this.store.isClosed) return this.fail(new Error('storage: closed'));
    if (err instanceof GrpcError && COMPACTED.test(err.message)) {
      return this.fail(expired(`too old resource version: ${this.delivered}`));
    }
    // Errors that a retry cannot fix end the watch (the watch cache restarts from a list).
    if (err instanceof GrpcError && FATAL_WATCH_CODES.has(err.code)) {
      return this.fail(internalError(`storage: etcd refused the watch: ${err.message}`));
    }
    // A member that lost its leader ends watches with UNAVAILABLE: move to another member.
    if (err instanceof GrpcError && err.code === GrpcCode.UNAVAILABLE) this.store.rotateEndpoint();
    // Connection lost, member restarting, leader change…: resume after what was delivered.
    const wait = this.created ? this.store.retryMs : this.backoff;
    this.backoff = Math.min(this.backoff * 2, 2000);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.teardown();
    this.cb.onError(err);
  }

  private teardown(): void {
    if (this.timer) clearTimeout(this.timer);
    this.stream?.close();
    this.stream = undefined;
    this.store.forget(this);
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.teardown();
  }
}
