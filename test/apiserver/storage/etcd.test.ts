// etcd-specific behaviour of the etcd storage backend, against a private etcd on loopback:
// compaction seen by other servers, watches that survive an etcd restart, two API servers'
// stores on one etcd, failover across endpoints, big lists, and the wire codec.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStatusError } from '../../../api/errors.js';
import { openEtcdStorage } from '../../../apiserver/storage/etcd.js';
import { FrameParser, frame } from '../../../apiserver/storage/etcd-client.js';
import { ProtoReader, ProtoWriter, decodeKeyValue, prefixRangeEnd } from '../../../apiserver/storage/etcd-wire.js';
import type { Storage } from '../../../apiserver/storage/interface.js';
import { EtcdServer, findEtcd, freePort } from './etcd-server.js';
import { collector, del, put, waitFor } from './storage-contract.js';

describe('etcd wire codec', () => {
  it('ends a prefix range after the last key with that prefix', () => {
    expect(prefixRangeEnd(Buffer.from('/a/'))).toEqual(Buffer.from('/a0'));
    expect(prefixRangeEnd(Buffer.from([0x61, 0xff, 0xff]))).toEqual(Buffer.from([0x62]));
    expect(prefixRangeEnd(Buffer.alloc(0))).toEqual(Buffer.from([0]));
  });

  it('round-trips varints beyond 32 bits and nested fields', () => {
    const kv = new ProtoWriter().bytes(1, Buffer.from('k')).uint(2, 2 ** 40 + 3).uint(3, 300).uint(4, 1).bytes(5, Buffer.from('v')).finish();
    expect(decodeKeyValue(kv)).toEqual({ key: Buffer.from('k'), createRevision: 2 ** 40 + 3, modRevision: 300, version: 1, value: Buffer.from('v') });
    // Unknown fields (lease = 6, a fixed64) are skipped.
    const withUnknown = Buffer.concat([kv, new ProtoWriter().uint(6, 77).finish(), Buffer.from([(9 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8])]);
    expect(decodeKeyValue(withUnknown).modRevision).toBe(300);
    const r = new ProtoReader(Buffer.from([0xac, 0x02]));
    expect(r.varint()).toBe(300);
  });
});

describe('gRPC framing', () => {
  it('splits messages however the bytes arrive', () => {
    const msgs = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from('last')];
    const stream = Buffer.concat(msgs.map(frame));
    for (const chunk of [1, 3, 5, 4096, stream.length]) {
      const got: Buffer[] = [];
      const p = new FrameParser();
      for (let i = 0; i < stream.length; i += chunk) p.push(stream.subarray(i, i + chunk), (m) => got.push(Buffer.from(m)));
      expect(got.map((m) => m.toString('hex'))).toEqual(msgs.map((m) => m.toString('hex')));
    }
  });
});

const etcd = findEtcd();
if (!etcd.bin) console.warn(`SKIPPING etcd backend tests that need a real etcd: ${etcd.reason}`);

describe.skipIf(!etcd.bin)('etcd backend against a real etcd', () => {
  let server: EtcdServer;
  const opened: Storage[] = [];
  let n = 0;
  const open = async (extra: { endpoints?: string[]; prefix?: string } = {}) => {
    const s = await openEtcdStorage({ endpoints: extra.endpoints ?? [server.url], prefix: extra.prefix ?? `/etcd-test-${n++}` });
    opened.push(s);
    return s;
  };
  beforeAll(async () => {
    server = await EtcdServer.start(etcd.bin!);
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await server?.destroy();
  });

  it('two stores on one etcd (two API servers) see each other\'s writes through watches and CAS', async () => {
    const a = await open({ prefix: '/shared' });
    const b = await open({ prefix: '/shared' });
    const wb = collector(b, '/registry/', b.revision);
    const created = await a.txn([{ key: '/registry/pods/p', modRevision: 0 }], [{ type: 'put', key: '/registry/pods/p', value: 'from-a' }]);
    await wb.until(() => wb.events.length === 1, 'b sees a\'s create');
    expect(wb.events[0]).toMatchObject({ type: 'put', kv: { key: '/registry/pods/p', value: 'from-a', modRevision: created.revision } });
    // b's view of the revision moves with what its watch delivered.
    expect(b.revision).toBeGreaterThanOrEqual(created.revision);
    // b updates with the resourceVersion it saw; a's stale update then loses with b's value.
    const upd = await b.txn([{ key: '/registry/pods/p', modRevision: created.revision }], [{ type: 'put', key: '/registry/pods/p', value: 'from-b' }]);
    expect(upd.succeeded).toBe(true);
    const stale = await a.txn([{ key: '/registry/pods/p', modRevision: created.revision }], [{ type: 'put', key: '/registry/pods/p', value: 'lost' }]);
    expect(stale.succeeded).toBe(false);
    expect(stale.current[0]).toMatchObject({ value: 'from-b', modRevision: upd.revision, version: 2 });
    // A second create of the same name fails on both.
    const again = await b.txn([{ key: '/registry/pods/p', modRevision: 0 }], [{ type: 'put', key: '/registry/pods/p', value: 'dup' }]);
    expect(again.succeeded).toBe(false);
    wb.handle.cancel();
  });

  it('a compaction by one server gives 410 to the other\'s old reads and watches; it learns the new point', async () => {
    const a = await open({ prefix: '/cmp' });
    const b = await open({ prefix: '/cmp' });
    const old = a.revision;
    await put(a, '/k', '1');
    await put(a, '/k', '2');
    await put(a, '/k', '3');
    // etcd keeps the events at the compaction point itself, so a watch from old+1 (afterRevision
    // old) must be below it to be refused.
    const point = a.revision - 1;
    await a.compact(point);
    expect(b.compactedRevision).toBeLessThan(point); // b has not heard yet
    const w = collector(b, '/', old);
    await w.until(() => w.error !== undefined, '410 from etcd on b\'s watch');
    expect(isStatusError(w.error, 'Expired')).toBe(true);
    expect(w.events).toHaveLength(0);
    await waitFor(() => b.compactedRevision === point, 'b learns the compaction point from the watch');
    const err = await b.range('/', { revision: old }).catch((e) => e);
    expect(err.code).toBe(410);
    // b's own periodic compaction to an older target is a no-op, not an error.
    await b.compact(point - 1);
    await b.compact(point);
    // A store opened now finds the compaction point by itself.
    const c = await open({ prefix: '/cmp' });
    expect(c.compactedRevision).toBe(point);
    const ok = collector(c, '/', point);
    await ok.until(() => ok.events.length === 1);
    expect(ok.events[0]!.kv.value).toBe('3');
    ok.handle.cancel();
  });

  it('a watch survives an etcd restart on the same data dir without losing or repeating events', async () => {
    const s = await open({ prefix: '/restart' });
    const from = s.revision;
    const w = collector(s, '/', from);
    for (let i = 0; i < 20; i++) await put(s, `/k${i % 3}`, `before-${i}`);
    await w.until(() => w.events.length === 20, 'events before the restart');
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      await server.stop(signal);
      // While etcd is down, writes fail with 503 instead of hanging forever.
      const down = await openEtcdStorage({ endpoints: [server.url], requestTimeoutMs: 500 }).catch((e) => e);
      expect(down).toBeInstanceOf(Error);
      await server.start();
      for (let i = 0; i < 20; i++) await put(s, `/k${i % 3}`, `after-${signal}-${i}`);
    }
    await w.until(() => w.events.length >= 60, 'events after the restarts');
    await new Promise((r) => setTimeout(r, 200)); // would-be duplicates have time to arrive
    expect(w.error).toBeUndefined();
    const revs = w.events.map((e) => e.kv.modRevision);
    expect(revs).toEqual(Array.from({ length: 60 }, (_, i) => from + 1 + i));
    expect(w.events.map((e) => e.kv.value).slice(19, 22)).toEqual(['before-19', 'after-SIGTERM-0', 'after-SIGTERM-1']);
    w.handle.cancel();
  });

  it('a watch from the future waits for its revision', async () => {
    const s = await open({ prefix: '/future' });
    const w = collector(s, '/f/', s.revision + 2);
    for (let i = 0; i < 4; i++) await put(s, '/f/k', String(i));
    await w.until(() => w.events.length === 2);
    expect(w.events.map((e) => e.kv.value)).toEqual(['2', '3']);
    w.handle.cancel();
  });

  it('serves a burst of 1,000 concurrent calls, also on a fresh connection, and 300 concurrent watches', async () => {
    const s = await open({ prefix: '/burst' });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => s.txn([{ key: `/k${i}`, modRevision: 0 }], [{ type: 'put', key: `/k${i}`, value: String(i) }])));
    (s as unknown as { rotateEndpoint(): void }).rotateEndpoint(); // drop the connection: the burst opens a new one
    const got = await Promise.all(Array.from({ length: 1000 }, (_, i) => s.get(`/k${i}`)));
    expect(got.map((kv) => kv!.value)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
    const from = s.revision;
    const ws = Array.from({ length: 300 }, () => collector(s, '/', from));
    await put(s, '/last', 'x');
    for (const w of ws) await w.until(() => w.events.length === 1);
    for (const w of ws) w.handle.cancel();
  });

  it('fails over to the next endpoint when the first one is down', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const s = await open({ endpoints: [dead, server.url], prefix: '/failover' });
    const r = await put(s, '/a', '1');
    expect(r.succeeded).toBe(true);
    expect((await s.get('/a'))!.value).toBe('1');
  });

  it('lists more than 4 MB in one range and pages with limit', async () => {
    const s = await open({ prefix: '/big' });
    const value = 'x'.repeat(10_000);
    for (let i = 0; i < 1000; i += 100) {
      await s.txn([], Array.from({ length: 100 }, (_, j) => ({ type: 'put' as const, key: `/o/${String(i + j).padStart(4, '0')}`, value })));
    }
    const all = await s.range('/o/');
    expect(all.kvs).toHaveLength(1000);
    expect(all.count).toBe(1000);
    const page = await s.range('/o/', { limit: 10, startKey: '/o/0995' });
    expect(page.kvs.map((kv) => kv.key)).toEqual(['/o/0995', '/o/0996', '/o/0997', '/o/0998', '/o/0999']);
    expect(page).toMatchObject({ more: false, count: 5 });
  });

  it('deletes deliver the last value with the delete revision, and unconditional writes keep call order', async () => {
    const s = await open({ prefix: '/order' });
    const w = collector(s, '/', s.revision);
    const writes = Array.from({ length: 300 }, (_, i) => (i % 10 === 9 ? del(s, `/k${i % 7}`) : put(s, `/k${i % 7}`, String(i))));
    await Promise.all(writes);
    const final = await s.range('/');
    // Replaying the writes in call order gives what etcd holds.
    const model = new Map<string, string>();
    for (let i = 0; i < 300; i++) {
      if (i % 10 === 9) model.delete(`/k${i % 7}`);
      else model.set(`/k${i % 7}`, String(i));
    }
    expect(final.kvs.map((kv) => [kv.key, kv.value])).toEqual([...model.entries()].sort(([x], [y]) => (x < y ? -1 : 1)));
    await w.until(() => w.events.at(-1)?.kv.modRevision === s.revision);
    for (const e of w.events.filter((ev) => ev.type === 'delete')) {
      expect(e.prevKv).toBeDefined();
      expect(e.kv).toMatchObject({ key: e.prevKv!.key, value: e.prevKv!.value, createRevision: e.prevKv!.createRevision });
    }
    w.handle.cancel();
  });
});

/**
 * An etcd cluster of `size` members for one describe block; stores the tests open (push them
 * on `opened`) are closed, then the members destroyed, after the block.
 */
function etcdClusterFixture(size: number, beforeTeardown?: (members: EtcdServer[]) => void) {
  const cluster = { members: [] as EtcdServer[], opened: [] as Storage[] };
  beforeAll(async () => {
    cluster.members = await EtcdServer.startCluster(etcd.bin!, size);
  });
  afterAll(async () => {
    beforeTeardown?.(cluster.members);
    await Promise.all(cluster.opened.map((s) => s.close()));
    await Promise.all(cluster.members.map((m) => m.destroy()));
  });
  return cluster;
}

describe.skipIf(!etcd.bin)('etcd backend against a 3-member etcd cluster', () => {
  const cluster = etcdClusterFixture(3);

  it('writes and watches carry on, without gaps or repeats, while members are killed -9 one at a time', async () => {
    const s = await openEtcdStorage({ endpoints: cluster.members.map((m) => m.url), prefix: '/ha' });
    const other = await openEtcdStorage({ endpoints: [...cluster.members].reverse().map((m) => m.url), prefix: '/ha' });
    cluster.opened.push(s, other);
    const from = s.revision;
    const w = collector(s, '/', from);
    const w2 = collector(other, '/', from);
    const acked: number[] = [];
    let i = 0;
    // A write that fails while a member dies has an unknown outcome and is not counted as
    // acknowledged; every acknowledged one must show up in both watches.
    const writeSome = async (count: number) => {
      for (let k = 0; k < count; k++) {
        const n = i++;
        try {
          const r = await s.txn([{ key: `/k${n}`, modRevision: 0 }], [{ type: 'put', key: `/k${n}`, value: String(n) }]);
          if (r.succeeded) acked.push(r.revision);
        } catch {
          // unknown outcome (member died mid-call): retry the next key
        }
      }
    };
    await writeSome(20);
    for (const victim of cluster.members) {
      await victim.stop('SIGKILL');
      await writeSome(20);
      await victim.start();
    }
    await writeSome(10);
    expect(acked.length).toBeGreaterThanOrEqual(30); // most of the 70; a write meeting a member's death may fail
    const last = acked.at(-1)!;
    for (const c of [w, w2]) {
      await c.until(() => (c.events.at(-1)?.kv.modRevision ?? 0) >= last, 'watch caught up');
      expect(c.error).toBeUndefined();
      const revs = c.events.map((e) => e.kv.modRevision);
      // Strictly increasing (no repeats), and every acknowledged write is there (no gaps).
      expect(revs.every((r, k) => k === 0 || r > revs[k - 1]!)).toBe(true);
      const seen = new Set(revs);
      expect(acked.filter((r) => !seen.has(r))).toEqual([]);
    }
    // Both stores see the same final state.
    const [a, b] = await Promise.all([s.range('/'), other.range('/')]);
    expect(b.kvs.map((kv) => [kv.key, kv.modRevision])).toEqual(a.kvs.map((kv) => [kv.key, kv.modRevision]));
  });
});

describe.skipIf(!etcd.bin)('etcd backend when a member freezes', () => {
  const cluster = etcdClusterFixture(3, (members) => { for (const m of members) m.resume(); }); // a frozen member must be able to die

  it('keepalive pings move calls and watches off a frozen (SIGSTOP) member', async () => {
    // Freeze a follower (freezing the leader would also fail writes in flight until a new
    // election, which is etcd's business, not this client's).
    const isLeader = async (m: EtcdServer) => {
      const st = (await (await fetch(`${m.url}/v3/maintenance/status`, { method: 'POST', body: '{}' })).json()) as { leader: string; header: { member_id: string } };
      return st.leader === st.header.member_id;
    };
    const followers: EtcdServer[] = [];
    for (const m of cluster.members) if (!(await isLeader(m))) followers.push(m);
    const frozen = followers[0]!;
    const others = cluster.members.filter((m) => m !== frozen);
    const fast = { keepaliveMs: 200, keepaliveTimeoutMs: 500, requestTimeoutMs: 10_000 };
    const s = await openEtcdStorage({ endpoints: [frozen, ...others].map((m) => m.url), prefix: '/freeze', ...fast });
    const writer = await openEtcdStorage({ endpoints: [others[0]!.url], prefix: '/freeze' });
    cluster.opened.push(s, writer);
    const w = collector(s, '/', s.revision);
    // On a loaded machine a write may meet an election (503): retry it; a retried write can
    // land twice, so the values are compared without repeats.
    const putRetrying = async (value: string) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await put(writer, '/a', value);
        } catch (e) {
          if (attempt >= 20) throw e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    await putRetrying('before');
    await w.until(() => w.events.length === 1, 'event before the freeze');
    frozen.pause(); // s talks to its first endpoint
    try {
      const r = await putRetrying('during'); // the other two members keep quorum
      await w.until(() => w.events.some((e) => e.kv.modRevision === r.revision), 'event through another member');
      // A read on s gets through too (its connection to the frozen member was dropped).
      expect((await s.get('/a'))!.value).toBe('during');
    } finally {
      frozen.resume();
    }
    const last = await putRetrying('after');
    await w.until(() => w.events.at(-1)?.kv.modRevision === last.revision, 'event after the thaw');
    expect(w.events.map((e) => e.kv.value).filter((v, i, all) => v !== all[i - 1])).toEqual(['before', 'during', 'after']);
    expect(w.error).toBeUndefined();
  });
});

describe.skipIf(!etcd.bin)('etcd backend on a member that lost quorum', () => {
  const cluster = etcdClusterFixture(3);

  it('answers 503 "no leader" instead of waiting, and recovers with quorum', async () => {
    const s = await openEtcdStorage({ endpoints: [cluster.members[0]!.url], prefix: '/quorum', requestTimeoutMs: 3000 });
    cluster.opened.push(s);
    await put(s, '/a', '1');
    const w = collector(s, '/', s.revision);
    await Promise.all([cluster.members[1]!.stop('SIGKILL'), cluster.members[2]!.stop('SIGKILL')]);
    // Once the survivor notices it has no leader, it refuses calls (hasleader) with UNAVAILABLE.
    let err: any;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      err = await s.get('/a').then(() => undefined, (e) => e);
      if (err && /no leader/.test(err.message)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(err?.code).toBe(503);
    expect(err.message).toMatch(/no leader/);
    await Promise.all([cluster.members[1]!.start(), cluster.members[2]!.start()]);
    const r = await (async () => {
      for (;;) {
        try {
          return await put(s, '/a', '2');
        } catch {
          await new Promise((res) => setTimeout(res, 100));
        }
      }
    })();
    await w.until(() => w.events.some((e) => e.kv.modRevision === r.revision), 'the watch resumed after quorum came back');
    expect(w.events.map((e) => e.kv.value)).toEqual(['2']);
  });
});
