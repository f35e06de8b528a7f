// PersistentVolume, PersistentVolumeClaim and StorageClass rules, pure: update rules, node
// affinity matching, and which class is the default.
import { describe, expect, it } from 'vitest';
import type { PersistentVolume } from '../../api/core/index.js';
import { validatePersistentVolumeClaimUpdate, validatePersistentVolumeUpdate, volumeNodeAffinityMatches } from '../../api/core/index.js';
import { parseLocalPathDir, validateStorageClassUpdate, type StorageClass } from '../../api/storage/index.js';
import { defaultStorageClass, setDefaultClass } from '../../apiserver/registry/storage-admission.js';

const fields = (errs: { field: string; message: string }[]) => errs.map((e) => `${e.field}: ${e.message}`);
const claim = (spec: Record<string, unknown>, phase = 'Pending') => ({
  metadata: { name: 'c' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  status: { phase },
});
const volume = (spec: Record<string, unknown>) => ({ metadata: { name: 'v' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], ...spec } });

describe('claim updates', () => {
  it('the binder may set an empty volumeName; nobody may change it after', () => {
    expect(validatePersistentVolumeClaimUpdate(claim({ volumeName: 'pv-1' }), claim({}))).toEqual([]);
    expect(fields(validatePersistentVolumeClaimUpdate(claim({ volumeName: 'pv-2' }), claim({ volumeName: 'pv-1' })))).toEqual([
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
  });

  it('a storage request: unbound claims cannot change it at all, bound ones are told expansion is not supported', () => {
    const bigger = claim({ resources: { requests: { storage: '2Gi' } } });
    expect(fields(validatePersistentVolumeClaimUpdate(bigger, claim({})))).toEqual(['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims']);
    expect(fields(validatePersistentVolumeClaimUpdate(bigger, claim({}, 'Bound')))).toEqual([
      'spec.resources.requests.storage: Forbidden: volume expansion is not supported: Skiff cannot resize a persistent volume, so the storage request of a claim cannot change',
    ]);
    // the same size spelt differently is no change
    expect(validatePersistentVolumeClaimUpdate(claim({ resources: { requests: { storage: '1024Mi' } } }), claim({}, 'Bound'))).toEqual([]);
  });
});

describe('volume updates', () => {
  it('the source, volume mode and node affinity stay; claimRef may change', () => {
    const aff = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['a'] }] }] } };
    const old = volume({ hostPath: { path: '/a' }, nodeAffinity: aff });
    expect(validatePersistentVolumeUpdate(volume({ hostPath: { path: '/a' }, nodeAffinity: aff, claimRef: { namespace: 'd', name: 'c' } }), old)).toEqual([]);
    expect(fields(validatePersistentVolumeUpdate(volume({ hostPath: { path: '/b' }, nodeAffinity: aff }), old))).toEqual(['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation']);
    expect(fields(validatePersistentVolumeUpdate(volume({ hostPath: { path: '/a' } }), old))[0]).toMatch(/^spec\.nodeAffinity: Invalid value: .*field is immutable$/);
  });
});

describe('volume node affinity', () => {
  const pv = (terms: unknown): PersistentVolume => ({ metadata: { name: 'v' }, spec: { nodeAffinity: { required: { nodeSelectorTerms: terms as never } } } });
  const node = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels } });
  it('any term may match; every expression and field of a term must', () => {
    const v = pv([
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['east'] }, { key: 'disk', operator: 'Exists' }] },
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['special'] }] },
    ]);
    expect(volumeNodeAffinityMatches(v, node('a', { zone: 'east', disk: 'ssd' }))).toBe(true);
    expect(volumeNodeAffinityMatches(v, node('b', { zone: 'east' }))).toBe(false);
    expect(volumeNodeAffinityMatches(v, node('special'))).toBe(true);
    expect(volumeNodeAffinityMatches(pv([{}]), node('a'))).toBe(false); // an empty term matches nothing
    expect(volumeNodeAffinityMatches({ metadata: { name: 'v' }, spec: {} }, node('a'))).toBe(true);
  });
});

describe('StorageClasses', () => {
  const sc = (name: string, created: string, isDefault: boolean): StorageClass => ({
    metadata: { name, creationTimestamp: created, annotations: isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} },
    provisioner: 'p', volumeBindingMode: 'Immediate', reclaimPolicy: 'Delete',
  });

  it('the default is the newest one marked default', () => {
    const classes = [sc('old', '2026-01-01T00:00:00Z', true), sc('new', '2026-06-01T00:00:00Z', true), sc('newest', '2026-07-01T00:00:00Z', false)];
    expect(defaultStorageClass(classes)?.metadata.name).toBe('new');
    const c = { metadata: { name: 'c' }, spec: { storageClassName: undefined as string | undefined } };
    setDefaultClass(c as never, classes);
    expect(c.spec.storageClassName).toBe('new');
    expect(defaultStorageClass([sc('x', '2026-01-01T00:00:00Z', false)])).toBeUndefined();
  });

  it('a binding mode cannot change', () => {
    const old = sc('s', '2026-01-01T00:00:00Z', false);
    expect(fields(validateStorageClassUpdate({ ...old, volumeBindingMode: 'WaitForFirstConsumer' }, old))).toEqual(['volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable']);
    expect(validateStorageClassUpdate({ ...old, metadata: { ...old.metadata, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } }, old)).toEqual([]);
  });

  it('local-path directory names parse back to their claim', () => {
    expect(parseLocalPathDir('pvc-0f3e1a2b-1111-2222-3333-444455556666_default_visits-data')).toEqual({ volumeName: 'pvc-0f3e1a2b-1111-2222-3333-444455556666', namespace: 'default', name: 'visits-data' });
    expect(parseLocalPathDir('lost+found')).toBeUndefined();
  });
});
