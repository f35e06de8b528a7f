// Cascading deletion through the real API server and the garbage collector: Background,
// Foreground (dependents gone before the owner), Orphan (dependents kept, unowned), and a
// namespace deleted with everything in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../../api/core/index.js';
import type { Deployment, ReplicaSet } from '../../../api/apps/index.js';
import { isStatusError } from '../../../api/errors.js';
import { Cluster, isReady, waitFor, webDeployment } from './cluster.js';

describe('garbage collection and namespace deletion', () => {
  const c = new Cluster();

  beforeAll(async () => {
    await c.apiserver();
    c.kubeletStandIn();
    c.controllerManager(['--leader-elect=false']);
  });
  afterAll(async () => {
    await c.stopAll();
  });

  const list = async <T>(kind: 'pods' | 'replicaSets', app: string, ns = 'default'): Promise<T[]> =>
    (await (c.client[kind]() as ReturnType<typeof c.client.pods>).list({ namespace: ns, labelSelector: `app=${app}` })).items as unknown as T[];
  const gone = async (get: () => Promise<unknown>) => {
    try { await get(); return false; } catch (e) { if (isStatusError(e, 'NotFound')) return true; throw e; }
  };

  async function running(name: string, replicas: number, ns = 'default'): Promise<void> {
    await waitFor(async () => {
      const pods = await list<Pod>('pods', name, ns);
      const d = await c.client.deployments().get(name, ns);
      return d.status?.availableReplicas === replicas && pods.length === replicas && pods.every(isReady);
    }, 90_000, () => `deployment ${ns}/${name} running`);
  }

  it('Background: deleting a Deployment removes its ReplicaSets and pods', async () => {
    await c.client.deployments().create(webDeployment('bg', 4, 'img:A'));
    await running('bg', 4);
    await c.client.deployments().delete('bg', { namespace: 'default', propagationPolicy: 'Background' });
    await waitFor(async () => (await list('replicaSets', 'bg')).length === 0 && (await list('pods', 'bg')).length === 0, 90_000, () => 'bg dependents gone');
  });

  it('Foreground: the Deployment stays (with foregroundDeletion) until its ReplicaSet and pods are gone', async () => {
    await c.client.deployments().create(webDeployment('fg', 4, 'img:A'));
    await running('fg', 4);
    const seen: { deployment: boolean; rs: number; pods: number }[] = [];
    await c.client.deployments().delete('fg', { namespace: 'default', propagationPolicy: 'Foreground' });
    const marked = await c.client.deployments().get('fg', 'default');
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    expect(marked.metadata.finalizers).toContain('foregroundDeletion');
    await waitFor(async () => {
      const deploymentGone = await gone(() => c.client.deployments().get('fg', 'default'));
      const rs = (await list('replicaSets', 'fg')).length;
      const pods = (await list('pods', 'fg')).length;
      seen.push({ deployment: !deploymentGone, rs, pods });
      return deploymentGone;
    }, 90_000, () => 'fg deployment gone');
    // Whenever the Deployment was already gone its dependents were gone too.
    expect((await list('replicaSets', 'fg')).length).toBe(0);
    expect((await list('pods', 'fg')).length).toBe(0);
    expect(seen.every((s) => s.deployment || (s.rs === 0 && s.pods === 0))).toBe(true);
  });

  it('Orphan: the ReplicaSet and pods stay, without ownerReferences to the Deployment', async () => {
    const d = await c.client.deployments().create(webDeployment('orph', 3, 'img:A'));
    await running('orph', 3);
    await c.client.deployments().delete('orph', { namespace: 'default', propagationPolicy: 'Orphan' });
    await waitFor(() => gone(() => c.client.deployments().get('orph', 'default')), 90_000, () => 'orph deployment gone');
    const rss = await list<ReplicaSet>('replicaSets', 'orph');
    expect(rss).toHaveLength(1);
    expect((rss[0]!.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid)).toBe(false);
    const pods = await list<Pod>('pods', 'orph');
    expect(pods).toHaveLength(3);
    // The pods still belong to the (now orphaned) ReplicaSet, which keeps them running.
    expect(pods.every((p) => p.metadata.ownerReferences?.[0]?.uid === rss[0]!.metadata.uid)).toBe(true);
    // Deleting the orphaned ReplicaSet (Background) now collects its pods.
    await c.client.replicaSets().delete(rss[0]!.metadata.name!, { namespace: 'default' });
    await waitFor(async () => (await list('pods', 'orph')).length === 0, 90_000, () => 'orphaned RS pods collected');
  });

  it('a Namespace deleted with a Deployment in it goes Terminating, is emptied, then disappears', async () => {
    await c.client.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    const dep: Deployment = { ...webDeployment('app', 3, 'img:A'), metadata: { name: 'app', namespace: 'team' } };
    await c.client.deployments().create(dep, { namespace: 'team' });
    await running('app', 3, 'team');
    await c.client.namespaces().delete('team');
    await waitFor(() => gone(() => c.client.namespaces().get('team')), 90_000, () => 'namespace team gone');
    expect((await c.client.pods().list({ namespace: 'team' })).items).toHaveLength(0);
    expect((await c.client.replicaSets().list({ namespace: 'team' })).items).toHaveLength(0);
  });
});
