import { describe, expect, it } from 'vitest';
import { SortedKeySet } from '../../../apiserver/storage/sorted-key-set.js';

// A deterministic pseudo-random sequence so a failure reproduces.
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe('SortedKeySet', () => {
  it('matches a sorted array under random inserts and deletes across many blocks', () => {
    const set = new SortedKeySet();
    const ref = new Set<string>();
    const rand = rng(7);
    for (let i = 0; i < 20_000; i++) {
      const key = `/k/${Math.floor(rand() * 8000).toString(36)}`;
      if (rand() < 0.7) expect(set.insert(key)).toBe(!ref.has(key)), ref.add(key);
      else expect(set.delete(key)).toBe(ref.has(key)), ref.delete(key);
    }
    const expected = [...ref].sort();
    const got: string[] = [];
    set.forEachFrom('', (k) => (got.push(k), true));
    expect(got).toEqual(expected);
    expect(set.size).toBe(expected.length);
    for (const k of expected.slice(0, 50)) expect(set.has(k)).toBe(true);
    expect(set.has('/k/not-there')).toBe(false);
  });

  it('walks from a start key (inclusive) and stops when told', () => {
    const set = new SortedKeySet();
    for (const k of ['b', 'd', 'a', 'c', 'e']) set.insert(k);
    const got: string[] = [];
    set.forEachFrom('bb', (k) => (got.push(k), k < 'd'));
    expect(got).toEqual(['c', 'd']);
    const fromB: string[] = [];
    set.forEachFrom('b', (k) => (fromB.push(k), true));
    expect(fromB).toEqual(['b', 'c', 'd', 'e']);
    const none: string[] = [];
    set.forEachFrom('z', (k) => (none.push(k), true));
    expect(none).toEqual([]);
  });
});
