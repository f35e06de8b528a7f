// DaemonSets through real processes: `skiff apiserver`, `skiff controller-manager` (the
// DaemonSet and garbage-collector controllers), `skiff scheduler` and fake-runtime kubelets
// (hollow nodes whose pods run at once). The pods are placed by the default scheduler through
// their `matchFields metadata.name` affinity. One pod per node; a node added later gets one;
// a removed node's pod goes; a rolling update replaces every pod with maxUnavailable 1 and
// never puts two pods on one node, even with the controller-manager killed with SIGKILL as a
// rollout starts; the history is ControllerRevisions; deleting the DaemonSet removes its pods
// and revisions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerRevision, DaemonSet } from '../../../api/apps/index.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../../../api/apps/index.js';
import type { Pod } from '../../../api/core/index.js';
import type { ResourceClient } from '../../../client/index.js';
import { Cluster, waitFor, type Proc } from './cluster.js';

const A = `dsa${process.pid}-`;
const B = `dsb${process.pid}-`;

const agent = (image: string): DaemonSet => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image }] } },
  },
});

describe('DaemonSet controller', () => {
  const c = new Cluster();
  let dss: ResourceClient<DaemonSet>;
  let cm: Proc;
  let kubeletB: Proc;
  const overlaps: string[] = [];

  beforeAll(async () => {
    await c.apiserver();
    cm = c.controllerManager(['--leader-elect=false', '--controllers', 'daemonset,garbagecollector']);
    c.start(['scheduler', '--server', c.url, '--leader-elect=false']);
    c.start(['kubelet', '--server', c.url, '--runtime', 'fake', '--nodes', '2', '--node-name-prefix', A, '--port', '0', '--root-dir', c.tempDir()]);
    dss = c.client.resource<DaemonSet>('DaemonSet');
    await waitFor(async () => (await c.client.nodes().list()).items.length === 2, 60_000, () => '2 nodes');
    // The invariant a rolling update (maxSurge 0) keeps: never two pods, even terminating, on one node.
    const pods = c.informer<Pod>('Pod', 'default');
    const check = () => {
      const perNode = new Map<string, number>();
      for (const p of pods.store.list()) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
      for (const [node, count] of perNode) if (count > 1) overlaps.push(`${node}: ${count}`);
    };
    pods.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
    pods.start();
  });
  afterAll(async () => { await c.stopAll(); });

  const agentPods = async () => (await c.client.pods().list({ namespace: 'default', labelSelector: 'app=agent' })).items;
  const ready = (p: Pod) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
  /** Every node has exactly one Ready agent pod (of `hash`, if given), and nothing else is around. */
  const onePerNode = (nodes: number, hash?: string) => waitFor(async () => {
    const pods = await agentPods();
    const names = (await c.client.nodes().list()).items.map((n) => n.metadata.name!).sort();
    const placed = pods.map((p) => p.spec.nodeName ?? '').sort();
    const ok = names.length === nodes && pods.length === nodes && placed.join() === names.join() && pods.every(ready)
      && (!hash || pods.every((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash));
    return ok ? pods : undefined;
  }, 90_000, () => `one agent pod on each of ${nodes} nodes`, cm);

  it('runs one pod on each node, placed by the scheduler through its node affinity', async () => {
    await dss.create(agent('agent:v1'));
    const pods = await onePerNode(2);
    for (const p of pods) {
      expect(p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] }]);
      expect(p.spec.tolerations).toContainEqual({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' });
    }
    const ds = await waitFor(async () => { const d = await dss.get('agent', 'default'); return d.status?.numberAvailable === 2 ? d : undefined; }, 60_000, () => 'status');
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 2, updatedNumberScheduled: 2, numberMisscheduled: 0, observedGeneration: 1 });
  });

  it('a node added later gets a pod; a node removed loses it', async () => {
    kubeletB = c.start(['kubelet', '--server', c.url, '--runtime', 'fake', '--nodes', '1', '--node-name-prefix', B, '--port', '0', '--root-dir', c.tempDir()]);
    await onePerNode(3);
    await c.stop(kubeletB);
    await c.client.nodes().delete(`${B}0`);
    await onePerNode(2);
  });

  it('rolls out a new template node by node, with two ControllerRevisions as history', async () => {
    // A patch, as `kubectl set image` sends: a get-then-update races the controller's status writes (409).
    await dss.patch('agent', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:v2' }] } } } }, 'strategic', { namespace: 'default' });
    const revisions = async () => (await c.client.resource<ControllerRevision>('ControllerRevision').list({ namespace: 'default' })).items.sort((a, b) => a.revision - b.revision);
    const revs = await waitFor(async () => { const r = await revisions(); return r.length === 2 ? r : undefined; }, 60_000, () => '2 revisions');
    const newHash = revs[1]!.metadata.labels![CONTROLLER_REVISION_HASH_LABEL]!;
    expect(revs.map((r) => r.revision)).toEqual([1, 2]);
    expect(revs[1]!.metadata.name).toBe(`agent-${newHash}`);
    const pods = await onePerNode(2, newHash);
    expect(pods.every((p) => p.spec.containers[0]!.image === 'agent:v2')).toBe(true);
    await waitFor(async () => { const d = await dss.get('agent', 'default'); return d.status?.updatedNumberScheduled === 2 && d.status.numberAvailable === 2 && d.status.observedGeneration === 2; }, 60_000, () => 'rolled-out status');
    const events = (await c.client.events().list({ namespace: 'default', fieldSelector: 'involvedObject.name=agent' })).items;
    expect(events.filter((e) => e.reason === 'SuccessfulDelete').length).toBeGreaterThanOrEqual(2);
    expect(overlaps).toEqual([]);
  });

  it('a controller-manager killed with SIGKILL as a rollout starts: the next one finishes it, never two pods on a node', async () => {
    // A patch, as `kubectl set image` sends: a get-then-update races the controller's status writes (409).
    await dss.patch('agent', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:v3' }] } } } }, 'strategic', { namespace: 'default' });
    const revisions = async () => (await c.client.resource<ControllerRevision>('ControllerRevision').list({ namespace: 'default' })).items.sort((a, b) => a.revision - b.revision);
    const revs = await waitFor(async () => { const r = await revisions(); return r.length === 3 ? r : undefined; }, 60_000, () => '3 revisions', cm);
    await c.kill9(cm);
    cm = c.controllerManager(['--leader-elect=false', '--controllers', 'daemonset,garbagecollector']);
    const pods = await onePerNode(2, revs[2]!.metadata.labels![CONTROLLER_REVISION_HASH_LABEL]);
    expect(pods.every((p) => p.spec.containers[0]!.image === 'agent:v3')).toBe(true);
    expect(overlaps).toEqual([]);
  });

  it('deleting the DaemonSet removes its pods and revisions (garbage collector)', async () => {
    await dss.delete('agent', { namespace: 'default' });
    await waitFor(async () => (await agentPods()).length === 0, 60_000, () => 'pods gone', cm);
    await waitFor(async () => (await c.client.resource<ControllerRevision>('ControllerRevision').list({ namespace: 'default' })).items.length === 0, 60_000, () => 'revisions gone', cm);
  });
});
