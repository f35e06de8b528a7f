// Durability for the embedded store: recovery at open (latest snapshot + the log after it),
// logging each transaction through the write-ahead log, and periodic snapshots that let old
// log segments go.
//
// Data dir layout:
//   LOCK                         pid (and start time) of the process that has the store open
//   snap-<revision>.snap         the newest snapshot (older ones are deleted after a new one)
//   wal-<first revision>.log     log segments; all but the newest are covered by the snapshot
//                                until the snapshot that follows their rotation is written
//
// Snapshot policy: after `snapshotEvery` records or `snapshotBytes` of log, whichever comes
// first — but never before the log since the last snapshot is at least as large as that
// snapshot, so a large key space is not rewritten every few thousand small writes: snapshots
// at most double the bytes written. Recovery then replays at most about
// max(snapshotBytes, snapshot size) of log.
//
// After a restart the history before the snapshot is gone: compactedRevision = the snapshot's
// revision, and a watch or paged list from before it gets 410, as after a compaction.
// Revisions keep counting up from the last logged one.
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeOps, encodeOps } from './record-encoding.js';
import type { RevisionedStore, WriteRecord } from './revisioned-store.js';
import { readLatestSnapshot, removeSnapshotsBefore, writeSnapshot } from './snapshot.js';
import { FRAME_OVERHEAD, fsyncDir, listSegments, recoverLog, WalCorruptionError, WriteAheadLog, type WalHooks } from './wal.js';

export interface PersistenceOptions {
  /** Log records between snapshots (default 50,000; etcd's default is 100,000). */
  snapshotEvery?: number;
  /** Log bytes between snapshots (default 128 MiB). */
  snapshotBytes?: number;
  /**
   * How long to wait for the process holding the data dir to go away (default 10 s): a
   * restarted server may start while its killed predecessor is still exiting.
   */
  lockWaitMs?: number;
}

export const DEFAULT_LOCK_WAIT_MS = 10_000;

export const DEFAULT_SNAPSHOT_EVERY = 50_000;
export const DEFAULT_SNAPSHOT_BYTES = 128 * 1024 * 1024;

export interface PersistenceStats {
  /** Bytes in the current log segment. */
  walSegmentBytes: number;
  /** Bytes made durable since open. */
  walBytesWritten: number;
  /** Durable (O_DSYNC) log writes since open (records / fsyncs = the average group-commit batch). */
  walFsyncs: number;
  walRecords: number;
  snapshots: number;
  lastSnapshotRevision: number;
  lastSnapshotBytes: number;
  /** Recovery at open: records replayed and torn-tail bytes truncated. */
  recoveredRecords: number;
  truncatedBytes: number;
}

/** Data dirs open in this process (a second open of the same dir must fail, not corrupt it). */
const openDirs = new Set<string>();

export class Persistence {
  private hooks: WalHooks | undefined;
  private wal!: WriteAheadLog;
  private recordsSinceSnapshot = 0;
  private bytesSinceSnapshot = 0;
  private lastSnapshotBytes = 0;
  private lastSnapshotRevision = 0;
  private snapshots = 0;
  private snapshotting: Promise<void> | undefined;
  private closed = false;
  private readonly every: number;
  private readonly everyBytes: number;

  private constructor(
    private readonly dir: string,
    private readonly lockKey: string,
    opts: PersistenceOptions,
    private readonly recovered: { records: number; truncatedBytes: number },
  ) {
    this.every = opts.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    this.everyBytes = opts.snapshotBytes ?? DEFAULT_SNAPSHOT_BYTES;
  }

  /** Recovers `store` (which must be empty) from `dir` and opens the log for appending. */
  static async open(dir: string, store: RevisionedStore, opts: PersistenceOptions): Promise<Persistence> {
    mkdirSync(dir, { recursive: true });
    const lockKey = await lockDirWaiting(dir, opts.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
    try {
      const snap = readLatestSnapshot(dir);
      if (snap) store.restore(snap.revision, snap.kvs);
      const log = recoverLog(dir, (revision, payload) => {
        if (revision <= store.appliedRevision) return; // already in the snapshot
        if (revision !== store.appliedRevision + 1) {
          throw new WalCorruptionError(`storage: write-ahead log in ${dir} jumps from revision ${store.appliedRevision} to ${revision}`);
        }
        store.apply(revision, decodeOps(payload));
      });
      store.commit(store.appliedRevision);
      const p = new Persistence(dir, lockKey, opts, { records: log.records, truncatedBytes: log.truncatedBytes });
      if (snap) {
        p.lastSnapshotBytes = snap.bytes;
        p.lastSnapshotRevision = snap.revision;
      }
      p.wal = await WriteAheadLog.open(dir, store.appliedRevision + 1, {
        onDurable: (rev) => p.hooks?.onDurable(rev),
        onFailure: (err) => p.hooks?.onFailure(err),
      });
      return p;
    } catch (err) {
      unlockDir(dir, lockKey);
      throw err;
    }
  }

  attach(hooks: WalHooks): void {
    this.hooks = hooks;
  }

  append(record: WriteRecord): void {
    const frame = encodeOps(record.ops, FRAME_OVERHEAD);
    this.wal.appendReserved(record.revision, frame);
    this.recordsSinceSnapshot++;
    this.bytesSinceSnapshot += frame.length;
  }

  /** Starts a snapshot in the background if the policy says it is time. */
  maybeSnapshot(store: RevisionedStore): void {
    if (this.snapshotting || this.closed) return;
    if (this.recordsSinceSnapshot < this.every && this.bytesSinceSnapshot < this.everyBytes) return;
    if (this.bytesSinceSnapshot < this.lastSnapshotBytes) return;
    this.snapshotting = this.writeSnapshot(store)
      .catch((err) => {
        // The log still holds everything, so a failed snapshot costs only log length; the
        // next attempt comes after another full interval.
        console.error(`skiff storage: snapshot failed: ${(err as Error).message}`);
      })
      .finally(() => {
        this.snapshotting = undefined;
      });
  }

  /** Snapshots now (after any snapshot in progress); errors reach the caller. */
  async snapshot(store: RevisionedStore): Promise<void> {
    while (this.snapshotting) await this.snapshotting;
    const p = this.writeSnapshot(store);
    this.snapshotting = p.then(
      () => {},
      () => {},
    ).finally(() => {
      this.snapshotting = undefined;
    });
    await p;
  }

  /** Snapshots the state as of the newest applied revision and drops what it covers. */
  private async writeSnapshot(store: RevisionedStore): Promise<void> {
    const revision = store.appliedRevision;
    if (revision === this.lastSnapshotRevision) return;
    // Capture the key space now, synchronously: the kvs are immutable, so later writes and
    // compactions cannot change what this snapshot holds.
    const kvs = store.index.all(revision);
    this.recordsSinceSnapshot = 0;
    this.bytesSinceSnapshot = 0;
    // Everything ≤ revision becomes durable in the old segments; later records go to a new one.
    await this.wal.rotate(revision + 1);
    const bytes = await writeSnapshot(this.dir, revision, kvs);
    // Unlinking a large file can take tens of milliseconds: keep it off the event loop.
    for (const seg of listSegments(this.dir)) {
      if (seg.firstRevision <= revision) await rm(join(this.dir, seg.name), { force: true });
    }
    await removeSnapshotsBefore(this.dir, revision);
    fsyncDir(this.dir);
    this.lastSnapshotBytes = bytes;
    this.lastSnapshotRevision = revision;
    this.snapshots++;
  }

  /** Waits for a snapshot in progress, if any. */
  async idle(): Promise<void> {
    await this.snapshotting;
  }

  stats(): PersistenceStats {
    const w = this.wal.stats();
    return {
      walSegmentBytes: w.segmentBytes,
      walBytesWritten: w.bytesWritten,
      walFsyncs: w.fsyncs,
      walRecords: w.records,
      snapshots: this.snapshots,
      lastSnapshotRevision: this.lastSnapshotRevision,
      lastSnapshotBytes: this.lastSnapshotBytes,
      recoveredRecords: this.recovered.records,
      truncatedBytes: this.recovered.truncatedBytes,
    };
  }

  /** Finishes a snapshot in progress, writes out the queued records and releases the dir. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.snapshotting;
      await this.wal.close();
    } finally {
      unlockDir(this.dir, this.lockKey);
    }
  }
}

/**
 * Claims `dir` for this process: a LOCK file (created exclusively) holding our pid and, on
 * Linux, the process start time, so a recycled pid is not mistaken for the holder. A LOCK left
 * by a process that no longer runs (it was killed) is taken over; one held by a live process
 * is an error.
 */
function lockDir(dir: string): string {
  const key = realpathSync(dir);
  if (openDirs.has(key)) throw new Error(`storage: data dir ${dir} is already open in this process`);
  const lock = join(dir, 'LOCK');
  const me = `${process.pid} ${processStartTime(process.pid) ?? ''}`.trim();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      try {
        writeSync(fd, `${me}\n`);
      } finally {
        closeSync(fd);
      }
      openDirs.add(key);
      return key;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = '';
    try {
      holder = readFileSync(lock, 'utf8').trim();
    } catch {
      continue; // removed meanwhile: try again
    }
    const [pid, start] = holder.split(' ');
    if (holderAlive(Number(pid), start)) {
      throw new DataDirInUse(`storage: data dir ${dir} is in use by process ${pid} (remove ${lock} if that is wrong)`);
    }
    rmSync(lock, { force: true }); // stale: its process is gone
  }
  throw new Error(`storage: could not lock data dir ${dir}`);
}

class DataDirInUse extends Error {}

async function lockDirWaiting(dir: string, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return lockDir(dir);
    } catch (err) {
      if (!(err instanceof DataDirInUse) || Date.now() >= deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function unlockDir(dir: string, key: string): void {
  if (!openDirs.delete(key)) return;
  rmSync(join(dir, 'LOCK'), { force: true });
}

function holderAlive(pid: number, start: string | undefined): boolean {
  // Our own pid from an earlier life (a restarted container) is not a live holder.
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (stat === undefined) return true; // no /proc: trust kill(0)
  if (stat.state === 'Z' || stat.state === 'X') return false; // exited, not yet reaped
  return start === undefined || stat.startTime === start;
}

/** State and start time (fields 3 and 22 of /proc/<pid>/stat); undefined off Linux. */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, startTime: fields[19]! };
  } catch {
    return undefined;
  }
}

function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}
