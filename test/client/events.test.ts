import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { aggregationKey, EventAggregator, EventRecorder, eventName, objectReference } from '../../client/events.js';
import { RestClient } from '../../client/rest.js';

describe('EventAggregator', () => {
  const src = { component: 'test' };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'd', uid: 'u1', resourceVersion: '7' } };
  const ref = objectReference(pod);

  it('creates, then bumps count for the same object+reason+message+type within the window', () => {
    const agg = new EventAggregator(60_000);
    const k = aggregationKey(ref, 'Warning', 'BackOff', 'restarting', src);
    const first = agg.observe(k, 'web-1', 1000, 't1');
    expect(first).toMatchObject({ action: 'create', count: 1, firstTimestamp: 't1' });
    expect(first.name).toMatch(/^web-1\.[0-9a-f]+$/);
    const second = agg.observe(k, 'web-1', 2000, 't2');
    expect(second).toEqual({ action: 'patch', name: first.name, count: 2, firstTimestamp: 't1' });
    expect(agg.observe(k, 'web-1', 3000, 't3')).toMatchObject({ action: 'patch', count: 3 });
  });

  it('a different message, reason, type or object is a separate Event', () => {
    const agg = new EventAggregator(60_000);
    const keys = [
      aggregationKey(ref, 'Warning', 'BackOff', 'a', src),
      aggregationKey(ref, 'Warning', 'BackOff', 'b', src),
      aggregationKey(ref, 'Warning', 'Failed', 'a', src),
      aggregationKey(ref, 'Normal', 'BackOff', 'a', src),
      aggregationKey({ ...ref, uid: 'u2' }, 'Warning', 'BackOff', 'a', src),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of keys) expect(agg.observe(k, 'web-1', 1, 't').action).toBe('create');
  });

  it('starts a new Event after the window passes', () => {
    const agg = new EventAggregator(1000);
    const k = aggregationKey(ref, 'Normal', 'Pulled', 'ok', src);
    const a = agg.observe(k, 'web-1', 0, 't');
    const b = agg.observe(k, 'web-1', 5000, 't');
    expect(b.action).toBe('create');
    expect(b.name).not.toBe(a.name);
  });

  it('evicts the least recently used keys beyond maxKeys', () => {
    const agg = new EventAggregator(60_000, 2);
    agg.observe('k1', 'o', 1, 't');
    agg.observe('k2', 'o', 1, 't');
    agg.observe('k1', 'o', 2, 't'); // k1 is now most recent
    agg.observe('k3', 'o', 3, 't'); // evicts k2
    expect(agg.observe('k1', 'o', 4, 't').action).toBe('patch');
    expect(agg.observe('k2', 'o', 4, 't').action).toBe('create');
  });

  it('eventName is <name>.<hex> and unique', () => {
    const names = new Set(Array.from({ length: 100 }, () => eventName('x', 1700000000000)));
    expect(names.size).toBe(100);
    for (const n of names) expect(n).toMatch(/^x\.[0-9a-f]+$/);
  });
});

describe('EventRecorder over HTTP', () => {
  const servers: http.Server[] = [];
  const clients: RestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) { s.closeAllConnections(); await new Promise((r) => s.close(r)); }
  });

  it('POSTs the first Event and PATCHes count for repeats; never throws', async () => {
    const seen: { method: string; url: string; body: any; ct?: string }[] = [];
    const s = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, body: JSON.parse(body), ct: req.headers['content-type'] });
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' });
        res.end(body);
      });
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const c = new RestClient({ server: `http://127.0.0.1:${(s.address() as AddressInfo).port}` });
    clients.push(c);
    const rec = new EventRecorder(c, { component: 'skiff-scheduler', host: 'h1' });
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'd', uid: 'u1', resourceVersion: '7' } };
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'n' } };
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    rec.event(node, 'Normal', 'NodeReady', 'ready');
    await rec.flush();
    // The first write is already sending; the two repeats fold into one queued PATCH.
    expect(seen.map((x) => `${x.method} ${x.url}`)).toEqual([
      'POST /api/v1/namespaces/d/events',
      `PATCH /api/v1/namespaces/d/events/${seen[0]!.body.metadata.name}`,
      'POST /api/v1/namespaces/default/events',
    ]);
    expect(seen[0]!.body).toMatchObject({
      kind: 'Event', apiVersion: 'v1', reason: 'FailedScheduling', type: 'Warning', count: 1,
      involvedObject: { kind: 'Pod', apiVersion: 'v1', name: 'web-1', namespace: 'd', uid: 'u1', resourceVersion: '7' },
      source: { component: 'skiff-scheduler', host: 'h1' },
    });
    expect(seen[0]!.body.firstTimestamp).toBeTruthy();
    expect(seen[1]!.body.count).toBe(3);
    expect(seen[1]!.ct).toBe('application/merge-patch+json');
    expect(seen[2]!.body.involvedObject).toEqual({ kind: 'Node', apiVersion: 'v1', name: 'n1', uid: 'n' });
    expect(rec.stats.coalesced).toBe(1);
    // Later repeats, after the queue drained, PATCH again with the running count.
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    await rec.flush();
    expect(seen[3]!.method).toBe('PATCH');
    expect(seen[3]!.body.count).toBe(4);
    // A burst of 500 repeats costs at most a couple of writes, and the count is exact.
    const before = seen.length;
    for (let i = 0; i < 500; i++) rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    await rec.flush();
    expect(seen.length - before).toBeLessThanOrEqual(2);
    expect(seen[seen.length - 1]!.body.count).toBe(504);
  });

  it('drops events beyond the bounded queue and survives a dead server', async () => {
    const c = new RestClient({ server: 'http://127.0.0.1:1', retries: 0 });
    clients.push(c);
    const rec = new EventRecorder(c, { component: 't' }, { maxQueue: 3 });
    for (let i = 0; i < 10; i++) rec.event({ metadata: { name: `o${i}` } }, 'Normal', 'R', `m${i}`);
    await rec.flush();
    expect(rec.stats.dropped).toBeGreaterThan(0);
    expect(rec.stats.failed + rec.stats.dropped).toBe(10);
  });
});
