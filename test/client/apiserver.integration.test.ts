// The client against a real `skiff apiserver` process (compiled dist/; build first with
// `npx tsc -p tsconfig.json`): CRUD and Status mapping, informer list+watch across a kill -9
// and restart, relist on 410 after compaction, and leader election across processes.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RestClient } from '../../client/rest.js';
import { Informer, keyOf } from '../../client/informer.js';
import { LeaderElector } from '../../client/leader-election.js';
import { EventRecorder } from '../../client/events.js';
import { isStatusError } from '../../api/errors.js';
import type { Pod, Event } from '../../api/core/index.js';
import type { Deployment } from '../../api/apps/index.js';
import type { Lease } from '../../api/coordination/index.js';
import { CuttableProxy, distBuilt, RealApiServer, until, waitForLine } from './real-apiserver.js';
import { testPki } from '../support/tls.js';

const pod = (name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
} as Pod);

beforeAll(() => {
  if (!distBuilt()) throw new Error('dist/ is not built: run `npx tsc -p tsconfig.json` first');
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    try { await c(); } catch { /* keep cleaning */ }
  }
});

async function server(extra: string[] = []): Promise<RealApiServer> {
  const s = new RealApiServer(extra);
  cleanups.push(() => s.cleanup());
  return s.start();
}
function client(url: string, extra: object = {}): RestClient {
  const c = new RestClient({ server: url, credentials: testPki().credentials, baseBackoffMs: 20, maxBackoffMs: 200, ...extra });
  cleanups.push(() => c.close());
  return c;
}

describe('RestClient against skiff apiserver', () => {
  let srv: RealApiServer;
  let c: RestClient;
  beforeAll(async () => {
    srv = new RealApiServer();
    await srv.start();
    c = new RestClient({ server: srv.url, credentials: testPki().credentials });
  });
  afterAll(async () => {
    c?.close();
    await srv?.cleanup();
  });

  it('creates, reads, lists, updates, patches and deletes pods', async () => {
    const pods = c.pods();
    const created = await pods.create(pod('crud-a', { app: 'crud' }));
    expect(created.metadata.uid).toBeTruthy();
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    const got = await pods.get('crud-a', 'default');
    expect(got.metadata.uid).toBe(created.metadata.uid);
    await pods.create(pod('crud-b', { app: 'crud' }));
    await pods.create(pod('crud-c', { app: 'other' }));
    const list = await pods.list({ namespace: 'default', labelSelector: 'app=crud' });
    expect(list.items.map((p) => p.metadata.name).sort()).toEqual(['crud-a', 'crud-b']);
    const paged = await pods.listAll({ namespace: 'default', limit: 1 });
    expect(paged.items.map((p) => p.metadata.name).filter((n) => n!.startsWith('crud-')).sort()).toEqual(['crud-a', 'crud-b', 'crud-c']);

    const upd = await pods.update({ ...got, metadata: { ...got.metadata, labels: { app: 'crud', v: '2' } } });
    expect(upd.metadata.labels).toEqual({ app: 'crud', v: '2' });
    const patched = await pods.patch('crud-a', { metadata: { labels: { v: '3' } } }, 'merge', { namespace: 'default' });
    expect(patched.metadata.labels?.v).toBe('3');
    const st = await pods.updateStatus({ ...patched, status: { phase: 'Running' } } as Pod);
    expect(st.status?.phase).toBe('Running');

    await pods.delete('crud-a', { namespace: 'default', gracePeriodSeconds: 0 });
    await until(async () => {
      try { await pods.get('crud-a', 'default'); return false; } catch (e) { return isStatusError(e, 'NotFound'); }
    }, 'crud-a gone');
  });

  it('maps errors to StatusError with Kubernetes reasons', async () => {
    const pods = c.pods();
    const a = await pods.create(pod('err-a'));
    const dup = await pods.create(pod('err-a')).catch((e) => e);
    expect(isStatusError(dup, 'AlreadyExists')).toBe(true);
    expect(dup.code).toBe(409);
    await pods.patch('err-a', { metadata: { labels: { x: 'y' } } }, 'merge', { namespace: 'default' });
    const stale = await pods.update({ ...a, metadata: { ...a.metadata, labels: { stale: 'yes' } } }).catch((e) => e);
    expect(isStatusError(stale, 'Conflict')).toBe(true);
    const missing = await pods.get('no-such-pod', 'default').catch((e) => e);
    expect(isStatusError(missing, 'NotFound')).toBe(true);
    expect(missing.message).toContain('no-such-pod');
    const invalid = await pods.create({ metadata: { name: 'Bad_Name' }, spec: { containers: [] } } as unknown as Pod).catch((e) => e);
    expect(isStatusError(invalid, 'Invalid')).toBe(true);
    expect(invalid.code).toBe(422);
  });

  it('reads and updates the scale subresource and binds pods', async () => {
    const deps = c.deployments();
    await deps.create({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    } as Deployment);
    const scale = await deps.getScale('web', 'default');
    expect(scale.spec?.replicas).toBe(2);
    const scaled = await deps.updateScale('web', { ...scale, spec: { replicas: 5 } }, 'default');
    expect(scaled.spec?.replicas).toBe(5);
    expect((await deps.get('web', 'default')).spec?.replicas).toBe(5);

    const p = await c.pods().create(pod('bind-me'));
    await c.bind('default', 'bind-me', 'node-1', p.metadata.uid);
    expect((await c.pods().get('bind-me', 'default')).spec?.nodeName).toBe('node-1');
    const again = await c.bind('default', 'bind-me', 'node-2').catch((e) => e);
    expect(isStatusError(again, 'Conflict')).toBe(true);
  });

  it('records aggregated events', async () => {
    const rec = new EventRecorder(c, { component: 'client-it' });
    const p = await c.pods().create(pod('evented'));
    for (let i = 0; i < 3; i++) rec.event(p, 'Warning', 'BackOff', 'restarting failed container');
    rec.event(p, 'Normal', 'Pulled', 'pulled');
    await rec.flush();
    const evs = await c.events().list({ namespace: 'default', fieldSelector: 'involvedObject.name=evented' });
    const backoff = evs.items.filter((e: Event) => e.reason === 'BackOff');
    expect(backoff).toHaveLength(1);
    expect(backoff[0]!.count).toBe(3);
    expect(backoff[0]!.involvedObject.uid).toBe(p.metadata.uid);
    expect(evs.items.filter((e: Event) => e.reason === 'Pulled')).toHaveLength(1);
  });
});

describe('Informer against skiff apiserver', () => {
  function informer(c: RestClient) {
    const inf = new Informer<Pod>(c.pods(), { namespace: 'default' });
    cleanups.push(() => inf.stop());
    const log: string[] = [];
    inf.addEventHandler({
      onAdd: (o) => log.push(`add ${o.metadata.name}`),
      onUpdate: (a, b) => { if (a !== b) log.push(`update ${b.metadata.name}`); },
      onDelete: (o) => log.push(`delete ${o.metadata.name}`),
    });
    return { inf, log };
  }

  it('lists, watches, and resumes from its resourceVersion after the server is killed and restarted', async () => {
    const srv = await server();
    const c = client(srv.url);
    await c.pods().create(pod('a'));
    const { inf, log } = informer(c);
    inf.start();
    await inf.waitForSync();
    expect(inf.store.keys()).toEqual(['default/a']);
    await c.pods().create(pod('b'));
    await until(() => log.includes('add b'), 'add b');
    await srv.kill();
    await srv.start(); // same port, same data dir
    await c.pods().create(pod('c'));
    await c.pods().patch('a', { metadata: { labels: { x: '1' } } }, 'merge', { namespace: 'default' });
    await until(() => log.includes('add c') && log.includes('update a'), 'events after restart');
    expect(inf.store.get('default/a')!.metadata.labels).toEqual({ x: '1' });
    expect(inf.stats.lists).toBe(1); // resumed the watch; no relist needed
    expect(inf.store.keys().sort()).toEqual(['default/a', 'default/b', 'default/c']);
  });

  it('relists on 410 after compaction and emits what changed while it was away', async () => {
    const srv = await server(['--compaction-interval', '1']);
    const c = client(srv.url);
    for (const n of ['keep', 'change', 'drop']) await c.pods().create(pod(n));
    const proxy = new CuttableProxy(() => srv.port);
    await proxy.open();
    cleanups.push(() => proxy.cut());
    const ic = client(proxy.url, { retries: 0 });
    const { inf, log } = informer(ic);
    inf.start();
    await inf.waitForSync();
    expect(log.sort()).toEqual(['add change', 'add drop', 'add keep']);
    log.length = 0;
    await proxy.cut();
    const rv = inf.lastSyncResourceVersion();
    await c.pods().patch('change', { metadata: { labels: { changed: 'yes' } } }, 'merge', { namespace: 'default' });
    await c.pods().delete('drop', { namespace: 'default', gracePeriodSeconds: 0 });
    await c.pods().create(pod('fresh'));
    // Restart so the watch cache forgets, then wait for compaction past the informer's RV.
    await srv.kill();
    await srv.start();
    await until(async () => {
      const w = c.pods().watch({ namespace: 'default', resourceVersion: rv, timeoutSeconds: 1 });
      for await (const ev of w) { w.close(); return ev.type === 'ERROR' && (ev.object as { code?: number }).code === 410; }
      return false;
    }, 'compaction past the informer resourceVersion');
    await proxy.open(); // same port: the informer reconnects, gets 410, relists
    await until(() => inf.stats.relistsOnExpired >= 1 && log.includes('add fresh') && log.includes('delete drop'), 'relist diff');
    expect(log.sort()).toEqual(['add fresh', 'delete drop', 'update change']);
    expect(inf.store.keys().sort()).toEqual(['default/change', 'default/fresh', 'default/keep']);
    await c.pods().create(pod('after'));
    await until(() => log.includes('add after'), 'watching again after relist');
  });
});

describe('Informer consistency under churn', () => {
  it('converges to exactly the server state after concurrent writes and two kill -9 restarts', async () => {
    const srv = await server();
    const writer = client(srv.url, { retries: 20, baseBackoffMs: 50, maxBackoffMs: 500 });
    const inf = new Informer<Pod>(client(srv.url).pods(), { namespace: 'default', pageSize: 50 });
    cleanups.push(() => inf.stop());
    // Handler bookkeeping must mirror the store: adds/deletes balance to the live set.
    const live = new Set<string>();
    inf.addEventHandler({
      onAdd: (o) => live.add(keyOf(o)),
      onUpdate: (_a, b) => live.add(keyOf(b)),
      onDelete: (o) => live.delete(keyOf(o)),
    });
    for (let i = 0; i < 60; i++) await writer.pods().create(pod(`churn-${i}`));
    inf.start();
    await inf.waitForSync();
    let stop = false;
    const ignore = (e: unknown) => {
      if (isStatusError(e) || (e as Error).name === 'ConnectionError') return;
      throw e;
    };
    const work = (async () => {
      for (let round = 0; !stop; round++) {
        const i = round % 90;
        const name = `churn-${i}`;
        if (round % 3 === 0) await writer.pods().delete(name, { namespace: 'default', gracePeriodSeconds: 0 }).catch(ignore);
        else if (round % 3 === 1) await writer.pods().create(pod(name)).catch(ignore);
        else await writer.pods().patch(name, { metadata: { labels: { round: String(round) } } }, 'merge', { namespace: 'default' }).catch(ignore);
      }
    })();
    for (let k = 0; k < 2; k++) {
      await new Promise((r) => setTimeout(r, 700));
      await srv.kill();
      await new Promise((r) => setTimeout(r, 200));
      await srv.start();
    }
    await new Promise((r) => setTimeout(r, 700));
    stop = true;
    await work;
    const truth = await writer.pods().listAll({ namespace: 'default' });
    const want = new Map(truth.items.map((p) => [keyOf(p), p.metadata.resourceVersion]));
    await until(() => {
      const keys = inf.store.keys();
      return keys.length === want.size && keys.every((k) => inf.store.get(k)!.metadata.resourceVersion === want.get(k));
    }, 'informer to match the server');
    expect([...live].sort()).toEqual([...want.keys()].sort());
  });
});

describe('LeaderElector against skiff apiserver', () => {
  const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };

  function elector(url: string, identity: string) {
    const c = client(url, { retries: 0, timeoutMs: 2000 });
    const state = { leading: false, signal: undefined as AbortSignal | undefined };
    const e = new LeaderElector({
      client: c, namespace: 'kube-system', name: 'skiff-it', identity, ...timing,
      onStartedLeading: (s) => { state.leading = true; state.signal = s; },
      onStoppedLeading: () => { state.leading = false; },
    });
    cleanups.push(() => e.stop());
    void e.run();
    return { e, state };
  }

  it('two electors: one leads; stop() hands over at once', async () => {
    const srv = await server();
    const a = elector(srv.url, 'a');
    const b = elector(srv.url, 'b');
    await until(() => a.e.isLeader() || b.e.isLeader(), 'a leader');
    const end = Date.now() + 2000;
    while (Date.now() < end) {
      expect(a.e.isLeader() && b.e.isLeader()).toBe(false);
      await new Promise((r) => setTimeout(r, 25));
    }
    const [leader, follower] = a.e.isLeader() ? [a, b] : [b, a];
    await leader.e.stop();
    expect(leader.state.signal!.aborted).toBe(true);
    const lease = await client(srv.url).leases().get('skiff-it', 'kube-system') as Lease;
    // Released (holder cleared), unless the follower was quick enough to take it already.
    expect(['', follower === a ? 'a' : 'b']).toContain(lease.spec?.holderIdentity ?? '');
    await until(() => follower.e.isLeader(), 'follower takes over');
  });

  it('a leader killed with -9 (no release) is replaced after the lease duration', async () => {
    const srv = await server();
    const fixture = path.join(import.meta.dirname, 'fixtures', 'elector.mjs');
    const child: ChildProcess = spawn(process.execPath, [fixture, srv.url, testPki().kubeconfig, 'proc-a', String(timing.leaseDurationMs), String(timing.renewDeadlineMs), String(timing.retryPeriodMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
    await waitForLine(child, /LEADING proc-a/);
    child.stdout!.resume();
    child.stderr!.resume();
    const held = await client(srv.url).leases().get('skiff-it', 'kube-system') as Lease;
    expect(held.spec?.holderIdentity).toBe('proc-a');
    const b = elector(srv.url, 'b');
    await until(() => b.e.leader() === 'proc-a', 'b observes proc-a holding the lease');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    await until(() => b.e.isLeader(), 'b takes over after expiry');
    const lease = await client(srv.url).leases().get('skiff-it', 'kube-system') as Lease;
    expect(lease.spec?.holderIdentity).toBe('b');
    expect(lease.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
  });
});

// keyOf is used by components with the informer; keep one real-object check here too.
it('keyOf on a server object', () => {
  expect(keyOf({ metadata: { name: 'x', namespace: 'default' } })).toBe('default/x');
});
