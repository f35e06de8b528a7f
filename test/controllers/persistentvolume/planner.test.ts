// The PV binder, local-path provisioner and protection planners: pure state in, writes out.
import { describe, expect, it } from 'vitest';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from '../../../api/core/index.js';
import type { StorageClass } from '../../../api/storage/index.js';
import { findMatchingVolume, planClaim, planVolume, type BinderState } from '../../../controllers/persistentvolume/planner.js';
import { LOCAL_PATH_PROVISIONER, localPathStorageClass, planProvision } from '../../../controllers/local-path-provisioner/planner.js';
import { planClaimProtection, planVolumeProtection } from '../../../controllers/volume-protection/planner.js';

function pv(name: string, size: string, extra: { class?: string; modes?: string[]; labels?: Record<string, string>; claimRef?: PersistentVolume['spec'] extends infer S ? S extends { claimRef?: infer R } ? R : never : never; phase?: string; policy?: string; node?: string; annotations?: Record<string, string> } = {}): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name, uid: `uid-${name}`, resourceVersion: '1', labels: extra.labels ?? {}, annotations: extra.annotations ?? {} },
    spec: {
      capacity: { storage: size }, accessModes: extra.modes ?? ['ReadWriteOnce'], storageClassName: extra.class ?? 'manual',
      persistentVolumeReclaimPolicy: extra.policy ?? 'Retain', volumeMode: 'Filesystem', hostPath: { path: `/data/${name}` },
      ...(extra.claimRef ? { claimRef: extra.claimRef } : {}),
      ...(extra.node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In' as const, values: [extra.node] }] }] } } } : {}),
    },
    status: { phase: (extra.phase ?? 'Available') as 'Available' },
  };
}

function pvc(name: string, size: string, extra: { class?: string; modes?: string[]; selector?: Record<string, string>; volumeName?: string; phase?: string; annotations?: Record<string, string> } = {}): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '5', annotations: extra.annotations ?? {} },
    spec: {
      accessModes: extra.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: extra.class ?? 'manual', volumeMode: 'Filesystem',
      ...(extra.selector ? { selector: { matchLabels: extra.selector } } : {}),
      ...(extra.volumeName ? { volumeName: extra.volumeName } : {}),
    },
    status: { phase: (extra.phase ?? 'Pending') as 'Pending' },
  };
}

const sc = (name: string, mode: 'Immediate' | 'WaitForFirstConsumer', provisioner = 'kubernetes.io/no-provisioner'): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, volumeBindingMode: mode, reclaimPolicy: 'Delete',
});
const node = (name: string, annotations: Record<string, string> = {}): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name }, annotations } } as Node);

function state(volumes: PersistentVolume[], classes: StorageClass[] = [sc('manual', 'Immediate')], nodes: Node[] = []): BinderState {
  return { volumes, classes: new Map(classes.map((c) => [c.metadata.name!, c])), nodes: new Map(nodes.map((n) => [n.metadata.name!, n])), deleters: new Set([LOCAL_PATH_PROVISIONER]), now: '2026-12-05T12:00:00Z' };
}

describe('binding', () => {
  it('binds the smallest Available volume that fits, in four writes (PV claimRef, PV Bound, PVC volumeName, PVC Bound)', () => {
    const s = state([pv('big', '10Gi'), pv('small', '2Gi'), pv('tiny', '500Mi')]);
    const plan = planClaim(pvc('data', '1Gi'), s);
    expect(plan.writes.map((w) => w.kind)).toEqual(['volume', 'volumeStatus', 'claim', 'claimStatus']);
    const [vol, volStatus, claim, claimStatus] = plan.writes.map((w) => ('object' in w ? w.object : undefined)) as [PersistentVolume, PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaim];
    expect(vol.metadata.name).toBe('small');
    expect(vol.spec!.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: 'uid-data' });
    expect(vol.metadata.annotations!['pv.kubernetes.io/bound-by-controller']).toBe('yes');
    expect(volStatus.status!.phase).toBe('Bound');
    expect(volStatus.status!.lastPhaseTransitionTime).toBe('2026-12-05T12:00:00Z');
    expect(claim.spec!.volumeName).toBe('small');
    expect(claim.metadata.annotations!['pv.kubernetes.io/bind-completed']).toBe('yes');
    expect(claimStatus.status).toMatchObject({ phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'] });
  });

  it('matches class, access modes, size and selector, and nothing else', () => {
    const volumes = [
      pv('other-class', '5Gi', { class: 'fast' }),
      pv('ro-only', '5Gi', { modes: ['ReadOnlyMany'] }),
      pv('too-small', '1Gi'),
      pv('wrong-label', '5Gi', { labels: { tier: 'cold' } }),
      pv('claimed', '5Gi', { claimRef: { namespace: 'default', name: 'someone', uid: 'x' }, phase: 'Bound' }),
      pv('released', '5Gi', { phase: 'Released' }),
      pv('right', '8Gi', { modes: ['ReadWriteOnce', 'ReadOnlyMany'], labels: { tier: 'hot' } }),
    ];
    const claim = pvc('data', '2Gi', { selector: { tier: 'hot' } });
    expect(findMatchingVolume(claim, state(volumes))?.metadata.name).toBe('right');
    expect(findMatchingVolume(pvc('data', '20Gi'), state(volumes))).toBeUndefined();
    expect(findMatchingVolume(pvc('data', '1Gi', { modes: ['ReadWriteMany'] }), state(volumes))).toBeUndefined();
  });

  it('a claim with no match stays Pending and says why; one whose class provisions is handed to its provisioner', () => {
    const none = planClaim(pvc('data', '1Gi', { phase: '' }), state([]));
    expect(none.writes).toEqual([{ kind: 'claimStatus', object: expect.objectContaining({ status: { phase: 'Pending' } }) }]);
    const missing = planClaim(pvc('data', '1Gi', { class: 'gold' }), state([]));
    expect(missing.events[0]).toMatchObject({ reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "gold" not found' });
    const dyn = planClaim(pvc('data', '1Gi', { class: 'dyn' }), state([], [sc('dyn', 'Immediate', 'example.com/nfs')]));
    expect(dyn.writes[0]).toMatchObject({ kind: 'claim', object: { metadata: { annotations: { 'volume.kubernetes.io/storage-provisioner': 'example.com/nfs' } } } });
    expect(dyn.events[0]!.reason).toBe('ExternalProvisioning');
  });

  it('WaitForFirstConsumer: nothing until the scheduler picks a node, then only volumes that node reaches', () => {
    const classes = [sc('local', 'WaitForFirstConsumer')];
    const volumes = [pv('on-1', '1Gi', { class: 'local', node: 'node-1' }), pv('on-2', '5Gi', { class: 'local', node: 'node-2' })];
    const nodes = [node('node-1'), node('node-2')];
    const waiting = planClaim(pvc('data', '1Gi', { class: 'local' }), state(volumes, classes, nodes));
    expect(waiting.writes.filter((w) => w.kind !== 'claimStatus')).toEqual([]);
    expect(waiting.events[0]).toMatchObject({ reason: 'WaitForFirstConsumer' });
    const picked = planClaim(pvc('data', '1Gi', { class: 'local', annotations: { 'volume.kubernetes.io/selected-node': 'node-2' } }), state(volumes, classes, nodes));
    expect(picked.writes[0]).toMatchObject({ kind: 'volume', object: { metadata: { name: 'on-2' } } });
  });

  it('a volume pre-bound to the claim (claimRef, as the provisioner makes them) wins over a smaller free one', () => {
    const volumes = [pv('free', '1Gi'), pv('mine', '5Gi', { claimRef: { namespace: 'default', name: 'data', uid: 'uid-data' }, phase: 'Pending' })];
    const plan = planClaim(pvc('data', '1Gi'), state(volumes));
    expect(plan.writes.map((w) => w.kind)).toEqual(['volumeStatus', 'claim', 'claimStatus']);
    expect((plan.writes[1] as { object: PersistentVolumeClaim }).object.spec!.volumeName).toBe('mine');
  });

  it('a fully bound pair needs no writes; a claim whose volume vanished is Lost', () => {
    const volume = pv('v', '1Gi', { claimRef: { namespace: 'default', name: 'data', uid: 'uid-data' }, phase: 'Bound' });
    const claim = pvc('data', '1Gi', { volumeName: 'v', phase: 'Bound', annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } });
    claim.status = { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] };
    expect(planClaim(claim, state([volume])).writes).toEqual([]);
    expect(planVolume(volume, claim, state([volume])).writes).toEqual([]);
    const lost = planClaim(claim, state([]));
    expect(lost.writes).toEqual([{ kind: 'claimStatus', object: expect.objectContaining({ status: expect.objectContaining({ phase: 'Lost' }) }) }]);
    expect(lost.events[0]!.reason).toBe('ClaimLost');
  });
});

describe('reclaim', () => {
  const ref = { namespace: 'default', name: 'data', uid: 'uid-data' };
  it('Retain: the volume is Released when its claim is gone, and stays so', () => {
    const v = pv('v', '1Gi', { claimRef: ref, phase: 'Bound', policy: 'Retain' });
    const plan = planVolume(v, undefined, state([v]));
    expect(plan.writes).toEqual([{ kind: 'volumeStatus', object: expect.objectContaining({ status: expect.objectContaining({ phase: 'Released' }) }) }]);
    const released = pv('v', '1Gi', { claimRef: ref, phase: 'Released', policy: 'Retain' });
    expect(planVolume(released, undefined, state([released])).writes).toEqual([]);
  });

  it('a new claim of the same name (another uid) does not get a Released volume back', () => {
    const v = pv('v', '1Gi', { claimRef: ref, phase: 'Released', policy: 'Retain' });
    const again = { ...pvc('data', '1Gi'), metadata: { ...pvc('data', '1Gi').metadata, uid: 'uid-new' } };
    expect(planVolume(v, again, state([v])).writes).toEqual([]);
    expect(findMatchingVolume(again, state([v]))).toBeUndefined();
  });

  it('Delete: a volume of a provisioner we can delete for is deleted (uid precondition); any other is Failed, saying why', () => {
    const ours = pv('pvc-1', '1Gi', { claimRef: ref, phase: 'Bound', policy: 'Delete', annotations: { 'pv.kubernetes.io/provisioned-by': LOCAL_PATH_PROVISIONER } });
    expect(planVolume(ours, undefined, state([ours])).writes.map((w) => w.kind)).toEqual(['volumeStatus', 'deleteVolume']);
    expect(planVolume(ours, undefined, state([ours])).writes[1]).toEqual({ kind: 'deleteVolume', name: 'pvc-1', uid: 'uid-pvc-1' });
    const manual = pv('manual', '1Gi', { claimRef: ref, phase: 'Bound', policy: 'Delete' });
    const plan = planVolume(manual, undefined, state([manual]));
    expect(plan.writes[0]).toMatchObject({ kind: 'volumeStatus', object: { status: { phase: 'Failed', message: 'error getting deleter volume plugin for volume "manual": no deletable volume plugin matched' } } });
    expect(plan.events[0]!.reason).toBe('VolumeFailedDelete');
  });

  it('an unclaimed volume becomes Available', () => {
    const v = pv('v', '1Gi', { phase: 'Pending' });
    expect(planVolume(v, undefined, state([v])).writes[0]).toMatchObject({ object: { status: { phase: 'Available' } } });
  });
});

describe('local-path provisioning', () => {
  const cls = localPathStorageClass();
  const claim = () => pvc('data', '1Gi', { class: 'local-path', annotations: { 'volume.kubernetes.io/storage-provisioner': LOCAL_PATH_PROVISIONER, 'volume.kubernetes.io/selected-node': 'node-2' } });
  const nodes = new Map([['node-2', node('node-2', { 'skiff.dev/local-path-root': '/var/lib/skiff/kubelet/node-2/local-path' })]]);

  it('the default class: WaitForFirstConsumer, Delete, marked default', () => {
    expect(cls).toMatchObject({ provisioner: 'skiff.dev/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete', metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } });
  });

  it('makes pvc-<uid> under the selected node\'s root, with node affinity to it, pre-bound to the claim', () => {
    const d = planProvision(claim(), cls, nodes, new Set());
    expect(d.action).toBe('create');
    const v = (d as { volume: PersistentVolume }).volume;
    expect(v.metadata.name).toBe('pvc-uid-data');
    expect(v.spec!.hostPath).toEqual({ path: '/var/lib/skiff/kubelet/node-2/local-path/pvc-uid-data_default_data', type: 'DirectoryOrCreate' });
    expect(v.spec!.nodeAffinity!.required!.nodeSelectorTerms[0]!.matchExpressions).toEqual([{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-2'] }]);
    expect(v.spec).toMatchObject({ capacity: { storage: '1Gi' }, persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'local-path', claimRef: { name: 'data', uid: 'uid-data' } });
    expect(v.metadata.annotations!['pv.kubernetes.io/provisioned-by']).toBe(LOCAL_PATH_PROVISIONER);
    // and the binder then binds exactly it
    expect(findMatchingVolume(claim(), state([v], [cls], [...nodes.values()]))?.metadata.name).toBe('pvc-uid-data');
  });

  it('waits for a node, needs the node\'s root, and never makes a second volume', () => {
    const noNode = claim();
    delete noNode.metadata.annotations!['volume.kubernetes.io/selected-node'];
    expect(planProvision(noNode, cls, nodes, new Set())).toEqual({ action: 'fail', message: 'configuration error, no node was specified' });
    expect(planProvision(claim(), cls, new Map([['node-2', node('node-2')]]), new Set())).toMatchObject({ action: 'fail', message: expect.stringContaining('no local-path root') });
    expect(planProvision(claim(), cls, nodes, new Set(['pvc-uid-data']))).toEqual({ action: 'none' });
    expect(planProvision(pvc('x', '1Gi'), cls, nodes, new Set())).toEqual({ action: 'none' });
  });
});

describe('protection', () => {
  const deleting = (c: PersistentVolumeClaim) => ({ ...c, metadata: { ...c.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['kubernetes.io/pvc-protection', 'other'] } });
  const podUsing = (claim: string, phase = 'Running'): Pod => ({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: claim } }] }, status: { phase } } as Pod);

  it('a claim in use by a pod that has not finished keeps its finalizer; then only ours is removed', () => {
    const c = deleting(pvc('data', '1Gi'));
    expect(planClaimProtection(c, [podUsing('data')])).toBeUndefined();
    expect(planClaimProtection(c, [podUsing('data', 'Succeeded'), podUsing('other')])).toEqual(['other']);
    expect(planClaimProtection(pvc('data', '1Gi'), [])).toBeUndefined(); // not being deleted
  });

  it('a Bound volume keeps pv-protection; a Released one loses it', () => {
    const v = (phase: string) => ({ ...pv('v', '1Gi', { phase }), metadata: { ...pv('v', '1Gi').metadata, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['kubernetes.io/pv-protection'] } });
    expect(planVolumeProtection(v('Bound'))).toBeUndefined();
    expect(planVolumeProtection(v('Released'))).toEqual([]);
  });
});
