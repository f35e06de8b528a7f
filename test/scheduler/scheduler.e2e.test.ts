// The real `skiff scheduler` against a real API server process. Nodes are plain API objects
// (no kubelets): created, then given allocatable and a Ready condition via nodes/status.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Event, Node, PersistentVolume, PersistentVolumeClaim, Pod, Taint, Toleration } from '../../api/core/index.js';
import type { StorageClass } from '../../api/storage/index.js';
import type { ReplicaSet } from '../../api/apps/index.js';
import { RestClient } from '../../client/rest.js';
import { Processes, waitFor } from './processes.js';
import { testPki } from '../support/tls.js';

let procs: Processes;
let client: RestClient;
let url: string;

beforeEach(async () => {
  procs = new Processes();
  ({ url } = await procs.apiserver());
  client = new RestClient({ server: url, credentials: testPki().credentials, userAgent: 'scheduler-e2e' });
});

afterEach(async () => {
  client?.close();
  await procs.stopAll();
});

async function addNode(
  name: string,
  opts: { cpu?: string; memory?: string; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; ready?: 'True' | 'False' } = {},
): Promise<void> {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: { taints: opts.taints, unschedulable: opts.unschedulable },
  };
  await client.nodes().create(node);
  const allocatable = { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: '110' };
  // Retried: a read right after a write may still miss the object on this API server.
  await waitFor(() => client.nodes().patch(
    name,
    {
      status: {
        capacity: allocatable,
        allocatable,
        conditions: [{ type: 'Ready', status: opts.ready ?? 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString() }],
      },
    },
    'merge',
    { subresource: 'status' },
  ), 30_000, () => `status of node ${name}`);
}

async function addPod(
  name: string,
  opts: {
    cpu?: string;
    tolerations?: Toleration[];
    nodeSelector?: Record<string, string>;
    affinity?: Pod['spec']['affinity'];
    owner?: ReplicaSet;
  } = {},
): Promise<void> {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'test' },
      ownerReferences: opts.owner
        ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: opts.owner.metadata.name!, uid: opts.owner.metadata.uid!, controller: true }]
        : undefined,
    },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: opts.cpu ? { requests: { cpu: opts.cpu } } : undefined }],
      tolerations: opts.tolerations,
      nodeSelector: opts.nodeSelector,
      affinity: opts.affinity,
    },
  };
  await client.pods().create(pod, { namespace: 'default' });
}

const nodeOf = async (name: string) => (await client.pods().get(name, 'default')).spec.nodeName;
const waitBound = (name: string) => waitFor(() => nodeOf(name), 60_000, () => `pod ${name} to be bound`);

async function eventsFor(pod: string, reason: string): Promise<Event[]> {
  const list = await client.events().list({ namespace: 'default' });
  return list.items.filter((e) => e.involvedObject.name === pod && e.reason === reason);
}

function startScheduler(extra: string[] = []) {
  return procs.scheduler(url, extra);
}

describe('skiff scheduler against a real API server', () => {
  it('binds pods only to nodes that fit (resources, cordoned, NotReady)', async () => {
    await addNode('small', { cpu: '1' });
    await addNode('big', { cpu: '4' });
    // The emptiest nodes by far: they would win every score if the filters let them.
    await addNode('cordoned', { cpu: '64', unschedulable: true });
    await addNode('not-ready', { cpu: '64', ready: 'False' });
    startScheduler();
    for (const i of [1, 2]) await addPod(`needs-2-${i}`, { cpu: '2' });
    for (const i of [1, 2, 3]) await addPod(`tiny-${i}`, { cpu: '100m' });
    for (const i of [1, 2]) expect(await waitBound(`needs-2-${i}`)).toBe('big');
    for (const i of [1, 2, 3]) expect(['small', 'big']).toContain(await waitBound(`tiny-${i}`));
    const ev = await waitFor(async () => (await eventsFor('needs-2-1', 'Scheduled'))[0], 30_000, () => 'Scheduled event');
    expect(ev.message).toBe('Successfully assigned default/needs-2-1 to big');
    expect(ev.type).toBe('Normal');
  });

  it('a pod too big for every node stays Pending with FailedScheduling, then schedules when a big enough node arrives', async () => {
    await addNode('n1', { cpu: '2' });
    await addNode('n2', { cpu: '2' });
    startScheduler();
    await addPod('huge', { cpu: '8' });
    const expected =
      '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.';
    const ev = await waitFor(async () => (await eventsFor('huge', 'FailedScheduling'))[0], 60_000, () => 'FailedScheduling event');
    expect(ev.message).toBe(expected);
    expect(ev.type).toBe('Warning');
    const cond = await waitFor(
      async () => (await client.pods().get('huge', 'default')).status?.conditions?.find((c) => c.type === 'PodScheduled'),
      60_000,
      () => 'PodScheduled condition',
    );
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable', message: expected });
    expect(await nodeOf('huge')).toBeUndefined();

    // Someone else's condition must survive our next condition write.
    await client.pods().patch(
      'huge',
      [{ op: 'add', path: '/status/conditions/-', value: { type: 'example.com/Gate', status: 'True' } }],
      'json',
      { namespace: 'default', subresource: 'status' },
    );
    await addNode('n3', { cpu: '4' }); // still too small: a new attempt, a new message
    const updated = await waitFor(
      async () => {
        const p = await client.pods().get('huge', 'default');
        const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
        return c?.message?.startsWith('0/3 nodes') ? p : undefined;
      },
      60_000,
      () => 'PodScheduled condition for 3 nodes',
    );
    expect(updated.status?.conditions?.find((c) => c.type === 'example.com/Gate')?.status).toBe('True');

    await addNode('giant', { cpu: '16' });
    expect(await waitBound('huge')).toBe('giant');
    const done = await client.pods().get('huge', 'default');
    expect(done.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    expect(done.status?.conditions?.find((c) => c.type === 'example.com/Gate')?.status).toBe('True');
  });

  it('schedules higher spec.priority first and leaves pods of other schedulers alone', async () => {
    await addNode('one', { cpu: '4' });
    const mk = (name: string, priority: number, schedulerName?: string): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { priority, schedulerName, containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '3' } } }] },
    });
    // All queued before the scheduler starts: the order is the queue's, not arrival's.
    await client.pods().create(mk('low', 0), { namespace: 'default' });
    await client.pods().create(mk('other-scheduler', 1000, 'my-scheduler'), { namespace: 'default' });
    await client.pods().create(mk('high', 100), { namespace: 'default' });
    startScheduler();
    expect(await waitBound('high')).toBe('one');
    await waitFor(async () => (await eventsFor('low', 'FailedScheduling'))[0], 60_000, () => 'FailedScheduling for low');
    expect(await nodeOf('low')).toBeUndefined();
    expect(await nodeOf('other-scheduler')).toBeUndefined();
    expect(await eventsFor('other-scheduler', 'FailedScheduling')).toEqual([]);
  });

  it('preempts the fewest lower-priority pods for a higher-priority pod and nominates the node', async () => {
    await addNode('full', { cpu: '2' });
    startScheduler();
    const mk = (name: string, priority: number): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { priority, containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1' } } }] },
    });
    for (const n of ['low-1', 'low-2']) {
      await client.pods().create(mk(n, 0), { namespace: 'default' });
      await waitBound(n);
    }
    await client.pods().create(mk('vip', 100), { namespace: 'default' });
    // Kubelet stand-in: confirm the deletion of whatever the scheduler evicts.
    const victim = await waitFor(
      async () => {
        const list = await client.pods().list({ namespace: 'default' });
        return list.items.find((p) => p.metadata.name?.startsWith('low-') && p.metadata.deletionTimestamp);
      },
      60_000,
      () => 'a low-priority pod to be preempted',
    );
    const nominated = await waitFor(async () => (await client.pods().get('vip', 'default')).status?.nominatedNodeName, 60_000, () => 'nominatedNodeName');
    expect(nominated).toBe('full');
    const ev = await waitFor(async () => (await eventsFor(victim.metadata.name!, 'Preempted'))[0], 60_000, () => 'Preempted event');
    expect(ev.message).toBe('Preempted by default/vip on node full');
    await client.pods().delete(victim.metadata.name!, { namespace: 'default', gracePeriodSeconds: 0 });
    expect(await waitBound('vip')).toBe('full');
    const survivor = victim.metadata.name === 'low-1' ? 'low-2' : 'low-1';
    const s = await client.pods().get(survivor, 'default');
    expect(s.metadata.deletionTimestamp).toBeFalsy();
    expect(s.spec.nodeName).toBe('full');
  });

  it('a pending pod is retried when its node becomes Ready or is uncordoned', async () => {
    await addNode('sleepy', { cpu: '4', ready: 'False' });
    await addNode('cordoned', { cpu: '4', unschedulable: true });
    startScheduler();
    await addPod('waiting', { cpu: '1' });
    const ev = await waitFor(async () => (await eventsFor('waiting', 'FailedScheduling'))[0], 60_000, () => 'FailedScheduling');
    expect(ev.message).toBe(
      "0/2 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 1 node(s) were unschedulable. " +
        'preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    await client.nodes().patch('sleepy', { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } }, 'merge', {
      subresource: 'status',
    });
    expect(await waitBound('waiting')).toBe('sleepy');
    await addPod('big-waiting', { cpu: '4' }); // sleepy has 3 cpu left
    await waitFor(async () => (await eventsFor('big-waiting', 'FailedScheduling'))[0], 60_000, () => 'FailedScheduling');
    await client.nodes().patch('cordoned', { spec: { unschedulable: false } }, 'merge');
    expect(await waitBound('big-waiting')).toBe('cordoned');
  });

  it('a pending pod is retried when a bound pod leaves its node', async () => {
    await addNode('only', { cpu: '1' });
    startScheduler();
    await addPod('first', { cpu: '800m' });
    expect(await waitBound('first')).toBe('only');
    await addPod('second', { cpu: '800m' });
    await waitFor(async () => (await eventsFor('second', 'FailedScheduling'))[0], 60_000, () => 'FailedScheduling for second');
    await client.pods().delete('first', { namespace: 'default', gracePeriodSeconds: 0 });
    expect(await waitBound('second')).toBe('only');
  });

  it('a restarted scheduler rebuilds its cache from bound pods and never overcommits', async () => {
    for (const n of ['r1', 'r2', 'r3']) await addNode(n, { cpu: '1' });
    let s = startScheduler(['--leader-elect=false']);
    for (let i = 0; i < 30; i++) await addPod(`r-${i}`, { cpu: '100m' }); // exactly fills 3 × 1000m
    await waitFor(async () => {
      const list = await client.pods().list({ namespace: 'default' });
      return list.items.filter((p) => p.spec.nodeName).length >= 5;
    }, 60_000, () => 'some pods bound');
    s.child.kill('SIGKILL');
    await s.exited;
    s = startScheduler(['--leader-elect=false']);
    const nodes = await Promise.all(Array.from({ length: 30 }, (_, i) => waitBound(`r-${i}`)));
    const perNode: Record<string, number> = {};
    for (const n of nodes) perNode[n!] = (perNode[n!] ?? 0) + 1;
    expect(perNode).toEqual({ r1: 10, r2: 10, r3: 10 });
    await addPod('one-too-many', { cpu: '100m' });
    const ev = await waitFor(async () => (await eventsFor('one-too-many', 'FailedScheduling'))[0], 60_000, () => 'FailedScheduling');
    expect(ev.message).toMatch(/^0\/3 nodes are available: 3 Insufficient cpu\./);
  });

  it('taints keep off pods that do not tolerate them', async () => {
    await addNode('gpu', { cpu: '8', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await addNode('plain', { cpu: '1' });
    startScheduler();
    const tolerate: Toleration[] = [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }];
    await addPod('tolerant', { cpu: '2', tolerations: tolerate });
    await addPod('intolerant-small', { cpu: '100m' });
    await addPod('intolerant-big', { cpu: '2' });
    expect(await waitBound('tolerant')).toBe('gpu');
    expect(await waitBound('intolerant-small')).toBe('plain');
    const ev = await waitFor(async () => (await eventsFor('intolerant-big', 'FailedScheduling'))[0], 60_000, () => 'FailedScheduling');
    expect(ev.message).toBe(
      '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}. ' +
        'preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
    );
    expect(await nodeOf('intolerant-big')).toBeUndefined();
  });

  it('honours nodeSelector and required node affinity', async () => {
    await addNode('node-a', { labels: { zone: 'a', disk: 'ssd', cores: '16' } });
    await addNode('node-b', { labels: { zone: 'b', cores: '4' } });
    await addNode('node-c', { labels: { zone: 'c' } });
    startScheduler();
    await addPod('want-ssd', { nodeSelector: { disk: 'ssd' } });
    await addPod('want-zone-b', {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }] } } },
    });
    await addPod('want-node-c', {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-c'] }] }] } } },
    });
    await addPod('want-few-cores', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['8'] }, { key: 'disk', operator: 'DoesNotExist' }] }],
          },
        },
      },
    });
    await addPod('want-nowhere', { nodeSelector: { zone: 'mars' } });
    expect(await waitBound('want-ssd')).toBe('node-a');
    expect(await waitBound('want-zone-b')).toBe('node-b');
    expect(await waitBound('want-node-c')).toBe('node-c');
    expect(await waitBound('want-few-cores')).toBe('node-b');
    const ev = await waitFor(async () => (await eventsFor('want-nowhere', 'FailedScheduling'))[0], 60_000, () => 'FailedScheduling');
    expect(ev.message).toMatch(/^0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector\./);
  });

  it('spreads 9 replicas of one owner 3/3/3 across 3 nodes', async () => {
    for (const n of ['n1', 'n2', 'n3']) await addNode(n);
    const rs = await client.replicaSets().create(
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          replicas: 9,
          selector: { matchLabels: { app: 'test' } },
          template: { metadata: { labels: { app: 'test' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
        },
      } as ReplicaSet,
      { namespace: 'default' },
    );
    startScheduler();
    for (let i = 0; i < 9; i++) await addPod(`web-${i}`, { cpu: '100m', owner: rs });
    const nodes = await Promise.all(Array.from({ length: 9 }, (_, i) => waitBound(`web-${i}`)));
    const counts: Record<string, number> = {};
    for (const n of nodes) counts[n!] = (counts[n!] ?? 0) + 1;
    expect(counts).toEqual({ n1: 3, n2: 3, n3: 3 });
  });

  it('honours a pod\'s own topologySpreadConstraints (DoNotSchedule across zones)', async () => {
    await addNode('za-1', { labels: { 'topology.kubernetes.io/zone': 'a' } });
    await addNode('za-2', { labels: { 'topology.kubernetes.io/zone': 'a' } });
    await addNode('zb-1', { labels: { 'topology.kubernetes.io/zone': 'b' } });
    startScheduler();
    for (let i = 0; i < 6; i++) {
      const pod: Pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `zoned-${i}`, namespace: 'default', labels: { app: 'zoned' } },
        spec: {
          containers: [{ name: 'c', image: 'busybox' }],
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'zoned' } } },
          ],
        },
      };
      await client.pods().create(pod, { namespace: 'default' });
      await waitBound(`zoned-${i}`); // one at a time, so each decision sees the previous ones
    }
    const zones: Record<string, number> = {};
    for (let i = 0; i < 6; i++) {
      const z = (await nodeOf(`zoned-${i}`))!.startsWith('za') ? 'a' : 'b';
      zones[z] = (zones[z] ?? 0) + 1;
    }
    expect(zones).toEqual({ a: 3, b: 3 });
  });

  it('VolumeBinding PreBind: a WaitForFirstConsumer claim gets selected-node and the pod is bound only once the claim is; a provisioner clearing selected-node sends the pod back to scheduling', async () => {
    // No controller-manager: this test plays the local-path provisioner and the PV binder.
    await addNode('disk-1');
    await client.nodes().patch('disk-1', { metadata: { annotations: { 'skiff.dev/local-path-root': '/var/lib/skiff/local-path' } } }, 'merge');
    await addNode('no-root'); // no local-path root: never chosen for a local-path claim
    const sc: StorageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-path' }, provisioner: 'skiff.dev/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete' };
    await client.resource<StorageClass>('StorageClass').create(sc);
    const claims = client.resource<PersistentVolumeClaim>('PersistentVolumeClaim');
    await claims.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }, { namespace: 'default' });
    const pod: Pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'uses-data', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] },
    };
    await client.pods().create(pod, { namespace: 'default' });
    startScheduler();
    const selected = async () => (await claims.get('data', 'default')).metadata.annotations?.['volume.kubernetes.io/selected-node'];
    expect(await waitFor(selected, 60_000, () => 'selected-node on the claim')).toBe('disk-1');

    // The "provisioner" gives up: it clears selected-node. PreBind fails and the pod is scheduled again.
    await claims.patch('data', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': null } } }, 'merge', { namespace: 'default' });
    const failed = await waitFor(async () => (await eventsFor('uses-data', 'FailedScheduling')).find((e) => e.message?.includes('PreBind')), 60_000, () => 'FailedScheduling from PreBind');
    expect(failed.message).toBe('running PreBind plugin "VolumeBinding": binding volumes: provisioning failed for PVC "data"');
    expect(await waitFor(selected, 60_000, () => 'selected-node set again')).toBe('disk-1');
    // Still waiting for its claim: not bound to the node yet.
    expect(await nodeOf('uses-data')).toBeFalsy();

    // Provision: a PV on disk-1 for the claim, then bind the claim (spec, then status, as the binder does).
    const claim = await claims.get('data', 'default');
    const pv: PersistentVolume = {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `pvc-${claim.metadata.uid}` },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local-path', persistentVolumeReclaimPolicy: 'Delete',
        hostPath: { path: '/var/lib/skiff/local-path/x', type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['disk-1'] }] }] } },
        claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'data', uid: claim.metadata.uid },
      },
    };
    await client.resource<PersistentVolume>('PersistentVolume').create(pv);
    await claims.patch('data', { metadata: { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }, spec: { volumeName: pv.metadata.name } }, 'merge', { namespace: 'default' });
    expect(await nodeOf('uses-data')).toBeFalsy(); // bound, but its status is not Bound yet
    await claims.patch('data', { status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }, 'merge', { namespace: 'default', subresource: 'status' });
    expect(await waitBound('uses-data')).toBe('disk-1');
  });

  it('with two schedulers only the leader binds; the other takes over when it leaves', async () => {
    await addNode('n1');
    const s1 = startScheduler(['--identity', 'sched-1']);
    await waitFor(
      async () => (await client.leases().get('skiff-scheduler', 'kube-system')).spec?.holderIdentity === 'sched-1',
      60_000,
      () => 'sched-1 to hold the lease',
    );
    const s2 = startScheduler(['--identity', 'sched-2']);
    await waitFor(() => s2.output().includes('sched-1 is the leader'), 60_000, () => 'sched-2 to see sched-1 lead');
    for (let i = 0; i < 5; i++) await addPod(`a-${i}`);
    for (let i = 0; i < 5; i++) await waitBound(`a-${i}`);

    expect(await procs.stop(s1)).toBe(0);
    expect(s1.output()).toMatch(/stopped \(scheduled 5,/);
    await waitFor(
      async () => (await client.leases().get('skiff-scheduler', 'kube-system')).spec?.holderIdentity === 'sched-2',
      60_000,
      () => 'sched-2 to take the lease',
    );
    for (let i = 0; i < 3; i++) await addPod(`b-${i}`);
    for (let i = 0; i < 3; i++) await waitBound(`b-${i}`);
    expect(await procs.stop(s2)).toBe(0);
    // sched-2 bound exactly the pods created after it became the leader.
    expect(s2.output()).toMatch(/stopped \(scheduled 3,/);
  });
});
