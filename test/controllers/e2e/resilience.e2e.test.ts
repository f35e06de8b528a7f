// The controller-manager dies and comes back: kill -9 mid-rollout and a restart finishes the
// rollout with no extra pods; two controller-managers elect one leader, and when it is
// killed the other takes over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../../api/core/index.js';
import type { Informer } from '../../../client/index.js';
import type { Lease } from '../../../api/coordination/index.js';
import { Cluster, isActive, isReady, waitFor, webDeployment, type Proc } from './cluster.js';

const LEASE = ['kube-system', 'skiff-controller-manager'] as const;
const FAST_ELECTION = ['--leader-elect-lease-duration=6s', '--leader-elect-renew-deadline=4s', '--leader-elect-retry-period=1s'];

describe('controller-manager restarts and leader election', () => {
  const c = new Cluster();
  let pods: Informer<Pod>;

  beforeAll(async () => {
    await c.apiserver();
    // Pods take a while to become Ready, so a rollout is slow enough to interrupt.
    c.kubeletStandIn(undefined, 400);
    pods = c.informer<Pod>('Pod', 'default');
    pods.start();
    await pods.waitForSync();
  });
  afterAll(async () => {
    await c.stopAll();
  });

  const active = (app: string) => (pods.store.list() as Pod[]).filter((p) => p.metadata.labels?.app === app && isActive(p));

  async function rolledOut(name: string, replicas: number, image: string): Promise<void> {
    await waitFor(async () => {
      const d = await c.client.deployments().get(name, 'default');
      const mine = active(name);
      return (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && d.status?.updatedReplicas === replicas && d.status?.availableReplicas === replicas
        && d.status?.replicas === replicas && mine.length === replicas && mine.every((p) => isReady(p) && p.spec.containers[0]!.image === image);
    }, 120_000, () => `${name} rolled out to ${replicas}×${image}`);
  }

  it('kill -9 mid-rollout, restart: the rollout finishes within its bounds and with no extra pods', async () => {
    let cm: Proc = c.controllerManager(['--leader-elect=false']);
    await c.client.deployments().create(webDeployment('phoenix', 10, 'img:A', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
    await rolledOut('phoenix', 10, 'img:A');

    const violations: string[] = [];
    let maxActive = 0;
    const check = () => {
      const mine = active('phoenix');
      const available = mine.filter(isReady).length;
      maxActive = Math.max(maxActive, mine.length);
      if (mine.length > 13) violations.push(`${mine.length} pods > 13`);
      if (available < 8) violations.push(`${available} available < 8`);
    };
    pods.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });

    await c.client.deployments().patch('phoenix', { spec: { template: { spec: { containers: [{ name: 'main', image: 'img:B' }] } } } }, 'strategic', { namespace: 'default' });
    // Wait until the rollout is under way, but not done, then kill the controller-manager.
    await waitFor(() => {
      const b = active('phoenix').filter((p) => p.spec.containers[0]!.image === 'img:B').length;
      return b >= 3 && b < 10;
    }, 90_000, () => 'rollout under way');
    await c.kill9(cm);
    const atKill = active('phoenix').length;
    expect(atKill).toBeLessThanOrEqual(13);

    cm = c.controllerManager(['--leader-elect=false']);
    await rolledOut('phoenix', 10, 'img:B');
    expect(violations).toEqual([]);
    expect(maxActive).toBeLessThanOrEqual(13);
    expect(active('phoenix')).toHaveLength(10);
    const rss = (await c.client.replicaSets().list({ namespace: 'default', labelSelector: 'app=phoenix' })).items;
    expect(rss).toHaveLength(2);
    expect(rss.map((r) => r.spec.replicas).sort()).toEqual([0, 10]);
    await c.stop(cm);
  });

  it('two controller-managers: only the leader acts; when it is killed the other takes over', async () => {
    const cm1 = c.controllerManager(['--identity=cm-1', ...FAST_ELECTION]);
    await waitFor(() => cm1.output().includes('cm-1 started leading'), 60_000, () => `cm-1 leading:\n${cm1.output()}`, cm1);
    const cm2 = c.controllerManager(['--identity=cm-2', ...FAST_ELECTION]);
    await waitFor(() => cm2.output().includes('leader is cm-1'), 60_000, () => `cm-2 sees cm-1:\n${cm2.output()}`, cm2);

    await c.client.deployments().create(webDeployment('duo', 4, 'img:A'));
    await rolledOut('duo', 4, 'img:A');
    expect(cm2.output()).not.toContain('started leading');
    const lease = await c.client.leases().get(LEASE[1], LEASE[0]) as Lease;
    expect(lease.spec?.holderIdentity).toBe('cm-1');
    expect(active('duo')).toHaveLength(4);

    const killedAt = Date.now();
    await c.kill9(cm1);
    const lastRenew = Date.parse(((await c.client.leases().get(LEASE[1], LEASE[0])) as Lease).spec?.renewTime ?? '');
    await waitFor(() => cm2.output().includes('cm-2 started leading'), 60_000, () => `cm-2 takes over:\n${cm2.output()}`, cm2);
    const tookOverMs = Date.now() - killedAt;
    console.log(`leader takeover after kill -9: ${tookOverMs} ms (lease duration 6000 ms)`);
    const after = await c.client.leases().get(LEASE[1], LEASE[0]) as Lease;
    expect(after.spec?.holderIdentity).toBe('cm-2');
    // Safety, not speed: cm-2 took the Lease only once cm-1's last renewal had expired.
    const acquired = Date.parse(after.spec?.acquireTime ?? '');
    expect(acquired).toBeGreaterThanOrEqual(lastRenew + 6000);
    console.log(`cm-2 acquired the lease ${acquired - (lastRenew + 6000)} ms after cm-1's lease expired (retry period 1000 ms)`);

    // The new leader acts: a scale-up converges.
    await c.scale('duo', 6);
    await rolledOut('duo', 6, 'img:A');

    // Graceful stop releases the lease.
    expect(await c.stop(cm2)).toBe(0);
    const released = await c.client.leases().get(LEASE[1], LEASE[0]) as Lease;
    expect(released.spec?.holderIdentity ?? '').toBe('');
  });
});
