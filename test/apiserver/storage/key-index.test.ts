import { describe, expect, it } from 'vitest';
import type { KeyValue } from '../../../apiserver/storage/interface.js';
import { EventHistory } from '../../../apiserver/storage/event-history.js';
import { KeyHistory, KeyIndex } from '../../../apiserver/storage/key-index.js';

const kv = (key: string, rev: number, value = `v${rev}`): KeyValue => ({ key, value, createRevision: rev, modRevision: rev, version: 1 });

describe('KeyHistory', () => {
  it('answers which write is visible at a revision (the worked example in key-index.ts)', () => {
    const h = new KeyHistory('k', 5, kv('k', 5));
    h.push(9, kv('k', 9));
    h.push(12, undefined);
    h.push(20, kv('k', 20));
    expect(h.at(4)).toBeUndefined();
    expect(h.at(5)?.modRevision).toBe(5);
    expect(h.at(11)?.modRevision).toBe(9);
    expect(h.at(12)).toBeUndefined();
    expect(h.at(19)).toBeUndefined();
    expect(h.at(25)?.modRevision).toBe(20);
    expect(h.compact(10)).toBe(false);
    expect(h.revisions()).toEqual([9, 12, 20]);
    expect(h.at(10)?.modRevision).toBe(9);
    expect(h.compact(15)).toBe(false);
    expect(h.revisions()).toEqual([20]); // the tombstone at 12 is invisible to any read ≥ 15
  });

  it('keeps only what a read at or after the compaction point can see, whichever write that is', () => {
    const single = new KeyHistory('k', 7, kv('k', 7));
    expect(single.at(6)).toBeUndefined();
    expect(single.compact(6)).toBe(false); // nothing at or below 6: untouched
    expect(single.compact(8)).toBe(false);
    expect(single.revisions()).toEqual([7]);
    expect(single.at(8)?.modRevision).toBe(7);

    const h = new KeyHistory('k', 1, kv('k', 1));
    h.push(2, kv('k', 2));
    h.push(3, undefined);
    h.push(6, kv('k', 6));
    expect(h.compact(4)).toBe(false); // the delete at 3 is what 4 and 5 see: nothing older is
    expect(h.revisions()).toEqual([6]);
    expect(h.at(5)).toBeUndefined();
    h.push(8, kv('k', 8));
    expect(h.compact(9)).toBe(false); // the newest write covers every read from 9 on
    expect(h.revisions()).toEqual([8]);
    expect(h.latest()?.modRevision).toBe(8);
  });

  it('is forgotten once its last write below the compaction point is a delete', () => {
    const h = new KeyHistory('k', 3, kv('k', 3));
    h.push(4, undefined);
    expect(h.compact(4)).toBe(true);
  });
});

describe('KeyIndex', () => {
  it('ranges by prefix at a revision with limit, start key, count and more', () => {
    // The index counts at past revisions with the help of the event history, so both are fed.
    const history = new EventHistory();
    const idx = new KeyIndex(history);
    const write = (key: string, rev: number, put: boolean) => {
      const prev = idx.latest(key);
      const k = put ? kv(key, rev) : { ...prev!, modRevision: rev };
      idx.write(key, rev, put ? k : undefined);
      history.append({ type: put ? 'put' : 'delete', kv: k, prevKv: prev });
    };
    write('/a/1', 2, true);
    write('/a/2', 3, true);
    write('/b/1', 4, true);
    write('/a/3', 5, true);
    write('/a/2', 6, false);
    expect(idx.range('/a/', undefined, 6, 0, false).kvs.map((k) => k.key)).toEqual(['/a/1', '/a/3']);
    expect(idx.range('/a/', undefined, 5, 0, false).kvs.map((k) => k.key)).toEqual(['/a/1', '/a/2', '/a/3']);
    const page = idx.range('/a/', undefined, 5, 2, false);
    expect(page.kvs.map((k) => k.key)).toEqual(['/a/1', '/a/2']);
    expect(page).toMatchObject({ count: 3, more: true });
    const next = idx.range('/a/', '/a/2\0', 5, 2, false);
    expect(next.kvs.map((k) => k.key)).toEqual(['/a/3']);
    expect(next).toMatchObject({ count: 1, more: false });
    expect(idx.range('/a/', undefined, 3, 0, true)).toEqual({ kvs: [], count: 2, more: false });
    idx.compact(6);
    expect(idx.size).toBe(3); // /a/2 is gone for good
  });
});
