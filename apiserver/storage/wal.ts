// The write-ahead log: append-only segment files of checksummed records, written with group
// commit.
//
// Frame:   u32 body length | u32 crc32(body) | body
// Body:    u48 revision | payload (record-encoding.ts)
// Segment: `wal-<first revision it may hold, 20 digits>.log`; a new one starts at each
//          snapshot so that older segments can be deleted once the snapshot covers them.
//
// Group commit: records appended while a durable write is in flight wait in memory; when it
// completes they are all written with one write() and onDurable(highest revision)
// acknowledges them together. One sync thus serves as many transactions as arrive during the
// previous one. Segments are opened O_DSYNC, so that write() returns only once its data is on
// disk (fdatasync's guarantee) — one trip to the thread pool per batch instead of two.
//
// Recovery reads every segment. In the last one, a frame that is incomplete or fails its
// checksum, with no valid frame after it, is a torn tail — the write a crash interrupted,
// never acknowledged — and is truncated away. A bad frame followed by valid ones, a bad frame
// in an older segment, or revisions that do not follow each other is corruption: opening
// fails with an error naming the file and offset rather than silently dropping records.
import { closeSync, constants, fsyncSync, openSync, readdirSync, readFileSync, truncateSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from './crc32.js';

const HEADER = 8;
/** Appending, each write durable when it returns (O_DSYNC: data and the size that reaches it). */
const APPEND_DURABLE = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC;
const REV_BYTES = 6;
/** Refuse frames claiming more than this (a corrupt length must not look like a huge record). */
const MAX_BODY = 512 * 1024 * 1024;

export class WalCorruptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WalCorruptionError';
  }
}

export interface WalHooks {
  /** Every record with revision ≤ rev is durable. Called in revision order. */
  onDurable(rev: number): void;
  /** A write or fsync failed; nothing more will be acknowledged. */
  onFailure(err: Error): void;
}

export interface RecoveredLog {
  /** Highest revision found (0 if the log is empty). */
  lastRevision: number;
  /** Bytes of a torn tail that were truncated (0 if none). */
  truncatedBytes: number;
  records: number;
}

export function segmentName(firstRevision: number): string {
  return `wal-${String(firstRevision).padStart(20, '0')}.log`;
}

export function listSegments(dir: string): { name: string; firstRevision: number }[] {
  return readdirSync(dir)
    .filter((n) => /^wal-\d{20}\.log$/.test(n))
    .sort()
    .map((name) => ({ name, firstRevision: Number(name.slice(4, 24)) }));
}

/** fsync a directory so a file created, renamed or removed in it survives a crash. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Bytes a frame adds before its payload. */
export const FRAME_OVERHEAD = HEADER + REV_BYTES;

export function encodeFrame(revision: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_OVERHEAD + payload.length);
  payload.copy(frame, FRAME_OVERHEAD);
  return sealFrame(revision, frame);
}

/** Fills in the header of a frame whose payload already sits after FRAME_OVERHEAD bytes. */
export function sealFrame(revision: number, frame: Buffer): Buffer {
  frame.writeUInt32LE(frame.length - HEADER, 0);
  frame.writeUIntLE(revision, HEADER, REV_BYTES);
  frame.writeUInt32LE(crc32(frame.subarray(HEADER)), 4);
  return frame;
}

/** A valid frame at `off` (complete, checksum matches), or undefined. */
function frameAt(buf: Buffer, off: number): { revision: number; payload: Buffer; end: number } | undefined {
  if (buf.length - off < HEADER) return undefined;
  const len = buf.readUInt32LE(off);
  if (len < REV_BYTES || len > MAX_BODY || off + HEADER + len > buf.length) return undefined;
  const body = buf.subarray(off + HEADER, off + HEADER + len);
  if (crc32(body) !== buf.readUInt32LE(off + 4)) return undefined;
  return { revision: body.readUIntLE(0, REV_BYTES), payload: body.subarray(REV_BYTES), end: off + HEADER + len };
}

/** Whether any valid frame with a revision above `afterRev` starts after `off`. */
function validFrameAfter(buf: Buffer, off: number, afterRev: number): number | undefined {
  for (let p = off + 1; p + HEADER + REV_BYTES <= buf.length; p++) {
    const f = frameAt(buf, p);
    if (f && f.revision > afterRev) return p;
  }
  return undefined;
}

/**
 * Reads every segment in `dir` in order, handing each record's revision and payload to
 * `onRecord`. Truncates a torn tail of the last segment; throws WalCorruptionError otherwise.
 */
export function recoverLog(dir: string, onRecord: (revision: number, payload: Buffer) => void): RecoveredLog {
  const segments = listSegments(dir);
  let lastRevision = 0;
  let truncatedBytes = 0;
  let records = 0;
  segments.forEach((seg, si) => {
    const path = join(dir, seg.name);
    const buf = readFileSync(path);
    const isLast = si === segments.length - 1;
    let off = 0;
    while (off < buf.length) {
      const f = frameAt(buf, off);
      if (!f) {
        const later = validFrameAfter(buf, off, lastRevision);
        if (!isLast || later !== undefined) {
          throw new WalCorruptionError(
            `storage: write-ahead log ${path} is corrupt at byte ${off} of ${buf.length}` +
              (later !== undefined ? ` (valid records follow at byte ${later})` : ' (not the last segment)') +
              '; refusing to skip acknowledged writes',
          );
        }
        truncatedBytes = buf.length - off;
        truncateSync(path, off);
        const fd = openSync(path, 'r+');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        break;
      }
      if (f.revision <= lastRevision) {
        throw new WalCorruptionError(`storage: write-ahead log ${path} has revision ${f.revision} after ${lastRevision} at byte ${off}`);
      }
      if (f.revision < seg.firstRevision) {
        throw new WalCorruptionError(`storage: write-ahead log ${path} holds revision ${f.revision} below its first revision ${seg.firstRevision}`);
      }
      onRecord(f.revision, f.payload);
      lastRevision = f.revision;
      records++;
      off = f.end;
    }
  });
  return { lastRevision, truncatedBytes, records };
}

interface Rotation {
  /** Queued frames that still belong to the old segment. */
  cut: number;
  firstRevision: number;
  resolve(): void;
  reject(err: Error): void;
}

export interface WalStats {
  /** Bytes in the current segment. */
  segmentBytes: number;
  /** Bytes durable since open. */
  bytesWritten: number;
  /** Durable writes (each one sync, however many records it carried). */
  fsyncs: number;
  records: number;
}

/** The open, appendable log (its last segment). */
export class WriteAheadLog {
  private queue: Buffer[] = [];
  private queueRevs: number[] = [];
  private flushing = false;
  private flushScheduled = false;
  private rotation: Rotation | undefined;
  private failure: Error | undefined;
  private closed = false;
  private drained: (() => void)[] = [];
  private stats_: WalStats;

  private constructor(
    private readonly dir: string,
    private fh: FileHandle,
    private firstRevision: number,
    segmentBytes: number,
    private readonly hooks: WalHooks,
  ) {
    this.stats_ = { segmentBytes, bytesWritten: 0, fsyncs: 0, records: 0 };
  }

  /**
   * Opens the last segment for appending, or creates the first one for records from
   * `firstRevision` on. Call after recoverLog().
   */
  static async open(dir: string, firstRevision: number, hooks: WalHooks): Promise<WriteAheadLog> {
    const segments = listSegments(dir);
    const last = segments[segments.length - 1];
    if (last) {
      const fh = await open(join(dir, last.name), APPEND_DURABLE);
      const size = (await fh.stat()).size;
      return new WriteAheadLog(dir, fh, last.firstRevision, size, hooks);
    }
    const fh = await open(join(dir, segmentName(firstRevision)), APPEND_DURABLE);
    await fh.sync();
    fsyncDir(dir);
    return new WriteAheadLog(dir, fh, firstRevision, 0, hooks);
  }

  /** First revision the current segment may hold. */
  get segmentFirstRevision(): number {
    return this.firstRevision;
  }

  stats(): WalStats {
    return { ...this.stats_ };
  }

  /** Queues a record; hooks.onDurable reports when it (and all before it) is on disk. */
  append(revision: number, payload: Buffer): void {
    this.appendFrame(revision, encodeFrame(revision, payload));
  }

  /**
   * Like append(), for a payload already placed after FRAME_OVERHEAD free bytes at the start
   * of `frame` (saves a copy per record).
   */
  appendReserved(revision: number, frame: Buffer): void {
    this.appendFrame(revision, sealFrame(revision, frame));
  }

  private appendFrame(revision: number, frame: Buffer): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('storage: write-ahead log closed');
    this.queue.push(frame);
    this.queueRevs.push(revision);
    if (!this.flushing && !this.flushScheduled) {
      // Start on the next turn so every record appended in this one joins the same write.
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        if (!this.flushing) void this.flushLoop();
      });
    }
  }

  /**
   * Starts a new segment for records from `firstRevision` on. Everything appended before
   * this call is durable in the old segment when the promise resolves.
   */
  rotate(firstRevision: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.rotation) return Promise.reject(new Error('storage: log rotation already in progress'));
    return new Promise<void>((resolve, reject) => {
      this.rotation = { cut: this.queue.length, firstRevision, resolve, reject };
      if (!this.flushing) void this.flushLoop();
    });
  }

  /** Writes out everything queued, then closes the segment. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.flushing || this.flushScheduled || this.queue.length > 0) {
      await new Promise<void>((resolve) => {
        this.drained.push(resolve);
        if (!this.flushing && !this.flushScheduled) void this.flushLoop();
      });
    }
    await this.fh.close();
    if (this.failure) throw this.failure;
  }

  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      for (;;) {
        const rot = this.rotation;
        if (rot && rot.cut === 0) {
          await this.switchSegment(rot);
          continue;
        }
        const n = rot ? rot.cut : this.queue.length;
        if (n === 0) break;
        const frames = n === this.queue.length ? this.queue : this.queue.slice(0, n);
        const rev = this.queueRevs[n - 1]!;
        if (n === this.queue.length) {
          this.queue = [];
          this.queueRevs = [];
        } else {
          this.queue = this.queue.slice(n);
          this.queueRevs = this.queueRevs.slice(n);
        }
        if (rot) rot.cut = 0;
        const data = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
        await writeAll(this.fh, data); // durable on return: O_DSYNC
        this.stats_.fsyncs++;
        this.stats_.records += frames.length;
        this.stats_.bytesWritten += data.length;
        this.stats_.segmentBytes += data.length;
        this.hooks.onDurable(rev);
      }
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.failure = err;
      this.queue = [];
      this.queueRevs = [];
      this.rotation?.reject(err);
      this.rotation = undefined;
      this.hooks.onFailure(err);
    } finally {
      this.flushing = false;
      if (this.failure || (this.queue.length === 0 && !this.rotation)) {
        for (const d of this.drained.splice(0)) d();
      } else {
        void this.flushLoop();
      }
    }
  }

  private async switchSegment(rot: Rotation): Promise<void> {
    if (rot.firstRevision === this.firstRevision) {
      // Nothing was appended since this segment started: it already is the new segment.
      this.rotation = undefined;
      rot.resolve();
      return;
    }
    const next = await open(join(this.dir, segmentName(rot.firstRevision)), APPEND_DURABLE | constants.O_EXCL);
    await next.sync();
    fsyncDir(this.dir);
    await this.fh.close();
    this.fh = next;
    this.firstRevision = rot.firstRevision;
    this.stats_.segmentBytes = 0;
    this.rotation = undefined;
    rot.resolve();
  }
}

async function writeAll(fh: FileHandle, data: Buffer): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await fh.write(data, off, data.length - off, null);
    off += bytesWritten;
  }
}
