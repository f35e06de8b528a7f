// Which revision of each key is visible at revision R (etcd's keyIndex + treeIndex).
//
// Every key keeps the writes still inside the retained history: parallel arrays of revisions
// and the kv each wrote, where `undefined` is a delete (a tombstone). Example, key k:
//   put@5, put@9, delete@12, put@20  →  revs [5, 9, 12, 20], kvs [kv5, kv9, undefined, kv20]
//   at(11) = kv9, at(12) = absent, at(25) = kv20.
// compact(10) keeps the newest write ≤ 10 (kv9: it is what a read at 10 sees) and drops the
// rest below it; a key whose newest write ≤ the compaction point is a tombstone and that has
// nothing later is forgotten entirely.
//
// Only a key written after the previous compaction point can have anything left to drop, and
// every such write is in the event history: compaction visits the keys of the events it is
// about to drop, so it costs O(writes since the last compaction), never a walk over all keys.
import type { EventHistory } from './event-history.js';
import type { KeyValue } from './interface.js';
import { prefixEnd, SortedKeySet } from './sorted-key-set.js';

export class KeyHistory<KV extends KeyValue = KeyValue> {
  readonly key: string;
  // The newest write inline, older ones in arrays made on the second write: most keys have
  // one write since the last compaction, and this object stays for as long as its key exists
  // (four objects fewer per key for the young-generation GC to copy and promote).
  private lastRev: number;
  private lastKv: KV | undefined;
  private olderRevs: number[] | undefined;
  private olderKvs: (KV | undefined)[] | undefined;

  constructor(key: string, rev: number, kv: KV | undefined) {
    this.key = key;
    this.lastRev = rev;
    this.lastKv = kv;
  }

  /** The newest write (undefined if it is a delete). */
  latest(): KV | undefined {
    return this.lastKv;
  }

  /** The kv visible at `rev`, undefined if the key did not exist then. */
  at(rev: number): KV | undefined {
    if (this.lastRev <= rev) return this.lastKv;
    const revs = this.olderRevs;
    if (revs === undefined) return undefined;
    for (let i = revs.length - 1; i >= 0; i--) if (revs[i]! <= rev) return this.olderKvs![i];
    return undefined;
  }

  push(rev: number, kv: KV | undefined): void {
    (this.olderRevs ??= []).push(this.lastRev);
    (this.olderKvs ??= []).push(this.lastKv);
    this.lastRev = rev;
    this.lastKv = kv;
  }

  /** Whether the newest write is a put. */
  isLive(): boolean {
    return this.lastKv !== undefined;
  }

  /** The revisions of the writes retained, oldest first. */
  revisions(): number[] {
    return [...(this.olderRevs ?? []), this.lastRev];
  }

  /** Drops writes no read at ≥ `atRev` can see. Returns true if nothing is left. */
  compact(atRev: number): boolean {
    if (this.lastRev <= atRev) {
      // The newest write is the one every remaining read sees; a tombstone leaves nothing.
      this.olderRevs = this.olderKvs = undefined;
      return this.lastKv === undefined;
    }
    const revs = this.olderRevs;
    if (revs === undefined) return false;
    let keep = -1; // newest older write ≤ atRev
    for (let i = revs.length - 1; i >= 0; i--) {
      if (revs[i]! <= atRev) {
        keep = i;
        break;
      }
    }
    if (keep < 0) return false;
    // A tombstone at or below the compaction point is invisible to every remaining read.
    const from = this.olderKvs![keep] === undefined ? keep + 1 : keep;
    if (from === revs.length) {
      this.olderRevs = this.olderKvs = undefined;
    } else if (from > 0) {
      revs.splice(0, from);
      this.olderKvs!.splice(0, from);
    }
    return false;
  }
}

export interface IndexRange<KV extends KeyValue = KeyValue> {
  kvs: KV[];
  count: number;
  more: boolean;
}

export class KeyIndex<KV extends KeyValue = KeyValue> {
  private readonly keys = new Map<string, KeyHistory<KV>>();
  private readonly sorted = new SortedKeySet<KeyHistory<KV>>((h) => h.isLive());

  /** `history` holds every write after the compaction point (used to count at past revisions). */
  constructor(private readonly history: EventHistory) {}

  /** Keys tracked (live or with retained history). */
  get size(): number {
    return this.keys.size;
  }

  /** The newest write of `key`, whatever its durability (used to evaluate compares). */
  latest(key: string): KV | undefined {
    return this.keys.get(key)?.latest();
  }

  get(key: string, atRev: number): KV | undefined {
    return this.keys.get(key)?.at(atRev);
  }

  /** Records a write of `key` at `rev`: a kv for a put, undefined for a delete. */
  write(key: string, rev: number, kv: KV | undefined): void {
    const h = this.keys.get(key);
    if (h === undefined) {
      const created = new KeyHistory(key, rev, kv);
      this.keys.set(key, created);
      this.sorted.insert(created);
      return;
    }
    const wasLive = h.isLive();
    h.push(rev, kv);
    if (wasLive !== (kv !== undefined)) this.sorted.liveChanged(key, wasLive ? -1 : 1);
  }

  /**
   * Keys under `prefix` from `startKey` (inclusive) as of `atRev` (≤ the newest write), in key
   * order. `count` counts every visible key from the start on, even past `limit`, like etcd.
   */
  range(prefix: string, startKey: string | undefined, atRev: number, limit: number, countOnly: boolean): IndexRange<KV> {
    const from = startKey !== undefined && startKey > prefix ? startKey : prefix;
    const end = prefixEnd(prefix);
    if (countOnly) return { kvs: [], count: this.countAt(from, end, atRev), more: false };
    const kvs: KV[] = [];
    const max = limit > 0 ? limit : Infinity;
    let more = false;
    this.sorted.forEachFrom(from, (h) => {
      if (end !== undefined ? h.key >= end : !h.key.startsWith(prefix)) return false;
      const kv = h.at(atRev);
      if (kv === undefined) return true;
      if (kvs.length === max) {
        more = true;
        return false;
      }
      kvs.push(kv);
      return true;
    });
    return { kvs, count: more ? this.countAt(from, end, atRev) : kvs.length, more };
  }

  /**
   * Keys visible at `atRev` with from ≤ key < end: the live count now, corrected for every key
   * written after atRev (the retained history has all of those writes).
   */
  private countAt(from: string, end: string | undefined, atRev: number): number {
    let n = this.sorted.countLive(from, end);
    let touched: Set<string> | undefined;
    this.history.forEachAfter(atRev, (key) => {
      if (key < from || (end !== undefined && key >= end)) return;
      if (touched === undefined) touched = new Set();
      else if (touched.has(key)) return;
      touched.add(key);
      const h = this.keys.get(key);
      n += (h?.at(atRev) !== undefined ? 1 : 0) - (h?.isLive() ? 1 : 0);
    });
    return n;
  }

  /** Every key visible at `atRev`, in key order (for snapshots). */
  all(atRev: number): KV[] {
    const kvs: KV[] = [];
    this.sorted.forEachFrom('', (h) => {
      const kv = h.at(atRev);
      if (kv !== undefined) kvs.push(kv);
      return true;
    });
    return kvs;
  }

  /**
   * Forgets writes that no read at ≥ `atRev` can see. Call before the event history drops
   * its events ≤ atRev: their keys are the ones to visit.
   */
  compact(atRev: number): void {
    const seen = new Set<string>();
    this.history.forEachUpTo(atRev, (key) => {
      if (seen.has(key)) return;
      seen.add(key);
      const h = this.keys.get(key);
      if (h?.compact(atRev)) {
        this.keys.delete(key);
        this.sorted.delete(key);
      }
    });
  }
}
