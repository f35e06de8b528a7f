import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStorage, type EmbeddedStorage } from '../../../apiserver/storage/embedded.js';
import { encodeFrame, listSegments, WalCorruptionError } from '../../../apiserver/storage/wal.js';
import { collector, put, storageContract } from './storage-contract.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'skiff-storage-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

storageContract('embedded, durable', () => openEmbeddedStorage({ dataDir: tempDir() }));

describe('embedded store on a data dir', () => {
  const open: EmbeddedStorage[] = [];
  const openStore = async (opts: Parameters<typeof openEmbeddedStorage>[0]) => {
    const s = await openEmbeddedStorage(opts);
    open.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  const segmentPath = (dir: string) => {
    const segs = listSegments(dir);
    return join(dir, segs[segs.length - 1]!.name);
  };

  it('recovers everything after a clean close and keeps counting revisions up', async () => {
    const dir = tempDir();
    const s = await openStore({ dataDir: dir });
    for (let i = 0; i < 20; i++) await put(s, `/d/k${i}`, JSON.stringify({ i, s: 'é✓' }));
    await s.txn([], [{ type: 'delete', key: '/d/k3' }]);
    const rev = s.revision;
    await s.close();

    const s2 = await openStore({ dataDir: dir });
    expect(s2.revision).toBe(rev);
    const all = await s2.range('/d/');
    expect(all.count).toBe(19);
    expect(JSON.parse((await s2.get('/d/k7'))!.value)).toEqual({ i: 7, s: 'é✓' });
    // Without a snapshot the whole history is there: a watch from the start replays it.
    expect(s2.compactedRevision).toBe(0);
    const w = collector(s2, '/d/', 1);
    await w.until(() => w.events.length === 21);
    expect(w.events[20]!.type).toBe('delete');
    expect((await put(s2, '/d/new', '1')).revision).toBe(rev + 1);
  });

  it('group commit: concurrent transactions share fsyncs, and each resolves only once logged', async () => {
    const dir = tempDir();
    const s = await openStore({ dataDir: dir });
    const value = 'x'.repeat(1024);
    const results = await Promise.all(
      Array.from({ length: 256 }, (_, i) =>
        put(s, `/g/k${i}`, value).then((r) => {
          // Resolved ⇒ its record is counted as fsync'd.
          expect(s.stats().walRecords).toBeGreaterThanOrEqual(r.revision - 1);
          return r;
        }),
      ),
    );
    expect(new Set(results.map((r) => r.revision)).size).toBe(256);
    const st = s.stats();
    expect(st.walRecords).toBe(256);
    expect(st.walFsyncs).toBeLessThan(256);
    expect(statSync(segmentPath(dir)).size).toBe(st.walBytesWritten);
  });

  it('truncates a torn last record (a partial frame at the end) and keeps every complete one', async () => {
    const dir = tempDir();
    const s = await openStore({ dataDir: dir });
    for (let i = 0; i < 50; i++) await put(s, `/t/k${i}`, String(i));
    const rev = s.revision;
    await s.close();
    const seg = segmentPath(dir);
    const goodSize = statSync(seg).size;
    // Half of a real frame for the next revision: what a crash mid-write leaves.
    const frame = encodeFrame(rev + 1, Buffer.from('a torn record that never finished'));
    appendFileSync(seg, frame.subarray(0, frame.length >> 1));

    const s2 = await openStore({ dataDir: dir });
    expect(s2.stats().truncatedBytes).toBe(frame.length >> 1);
    expect(statSync(seg).size).toBe(goodSize);
    expect(s2.revision).toBe(rev);
    expect((await s2.range('/t/')).count).toBe(50);
    await put(s2, '/t/after', 'x');
    await s2.close();
    const s3 = await openStore({ dataDir: dir });
    expect(s3.revision).toBe(rev + 1);
    expect((await s3.get('/t/after'))!.value).toBe('x');
  });

  it('treats a last record with a bad checksum, or zeros at the end, as torn', async () => {
    const dir = tempDir();
    const s = await openStore({ dataDir: dir });
    for (let i = 0; i < 10; i++) await put(s, `/c/k${i}`, String(i));
    await s.close();
    const seg = segmentPath(dir);
    const buf = readFileSync(seg);
    buf[buf.length - 2] ^= 0xff; // corrupt the last record's payload
    writeFileSync(seg, Buffer.concat([buf, Buffer.alloc(4096)]));
    const s2 = await openStore({ dataDir: dir });
    expect(s2.stats().truncatedBytes).toBeGreaterThan(4096);
    expect((await s2.range('/c/')).kvs.map((kv) => kv.value)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
  });

  it('refuses to open when a record in the middle of the log is corrupt', async () => {
    const dir = tempDir();
    const s = await openStore({ dataDir: dir });
    for (let i = 0; i < 10; i++) await put(s, `/m/k${i}`, `value-${i}`);
    await s.close();
    const seg = segmentPath(dir);
    const buf = readFileSync(seg);
    const at = buf.indexOf('value-4');
    buf[at] ^= 0x01;
    writeFileSync(seg, buf);
    const err = await openEmbeddedStorage({ dataDir: dir }).catch((e) => e);
    expect(err).toBeInstanceOf(WalCorruptionError);
    expect(String(err.message)).toMatch(/corrupt at byte \d+.*valid records follow/);
    // The failed open released the dir: a repaired log opens again.
    buf[at] ^= 0x01;
    writeFileSync(seg, buf);
    const s2 = await openStore({ dataDir: dir });
    expect((await s2.range('/m/')).count).toBe(10);
  });

  it('snapshots periodically, drops the log it covers, and recovers snapshot + log after it', async () => {
    const dir = tempDir();
    const s = await openStore({ dataDir: dir, snapshotEvery: 100 });
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 1000; i++) {
      writes.push(put(s, `/s/k${i % 150}`, JSON.stringify({ i })));
      if (i % 40 === 39) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    const periodic = s.stats().snapshots!;
    expect(periodic).toBeGreaterThan(0);
    // One more (after any in progress), then writes it does not cover.
    await s.snapshot();
    for (let i = 0; i < 5; i++) await put(s, `/s/tail${i}`, String(i));
    await s.txn([], [{ type: 'delete', key: '/s/k0' }]);
    const rev = s.revision;
    const expected = (await s.range('/s/')).kvs;
    await s.close();
    const st = s.stats();
    expect(st.snapshots).toBeGreaterThan(periodic);
    expect(st.lastSnapshotRevision).toBeLessThan(rev);

    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.snap'))).toHaveLength(1);
    // Only the segment started at the last snapshot remains.
    expect(listSegments(dir)).toHaveLength(1);
    expect(listSegments(dir)[0]!.firstRevision).toBe(st.lastSnapshotRevision! + 1);

    const s2 = await openStore({ dataDir: dir, snapshotEvery: 100 });
    expect(s2.revision).toBe(rev);
    expect(s2.compactedRevision).toBe(st.lastSnapshotRevision);
    expect((await s2.range('/s/')).kvs).toEqual(expected);
    // History from the snapshot on is replayable; before it is 410.
    const w = collector(s2, '/s/', s2.compactedRevision);
    await w.until(() => w.events.at(-1)?.kv.modRevision === rev);
    expect(w.events.map((e) => e.kv.modRevision)).toEqual(Array.from({ length: rev - s2.compactedRevision }, (_, i) => s2.compactedRevision + 1 + i));
    const old = collector(s2, '/s/', s2.compactedRevision - 1);
    await old.until(() => old.error !== undefined);
    expect(old.error).toMatchObject({ code: 410 });
    expect((await put(s2, '/s/more', '1')).revision).toBe(rev + 1);
  });

  it('an explicit snapshot right before close makes the next open replay nothing', async () => {
    const dir = tempDir();
    const s = await openStore({ dataDir: dir });
    for (let i = 0; i < 30; i++) await put(s, `/x/k${i}`, String(i));
    await s.snapshot();
    await s.close();
    const s2 = await openStore({ dataDir: dir });
    expect(s2.stats().recoveredRecords).toBe(0);
    expect((await s2.range('/x/')).count).toBe(30);
    expect(s2.compactedRevision).toBe(s2.revision);
  });

  it('crash windows around a snapshot: leftover temp file, old segments not yet deleted', async () => {
    const dir = tempDir();
    const s = await openStore({ dataDir: dir });
    for (let i = 0; i < 50; i++) await put(s, `/w/k${i}`, String(i));
    await s.close();
    const oldSegments = listSegments(dir).map((seg) => [seg.name, readFileSync(join(dir, seg.name))] as const);

    const s2 = await openStore({ dataDir: dir });
    await s2.snapshot();
    for (let i = 50; i < 60; i++) await put(s2, `/w/k${i}`, String(i));
    const rev = s2.revision;
    await s2.close();
    // As if the process died after renaming the snapshot into place but before removing the
    // segments it covers, and while writing a later snapshot.
    for (const [name, data] of oldSegments) writeFileSync(join(dir, name), data);
    writeFileSync(join(dir, 'snap-00000000000000999999.snap.tmp'), 'half a snapshot');

    const s3 = await openStore({ dataDir: dir });
    expect(s3.revision).toBe(rev);
    expect((await s3.range('/w/')).count).toBe(60);
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('refuses to start from a corrupt snapshot', async () => {
    const dir = tempDir();
    const s = await openStore({ dataDir: dir });
    for (let i = 0; i < 20; i++) await put(s, `/cs/k${i}`, `value-${i}`);
    await s.snapshot();
    await s.close();
    const snap = join(dir, readdirSync(dir).find((f) => f.endsWith('.snap'))!);
    const buf = readFileSync(snap);
    buf[buf.indexOf('value-7')] ^= 0x20;
    writeFileSync(snap, buf);
    await expect(openEmbeddedStorage({ dataDir: dir })).rejects.toThrow(/snapshot .* is corrupt \(checksum mismatch\)/);
  });

  it('a write is invisible to reads and watchers until it is durable', async () => {
    const s = await openStore({ dataDir: tempDir() });
    const w = collector(s, '/v/', s.revision);
    const before = s.revision;
    const pending = put(s, '/v/k', '1');
    // The group commit starts on a later turn of the event loop, so nothing is durable yet.
    expect(await s.get('/v/k')).toBeUndefined();
    expect((await s.range('/v/')).count).toBe(0);
    expect(s.revision).toBe(before);
    // A compare sees the pending write (it is ordered before), but its answer waits too.
    const loser = s.txn([{ key: '/v/k', modRevision: 0 }], [{ type: 'put', key: '/v/k', value: '2' }]);
    let loserDone = false;
    void loser.then(() => (loserDone = true));
    await Promise.resolve();
    expect(loserDone).toBe(false);
    expect(w.events).toHaveLength(0);
    const r = await pending;
    expect((await loser).succeeded).toBe(false);
    expect((await s.get('/v/k'))!.modRevision).toBe(r.revision);
    await w.until(() => w.events.length === 1);
  });

  it('a failed log write fails the store: pending and later writes are rejected, watches end', async () => {
    const s = await openStore({ dataDir: tempDir() });
    await put(s, '/f/a', '1');
    const w = collector(s, '/f/', s.revision);
    // Pull the file out from under the log (as a dying disk would): the next write fails.
    const wal = (s as unknown as { persistence: { wal: { fh: { close(): Promise<void> } } } }).persistence.wal;
    await wal.fh.close();
    const err = await put(s, '/f/b', '2').catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    await w.until(() => w.error !== undefined, 'watch ended');
    await expect(put(s, '/f/c', '3')).rejects.toBe(err);
    await expect(s.get('/f/a')).rejects.toBe(err);
    open.splice(open.indexOf(s), 1);
    await s.close().catch(() => {});
  });

  it('a data dir held by another live process is refused; a dead or recycled holder is taken over', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      writeFileSync(join(dir, 'LOCK'), `${child.pid} ${start}\n`);
      await expect(openEmbeddedStorage({ dataDir: dir, lockWaitMs: 200 })).rejects.toThrow(`in use by process ${child.pid}`);
      // A holder that exits while we wait (a killed predecessor still dying) is waited out.
      const opening = openEmbeddedStorage({ dataDir: dir });
      setTimeout(() => child.kill('SIGKILL'), 300);
      const waited = await opening;
      await waited.close();
      writeFileSync(join(dir, 'LOCK'), `${child.pid} ${start}\n`); // now a dead holder
      const taken = await openEmbeddedStorage({ dataDir: dir, lockWaitMs: 0 });
      await taken.close();
    } finally {
      child.kill('SIGKILL');
    }
    // Same pid as a live process but a different start time: a recycled pid, not the holder.
    writeFileSync(join(dir, 'LOCK'), `${process.ppid} 1\n`);
    const again = await openEmbeddedStorage({ dataDir: dir, lockWaitMs: 0 });
    await again.close();
  });

  it('a data dir can be open only once', async () => {
    const dir = tempDir();
    await openStore({ dataDir: dir });
    await expect(openEmbeddedStorage({ dataDir: dir })).rejects.toThrow(/already open/);
  });
});
