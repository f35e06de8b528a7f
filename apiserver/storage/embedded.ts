// The embedded Storage backend: the MVCC store (revisioned-store.ts), watchers
// (watchable.ts) and, with a data dir, the write-ahead log with group commit (wal.ts) and
// snapshots (snapshot.ts).
//
//   const storage = await openEmbeddedStorage({ dataDir: '/var/lib/skiff' });  // durable
//   const storage = await openEmbeddedStorage({});                              // in memory
//
// A transaction is applied to memory at once (so the next one's compares see it), its record
// joins the log's next group commit, and its promise resolves, its events reach watchers and
// reads see it only once that record is fsync'd.
//
// History is bounded two ways: the API server calls compact(rev) periodically (as Kubernetes
// does with etcd every 5 minutes), and independently the store itself compacts to
// `revision - historyRetention` whenever history exceeds that by a margin, so memory cannot
// grow without bound if nobody compacts.
import type { Compare, KeyValue, Op, RangeOptions, RangeResult, Storage, TxnResult, WatchCallbacks, WatchHandle } from './interface.js';
import { RevisionedStore } from './revisioned-store.js';
import { WatchHub } from './watchable.js';
import { Persistence, type PersistenceOptions, type PersistenceStats } from './persistence.js';

export interface EmbeddedStorageOptions extends PersistenceOptions {
  /** Where the log and snapshots live. Without it the store is purely in memory. */
  dataDir?: string;
  /**
   * Revisions of history kept when nobody calls compact() (default 20,000; 0 = unbounded).
   * Reads and watches older than that get 410, as after an explicit compaction.
   */
  historyRetention?: number;
}

export const DEFAULT_HISTORY_RETENTION = 20_000;

interface Waiter {
  rev: number;
  result: TxnResult;
  resolve(r: TxnResult): void;
  reject(err: Error): void;
}

export interface EmbeddedStorageStats extends Partial<PersistenceStats> {
  revision: number;
  compactedRevision: number;
  keys: number;
  historyEvents: number;
  watchers: number;
}

export class EmbeddedStorage implements Storage {
  private readonly store: RevisionedStore;
  private readonly hub: WatchHub;
  private readonly persistence: Persistence | undefined;
  private readonly retention: number;
  /** Transactions waiting for their revision to become durable, in revision order. */
  private waiters: Waiter[] = [];
  private waitersHead = 0;
  private afterCommitScheduled = false;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  /** Use openEmbeddedStorage(). */
  constructor(store: RevisionedStore, persistence: Persistence | undefined, opts: EmbeddedStorageOptions) {
    this.store = store;
    this.persistence = persistence;
    this.hub = new WatchHub(store);
    this.retention = opts.historyRetention ?? DEFAULT_HISTORY_RETENTION;
    persistence?.attach({
      onDurable: (rev) => this.onDurable(rev),
      onFailure: (err) => this.fail(err),
    });
    this.enforceRetention(); // a recovered log may carry more history than the retention
  }

  get revision(): number {
    return this.store.committedRevision;
  }

  get compactedRevision(): number {
    return this.store.compactedRevision;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    return this.store.get(key);
  }

  async range(prefix: string, opts?: RangeOptions): Promise<RangeResult> {
    this.checkOpen();
    return this.store.range(prefix, opts);
  }

  txn(compares: Compare[], ops: Op[]): Promise<TxnResult> {
    try {
      this.checkOpen();
      const out = this.store.txn(compares, ops);
      const result: TxnResult = { succeeded: out.succeeded, revision: out.revision, results: out.results, current: out.current };
      if (out.record && this.persistence) {
        this.persistence.append(out.record);
        return this.waitDurable(out.revision, result);
      }
      if (out.record) {
        this.store.commit(out.revision);
        this.scheduleAfterCommit();
        return Promise.resolve(result);
      }
      // A failed or empty transaction observed the applied state; answer only once that state
      // is durable, so nobody acts on a write a crash could still take back.
      if (this.store.committedRevision >= out.revision) return Promise.resolve(result);
      return this.waitDurable(out.revision, result);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    return this.hub.watch(prefix, afterRevision, callbacks);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    this.compactTo(revision);
  }

  /** Writes a snapshot now (durable mode; a no-op in memory) — for tests and orderly shutdowns. */
  async snapshot(): Promise<void> {
    this.checkOpen();
    if (!this.persistence) return;
    await this.persistence.snapshot(this.store);
  }

  /** Figures for /metrics. */
  stats(): EmbeddedStorageStats {
    return {
      revision: this.store.committedRevision,
      compactedRevision: this.store.compactedRevision,
      keys: this.store.index.size,
      historyEvents: this.store.history.length,
      watchers: this.hub.watcherCount,
      ...this.persistence?.stats(),
    };
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      // Let in-flight writes finish: their callers were promised durability or an error.
      if (this.persistence) {
        try {
          await this.persistence.close();
        } catch (err) {
          this.fail(err instanceof Error ? err : new Error(String(err)));
        }
      }
      const closed = new Error('storage: closed');
      this.rejectWaiters(closed);
      this.hub.notify();
      this.hub.closeAll(closed);
    })();
    return this.closing;
  }

  private checkOpen(): void {
    if (this.failure) throw this.failure;
    if (this.closing) throw new Error('storage: closed');
  }

  private waitDurable(rev: number, result: TxnResult): Promise<TxnResult> {
    return new Promise<TxnResult>((resolve, reject) => {
      this.waiters.push({ rev, result, resolve, reject });
    });
  }

  private onDurable(rev: number): void {
    this.store.commit(rev);
    const committed = this.store.committedRevision;
    const waiters = this.waiters;
    let i = this.waitersHead;
    while (i < waiters.length && waiters[i]!.rev <= committed) {
      const w = waiters[i++]!;
      w.resolve(w.result);
    }
    if (i === waiters.length) {
      this.waiters = [];
      this.waitersHead = 0;
    } else if (i > 1024 && i * 2 > waiters.length) {
      this.waiters = waiters.slice(i);
      this.waitersHead = 0;
    } else {
      this.waitersHead = i;
    }
    this.scheduleAfterCommit();
  }

  /** After commits: fan events out, then keep history within the retention. */
  private scheduleAfterCommit(): void {
    if (this.afterCommitScheduled) return;
    this.afterCommitScheduled = true;
    queueMicrotask(() => {
      this.afterCommitScheduled = false;
      if (this.failure) return;
      this.hub.notify();
      this.enforceRetention();
      this.persistence?.maybeSnapshot(this.store);
    });
  }

  /** Compacts in batches (of at least 1,000 revisions) to keep history within the retention. */
  private enforceRetention(): void {
    if (this.retention <= 0) return;
    const slack = Math.max(1000, this.retention >> 3);
    const committed = this.store.committedRevision;
    if (committed - this.store.compactedRevision >= this.retention + slack) this.compactTo(committed - this.retention);
  }

  private compactTo(revision: number): void {
    // Synced watchers must have every event before it leaves the history.
    this.hub.notify();
    this.store.compact(revision);
    this.hub.onCompacted();
  }

  private rejectWaiters(err: Error): void {
    const waiters = this.waiters;
    for (let i = this.waitersHead; i < waiters.length; i++) waiters[i]!.reject(err);
    this.waiters = [];
    this.waitersHead = 0;
  }

  /** The log could not be written: nothing more can be acknowledged. */
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.rejectWaiters(err);
    this.hub.closeAll(err);
  }
}

/**
 * Opens the embedded store. With `dataDir`, recovers the latest snapshot plus the log after
 * it (a torn last record is truncated; corruption anywhere else refuses to open) and keeps
 * every acknowledged write durable. Without, it lives in memory only.
 */
export async function openEmbeddedStorage(opts: EmbeddedStorageOptions = {}): Promise<EmbeddedStorage> {
  const store = new RevisionedStore();
  let persistence: Persistence | undefined;
  if (opts.dataDir) persistence = await Persistence.open(opts.dataDir, store, opts);
  return new EmbeddedStorage(store, persistence, opts);
}
