import { describe, expect, it } from 'vitest';
import { prefixEnd, SortedKeySet } from '../../../apiserver/storage/sorted-key-set.js';

// A deterministic pseudo-random sequence so a failure reproduces.
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

interface Entry {
  key: string;
  live: boolean;
}

describe('SortedKeySet', () => {
  it('matches a sorted array (and its live counts) under random inserts, deletes and liveness flips', () => {
    const set = new SortedKeySet<Entry>((e) => e.live);
    const ref = new Map<string, Entry>();
    const rand = rng(7);
    for (let i = 0; i < 30_000; i++) {
      const key = `/k/${Math.floor(rand() * 8000).toString(36)}`;
      const r = rand();
      if (r < 0.6) {
        const e = { key, live: rand() < 0.8 };
        expect(set.insert(e)).toBe(!ref.has(key));
        if (!ref.has(key)) ref.set(key, e);
      } else if (r < 0.8) {
        expect(set.delete(key)).toBe(ref.has(key));
        ref.delete(key);
      } else if (ref.has(key)) {
        const e = ref.get(key)!;
        e.live = !e.live;
        set.liveChanged(key, e.live ? 1 : -1);
      }
    }
    const expected = [...ref.keys()].sort();
    const got: string[] = [];
    set.forEachFrom('', (e) => (got.push(e.key), true));
    expect(got).toEqual(expected);
    expect(set.size).toBe(expected.length);
    for (const k of expected.slice(0, 50)) expect(set.get(k)?.key).toBe(k);
    expect(set.get('/k/not-there')).toBeUndefined();
    // Counts over arbitrary ranges agree with a scan.
    for (let t = 0; t < 200; t++) {
      const a = `/k/${Math.floor(rand() * 8000).toString(36)}`;
      const b = rand() < 0.1 ? undefined : `/k/${Math.floor(rand() * 8000).toString(36)}`;
      const scan = expected.filter((k) => k >= a && (b === undefined || k < b) && ref.get(k)!.live).length;
      expect(set.countLive(a, b)).toBe(scan);
    }
  });

  it('walks from a start key (inclusive) and stops when told', () => {
    const set = new SortedKeySet<Entry>(() => true);
    for (const key of ['b', 'd', 'a', 'c', 'e']) set.insert({ key, live: true });
    const walk = (from: string, until: (k: string) => boolean) => {
      const got: string[] = [];
      set.forEachFrom(from, (e) => (got.push(e.key), until(e.key)));
      return got;
    };
    expect(walk('bb', (k) => k < 'd')).toEqual(['c', 'd']);
    expect(walk('b', () => true)).toEqual(['b', 'c', 'd', 'e']);
    expect(walk('z', () => true)).toEqual([]);
    expect(set.countLive('b', 'd')).toBe(2);
  });

  it('prefixEnd bounds exactly the keys with the prefix', () => {
    expect(prefixEnd('/registry/pods/')).toBe('/registry/pods0');
    expect(prefixEnd('')).toBeUndefined();
    expect(prefixEnd('a\uffff')).toBe('b');
  });
});
