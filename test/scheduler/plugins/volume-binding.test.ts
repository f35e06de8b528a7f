import { describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../../../api/core/index.js';
import type { StorageClass } from '../../../api/storage/index.js';
import { CycleState } from '../../../scheduler/framework.js';
import { REASON_BIND_CONFLICT, REASON_NODE_CONFLICT, REASON_NO_LOCAL_PATH, REASON_UNBOUND_IMMEDIATE, VolumeBinding } from '../../../scheduler/plugins/volume-binding.js';
import { makeNode, makePod, nodeInfo } from '../fixtures.js';

const withRoot = (name: string) => {
  const n = makeNode(name);
  n.metadata.annotations = { 'skiff.dev/local-path-root': `/var/lib/skiff/kubelet/${name}/local-path` };
  return n;
};
const nodes = { '1': nodeInfo(withRoot('node-1')), '2': nodeInfo(withRoot('node-2')), '3': nodeInfo(withRoot('node-3')), '4': nodeInfo(makeNode('node-4')) };
const onNode = (n: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In' as const, values: [n] }] }] } });

const claims: Record<string, PersistentVolumeClaim> = {
  bound: { metadata: { name: 'bound', namespace: 'default', annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }, spec: { volumeName: 'pv-on-2', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Bound' } },
  immediate: { metadata: { name: 'immediate', namespace: 'default' }, spec: { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  lazy: { metadata: { name: 'lazy', namespace: 'default' }, spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  static: { metadata: { name: 'static', namespace: 'default' }, spec: { storageClassName: 'local-static', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  going: { metadata: { name: 'going', namespace: 'default', deletionTimestamp: '2026-01-01T00:00:00Z' }, spec: {} },
};
const volumes: PersistentVolume[] = [
  { metadata: { name: 'pv-on-2' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/x' }, nodeAffinity: onNode('node-2') }, status: { phase: 'Bound' } },
  { metadata: { name: 'static-on-3' }, spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local-static', local: { path: '/y' }, nodeAffinity: onNode('node-3') }, status: { phase: 'Available' } },
];
const classes: Record<string, StorageClass> = {
  manual: { metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' },
  'local-path': { metadata: { name: 'local-path' }, provisioner: 'skiff.dev/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
  'local-static': { metadata: { name: 'local-static' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' },
};
const plugin = new VolumeBinding({
  claim: (_ns, name) => claims[name],
  volume: (name) => volumes.find((v) => v.metadata.name === name),
  volumes: () => volumes,
  storageClass: (name) => classes[name],
});

function podWith(...claimNames: string[]): Pod {
  const p = makePod('p');
  p.spec.volumes = claimNames.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } }));
  return p;
}

/** The nodes the pod may go to, or the preFilter's reasons. */
function place(pod: Pod): string {
  const state = new CycleState();
  const pre = plugin.preFilter(state, pod);
  if (pre === 'skip') return 'skip';
  if (pre) return pre.reasons.join(',');
  const reasons = new Set<string>();
  const fit = Object.entries(nodes).filter(([, ni]) => {
    const st = plugin.filter(state, pod, ni);
    if (st) st.reasons.forEach((r) => reasons.add(r));
    return st === null;
  }).map(([k]) => k).join('');
  return fit || [...reasons].join(',');
}

describe('VolumeBinding', () => {
  it('a pod without claims is not its business', () => {
    expect(place(makePod('p'))).toBe('skip');
  });

  it("a bound claim's volume pins the pod to the volume's node", () => {
    expect(place(podWith('bound'))).toBe('2');
    // node-2 for one, node-3 for the other: nowhere
    expect(place(podWith('bound', 'static'))).toBe(`${REASON_NODE_CONFLICT},${REASON_BIND_CONFLICT}`);
    expect(place(podWith('lazy', 'bound'))).toBe('2');
  });

  it('a missing, deleting or unbound Immediate claim rejects the pod everywhere', () => {
    expect(place(podWith('nope'))).toBe('persistentvolumeclaim "nope" not found');
    expect(place(podWith('going'))).toBe('persistentvolumeclaim "going" is being deleted');
    expect(place(podWith('immediate'))).toBe(REASON_UNBOUND_IMMEDIATE);
  });

  it('WaitForFirstConsumer: anywhere a provisioner can make the volume; only where a static one is reachable otherwise', () => {
    expect(place(podWith('lazy'))).toBe('123'); // node-4's kubelet published no local-path root
    expect(place(podWith('lazy', 'static'))).toBe('3');
    const state = new CycleState();
    expect(plugin.preFilter(state, podWith('lazy'))).toBeNull();
    expect(plugin.filter(state, podWith('lazy'), nodes['4'])?.reasons).toEqual([REASON_NO_LOCAL_PATH]);
    expect(place(podWith('static'))).toBe('3');
    claims.big = { ...claims.static!, metadata: { name: 'big', namespace: 'default' }, spec: { ...claims.static!.spec, resources: { requests: { storage: '50Gi' } } } };
    expect(place(podWith('big'))).toBe(REASON_BIND_CONFLICT);
  });

  it('PreBind: only unbound WaitForFirstConsumer claims are annotated with the chosen node', () => {
    expect(plugin.claimsToAnnotate(podWith('bound', 'lazy', 'static'), 'node-3')).toEqual([{ namespace: 'default', name: 'lazy' }, { namespace: 'default', name: 'static' }]);
    claims.lazy!.metadata.annotations = { 'volume.kubernetes.io/selected-node': 'node-3' };
    expect(plugin.claimsToAnnotate(podWith('lazy'), 'node-3')).toEqual([]);
    // A second pod of a claim already promised to node-3 goes there too, never elsewhere.
    expect(place(podWith('lazy'))).toBe('3');
  });
});

describe('VolumeBinding PreBind wait (checkBindings)', () => {
  const node2 = { metadata: { name: 'node-2', labels: { 'kubernetes.io/hostname': 'node-2' } } };
  const lazyOn = (node: string | undefined, extra: Partial<PersistentVolumeClaim> = {}): PersistentVolumeClaim => ({
    metadata: { name: 'wait', namespace: 'default', uid: 'u-wait', resourceVersion: '10', ...(node ? { annotations: { 'volume.kubernetes.io/selected-node': node } } : {}) },
    spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    ...extra,
  });
  const boundTo = (pv: string, phase: 'Pending' | 'Bound', completed = true): PersistentVolumeClaim => {
    const c = lazyOn('node-2');
    c.metadata.annotations = { ...c.metadata.annotations, ...(completed ? { 'pv.kubernetes.io/bind-completed': 'yes' } : {}) };
    c.spec = { ...c.spec, volumeName: pv };
    c.status = { phase };
    return c;
  };
  const provisioned = (name: string, onto: string, claimUid = 'u-wait'): PersistentVolume => ({
    metadata: { name }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local-path', hostPath: { path: `/r/${name}` }, nodeAffinity: onNode(onto), claimRef: { namespace: 'default', name: 'wait', uid: claimUid } },
    status: { phase: 'Bound' },
  });
  function check(claim: PersistentVolumeClaim | undefined, pvs: PersistentVolume[], written = new Map<string, string>()) {
    const p = new VolumeBinding({ claim: (_ns, n) => (n === 'wait' ? claim : claims[n]), volume: (n) => pvs.find((v) => v.metadata.name === n), volumes: () => pvs, storageClass: (n) => classes[n] });
    return p.checkBindings(podWith('wait'), node2, written);
  }

  it('waits while the claim is not annotated in the cache yet, unbound, or bound without its status', () => {
    // Our selected-node write came back at resourceVersion 11; the cache still holds 10.
    expect(check(lazyOn(undefined), [], new Map([['default/wait', '11']]))).toEqual({ state: 'waiting', claim: 'default/wait' });
    expect(check(lazyOn('node-2'), [])).toEqual({ state: 'waiting', claim: 'default/wait' });
    // volumeName set, but the provisioner's volume is not in the cache yet
    expect(check(boundTo('pvc-u-wait', 'Bound'), [])).toEqual({ state: 'waiting', claim: 'default/wait' });
    // bound by the binder, but bind-completed / status phase Bound not written yet
    expect(check(boundTo('pvc-u-wait', 'Pending', false), [provisioned('pvc-u-wait', 'node-2')]).state).toBe('waiting');
    expect(check(boundTo('pvc-u-wait', 'Pending'), [provisioned('pvc-u-wait', 'node-2')]).state).toBe('waiting');
  });

  it('is done once every claim is Bound to a volume the node can reach', () => {
    expect(check(boundTo('pvc-u-wait', 'Bound'), [provisioned('pvc-u-wait', 'node-2')])).toEqual({ state: 'bound' });
    expect(check(boundTo('pvc-u-wait', 'Bound'), [provisioned('pvc-u-wait', 'node-2')], new Map([['default/wait', '10']]))).toEqual({ state: 'bound' });
  });

  it('fails (the pod is scheduled again) when the claim goes, the provisioner clears selected-node, or the volume is elsewhere or someone else\'s', () => {
    expect(check(undefined, [])).toEqual({ state: 'failed', message: 'persistentvolumeclaim "wait" not found' });
    expect(check(lazyOn('node-2', { metadata: { name: 'wait', namespace: 'default', deletionTimestamp: '2026-01-01T00:00:00Z', annotations: { 'volume.kubernetes.io/selected-node': 'node-2' } } }), []).state).toBe('failed');
    expect(check(lazyOn(undefined), [])).toEqual({ state: 'failed', message: 'provisioning failed for PVC "wait"' });
    expect(check(lazyOn('node-3'), [])).toEqual({ state: 'failed', message: 'provisioning failed for PVC "wait"' });
    expect(check(boundTo('pvc-u-wait', 'Bound'), [provisioned('pvc-u-wait', 'node-3')])).toEqual({ state: 'failed', message: 'pv "pvc-u-wait" node affinity doesn\'t match node "node-2"' });
    expect(check(boundTo('pvc-u-wait', 'Bound'), [provisioned('pvc-u-wait', 'node-2', 'someone-else')])).toEqual({ state: 'failed', message: 'pv "pvc-u-wait" is bound to another claim' });
  });

  it('a pod whose claims were all bound already has nothing to wait for', () => {
    const p = new VolumeBinding({ claim: (_ns, n) => claims[n], volume: (n) => volumes.find((v) => v.metadata.name === n), volumes: () => volumes, storageClass: (n) => classes[n] });
    expect(p.checkBindings(podWith('bound'), node2)).toEqual({ state: 'bound' });
  });
});
