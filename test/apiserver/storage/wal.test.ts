import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32, crc32Table } from '../../../apiserver/storage/crc32.js';
import { decodeOps, encodeOps } from '../../../apiserver/storage/record-encoding.js';
import { encodeFrame, listSegments, recoverLog, segmentName, WalCorruptionError, WriteAheadLog } from '../../../apiserver/storage/wal.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'skiff-wal-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const payload = (s: string) => Buffer.from(s);

describe('crc32', () => {
  it('the table version matches the native one and the standard check value', () => {
    const check = Buffer.from('123456789');
    expect(crc32Table(check)).toBe(0xcbf43926);
    expect(crc32(check)).toBe(0xcbf43926);
    const big = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff));
    expect(crc32Table(big)).toBe(crc32(big));
    expect(crc32Table(big.subarray(1000), crc32Table(big.subarray(0, 1000)))).toBe(crc32(big));
  });
});

describe('record encoding', () => {
  it('round-trips puts and deletes with any UTF-8', () => {
    const ops = [
      { type: 'put' as const, key: '/registry/pods/default/ü', value: '{"a":"✓ \\n"}' },
      { type: 'delete' as const, key: '/registry/pods/default/x' },
      { type: 'put' as const, key: '/k', value: '' },
    ];
    expect(decodeOps(encodeOps(ops))).toEqual(ops);
    expect(decodeOps(encodeOps(ops, 14).subarray(14))).toEqual(ops);
    expect(() => decodeOps(encodeOps(ops).subarray(0, 20))).toThrow(/truncated/);
  });
});

describe('write-ahead log', () => {
  it('group commit: records appended while an fsync is in flight share the next one', async () => {
    const dir = tempDir();
    const durable: number[] = [];
    const wal = await WriteAheadLog.open(dir, 2, { onDurable: (r) => durable.push(r), onFailure: (e) => { throw e; } });
    wal.append(2, payload('first'));
    // The first flush starts on the next turn; once it has, everything else waits for it.
    await new Promise((r) => setImmediate(r));
    for (let rev = 3; rev <= 102; rev++) wal.append(rev, payload(`r${rev}`));
    await wal.close();
    expect(durable).toEqual([2, 102]);
    expect(wal.stats()).toMatchObject({ fsyncs: 2, records: 101 });
    const seen: number[] = [];
    recoverLog(dir, (rev, p) => {
      seen.push(rev);
      expect(p.toString()).toBe(rev === 2 ? 'first' : `r${rev}`);
    });
    expect(seen).toEqual(Array.from({ length: 101 }, (_, i) => i + 2));
  });

  it('rotation: records before the call stay in the old segment, later ones go to the new', async () => {
    const dir = tempDir();
    const wal = await WriteAheadLog.open(dir, 2, { onDurable: () => {}, onFailure: (e) => { throw e; } });
    for (let rev = 2; rev <= 10; rev++) wal.append(rev, payload(`r${rev}`));
    const rotated = wal.rotate(11);
    for (let rev = 11; rev <= 15; rev++) wal.append(rev, payload(`r${rev}`));
    await rotated;
    await wal.close();
    expect(listSegments(dir).map((s) => s.firstRevision)).toEqual([2, 11]);
    const bySegment = listSegments(dir).map((s) => {
      const revs: number[] = [];
      const only = tempDir();
      writeFileSync(join(only, s.name), readFileSync(join(dir, s.name)));
      recoverLog(only, (rev) => revs.push(rev));
      return revs;
    });
    expect(bySegment).toEqual([[2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15]]);
  });

  it('a log cut at any byte recovers exactly the records that were complete, and truncates the rest', () => {
    const frames = Array.from({ length: 40 }, (_, i) => encodeFrame(i + 2, payload(`record ${i} `.repeat(1 + (i % 7)))));
    const log = Buffer.concat(frames);
    const ends: number[] = [];
    frames.reduce((off, f) => (ends.push(off + f.length), off + f.length), 0);
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let t = 0; t < 60; t++) {
      const cut = Math.floor(rand() * (log.length + 1));
      const garbage = t % 3 === 0 ? Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256))) : Buffer.alloc(0);
      const dir = tempDir();
      const path = join(dir, segmentName(2));
      writeFileSync(path, Buffer.concat([log.subarray(0, cut), garbage]));
      const revs: number[] = [];
      const r = recoverLog(dir, (rev) => revs.push(rev));
      const complete = ends.filter((e) => e <= cut).length;
      expect(revs).toEqual(Array.from({ length: complete }, (_, i) => i + 2));
      const validBytes = complete === 0 ? 0 : ends[complete - 1]!;
      expect(readFileSync(path).length).toBe(validBytes);
      expect(r.truncatedBytes).toBe(cut + garbage.length - validBytes);
    }
  });

  it('a flipped byte anywhere but in the last record is refused; in the last record it is a torn tail', () => {
    const frames = Array.from({ length: 30 }, (_, i) => encodeFrame(i + 2, payload(`value ${i} `.repeat(1 + (i % 5)))));
    const log = Buffer.concat(frames);
    const lastStart = log.length - frames[frames.length - 1]!.length;
    let seed = 5;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let t = 0; t < 60; t++) {
      const at = t % 4 === 0 ? lastStart + Math.floor(rand() * (log.length - lastStart)) : Math.floor(rand() * lastStart);
      const bad = Buffer.from(log);
      bad[at] ^= 1 << Math.floor(rand() * 8);
      const dir = tempDir();
      writeFileSync(join(dir, segmentName(2)), bad);
      const revs: number[] = [];
      if (at < lastStart) {
        expect(() => recoverLog(dir, (rev) => revs.push(rev)), `flip at ${at}`).toThrow(WalCorruptionError);
      } else {
        recoverLog(dir, (rev) => revs.push(rev));
        expect(revs).toEqual(Array.from({ length: 29 }, (_, i) => i + 2));
      }
    }
  });

  it('refuses a log whose revisions jump backwards or sit below their segment', () => {
    const dir = tempDir();
    writeFileSync(join(dir, segmentName(2)), Buffer.concat([encodeFrame(2, payload('a')), encodeFrame(2, payload('b'))]));
    expect(() => recoverLog(dir, () => {})).toThrow(WalCorruptionError);
    const dir2 = tempDir();
    writeFileSync(join(dir2, segmentName(5)), encodeFrame(3, payload('a')));
    expect(() => recoverLog(dir2, () => {})).toThrow(/below its first revision/);
  });

  it('a bad record in an older segment is corruption even at its end', () => {
    const dir = tempDir();
    const a = encodeFrame(2, payload('a'));
    writeFileSync(join(dir, segmentName(2)), Buffer.concat([a, a.subarray(0, 5)]));
    writeFileSync(join(dir, segmentName(3)), encodeFrame(3, payload('b')));
    expect(() => recoverLog(dir, () => {})).toThrow(/not the last segment/);
  });
});
