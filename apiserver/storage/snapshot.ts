// Snapshots: the whole key space as of one revision, so recovery replays only the log after it
// and older log segments can be deleted.
//
// File `snap-<revision, 20 digits>.snap`:
//   "SKIFFSN1" | u48 revision | u32 kv count | kvs (record-encoding.ts) | u32 crc32(all before)
// Written atomically: to a .tmp file, fsync, rename into place, fsync the directory. A
// snapshot that exists under its final name is therefore complete; one that fails its
// checksum is real corruption and opening refuses it.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from './crc32.js';
import type { KeyValue } from './interface.js';
import { kvSize, Reader, writeKv } from './record-encoding.js';
import { fsyncDir } from './wal.js';

const MAGIC = Buffer.from('SKIFFSN1');
/** Bytes encoded per write, so a big snapshot is written without one huge buffer. */
const CHUNK = 1 << 20;

export function snapshotName(revision: number): string {
  return `snap-${String(revision).padStart(20, '0')}.snap`;
}

export function listSnapshots(dir: string): { name: string; revision: number }[] {
  return readdirSync(dir)
    .filter((n) => /^snap-\d{20}\.snap$/.test(n))
    .sort()
    .map((name) => ({ name, revision: Number(name.slice(5, 25)) }));
}

/**
 * Writes the snapshot of `kvs` (every live key as of `revision`) and returns its size.
 * Yields to the event loop between chunks.
 */
export async function writeSnapshot(dir: string, revision: number, kvs: KeyValue[]): Promise<number> {
  const final = join(dir, snapshotName(revision));
  const tmp = `${final}.tmp`;
  const fh = await open(tmp, 'w');
  let crc = 0;
  let bytes = 0;
  try {
    const head = Buffer.alloc(MAGIC.length + 6 + 4);
    MAGIC.copy(head, 0);
    head.writeUIntLE(revision, MAGIC.length, 6);
    head.writeUInt32LE(kvs.length, MAGIC.length + 6);
    const write = async (buf: Buffer) => {
      crc = crc32(buf, crc);
      let off = 0;
      while (off < buf.length) off += (await fh.write(buf, off, buf.length - off, null)).bytesWritten;
      bytes += buf.length;
    };
    await write(head);
    let i = 0;
    while (i < kvs.length) {
      let size = 0;
      let j = i;
      while (j < kvs.length && (size < CHUNK || j === i)) size += kvSize(kvs[j++]!);
      const buf = Buffer.allocUnsafe(size);
      let off = 0;
      for (let k = i; k < j; k++) off = writeKv(buf, off, kvs[k]!);
      await write(buf.subarray(0, off));
      i = j;
    }
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(crc, 0);
    let off = 0;
    while (off < 4) off += (await fh.write(tail, off, 4 - off, null)).bytesWritten;
    bytes += 4;
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    rmSync(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, final);
  fsyncDir(dir);
  return bytes;
}

/** Reads and verifies one snapshot file. */
export function readSnapshot(path: string): { revision: number; kvs: KeyValue[]; bytes: number } {
  const buf = readFileSync(path);
  const bad = (why: string) => new Error(`storage: snapshot ${path} is corrupt (${why}); refusing to start from it`);
  if (buf.length < MAGIC.length + 10 + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw bad('bad header');
  const body = buf.subarray(0, buf.length - 4);
  if (crc32(body) !== buf.readUInt32LE(buf.length - 4)) throw bad('checksum mismatch');
  const r = new Reader(body, MAGIC.length);
  const revision = r.u48();
  const n = r.u32();
  const kvs: KeyValue[] = new Array(n);
  try {
    for (let i = 0; i < n; i++) kvs[i] = r.kv();
    r.end();
  } catch (err) {
    throw bad((err as Error).message);
  }
  return { revision, kvs, bytes: buf.length };
}

/** The newest snapshot in `dir`, if any; leftover .tmp files of an interrupted write are removed. */
export function readLatestSnapshot(dir: string): { revision: number; kvs: KeyValue[]; bytes: number } | undefined {
  for (const n of readdirSync(dir)) if (n.endsWith('.snap.tmp')) rmSync(join(dir, n), { force: true });
  const snaps = listSnapshots(dir);
  const latest = snaps[snaps.length - 1];
  if (!latest) return undefined;
  const snap = readSnapshot(join(dir, latest.name));
  if (snap.revision !== latest.revision) throw new Error(`storage: snapshot ${latest.name} holds revision ${snap.revision}`);
  return snap;
}

/** Removes snapshots older than `revision`. */
export async function removeSnapshotsBefore(dir: string, revision: number): Promise<void> {
  for (const s of listSnapshots(dir)) if (s.revision < revision) await rm(join(dir, s.name), { force: true });
}
