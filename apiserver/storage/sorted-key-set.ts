// The ordered set of keys behind range reads (the "tree" of etcd's treeIndex).
//
// A list of sorted blocks of entries, each block at most MAX_BLOCK long, like Python's
// sortedcontainers: an insert is a binary search over the blocks' last keys plus a splice
// inside one small block, so it costs O(log n + B) instead of moving half of a 150k-entry
// array; a prefix scan is a binary search to the first key, then a walk over contiguous arrays.
//
// Each block also counts its live entries (as judged by the owner's `isLive`), so "how many
// keys in [from, end)" costs O(blocks) instead of a walk over every key: that is what lets a
// first page of 500 out of 150,000 keys report its total without visiting all of them.
//
// Keys compare as JavaScript strings (UTF-16 code units). For the ASCII keys the registry
// writes (`/registry/pods/default/web-1`) that is the same order as etcd's byte order.

const MAX_BLOCK = 1024;

export interface Keyed {
  readonly key: string;
}

export class SortedKeySet<T extends Keyed> {
  private blocks: T[][] = [];
  private live: number[] = [];
  private size_ = 0;

  constructor(private readonly isLive: (entry: T) => boolean) {}

  get size(): number {
    return this.size_;
  }

  /** Adds `entry`; false if its key was already present. */
  insert(entry: T): boolean {
    const key = entry.key;
    if (this.blocks.length === 0) {
      this.blocks.push([entry]);
      this.live.push(this.isLive(entry) ? 1 : 0);
      this.size_ = 1;
      return true;
    }
    const b = this.blockFor(key);
    const block = this.blocks[b]!;
    const i = lowerBound(block, key);
    if (i < block.length && block[i]!.key === key) return false;
    block.splice(i, 0, entry);
    if (this.isLive(entry)) this.live[b]!++;
    this.size_++;
    if (block.length > MAX_BLOCK) {
      // Split in halves so both stay well under the limit for the next inserts.
      const tail = block.splice(block.length >> 1);
      this.blocks.splice(b + 1, 0, tail);
      const tailLive = this.countIn(tail, 0, tail.length);
      this.live.splice(b + 1, 0, tailLive);
      this.live[b]! -= tailLive;
    }
    return true;
  }

  /** Removes the entry with `key`; false if it was absent. */
  delete(key: string): boolean {
    if (this.blocks.length === 0) return false;
    const b = this.blockFor(key);
    const block = this.blocks[b]!;
    const i = lowerBound(block, key);
    if (i >= block.length || block[i]!.key !== key) return false;
    if (this.isLive(block[i]!)) this.live[b]!--;
    block.splice(i, 1);
    this.size_--;
    if (block.length === 0) {
      this.blocks.splice(b, 1);
      this.live.splice(b, 1);
    }
    return true;
  }

  get(key: string): T | undefined {
    if (this.blocks.length === 0) return undefined;
    const block = this.blocks[this.blockFor(key)]!;
    const i = lowerBound(block, key);
    return i < block.length && block[i]!.key === key ? block[i] : undefined;
  }

  /** The entry with `key` turned live (+1) or not live (-1). */
  liveChanged(key: string, delta: 1 | -1): void {
    if (this.blocks.length === 0) return;
    this.live[this.blockFor(key)]! += delta;
  }

  /**
   * Calls `visit` for each entry with key ≥ `from`, in order, until it returns false.
   * The set must not be modified during the walk.
   */
  forEachFrom(from: string, visit: (entry: T) => boolean): void {
    const blocks = this.blocks;
    if (blocks.length === 0) return;
    let b = this.blockFor(from);
    let i = lowerBound(blocks[b]!, from);
    for (; b < blocks.length; b++, i = 0) {
      const block = blocks[b]!;
      for (; i < block.length; i++) if (!visit(block[i]!)) return;
    }
  }

  /** Live entries with from ≤ key < end (end undefined: no upper bound). */
  countLive(from: string, end: string | undefined): number {
    const blocks = this.blocks;
    if (blocks.length === 0) return 0;
    let b = this.blockFor(from);
    let i = lowerBound(blocks[b]!, from);
    let n = 0;
    for (; b < blocks.length; b++, i = 0) {
      const block = blocks[b]!;
      const last = block[block.length - 1]!.key;
      if (i === 0 && (end === undefined || last < end)) {
        n += this.live[b]!; // the whole block is inside
        continue;
      }
      const stop = end === undefined ? block.length : lowerBound(block, end);
      n += this.countIn(block, i, stop);
      if (stop < block.length) break;
    }
    return n;
  }

  private countIn(block: T[], from: number, to: number): number {
    let n = 0;
    for (let i = from; i < to; i++) if (this.isLive(block[i]!)) n++;
    return n;
  }

  /** Index of the first block whose last key is ≥ key (or the last block). */
  private blockFor(key: string): number {
    const blocks = this.blocks;
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const block = blocks[mid]!;
      if (block[block.length - 1]!.key < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function lowerBound(a: Keyed[], key: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]!.key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The smallest string greater than every string starting with `prefix` ('/a/' → '/a0'), or
 * undefined when there is none ('' or all U+FFFF).
 */
export function prefixEnd(prefix: string): string | undefined {
  let p = prefix;
  while (p.length > 0 && p.charCodeAt(p.length - 1) === 0xffff) p = p.slice(0, -1);
  if (p.length === 0) return undefined;
  return p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);
}
