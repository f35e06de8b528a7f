// Controller-manager throughput: a 1,000-replica Deployment created from nothing (a kubelet
// stand-in makes pods Ready at once), then rolled to a new image — beside a baseline measured
// in the same run: the same 1,000 pods POSTed straight to the API server. Prints figures;
// never asserts on timing.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import { Cluster, isActive, isReady, waitFor, webDeployment } from '../controllers/e2e/cluster.js';
import { fmt, report } from './report.js';

const N = Number(process.env.SKIFF_BENCH_REPLICAS ?? 1000);

describe('controllers benchmark', () => {
  const c = new Cluster();
  beforeAll(async () => {
    await c.apiserver();
    c.kubeletStandIn('default');
  });
  afterAll(async () => {
    await c.stopAll();
  });

  it(`${N}-replica Deployment: create and rolling update`, async () => {
    // Baseline: N pods created directly, 32 requests in flight.
    await c.client.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'baseline' } });
    const pod = (i: number): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `direct-${i}`, namespace: 'baseline', labels: { app: 'direct' } }, spec: { containers: [{ name: 'main', image: 'img:A' }] } });
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < N) await c.client.pods().create(pod(next++), { namespace: 'baseline' });
    }));
    const directMs = performance.now() - t0;
    await c.client.pods().deleteCollection({ namespace: 'baseline' });

    const cm = c.controllerManager(['--leader-elect=false']);
    await waitFor(() => cm.output().includes('caches synced'), 60_000, () => cm.output(), cm);
    const pods = c.informer<Pod>('Pod', 'default');
    pods.start();
    await pods.waitForSync();
    const active = () => (pods.store.list() as Pod[]).filter((p) => p.metadata.labels?.app === 'big' && isActive(p));

    const t1 = performance.now();
    await c.client.deployments().create(webDeployment('big', N, 'img:A'));
    let podsExistMs = 0;
    await waitFor(async () => {
      if (!podsExistMs && active().length >= N) podsExistMs = performance.now() - t1;
      const d = await c.client.deployments().get('big', 'default');
      return d.status?.availableReplicas === N && d.status?.updatedReplicas === N;
    }, 600_000, () => 'big available', cm);
    const createMs = performance.now() - t1;

    const t2 = performance.now();
    const d = await c.client.deployments().get('big', 'default');
    d.spec.template.spec.containers[0]!.image = 'img:B';
    await c.client.deployments().update(d);
    await waitFor(async () => {
      const cur = await c.client.deployments().get('big', 'default');
      const mine = active();
      return (cur.status?.observedGeneration ?? 0) >= (cur.metadata.generation ?? 0) && cur.status?.updatedReplicas === N && cur.status?.availableReplicas === N
        && cur.status?.replicas === N && mine.length === N && mine.every((p) => isReady(p) && p.spec.containers[0]!.image === 'img:B');
    }, 900_000, () => 'big rolled out', cm);
    const rollMs = performance.now() - t2;

    report(`controller-manager: ${N}-replica Deployment (stand-in kubelet makes pods Ready at once)`, [
      { measure: `create: ${N} pods exist`, value: `${fmt(podsExistMs / 1000, 2)} s (${fmt(N / (podsExistMs / 1000), 0)} pods/s)`, baseline: `${fmt(directMs / 1000, 2)} s (${fmt(N / (directMs / 1000), 0)} pods/s) POSTing ${N} pods directly, 32 in flight` },
      { measure: `create: all ${N} available`, value: `${fmt(createMs / 1000, 2)} s` },
      { measure: `rolling update A→B (25%/25%)`, value: `${fmt(rollMs / 1000, 2)} s (${N} pods replaced, ${fmt(N / (rollMs / 1000), 0)} pods/s)`, baseline: `${fmt((2 * directMs) / 1000, 2)} s for ${N} creates + ${N} deletes at the direct rate (est.)` },
    ]);
  });
});
