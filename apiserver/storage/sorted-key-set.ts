// The ordered set of keys behind range reads (the "tree" of etcd's treeIndex).
//
// A list of sorted blocks, each at most MAX_BLOCK keys, like Python's sortedcontainers: an
// insert is a binary search over the blocks' last keys plus a splice inside one small block,
// so it costs O(log n + B) instead of moving half of a 150k-entry array; a prefix scan is a
// binary search to the first key, then a walk over contiguous arrays.
//
// Keys compare as JavaScript strings (UTF-16 code units). For the ASCII keys the registry
// writes (`/registry/pods/default/web-1`) that is the same order as etcd's byte order.

const MAX_BLOCK = 1024;

export class SortedKeySet {
  private blocks: string[][] = [];
  private size_ = 0;

  get size(): number {
    return this.size_;
  }

  /** Adds `key`; false if it was already present. */
  insert(key: string): boolean {
    if (this.blocks.length === 0) {
      this.blocks.push([key]);
      this.size_ = 1;
      return true;
    }
    const b = this.blockFor(key);
    const block = this.blocks[b]!;
    const i = lowerBound(block, key);
    if (i < block.length && block[i] === key) return false;
    block.splice(i, 0, key);
    this.size_++;
    if (block.length > MAX_BLOCK) {
      // Split in halves so both stay well under the limit for the next inserts.
      const half = block.length >> 1;
      this.blocks.splice(b + 1, 0, block.splice(half));
    }
    return true;
  }

  /** Removes `key`; false if it was absent. */
  delete(key: string): boolean {
    if (this.blocks.length === 0) return false;
    const b = this.blockFor(key);
    const block = this.blocks[b]!;
    const i = lowerBound(block, key);
    if (i >= block.length || block[i] !== key) return false;
    block.splice(i, 1);
    this.size_--;
    if (block.length === 0) this.blocks.splice(b, 1);
    return true;
  }

  has(key: string): boolean {
    if (this.blocks.length === 0) return false;
    const block = this.blocks[this.blockFor(key)]!;
    const i = lowerBound(block, key);
    return i < block.length && block[i] === key;
  }

  /**
   * Calls `visit` for each key ≥ `from`, in order, until it returns false.
   * The set must not be modified during the walk.
   */
  forEachFrom(from: string, visit: (key: string) => boolean): void {
    const blocks = this.blocks;
    if (blocks.length === 0) return;
    let b = this.blockFor(from);
    let i = lowerBound(blocks[b]!, from);
    for (; b < blocks.length; b++, i = 0) {
      const block = blocks[b]!;
      for (; i < block.length; i++) if (!visit(block[i]!)) return;
    }
  }

  /** Index of the first block whose last key is ≥ key (or the last block). */
  private blockFor(key: string): number {
    const blocks = this.blocks;
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const block = blocks[mid]!;
      if (block[block.length - 1]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function lowerBound(a: string[], key: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
