// The multi-version key-value store (etcd's mvcc "store"): the revision counter, reads at a
// revision, transactions and compaction. Pure in-memory and synchronous; durability (the
// write-ahead log) and watch delivery are layered on top by embedded.ts.
//
// Two revisions matter:
//   appliedRevision   the newest transaction applied to memory. Compares are evaluated
//                     against it, so transactions queued in one group commit see each other
//                     in log order.
//   committedRevision the newest transaction known durable. Reads and watches are served at
//                     it, so nobody ever observes a write that a crash could still take back.
// Without a log the two move together.
//
// Revisions start at 1 for an empty store, like etcd: the first write is revision 2.
import { badRequest, expired, timeoutError } from '../../api/errors.js';
import { EventHistory } from './event-history.js';
import type { Compare, KeyValue, Op, RangeOptions, RangeResult, TxnResult } from './interface.js';
import { KeyIndex } from './key-index.js';
import { valueEncoding } from './value-bytes.js';

/**
 * A KeyValue as this store keeps it: the value in a Buffer of its own, off the V8 heap, and
 * decoded again on each read of `value` (a string that dies young). Every object in the
 * cluster lives here for as long as it exists; kept as a string, each was copied by every
 * young-generation GC it survived and then promoted — the bulk of the API server's scavenge
 * pauses under writes. (A Buffer of its own rather than a slice of Node's shared pool: one
 * long-lived value must not keep an 8 KiB slab of others' alive.)
 */
export class StoredKeyValue implements KeyValue {
  readonly #bytes: Buffer;
  readonly #encoding: 'latin1' | 'utf8';

  private constructor(readonly key: string, bytes: Buffer, encoding: 'latin1' | 'utf8', readonly createRevision: number, readonly modRevision: number, readonly version: number) {
    this.#bytes = bytes;
    this.#encoding = encoding;
    Object.freeze(this);
  }

  static of(kv: Omit<KeyValue, 'stale'>): StoredKeyValue {
    const encoding = valueEncoding(kv.value); // an encrypted value is a binary string (value-bytes.ts)
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(kv.value, encoding));
    bytes.write(kv.value, encoding);
    return new StoredKeyValue(kv.key, bytes, encoding, kv.createRevision, kv.modRevision, kv.version);
  }

  get value(): string {
    return this.#bytes.toString(this.#encoding);
  }

  valueUtf8(): Buffer | undefined {
    return this.#encoding === 'utf8' ? this.#bytes : undefined;
  }

  /** The same key and value at a later revision (a delete's last state), sharing the bytes. */
  at(modRevision: number): StoredKeyValue {
    return new StoredKeyValue(this.key, this.#bytes, this.#encoding, this.createRevision, modRevision, this.version);
  }

  /** As a plain object (what tests and logs compare and print). */
  toJSON(): KeyValue {
    return { key: this.key, value: this.value, createRevision: this.createRevision, modRevision: this.modRevision, version: this.version };
  }
}

/** What the write-ahead log records for one transaction: its revision and effective writes. */
export interface WriteRecord {
  revision: number;
  ops: Op[];
}

export interface TxnOutcome extends TxnResult {
  /** The writes to log; absent when the transaction failed or changed nothing. */
  record?: WriteRecord;
}

export class RevisionedStore {
  readonly history = new EventHistory();
  readonly index = new KeyIndex<StoredKeyValue>(this.history);
  appliedRevision = 1;
  committedRevision = 1;
  compactedRevision = 0;

  /**
   * Evaluates the compares against the newest applied state; if all hold, applies the ops at
   * one new revision. Deletes of absent keys change nothing and yield no result.
   */
  txn(compares: Compare[], ops: Op[]): TxnOutcome {
    for (const c of compares) {
      const kv = this.index.latest(c.key);
      if ((kv?.modRevision ?? 0) !== c.modRevision) {
        return {
          succeeded: false,
          revision: this.appliedRevision,
          results: [],
          current: compares.map((cc) => this.index.latest(cc.key)),
        };
      }
    }
    checkOps(ops);
    const effective = ops.filter((op) => op.type === 'put' || this.index.latest(op.key) !== undefined);
    if (effective.length === 0) return { succeeded: true, revision: this.appliedRevision, results: [], current: [] };
    const revision = this.appliedRevision + 1;
    const results = this.apply(revision, effective);
    return { succeeded: true, revision, results, current: [], record: { revision, ops: effective } };
  }

  /**
   * Applies writes at `revision` (> appliedRevision) unconditionally: the tail of txn() and
   * the replay of a logged record. Returns the new kv of each put / last kv of each delete.
   */
  apply(revision: number, ops: Op[]): KeyValue[] {
    if (revision <= this.appliedRevision) throw new Error(`storage: revision ${revision} is not after ${this.appliedRevision}`);
    const results: KeyValue[] = [];
    for (const op of ops) {
      const prev = this.index.latest(op.key);
      if (op.type === 'put') {
        const kv = StoredKeyValue.of({
          key: op.key,
          value: op.value,
          createRevision: prev ? prev.createRevision : revision,
          modRevision: revision,
          version: prev ? prev.version + 1 : 1,
        });
        this.index.write(op.key, revision, kv);
        this.history.append(prev ? { type: 'put', kv, prevKv: prev } : { type: 'put', kv });
        results.push(kv);
      } else {
        if (prev === undefined) continue;
        const kv = prev.at(revision);
        this.index.write(op.key, revision, undefined);
        this.history.append({ type: 'delete', kv, prevKv: prev });
        results.push(kv);
      }
    }
    this.appliedRevision = revision;
    return results;
  }

  /** Marks every revision ≤ rev durable (visible to reads). */
  commit(rev: number): void {
    if (rev > this.committedRevision) this.committedRevision = Math.min(rev, this.appliedRevision);
  }

  get(key: string): KeyValue | undefined {
    return this.index.get(key, this.committedRevision);
  }

  range(prefix: string, opts: RangeOptions = {}): RangeResult {
    const revision = opts.revision && opts.revision > 0 ? opts.revision : this.committedRevision;
    this.checkReadable(revision);
    const r = this.index.range(prefix, opts.startKey, revision, opts.limit ?? 0, opts.countOnly ?? false);
    return { kvs: r.kvs, revision, more: r.more, count: r.count };
  }

  /** 410 below the compaction point; 504 "too large resource version" beyond the newest. */
  checkReadable(revision: number): void {
    if (revision < this.compactedRevision) {
      throw expired(`The resourceVersion for the provided list is too old (required revision ${revision} has been compacted; oldest is ${this.compactedRevision}).`);
    }
    if (revision > this.committedRevision) {
      throw timeoutError(`Too large resource version: ${revision}, current: ${this.committedRevision}`);
    }
  }

  /**
   * Forgets history below `rev` (reads at `rev` still work). Idempotent; a revision at or
   * below the current compaction point is a no-op, a future one an error.
   */
  compact(rev: number): void {
    if (rev > this.committedRevision) throw badRequest(`storage: cannot compact to future revision ${rev} (current ${this.committedRevision})`);
    if (rev <= this.compactedRevision) return;
    this.compactedRevision = rev;
    this.index.compact(rev);
    this.history.compact(rev);
  }

  /** Loads a snapshot into an empty store: its kvs as of `revision`, no history before it. */
  restore(revision: number, kvs: KeyValue[]): void {
    if (this.appliedRevision !== 1 || this.index.size !== 0) throw new Error('storage: restore into a non-empty store');
    for (const kv of kvs) this.index.write(kv.key, kv.modRevision, StoredKeyValue.of(kv));
    this.appliedRevision = this.committedRevision = revision;
    this.compactedRevision = revision;
  }
}

/**
 * Rejects malformed ops before anything is applied: memory and the log must never diverge
 * because a record could not be encoded after its revision was taken.
 */
function checkOps(ops: Op[]): void {
  for (const op of ops) checkOp(op);
  if (ops.length < 2) return;
  const seen = new Set<string>();
  for (const op of ops) {
    if (seen.has(op.key)) throw badRequest(`storage: duplicate key ${JSON.stringify(op.key)} in one transaction`);
    seen.add(op.key);
  }
}

function checkOp(op: Op): void {
  if (typeof op.key !== 'string' || op.key.length === 0) throw badRequest('storage: key must be a non-empty string');
  if (op.type === 'put') {
    if (typeof op.value !== 'string') throw badRequest(`storage: value of ${JSON.stringify(op.key)} must be a string`);
  } else if (op.type !== 'delete') {
    throw badRequest(`storage: unknown op type ${JSON.stringify((op as { type: unknown }).type)}`);
  }
}
