import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decideLease, LeaderElector, leaseHeld } from '../../client/leader-election.js';
import { RestClient } from '../../client/rest.js';
import type { Lease } from '../../api/coordination/index.js';
import { FakeApiServer } from './fake-apiserver.js';

async function until(cond: () => boolean, what: string, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('decideLease (pure)', () => {
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  const lease = (holder: string, renewMs: number, transitions = 3): Lease => ({
    metadata: { name: 'l', namespace: 'kube-system', resourceVersion: '5' },
    spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime: new Date(renewMs).toISOString().replace('Z', '000Z'), acquireTime: 'x', leaseTransitions: transitions },
  });

  it('creates a missing Lease', () => {
    const d = decideLease(undefined, 'me', 15_000, t0, 'kube-system', 'l', 'T');
    expect(d).toEqual({ action: 'create', lease: {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'kube-system' },
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: 'T', renewTime: 'T', leaseTransitions: 0 },
    } });
  });
  it('waits while another holder renewed within the duration', () => {
    expect(decideLease(lease('other', t0 - 5000), 'me', 15_000, t0, 'kube-system', 'l')).toEqual({ action: 'wait', holder: 'other' });
    expect(leaseHeld(lease('other', t0 - 5000), t0)).toBe(true);
  });
  it('takes over an expired Lease, bumping leaseTransitions and keeping resourceVersion', () => {
    const d = decideLease(lease('other', t0 - 16_000), 'me', 15_000, t0, 'kube-system', 'l', 'T');
    expect(d.action).toBe('update');
    if (d.action !== 'update') return;
    expect(d.takeover).toBe(true);
    expect(d.lease.metadata.resourceVersion).toBe('5');
    expect(d.lease.spec).toMatchObject({ holderIdentity: 'me', leaseTransitions: 4, acquireTime: 'T', renewTime: 'T' });
  });
  it('takes over a released Lease at once', () => {
    const d = decideLease(lease('', t0), 'me', 15_000, t0, 'kube-system', 'l', 'T');
    expect(d).toMatchObject({ action: 'update', takeover: true });
  });
  it('renews its own Lease without a transition', () => {
    const d = decideLease(lease('me', t0 - 1000), 'me', 15_000, t0, 'kube-system', 'l', 'T');
    expect(d).toMatchObject({ action: 'update', takeover: false, lease: { spec: { leaseTransitions: 3, acquireTime: 'x', renewTime: 'T' } } });
  });
});

/** A TCP proxy we can cut, to make a leader vanish without releasing (like kill -9). */
async function proxy(targetPort: number) {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((c) => {
    const u = net.connect(targetPort, '127.0.0.1');
    sockets.add(c); sockets.add(u);
    c.pipe(u); u.pipe(c);
    const kill = () => { c.destroy(); u.destroy(); };
    c.on('error', kill); u.on('error', kill); c.on('close', kill); u.on('close', kill);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    cut: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => srv.close(r));
    },
  };
}

describe('LeaderElector against a fake API server', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const timing = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 200 };

  function elector(server: string, identity: string, log: string[]) {
    const client = new RestClient({ server, retries: 0, timeoutMs: 2000 });
    cleanups.push(() => client.close());
    const state = { leading: false, signal: undefined as AbortSignal | undefined };
    const e = new LeaderElector({
      client, namespace: 'kube-system', name: 'skiff-test', identity, ...timing,
      onStartedLeading: (signal) => { state.leading = true; state.signal = signal; log.push(`${identity} started`); },
      onStoppedLeading: () => { state.leading = false; log.push(`${identity} stopped`); },
      onNewLeader: (id) => log.push(`${identity} sees ${id}`),
    });
    cleanups.push(() => e.stop());
    void e.run();
    return { e, state };
  }

  it('only one of two leads; stop() releases and the other takes over at once', async () => {
    const srv = await new FakeApiServer().start();
    cleanups.push(() => srv.stop());
    const log: string[] = [];
    const a = elector(srv.url, 'a', log);
    const b = elector(srv.url, 'b', log);
    await until(() => a.e.isLeader() || b.e.isLeader(), 'a leader');
    // Watch for a while: never both.
    const end = Date.now() + 1500;
    while (Date.now() < end) {
      expect(a.e.isLeader() && b.e.isLeader()).toBe(false);
      await new Promise((r) => setTimeout(r, 20));
    }
    const [leader, follower] = a.e.isLeader() ? [a, b] : [b, a];
    const lease = srv.get('apis/coordination.k8s.io/v1/leases', 'kube-system', 'skiff-test') as unknown as Lease;
    const transitionsBefore = lease.spec!.leaseTransitions ?? 0;
    await leader.e.stop();
    expect(leader.e.isLeader()).toBe(false);
    expect(leader.state.signal!.aborted).toBe(true);
    const released = srv.get('apis/coordination.k8s.io/v1/leases', 'kube-system', 'skiff-test') as unknown as Lease;
    // Released: the holder is cleared (unless the follower already took it), so the
    // follower need not wait for expiry.
    expect(['', follower === a ? 'a' : 'b']).toContain(released.spec!.holderIdentity ?? '');
    await until(() => follower.e.isLeader(), 'follower takes over');
    expect(follower.state.leading).toBe(true);
    const after = srv.get('apis/coordination.k8s.io/v1/leases', 'kube-system', 'skiff-test') as unknown as Lease;
    expect(after.spec!.leaseTransitions).toBe(transitionsBefore + 1);
    expect(after.spec!.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('stop() lets the leader\'s work wind down before releasing the Lease', async () => {
    const srv = await new FakeApiServer().start();
    cleanups.push(() => srv.stop());
    const client = new RestClient({ server: srv.url, retries: 0 });
    cleanups.push(() => client.close());
    let wound = false;
    let holderWhenWound: string | undefined;
    const e = new LeaderElector({
      client, namespace: 'kube-system', name: 'wind', identity: 'w', ...timing,
      onStartedLeading: async (signal) => {
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
        await new Promise((r) => setTimeout(r, 100)); // e.g. workers finishing their keys
        holderWhenWound = (srv.get('apis/coordination.k8s.io/v1/leases', 'kube-system', 'wind') as unknown as Lease).spec?.holderIdentity ?? '';
        wound = true;
      },
    });
    void e.run();
    await until(() => e.isLeader(), 'leading');
    await e.stop();
    expect(wound).toBe(true);
    expect(holderWhenWound).toBe('w'); // still ours while winding down
    expect((srv.get('apis/coordination.k8s.io/v1/leases', 'kube-system', 'wind') as unknown as Lease).spec?.holderIdentity).toBe('');
  });

  it('a leader that vanishes without releasing is replaced after the lease expires, and itself steps down', async () => {
    const srv = await new FakeApiServer().start();
    cleanups.push(() => srv.stop());
    const p = await proxy(srv.port);
    const log: string[] = [];
    const a = elector(p.url, 'a', log);
    await until(() => a.e.isLeader(), 'a leads');
    const b = elector(srv.url, 'b', log);
    await until(() => log.includes('b sees a'), 'b observes a');
    expect(b.e.isLeader()).toBe(false);
    await p.cut(); // a can no longer reach the server: no renewals, no release
    await until(() => b.e.isLeader(), 'b takes over after expiry');
    await until(() => !a.e.isLeader(), 'a steps down after its renew deadline');
    expect(a.state.signal!.aborted).toBe(true);
    expect(log).toContain('a stopped');
    const lease = srv.get('apis/coordination.k8s.io/v1/leases', 'kube-system', 'skiff-test') as unknown as Lease;
    expect(lease.spec!.holderIdentity).toBe('b');
  });
});
