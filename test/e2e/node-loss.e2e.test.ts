// Node loss, end to end with real processes: `skiff apiserver` (default not-ready/unreachable
// tolerations of 5 s), `skiff controller-manager` (node monitor grace period 20 s: the kubelet
// renews its Lease every 10 s), `skiff scheduler` and two `skiff kubelet --runtime process`
// nodes. A 6-replica Deployment spreads over both; kill -9 one kubelet. Its containers keep
// running (they outlive the kubelet by design), the node turns Ready=Unknown with the
// unreachable taints, its pods are evicted (DisruptionTarget/DeletionByTaintManager) once their
// 5 s toleration has run out, and the ReplicaSet puts 6 replicas on the surviving node. Then the
// lost kubelet comes back on the same root dir: the node is Ready again, the taints go, and the
// kubelet stops every container of the pods evicted while it was away.
//
// Containers are found on the host through /proc/<pid>/environ: each carries MARK (unique to
// this run) and its pod's uid (downward API), so the test can tell exactly which pods still
// have processes — and kill any leftovers in afterAll.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '../../api/apps/index.js';
import type { Node, Pod } from '../../api/core/index.js';
import { Cluster, isActive, isReady, waitFor, type Proc } from '../controllers/e2e/cluster.js';

const MARK = `skiff-node-loss-${process.pid}-${Date.now()}`;
const NS = 'default';
const DEPLOY = 'survivor';
const NODES = ['nl-a', 'nl-b'] as const;
const LOST = 'nl-b';
const KEPT = 'nl-a';

/** pod uid → pids of this run's container processes (shims included) for that pod. */
function containerProcesses(): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let env: string;
    try {
      env = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue; // gone, or not ours to read
    }
    const vars = env.split('\0');
    if (!vars.includes(`NODE_LOSS_MARK=${MARK}`)) continue;
    const uid = vars.find((v) => v.startsWith('NODE_LOSS_POD_UID='))?.slice('NODE_LOSS_POD_UID='.length) ?? '?';
    out.set(uid, [...(out.get(uid) ?? []), Number(entry)]);
  }
  return out;
}

function deployment(): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: DEPLOY, namespace: NS },
    spec: {
      replicas: 6,
      selector: { matchLabels: { app: DEPLOY } },
      template: {
        metadata: { labels: { app: DEPLOY } },
        spec: {
          hostNetwork: true,
          terminationGracePeriodSeconds: 2,
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: DEPLOY } } }],
          containers: [{
            name: 'main', image: 'host',
            command: ['/bin/sh', '-c', 'while :; do sleep 1; done'],
            env: [
              { name: 'NODE_LOSS_MARK', value: MARK },
              { name: 'NODE_LOSS_POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
            ],
          }],
        },
      },
    },
  } as Deployment;
}

const cluster = new Cluster();
const kubelets = new Map<string, Proc>();
const rootDirs = new Map<string, string>();

function startKubelet(name: string): Proc {
  const p = cluster.start(['kubelet', '--server', cluster.url, '--node-name', name, '--runtime', 'process', '--port', '0', '--root-dir', rootDirs.get(name)!, '--stop-pods-on-exit']);
  kubelets.set(name, p);
  return p;
}

const readyOf = (n: Node | undefined) => n?.status?.conditions?.find((c) => c.type === 'Ready');

async function podsOf(): Promise<Pod[]> {
  return (await cluster.client.pods().list({ namespace: NS, labelSelector: `app=${DEPLOY}` })).items;
}

describe('node loss (real processes, process runtime)', () => {
  beforeAll(async () => {
    await cluster.apiserver(['--default-unreachable-toleration-seconds', '5', '--default-not-ready-toleration-seconds', '5']);
    cluster.controllerManager(['--leader-elect=false', '--node-monitor-grace-period', '20s']);
    cluster.start(['scheduler', '--server', cluster.url, '--leader-elect', 'false']);
    for (const n of NODES) {
      rootDirs.set(n, cluster.tempDir(`skiff-node-loss-${n}-`));
      startKubelet(n);
    }
  }, 120_000);

  afterAll(async () => {
    // Kubelets first (SIGTERM with --stop-pods-on-exit stops their pods), then the rest.
    await Promise.all([...kubelets.values()].map((p) => cluster.stop(p, 30_000)));
    await cluster.stopAll();
    // Anything of ours still running (e.g. the test failed while a kubelet was dead): kill it.
    for (const pids of containerProcesses().values()) for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }, 120_000);

  it('evicts the lost node\'s pods after their toleration, runs 6 on the other, and the returning kubelet stops the evicted ones', async () => {
    const nodes = cluster.client.nodes();
    await waitFor(async () => {
      const list = (await nodes.list()).items;
      return NODES.every((n) => readyOf(list.find((x) => x.metadata.name === n))?.status === 'True');
    }, 90_000, () => `both nodes Ready:\n${[...kubelets.values()].map((k) => k.output()).join('\n')}`);

    await cluster.client.deployments().create(deployment());
    const spread = await waitFor(async () => {
      const pods = (await podsOf()).filter(isActive);
      if (pods.length !== 6 || !pods.every(isReady)) return undefined;
      const counts = NODES.map((n) => pods.filter((p) => p.spec.nodeName === n).length);
      return counts.every((c) => c > 0) ? pods : undefined;
    }, 120_000, () => '6 ready pods spread over both nodes');

    // The API server's DefaultTolerationSeconds admission gave every pod the configured 5 s.
    for (const p of spread) {
      expect(p.spec.tolerations).toEqual(expect.arrayContaining([
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
      ]));
    }
    const lostPods = spread.filter((p) => p.spec.nodeName === LOST);
    const lostUids = new Set(lostPods.map((p) => p.metadata.uid!));
    await waitFor(() => [...lostUids].every((u) => containerProcesses().has(u)), 30_000, () => 'container processes of the pods on the node to lose');

    // kill -9 the kubelet: nothing renews its Lease any more; its containers keep running.
    await cluster.kill9(kubelets.get(LOST)!);

    const lostNode = await waitFor(async () => {
      const n = await nodes.get(LOST);
      const r = readyOf(n);
      const taints = n.spec?.taints ?? [];
      return r?.status === 'Unknown' && taints.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute' && t.timeAdded) ? n : undefined;
    }, 120_000, () => `${LOST} Ready=Unknown with the unreachable taint`);
    expect(readyOf(lostNode)).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(lostNode.spec!.taints).toEqual(expect.arrayContaining([
      expect.objectContaining({ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }),
      expect.objectContaining({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }),
    ]));
    // The surviving node is untouched.
    const kept = await nodes.get(KEPT);
    expect(readyOf(kept)?.status).toBe('True');
    expect((kept.spec?.taints ?? []).filter((t) => t.key.startsWith('node.kubernetes.io/'))).toEqual([]);

    // Evicted: marked by the taint manager and deleted (Terminating: no kubelet confirms it).
    await waitFor(async () => {
      const pods = await podsOf();
      return [...lostUids].every((u) => {
        const p = pods.find((x) => x.metadata.uid === u);
        return !p || p.metadata.deletionTimestamp;
      });
    }, 120_000, () => `the pods on ${LOST} evicted`);
    const marked = (await podsOf()).filter((p) => lostUids.has(p.metadata.uid!));
    for (const p of marked) {
      expect(p.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager' })]));
    }

    // The ReplicaSet replaced them, on the node that is left.
    await waitFor(async () => {
      const active = (await podsOf()).filter(isActive);
      return active.length === 6 && active.every((p) => p.spec.nodeName === KEPT && isReady(p));
    }, 120_000, () => `6 ready pods on ${KEPT}`);
    // While the kubelet is away, its containers are still there: the next step is real work.
    expect([...lostUids].filter((u) => containerProcesses().has(u))).toEqual([...lostUids]);

    // The kubelet comes back on the same root dir.
    startKubelet(LOST);
    await waitFor(async () => {
      const n = await nodes.get(LOST);
      return readyOf(n)?.status === 'True' && !(n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable' || t.key === 'node.kubernetes.io/not-ready');
    }, 120_000, () => `${LOST} Ready again without taints:\n${kubelets.get(LOST)!.output()}`);
    // It stops the evicted pods' containers and confirms the deletions.
    await waitFor(async () => {
      const pods = await podsOf();
      return ![...lostUids].some((u) => pods.some((p) => p.metadata.uid === u));
    }, 120_000, () => 'the evicted pods gone from the API');
    await waitFor(() => ![...lostUids].some((u) => containerProcesses().has(u)), 60_000, () => `no container process left for the evicted pods: ${JSON.stringify([...containerProcesses()])}`);

    const active = (await podsOf()).filter(isActive);
    expect(active).toHaveLength(6);
    expect(active.every((p) => p.spec.nodeName === KEPT)).toBe(true);
  }, 600_000);
});
