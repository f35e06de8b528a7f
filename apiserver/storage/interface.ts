// The storage contract, shaped like etcd v3's KV + Watch API so that the embedded backend
// and an etcd backend are interchangeable behind the registry. Keys are strings
// (`/registry/pods/default/web-1`), values are opaque strings (JSON of the object).
//
// Revisions: one cluster-wide counter, incremented once per successful write transaction.
// A key's modRevision is the revision of its last write, and becomes the object's
// metadata.resourceVersion. As in etcd, an empty store is at revision 1 (the first write is 2).
//
// KeyValues, events and event arrays handed out are shared (the embedded store freezes its
// KeyValues and gives one event array to every watcher of a prefix): treat them as read-only.

export interface KeyValue {
  key: string;
  value: string;
  /** Revision at which the key was (last) created. */
  createRevision: number;
  /** Revision of the last write to the key. */
  modRevision: number;
  /** Number of writes since creation (1 after create). */
  version: number;
  /**
   * The value's UTF-8 bytes, when the backend holds them so (the embedded store's plaintext
   * values): a response made from them skips decoding the value into a string and encoding it
   * back. Read-only — they are the stored value itself.
   */
  valueUtf8?(): Buffer | undefined;
  /**
   * Read through encryption at rest with a key that no longer writes (or in plaintext while a
   * key writes): an update must store it even when the object is unchanged, so rewriting an
   * object re-encrypts it (Kubernetes' "stale" transformer result).
   */
  stale?: boolean;
}

export interface RangeOptions {
  /** At most this many keys (0 or undefined: no limit). */
  limit?: number;
  /** Start from this key, inclusive (used for continue tokens). */
  startKey?: string;
  /** Read as of this revision (must not be compacted); default: current. */
  revision?: number;
  /** Only count, return no kvs. */
  countOnly?: boolean;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** The revision the range was served at. */
  revision: number;
  /** More keys remain after the last returned one. */
  more: boolean;
  /** Total keys under the prefix at that revision (from startKey on). */
  count: number;
}

/** Compare a key's modRevision; 0 means "the key does not exist". */
export interface Compare {
  key: string;
  modRevision: number;
}

export type Op = { type: 'put'; key: string; value: string } | { type: 'delete'; key: string };

export interface TxnResult {
  succeeded: boolean;
  /** Store revision after the transaction (unchanged if it failed or wrote nothing). */
  revision: number;
  /**
   * On success: the new kv of each put (deletes yield the deleted kv with the delete's revision
   * as modRevision), in op order. A delete of a key that does not exist writes nothing and
   * yields no entry (guard deletes with a compare when you need the entry).
   */
  results: KeyValue[];
  /** On failure: the current kv of each compared key (undefined if it does not exist). */
  current: (KeyValue | undefined)[];
}

export interface StoreEvent {
  type: 'put' | 'delete';
  /** For a put, the new kv; for a delete, the last kv with modRevision = the delete's revision. */
  kv: KeyValue;
  /** The kv before this event (undefined for a create). */
  prevKv?: KeyValue;
}

export interface WatchHandle {
  cancel(): void;
}

export interface WatchCallbacks {
  /** Events in revision order, never skipped, never reordered; called with one or more at a time. */
  onEvents(events: StoreEvent[]): void;
  /** The watch ended (compacted revision → a StatusError 410, or store closed). No more events follow. */
  onError(err: Error): void;
}

export interface Storage {
  /** The current revision. */
  readonly revision: number;
  /** The oldest revision still readable (everything below it was compacted). */
  readonly compactedRevision: number;

  get(key: string): Promise<KeyValue | undefined>;
  /**
   * All keys with the given prefix, in key order. A revision below compactedRevision fails
   * with 410 Expired, one above the current revision with 504 (Kubernetes' "Too large
   * resource version").
   */
  range(prefix: string, opts?: RangeOptions): Promise<RangeResult>;
  /**
   * If every compare holds, apply the ops atomically at one new revision and resolve once
   * the write is durable; otherwise apply nothing.
   */
  txn(compares: Compare[], ops: Op[]): Promise<TxnResult>;
  /**
   * Deliver every event on keys under `prefix` with revision > afterRevision, in order, then
   * live events as they happen. afterRevision < compactedRevision fails with 410 Expired.
   * Callbacks never run inside watch() itself; a watch from the future waits for its revision.
   */
  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle;
  /**
   * Forget history below `revision`; reads and watches older than it get 410. A revision at or
   * below compactedRevision is a no-op; one above the current revision is an error.
   */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
