// Watches over real HTTP (and WebSocket): ordering without gaps, resume from a
// resourceVersion (from the watch cache's ring buffer and from storage history beyond it),
// selector transitions, the pods-by-node trigger index, bookmarks, timeouts and 410.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import { WebSocket } from 'ws';
import { call, pod, startTestServer, WatchReader, type TestServer } from './harness.js';
import { testPki } from '../support/tls.js';

const JSONH = { 'Content-Type': 'application/merge-patch+json' };

async function thousandWrites(t: TestServer, ns: string): Promise<void> {
  const u = t.url;
  await call(u, 'POST', '/api/v1/namespaces', { metadata: { name: ns } });
  const base = `/api/v1/namespaces/${ns}/pods`;
  const start = (await call(u, 'GET', base)).body.metadata.resourceVersion;
  const w = new WatchReader(`${u}${base}?watch=true&resourceVersion=${start}`);
  await w.ready;
  expect(w.status).toBe(200);

  // 1,000 writes, 50 in flight: 400 creates, then 400 label patches and 200 deletes.
  const acked: number[] = [];
  const ops: (() => Promise<void>)[] = [];
  for (let i = 0; i < 400; i++) ops.push(async () => {
    const r = await call(u, 'POST', base, pod(`w${i}`, { i: String(i) }));
    expect(r.status).toBe(201);
    acked.push(Number(r.body.metadata.resourceVersion));
  });
  const runAll = async (list: (() => Promise<void>)[]) => {
    let next = 0;
    await Promise.all(Array.from({ length: 50 }, async () => {
      while (next < list.length) await list[next++]!();
    }));
  };
  await runAll(ops);
  const second: (() => Promise<void>)[] = [];
  for (let i = 0; i < 400; i++) second.push(async () => {
    const r = await call(u, 'PATCH', `${base}/w${i}`, { metadata: { labels: { touched: 'yes' } } }, JSONH);
    expect(r.status).toBe(200);
    acked.push(Number(r.body.metadata.resourceVersion));
  });
  for (let i = 0; i < 200; i++) second.push(async () => {
    const r = await call(u, 'DELETE', `${base}/w${i + 200}-x`.replace('-x', ''), undefined);
    expect(r.status).toBe(200);
  });
  await runAll(second);
  const events = await w.until((ev) => ev.length >= 1000);
  w.close();
  expect(events).toHaveLength(1000);
  const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
  for (let i = 1; i < rvs.length; i++) expect(rvs[i]).toBeGreaterThan(rvs[i - 1]!);
  // every acknowledged create/patch is there (deletes are the remaining 200)
  const seen = new Set(rvs);
  for (const rv of acked) expect(seen.has(rv)).toBe(true);
  expect(events.filter((e) => e.type === 'ADDED')).toHaveLength(400);
  expect(events.filter((e) => e.type === 'MODIFIED').length + events.filter((e) => e.type === 'DELETED').length).toBe(600);

  // Resume from the 400th event: exactly the 600 missed events, same order, same types.
  const resumeAt = rvs[399]!;
  const r = new WatchReader(`${u}${base}?watch=true&resourceVersion=${resumeAt}`);
  const replay = await r.until((ev) => ev.length >= 600);
  await new Promise((res) => setTimeout(res, 100));
  r.close();
  expect(replay).toHaveLength(600);
  expect(replay.map((e) => `${e.type}/${e.object.metadata.resourceVersion}`)).toEqual(events.slice(400).map((e) => `${e.type}/${e.object.metadata.resourceVersion}`));
}

describe('watch', () => {
  let t: TestServer;
  let u: string;
  beforeAll(async () => {
    t = await startTestServer({ bookmarkIntervalMs: 100 });
    u = t.url;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('1,000 writes arrive in order with no gaps; a resumed watch replays exactly the missed events', async () => {
    await thousandWrites(t, 'thousand');
  });

  it('without a resourceVersion starts with ADDED for the current state, then live events', async () => {
    await call(u, 'POST', '/api/v1/namespaces', { metadata: { name: 'live' } });
    await call(u, 'POST', '/api/v1/namespaces/live/pods', pod('a'));
    await call(u, 'POST', '/api/v1/namespaces/live/pods', pod('b'));
    const w = new WatchReader(`${u}/api/v1/namespaces/live/pods?watch=1`);
    await w.until((e) => e.length >= 2);
    expect(w.events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:a', 'ADDED:b']);
    await call(u, 'PATCH', '/api/v1/namespaces/live/pods/a', { metadata: { labels: { x: '1' } } }, JSONH);
    await call(u, 'DELETE', '/api/v1/namespaces/live/pods/b');
    await w.until((e) => e.length >= 4);
    expect(w.events.slice(2).map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['MODIFIED:a', 'DELETED:b']);
    w.close();
  });

  it('label selectors: stop matching → DELETED, start matching → ADDED', async () => {
    await call(u, 'POST', '/api/v1/namespaces', { metadata: { name: 'sel' } });
    const w = new WatchReader(`${u}/api/v1/namespaces/sel/pods?watch=true&labelSelector=app%3Dweb`);
    await w.ready;
    await call(u, 'POST', '/api/v1/namespaces/sel/pods', pod('p', { app: 'web' }));
    await call(u, 'POST', '/api/v1/namespaces/sel/pods', pod('q', { app: 'db' }));
    await call(u, 'PATCH', '/api/v1/namespaces/sel/pods/p', { metadata: { labels: { app: 'other' } } }, JSONH);
    await call(u, 'PATCH', '/api/v1/namespaces/sel/pods/q', { metadata: { labels: { app: 'web' } } }, JSONH);
    await w.until((e) => e.length >= 3);
    expect(w.events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:p', 'DELETED:p', 'ADDED:q']);
    w.close();
  });

  it('field selector on spec.nodeName (the kubelet watch) sees bindings as ADDED, the scheduler watch as DELETED', async () => {
    await call(u, 'POST', '/api/v1/namespaces', { metadata: { name: 'nodes' } });
    const n1 = new WatchReader(`${u}/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3Dn1`);
    const n2 = new WatchReader(`${u}/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3Dn2`);
    const unassigned = new WatchReader(`${u}/api/v1/namespaces/nodes/pods?watch=true&fieldSelector=spec.nodeName%3D`);
    await Promise.all([n1.ready, n2.ready, unassigned.ready]);
    await call(u, 'POST', '/api/v1/namespaces/nodes/pods', pod('x'));
    await call(u, 'POST', '/api/v1/namespaces/nodes/pods/x/binding', { metadata: { name: 'x' }, target: { name: 'n1' } });
    await n1.until((e) => e.length >= 1);
    await unassigned.until((e) => e.length >= 2);
    expect(n1.events.map((e) => `${e.type}:${e.object.spec.nodeName}`)).toEqual(['ADDED:n1']);
    expect(unassigned.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
    await call(u, 'DELETE', '/api/v1/namespaces/nodes/pods/x?gracePeriodSeconds=0');
    await n1.until((e) => e.length >= 2);
    expect(n1.events[1].type).toBe('DELETED');
    expect(n2.events).toHaveLength(0);
    for (const w of [n1, n2, unassigned]) w.close();
  });

  it('watch of one object by name via the /watch/ path', async () => {
    await call(u, 'POST', '/api/v1/namespaces', { metadata: { name: 'byname' } });
    await call(u, 'POST', '/api/v1/namespaces/byname/pods', pod('one'));
    await call(u, 'POST', '/api/v1/namespaces/byname/pods', pod('two'));
    const w = new WatchReader(`${u}/api/v1/watch/namespaces/byname/pods/two`);
    await w.until((e) => e.length >= 1);
    expect(w.events.map((e) => e.object.metadata.name)).toEqual(['two']);
    w.close();
  });

  it('bookmarks carry the current resourceVersion when allowed, and only then', async () => {
    const w = new WatchReader(`${u}/api/v1/namespaces/live/pods?watch=true&allowWatchBookmarks=true&resourceVersion=0`);
    const plain = new WatchReader(`${u}/api/v1/namespaces/live/pods?watch=true&resourceVersion=0`);
    await w.until((e) => e.some((x) => x.type === 'BOOKMARK'));
    const b = w.events.find((x) => x.type === 'BOOKMARK');
    expect(b.object.kind).toBe('Pod');
    expect(Number(b.object.metadata.resourceVersion)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(plain.events.some((x) => x.type === 'BOOKMARK')).toBe(false);
    w.close();
    plain.close();
  });

  it('timeoutSeconds ends the stream', async () => {
    const w = new WatchReader(`${u}/api/v1/namespaces/live/pods?watch=true&timeoutSeconds=1`);
    await w.ready;
    const deadline = Date.now() + 30_000;
    while (!w.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(w.ended).toBe(true);
  });

  it('the same stream over WebSocket', async () => {
    await call(u, 'POST', '/api/v1/namespaces', { metadata: { name: 'ws' } });
    await call(u, 'POST', '/api/v1/namespaces/ws/pods', pod('first'));
    const ws = new WebSocket(`${u.replace('http', 'ws')}/api/v1/namespaces/ws/pods?watch=true`, { ca: testPki().caPem, cert: testPki().admin.certPem, key: testPki().admin.keyPem });
    const got: any[] = [];
    ws.on('message', (m) => got.push(JSON.parse(String(m))));
    await new Promise((res, rej) => { ws.on('open', res); ws.on('error', rej); });
    const deadline = Date.now() + 30_000;
    while (got.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await call(u, 'POST', '/api/v1/namespaces/ws/pods', pod('second'));
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(got.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:first', 'ADDED:second']);
    ws.close();
  });

  it('a resourceVersion from the future is a 504 Too large resource version after a short wait', async () => {
    const future = Number((await call(u, 'GET', '/api/v1/pods')).body.metadata.resourceVersion) + 1_000_000;
    const w = await call(u, 'GET', `/api/v1/pods?watch=true&resourceVersion=${future}`);
    expect(w.status).toBe(504);
    expect(w.body.details.causes[0].reason).toBe('ResourceVersionTooLarge');
    const l = await call(u, 'GET', `/api/v1/pods?resourceVersion=${future}`);
    expect(l.status).toBe(504);
  });

  it('bad selectors are a 400 Status, not a stream', async () => {
    const r = await call(u, 'GET', '/api/v1/pods?watch=true&fieldSelector=nope%3D1');
    expect(r.status).toBe(400);
    expect(r.body.kind).toBe('Status');
  });
});

describe('watch beyond the watch cache', () => {
  let t: TestServer;
  beforeAll(async () => {
    // A tiny ring buffer: resumes from older revisions come from storage history.
    t = await startTestServer({ watchCacheCapacity: 50 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('1,000 writes in order; resuming older than the ring buffer replays from storage', async () => {
    await thousandWrites(t, 'deep');
  });

  it('a resourceVersion older than compacted history gets ERROR 410 Expired, then the stream ends', async () => {
    const u = t.url;
    const first = (await call(u, 'POST', '/api/v1/namespaces/default/pods', pod('old'))).body.metadata.resourceVersion;
    for (let i = 0; i < 60; i++) await call(u, 'PATCH', '/api/v1/namespaces/default/pods/old', { metadata: { labels: { n: String(i) } } }, JSONH);
    await t.storage.compact(t.storage.revision);
    const w = new WatchReader(`${u}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${first}`);
    await w.until((e) => e.length >= 1);
    expect(w.status).toBe(200);
    expect(w.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    const deadline = Date.now() + 30_000;
    while (!w.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(w.ended).toBe(true);
    // lists at a compacted revision are 410 too
    const l = await call(u, 'GET', `/api/v1/namespaces/default/pods?resourceVersion=${first}&resourceVersionMatch=Exact`);
    expect(l.status).toBe(410);
  });
});

describe('slow watchers', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ watchMaxBacklogBytes: 1024 * 1024 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a watcher that stops reading is closed; the others get every event', async () => {
    const u = t.url;
    const closedCount = async () => Number(/apiserver_watch_cache_slow_watchers_closed (\d+)/.exec((await call(u, 'GET', '/metrics')).text)?.[1] ?? 0);
    await call(u, 'POST', '/api/v1/namespaces', { metadata: { name: 'slow' } });
    const fast = new WatchReader(`${u}/api/v1/namespaces/slow/pods?watch=true`);
    const slowReq = https.get(`${u}/api/v1/namespaces/slow/pods?watch=true`, { agent: testPki().agent }, (res) => {
      res.pause(); // never reads
      res.on('error', () => undefined);
    });
    slowReq.on('error', () => undefined);
    await fast.ready;
    await new Promise((r) => setTimeout(r, 100));
    const big = 'x'.repeat(200 * 1024);
    let n = 0;
    while (n < 500 && (await closedCount()) === 0) {
      for (let i = 0; i < 10; i++) {
        const p = pod(`big-${n++}`);
        p.metadata.annotations = { pad: big };
        expect((await call(u, 'POST', '/api/v1/namespaces/slow/pods', p)).status).toBe(201);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await closedCount()).toBe(1);
    const m = (await call(u, 'GET', '/metrics')).text;
    expect(m).toMatch(/apiserver_watch_cache_dispatch_seconds_count [1-9]/);
    expect(m).toMatch(/apiserver_watch_events_sent_total [1-9]/);
    await fast.until((e) => e.length >= n);
    expect(fast.events.map((e) => e.object.metadata.name)).toEqual(Array.from({ length: n }, (_, i) => `big-${i}`));
    expect(fast.ended).toBe(false);
    fast.close();
    slowReq.destroy();
  });
});
