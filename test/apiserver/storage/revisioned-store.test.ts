// The MVCC store against a brute-force model: after random puts, deletes and compactions,
// every range (any prefix, start key, limit, past revision) must equal what a full replay of
// the writes up to that revision says.
import { describe, expect, it } from 'vitest';
import type { KeyValue } from '../../../apiserver/storage/interface.js';
import { RevisionedStore, StoredKeyValue } from '../../../apiserver/storage/revisioned-store.js';

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe('RevisionedStore against a model', () => {
  it('ranges at past revisions with limits and start keys agree with a replay', () => {
    const rand = rng(42);
    const store = new RevisionedStore();
    // Model: the full state after each revision.
    const states = new Map<number, Map<string, KeyValue>>([[1, new Map()]]);
    let cur = new Map<string, KeyValue>();
    const keys = Array.from({ length: 300 }, (_, i) => `/r/${['a', 'b', 'c'][i % 3]}/${(i * 7919) % 1000}`);
    for (let step = 0; step < 3000; step++) {
      const n = 1 + Math.floor(rand() * 3);
      const picked = [...new Set(Array.from({ length: n }, () => keys[Math.floor(rand() * keys.length)]!))];
      const ops = picked.map((key) => (rand() < 0.7 ? { type: 'put' as const, key, value: `v${step}` } : { type: 'delete' as const, key }));
      const out = store.txn([], ops);
      store.commit(out.revision);
      if (out.record) {
        cur = new Map(cur);
        for (const kv of out.results) {
          const op = ops.find((o) => o.key === kv.key)!;
          if (op.type === 'put') cur.set(kv.key, kv);
          else cur.delete(kv.key);
        }
        states.set(out.revision, cur);
      }
      if (step % 700 === 699) store.compact(store.committedRevision - 500);
    }
    const stateAt = (rev: number) => {
      for (let r = rev; r >= 1; r--) if (states.has(r)) return states.get(r)!;
      throw new Error('no state');
    };
    for (let t = 0; t < 400; t++) {
      const rev = store.compactedRevision + Math.floor(rand() * (store.committedRevision - store.compactedRevision + 1));
      const prefix = ['/r/', '/r/a/', '/r/b/', '/r/c/1', ''][Math.floor(rand() * 5)]!;
      const startKey = rand() < 0.5 ? undefined : keys[Math.floor(rand() * keys.length)];
      const limit = rand() < 0.3 ? 0 : 1 + Math.floor(rand() * 40);
      const expectedAll = [...stateAt(rev).values()]
        .filter((kv) => kv.key.startsWith(prefix) && (startKey === undefined || kv.key >= startKey))
        .sort((a, b) => (a.key < b.key ? -1 : 1));
      const got = store.range(prefix, { revision: rev, startKey, limit });
      const want = limit ? expectedAll.slice(0, limit) : expectedAll;
      expect(got.kvs).toEqual(want);
      expect(got.count).toBe(expectedAll.length);
      expect(got.more).toBe(expectedAll.length > want.length);
      expect(store.range(prefix, { revision: rev, startKey, countOnly: true }).count).toBe(expectedAll.length);
    }
  });

  it('keeps each value off the heap and gives it back as written: UTF-8 text, an encrypted binary string, a delete\'s last state', () => {
    const store = new RevisionedStore();
    const text = '{"metadata":{"name":"héllo ☃ 𝄞"}}';
    const binary = 'k8s:enc:aescbc:v1:key1:' + Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
    const put = store.txn([], [{ type: 'put', key: '/t', value: text }, { type: 'put', key: '/b', value: binary }]);
    store.commit(put.revision);
    for (const kv of put.results) expect(kv).toBeInstanceOf(StoredKeyValue);
    expect(store.get('/t')!.value).toBe(text);
    expect(store.get('/b')!.value).toBe(binary);
    const del = store.txn([], [{ type: 'delete', key: '/t' }]);
    expect(del.results[0]!.value).toBe(text);
    expect(del.results[0]!.modRevision).toBe(del.revision);
    expect(JSON.parse(JSON.stringify(del.results[0]))).toEqual({ key: '/t', value: text, createRevision: put.revision, modRevision: del.revision, version: 1 });
  });
});
