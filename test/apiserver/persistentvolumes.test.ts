// PersistentVolumes, PersistentVolumeClaims and StorageClasses through a real API server:
// each 422 with its field, the protection finalizers and the default class added on create,
// a bound claim's spec fixed (a resize refused, saying so), kubectl's columns, and an
// in-use claim kept Terminating by the pvc-protection controller until its pod is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersistentVolumeClaim } from '../../api/core/index.js';
import { RestClient } from '../../client/index.js';
import { SharedInformerFactory } from '../../controllers/informer-factory.js';
import { PVCProtectionController } from '../../controllers/volume-protection/controller.js';
import { testPki } from '../support/tls.js';
import { call, eventually, pod, startTestServer, type TestServer } from './harness.js';

const PVS = '/api/v1/persistentvolumes';
const PVCS = '/api/v1/namespaces/default/persistentvolumeclaims';
const SCS = '/apis/storage.k8s.io/v1/storageclasses';
const TABLE = { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' };

const pv = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` }, storageClassName: 'manual', ...spec },
});
const pvc = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual', ...spec },
});
const sc = (name: string, fields: Record<string, unknown> = {}) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'kubernetes.io/no-provisioner', ...fields });

let s: TestServer;
beforeAll(async () => { s = await startTestServer(); });
afterAll(async () => { await s.close(); });

/** The causes of a 422: "field: message". */
async function invalid(method: string, path: string, body: unknown): Promise<string[]> {
  const r = await call(s.url, method, path, body, method === 'PATCH' ? { 'Content-Type': 'application/merge-patch+json' } : {});
  expect(r.status, JSON.stringify(r.body)).toBe(422);
  expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422 });
  return r.body.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
}

describe('validation', () => {
  it('a claim needs access modes and a storage request', async () => {
    expect(await invalid('POST', PVCS, pvc('a', { accessModes: [] }))).toEqual(['spec.accessModes: Required value: at least 1 access mode is required']);
    expect(await invalid('POST', PVCS, pvc('b', { resources: {} }))).toEqual(['spec.resources[storage]: Required value']);
    expect(await invalid('POST', PVCS, pvc('c', { resources: { requests: { storage: '0' } } }))).toEqual(['spec.resources[storage]: Invalid value: "0": must be greater than zero']);
    expect(await invalid('POST', PVCS, pvc('d', { accessModes: ['ReadWriteSometimes'] }))).toEqual([
      'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"',
    ]);
  });

  it('a volume needs capacity, access modes, exactly one source, and node affinity when local', async () => {
    expect(await invalid('POST', PVS, pv('a', { capacity: undefined }))).toEqual(['spec.capacity: Required value']);
    expect(await invalid('POST', PVS, pv('b', { accessModes: undefined }))).toEqual(['spec.accessModes: Required value']);
    expect(await invalid('POST', PVS, pv('c', { hostPath: undefined }))).toEqual(['spec: Required value: must specify a volume type']);
    expect(await invalid('POST', PVS, pv('d', { local: { path: '/mnt/d' } }))).toEqual(expect.arrayContaining([
      'spec.local: Forbidden: may not specify more than 1 volume type',
      'spec.nodeAffinity: Required value: Local volume requires node affinity',
    ]));
    expect(await invalid('POST', PVS, pv('e', { hostPath: { path: '/data/../etc' } }))).toEqual(["spec.hostPath.path: Invalid value: \"/data/../etc\": must not contain '..'"]);
    expect(await invalid('POST', PVS, pv('f', { persistentVolumeReclaimPolicy: 'Recycle' }))).toEqual(['spec.persistentVolumeReclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']);
  });

  it('a StorageClass: binding mode one of two, and provisioner, parameters and policies fixed once made', async () => {
    expect(await invalid('POST', SCS, sc('x', { volumeBindingMode: 'Later' }))).toEqual(['volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"']);
    expect(await invalid('POST', SCS, sc('y', { provisioner: '' }))).toEqual(['provisioner: Required value']);
    const made = await call(s.url, 'POST', SCS, sc('slow'));
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    expect(await invalid('PUT', `${SCS}/slow`, { ...made.body, provisioner: 'example.com/other', reclaimPolicy: 'Retain' })).toEqual([
      'provisioner: Forbidden: updates to provisioner are forbidden.',
      'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
    ]);
  });
});

describe('create', () => {
  it('adds the protection finalizers, Pending status, and defaults', async () => {
    const v = await call(s.url, 'POST', PVS, { ...pv('fin-pv'), status: { phase: 'Bound' } });
    expect(v.status).toBe(201);
    expect(v.body.metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    expect(v.body.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
    expect(v.body.status.phase).toBe('Pending'); // a client cannot create a Bound volume
    const c = await call(s.url, 'POST', PVCS, pvc('fin-pvc'));
    expect(c.body.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    expect(c.body.status).toEqual({ phase: 'Pending' });
  });

  it('a claim naming no class gets the default one; "" means no class and stays', async () => {
    expect((await call(s.url, 'POST', PVCS, pvc('no-default', { storageClassName: undefined }))).body.spec.storageClassName).toBeUndefined();
    await call(s.url, 'POST', SCS, sc('gold', { metadata: { name: 'gold', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } }));
    expect((await call(s.url, 'POST', PVCS, pvc('defaulted', { storageClassName: undefined }))).body.spec.storageClassName).toBe('gold');
    expect((await call(s.url, 'POST', PVCS, pvc('classless', { storageClassName: '' }))).body.spec.storageClassName).toBe('');
    const t = await call(s.url, 'GET', SCS, undefined, TABLE);
    expect(t.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
    expect(t.body.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 5))).toEqual([
      ['gold (default)', 'kubernetes.io/no-provisioner', 'Delete', 'Immediate', false],
      ['slow', 'kubernetes.io/no-provisioner', 'Delete', 'Immediate', false],
    ]);
  });
});

describe('a bound claim', () => {
  it('keeps its spec; a resize is refused saying expansion is not supported; the binder may fill in volumeName', async () => {
    await call(s.url, 'POST', PVCS, pvc('bound'));
    const setVolume = await call(s.url, 'PATCH', `${PVCS}/bound`, { spec: { volumeName: 'some-pv' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(setVolume.status).toBe(200);
    expect(await invalid('PATCH', `${PVCS}/bound`, { spec: { volumeName: 'other-pv' } })).toEqual(['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims']);
    const st = await call(s.url, 'PATCH', `${PVCS}/bound/status`, { status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(st.status).toBe(200);
    const grow = await invalid('PATCH', `${PVCS}/bound`, { spec: { resources: { requests: { storage: '2Gi' } } } });
    expect(grow).toEqual(['spec.resources.requests.storage: Forbidden: volume expansion is not supported: Skiff cannot resize a persistent volume, so the storage request of a claim cannot change']);
    expect(await invalid('PATCH', `${PVCS}/bound`, { spec: { resources: { requests: { storage: '500Mi' } } } })).toEqual(['spec.resources.requests.storage: Forbidden: field can not be less than previous value']);
    const t = await call(s.url, 'GET', `${PVCS}/bound`, undefined, TABLE);
    expect(t.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode']);
    expect(t.body.rows[0].cells.slice(0, 7)).toEqual(['bound', 'Bound', 'some-pv', '1Gi', 'RWO', 'manual', '<unset>']);
  });

  it('volumes print kubectl 1.32\'s columns', async () => {
    await call(s.url, 'POST', PVS, pv('cols', { claimRef: { namespace: 'default', name: 'bound' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] }));
    const t = await call(s.url, 'GET', `${PVS}/cols`, undefined, TABLE);
    expect(t.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode']);
    expect(t.body.rows[0].cells.slice(0, 9)).toEqual(['cols', '1Gi', 'RWO,ROX', 'Retain', 'Pending', 'default/bound', 'manual', '<unset>', '']);
  });
});

describe('pvc-protection', () => {
  it('a claim a pod uses stays Terminating until the pod is gone, then goes', async () => {
    const client = new RestClient({ server: s.url, credentials: testPki().credentials, userAgent: 'pv-test' });
    const informers = new SharedInformerFactory(client);
    const controller = new PVCProtectionController(client, informers);
    informers.start();
    try {
      await informers.waitForSync();
      await call(s.url, 'POST', PVCS, pvc('in-use'));
      const user = pod('user', {}, { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'in-use' } }] });
      user.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }];
      expect((await call(s.url, 'POST', '/api/v1/namespaces/default/pods', user)).status).toBe(201);
      expect((await call(s.url, 'DELETE', `${PVCS}/in-use`)).status).toBe(200);
      // The controller's own decision, once its caches hold both the pod and the deleted claim:
      await eventually(async () => informers.pods().store.get('default/user') && informers.forKind<PersistentVolumeClaim>('PersistentVolumeClaim').store.get('default/in-use')?.metadata.deletionTimestamp);
      await controller.sync('default/in-use');
      const held = await call(s.url, 'GET', `${PVCS}/in-use`, undefined, TABLE);
      expect(held.body.rows[0].cells[1]).toBe('Terminating');
      expect((await call(s.url, 'DELETE', '/api/v1/namespaces/default/pods/user')).status).toBe(200);
      const run = controller.run(1);
      await eventually(async () => (await call(s.url, 'GET', `${PVCS}/in-use`)).status === 404);
      controller.queue.shutDown();
      await run;
    } finally {
      informers.stop();
      client.close();
    }
  });
});
