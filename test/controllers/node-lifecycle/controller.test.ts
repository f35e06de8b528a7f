// The node lifecycle loop against a real `skiff apiserver` (its own process), the controller
// in this process (a ControllerManager running only `nodelifecycle`, grace period 4 s, Leases renewed every 0.5 s) and no
// kubelet: the test plays the kubelets by writing Nodes and renewing their Leases itself, so
// it decides exactly which node goes silent and when.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod, Toleration } from '../../../api/core/index.js';
import { microNow, type Lease } from '../../../api/coordination/index.js';
import { ControllerManager } from '../../../controllers/controller-manager.js';
import { Cluster, waitFor } from '../e2e/cluster.js';
import { testPki } from '../../support/tls.js';

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const cluster = new Cluster();
let cm: ControllerManager | undefined;
let cmRun: Promise<void> | undefined;
const renewing = new Set<string>();
let renewer: NodeJS.Timeout | undefined;

const isoSeconds = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

async function addNode(name: string): Promise<void> {
  const t = isoSeconds();
  const created = await cluster.client.nodes().create({ apiVersion: 'v1', kind: 'Node', metadata: { name } } as Node);
  await cluster.client.nodes().updateStatus({
    ...created,
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: t, lastTransitionTime: t }] },
  } as Node);
  await cluster.client.leases().create({ metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microNow() } } as Lease);
  renewing.add(name);
}

/** What the kubelet does when it comes back: post Ready=True (with a fresh heartbeat). */
async function postReady(name: string): Promise<void> {
  await waitFor(async () => {
    const n = await cluster.client.nodes().get(name);
    const t = isoSeconds();
    const conditions = (n.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
    conditions.push({ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: t, lastTransitionTime: t } as never);
    await cluster.client.nodes().updateStatus({ ...n, status: { ...n.status, conditions } });
    return true;
  }, 30_000, () => `post Ready for ${name}`);
}

async function addPod(name: string, node: string, tolerations?: Toleration[]): Promise<void> {
  await cluster.client.pods().create({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }], ...(tolerations ? { tolerations } : {}) },
  } as Pod);
}

const node = (name: string) => cluster.client.nodes().get(name);
const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready');
const ourTaints = (n: Node) => (n.spec?.taints ?? []).filter((t) => t.key.startsWith('node.kubernetes.io/')).map((t) => `${t.key}:${t.effect}`).sort();

describe('node lifecycle controller (real API server, controller in process)', () => {
  beforeAll(async () => {
    await cluster.apiserver();
    await addNode('n1');
    await addNode('n2');
    // The "kubelets": renew every live node's Lease every 500 ms.
    renewer = setInterval(() => {
      for (const name of renewing) {
        void cluster.client.leases().get(name, 'kube-node-lease')
          .then((l) => cluster.client.leases().update({ ...l, spec: { ...l.spec, renewTime: microNow() } }))
          .catch(() => {});
      }
    }, 500);
    cm = new ControllerManager({ server: cluster.url, credentials: testPki().credentials, leaderElect: false, controllers: ['nodelifecycle'], nodeMonitorGracePeriodMs: 4000, log: () => {} });
    cmRun = cm.run();
  }, 60_000);

  afterAll(async () => {
    if (renewer) clearInterval(renewer);
    await cm?.stop();
    await cmRun?.catch(() => {});
    await cluster.stopAll();
  }, 60_000);

  it('marks a silent node Unknown and taints it, evicts by toleration, spares the rest; full disruption withholds NoExecute; recovery clears the taints', async () => {
    // The API server gives every pod 300 s default tolerations; these two state their own.
    await addPod('quick', 'n1', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }]);
    await addPod('forever', 'n1', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }]);
    await addPod('default', 'n1');
    await addPod('elsewhere', 'n2', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }]);
    const dflt = await cluster.client.pods().get('default', 'default');
    expect(dflt.spec.tolerations).toEqual(expect.arrayContaining([{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]));

    // Healthy nodes for a while (several grace periods): nothing happens to them.
    await new Promise((r) => setTimeout(r, 6000));
    for (const n of [await node('n1'), await node('n2')]) {
      expect(ready(n)?.status).toBe('True');
      expect(ourTaints(n)).toEqual([]);
    }

    // n1 goes silent.
    renewing.delete('n1');
    const lost = await waitFor(async () => {
      const n = await node('n1');
      return ready(n)?.status === 'Unknown' && ourTaints(n).length === 2 ? n : undefined;
    }, 60_000, () => 'n1 Unknown and tainted');
    expect(ready(lost)).toMatchObject({ reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(ourTaints(lost)).toEqual([`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
    expect(lost.spec!.taints!.find((t) => t.effect === 'NoExecute')!.timeAdded).toBeTruthy();

    // Its 1 s pod is evicted (marked, then deleted: Terminating, as no kubelet confirms).
    const quick = await waitFor(async () => {
      const p = await cluster.client.pods().get('quick', 'default');
      return p.metadata.deletionTimestamp ? p : undefined;
    }, 60_000, () => 'quick evicted');
    expect(quick.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager' })]));
    // The others: a toleration without seconds, the 300 s default, a pod on the healthy node.
    for (const name of ['forever', 'default', 'elsewhere']) {
      expect((await cluster.client.pods().get(name, 'default')).metadata.deletionTimestamp).toBeUndefined();
    }
    expect(ourTaints(await node('n2'))).toEqual([]);

    // n2 goes silent too: no node is Ready, so NoExecute taints are withheld (and removed).
    renewing.delete('n2');
    await waitFor(async () => {
      const [a, b] = [await node('n1'), await node('n2')];
      return ready(b)?.status === 'Unknown' && ourTaints(a).join() === `${UNREACHABLE}:NoSchedule` && ourTaints(b).join() === `${UNREACHABLE}:NoSchedule`;
    }, 60_000, () => 'full disruption: NoSchedule only on both');
    expect((await cluster.client.pods().get('elsewhere', 'default')).metadata.deletionTimestamp).toBeUndefined();

    // Both kubelets come back: renew, post Ready=True; every taint of ours goes.
    renewing.add('n1');
    renewing.add('n2');
    await postReady('n1');
    await postReady('n2');
    await waitFor(async () => ourTaints(await node('n1')).length === 0 && ourTaints(await node('n2')).length === 0, 60_000, () => 'taints removed');
    // And they stay healthy while the Leases are renewed.
    await new Promise((r) => setTimeout(r, 6000));
    for (const n of [await node('n1'), await node('n2')]) {
      expect(ready(n)?.status).toBe('True');
      expect(ourTaints(n)).toEqual([]);
    }
  }, 240_000);
});
