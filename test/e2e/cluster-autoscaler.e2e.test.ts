// Nodes added on demand: `skiff up --autoscale-nodes 1:2` with real kubelets (process runtime).
// Two pods that each ask for 1.2 of the node's 2 CPUs cannot share a node: the second waits
// Unschedulable, the autoscaler starts a second kubelet, the pod runs there. Scaled back to one
// pod, one node is empty; after the (shortened) unneeded time it is drained and removed — its
// kubelet stopped, its Node deleted — and a resumed cluster starts the group as it last was.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, ROOT, until } from './cluster.js';

// Two pods of 1.2 CPUs each (a node here has the machine's 2; more CPUs, bigger requests).
const DEMO = fs.readFileSync(path.join(ROOT, 'manifests/cluster-autoscaler-demo.yaml'), 'utf8');

interface PodView { metadata: { name: string }; spec: { nodeName?: string }; status?: { phase?: string } }

describe('the cluster autoscaler under skiff up', () => {
  const cluster = new Cluster({ nodes: 1, runtime: 'process' });
  const flags = ['--autoscale-nodes', '1:2', '--scan-interval', '1s', '--scale-down-unneeded-time', '3s', '--scale-down-delay-after-add', '1s'];
  beforeAll(async () => { await cluster.up(flags); }, 180_000);
  afterAll(() => cluster.destroy());

  const nodes = async (): Promise<string[]> => (await cluster.ok(['get', 'nodes', '-o', 'name'])).trim().split('\n').filter(Boolean);
  const pods = async (): Promise<PodView[]> => JSON.parse(await cluster.ok(['get', 'pods', '-l', 'app=big', '-o', 'json'])).items;
  const kubelets = () => (JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'components.json'), 'utf8')) as { name: string }[]).filter((c) => c.name.startsWith('kubelet-')).map((c) => c.name);
  const second = () => `node/${cluster.nodePrefix}2`;

  it('says it autoscales, and starts with the minimum', async () => {
    expect(cluster.output).toMatch(/autoscaling {2}1 to 2 nodes/);
    expect(await nodes()).toEqual([`node/${cluster.nodePrefix}1`]);
  });

  it('a pod that fits on no node brings a second node up, and runs there', async () => {
    const cpus = Number(JSON.parse(await cluster.ok(['get', 'nodes', '-o', 'json'])).items[0].status.allocatable.cpu);
    await cluster.ok(['apply', '-f', '-'], { input: DEMO.replace('cpu: 1200m', `cpu: ${Math.ceil(cpus * 600)}m`) });
    const running = await until('both pods Running on two nodes', async () => {
      const p = await pods();
      return p.length === 2 && p.every((x) => x.status?.phase === 'Running') && new Set(p.map((x) => x.spec.nodeName)).size === 2 ? p : undefined;
    }, 150_000);
    expect(running.map((p) => p.spec.nodeName).sort()).toEqual([`${cluster.nodePrefix}1`, `${cluster.nodePrefix}2`]);
    expect(await nodes()).toEqual([`node/${cluster.nodePrefix}1`, second()]);
    expect(cluster.output).toContain(`node ${cluster.nodePrefix}2 added by the cluster autoscaler`);
    expect(await cluster.ok(['get', 'events', '--field-selector', 'reason=TriggeredScaleUp'])).toMatch(/pod triggered scale-up: \[\{skiff-up\/\S+ 1->2 \(max: 2\)\}\]/);
    expect(kubelets()).toHaveLength(2);
  }, 200_000);

  it('a pod that would fit on no node of the group buys nothing, and says why', async () => {
    const cpus = Number(JSON.parse(await cluster.ok(['get', 'nodes', '-o', 'json'])).items[0].status.allocatable.cpu);
    await cluster.ok(['apply', '-f', '-'], { input: `apiVersion: v1\nkind: Pod\nmetadata: {name: huge}\nspec:\n  containers: [{name: huge, image: host, command: [sleep, "60"], resources: {requests: {cpu: "${cpus + 1}"}}}]\n` });
    const why = await until('NotTriggerScaleUp for huge', async () => {
      const out = await cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=huge,reason=NotTriggerScaleUp']);
      return out.includes('NotTriggerScaleUp') ? out : undefined;
    }, 60_000);
    expect(why).toContain("pod didn't trigger scale-up: it would not fit on a new node of the group's shape");
    await cluster.ok(['delete', 'pod', 'huge', '--grace-period', '0']);
  }, 90_000);

  it('an empty node is drained and removed after the unneeded time, down to the minimum', async () => {
    await cluster.ok(['scale', 'deployment/big', '--replicas', '1']);
    await until('back to one node', async () => (await nodes()).length === 1, 150_000);
    expect(kubelets()).toHaveLength(1);
    expect(cluster.output).toMatch(/node \S+ removed by the cluster autoscaler/);
    const left = await until('the remaining pod Running', async () => {
      const p = (await pods()).filter((x) => x.status?.phase === 'Running');
      return p.length === 1 ? p : undefined;
    }, 60_000);
    expect([`node/${left[0]!.spec.nodeName}`]).toEqual(await nodes());
    expect(JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'node-group.json'), 'utf8')).nodes).toEqual([left[0]!.spec.nodeName]);
    // Never below the minimum: the last node stays however idle.
    await cluster.ok(['scale', 'deployment/big', '--replicas', '0']);
    await new Promise((r) => setTimeout(r, 6000));
    expect(await nodes()).toHaveLength(1);
  }, 200_000);

  it('refuses bad flags plainly', async () => {
    const bad = new Cluster({ nodes: 1 });
    try {
      await expect(bad.up(['--autoscale-nodes', '3:2'])).rejects.toThrow(/--autoscale-nodes must be MIN:MAX with 1 <= MIN <= MAX <= 500, like 2:5, got "3:2"/);
      await expect(bad.up(['--scale-down-unneeded-time', '5s'])).rejects.toThrow(/--scale-down-unneeded-time needs --autoscale-nodes/);
    } finally {
      await bad.destroy();
    }
  });
});
