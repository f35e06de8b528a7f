// storage.k8s.io/v1 StorageClass: a kind of storage a claim can ask for by name — who
// provisions it, what happens to its volumes when released, and when claims are bound
// (at once, or when the first pod using them is scheduled). Schema, defaults and validation
// as pkg/apis/storage (ValidateStorageClass, ValidateStorageClassUpdate), v1.32.
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { fieldErr } from '../field-errors.js';
import { isObj, setIfAbsent, type Obj } from '../json-object.js';
import { ObjectMeta, StringMap, typeMeta } from '../meta.js';
import { isQualifiedName } from '../names.js';
import { deepEqual } from '../patch/merge.js';

export const VOLUME_BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'] as const;
export type VolumeBindingMode = (typeof VOLUME_BINDING_MODES)[number];
export const SC_RECLAIM_POLICIES = ['Delete', 'Retain'] as const;

/** The annotation that makes a class the default for claims that name none. */
export const IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

/** The provisioner name of classes whose volumes are made by hand (no dynamic provisioning). */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export const TopologySelectorTerm = z.object({
  matchLabelExpressions: z.array(z.object({ key: z.string(), values: z.array(z.string()) })).optional(),
});

export const StorageClass = z.object({
  ...typeMeta('storage.k8s.io/v1', 'StorageClass'),
  metadata: ObjectMeta,
  provisioner: z.string(),
  parameters: StringMap.optional(),
  reclaimPolicy: z.string().optional(),
  mountOptions: z.array(z.string()).optional(),
  allowVolumeExpansion: z.boolean().optional(),
  volumeBindingMode: z.string().optional(),
  allowedTopologies: z.array(TopologySelectorTerm).optional(),
});
export type StorageClass = z.infer<typeof StorageClass>;

/** SetDefaults_StorageClass. */
export function defaultStorageClass(sc: Obj): void {
  setIfAbsent(sc, 'reclaimPolicy', 'Delete');
  setIfAbsent(sc, 'volumeBindingMode', 'Immediate');
}

export function isDefaultClass(sc: Pick<StorageClass, 'metadata'>): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[IS_DEFAULT_CLASS_ANNOTATION] === 'true' || a[BETA_IS_DEFAULT_CLASS_ANNOTATION] === 'true';
}

export function validateStorageClass(sc: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof sc.provisioner !== 'string' || sc.provisioner === '') errs.push(fieldErr.required('provisioner'));
  else {
    for (const m of isQualifiedName(sc.provisioner.toLowerCase())) errs.push(fieldErr.invalid('provisioner', sc.provisioner, m));
  }
  if (sc.reclaimPolicy !== undefined && !(SC_RECLAIM_POLICIES as readonly unknown[]).includes(sc.reclaimPolicy)) {
    errs.push(fieldErr.notSupported('reclaimPolicy', sc.reclaimPolicy, [...SC_RECLAIM_POLICIES]));
  }
  if (sc.volumeBindingMode === undefined || sc.volumeBindingMode === '') errs.push(fieldErr.required('volumeBindingMode'));
  else if (!(VOLUME_BINDING_MODES as readonly unknown[]).includes(sc.volumeBindingMode)) {
    errs.push(fieldErr.notSupported('volumeBindingMode', sc.volumeBindingMode, [...VOLUME_BINDING_MODES]));
  }
  if (isObj(sc.parameters)) {
    const n = Object.keys(sc.parameters).length;
    if (n > 512) errs.push(fieldErr.tooMany('parameters', n, 512));
  }
  return errs;
}

/** ValidateStorageClassUpdate: what a class promises its existing volumes never changes. */
export function validateStorageClassUpdate(sc: Obj, old: Obj): FieldError[] {
  const errs = validateStorageClass(sc);
  const norm = (m: unknown) => (isObj(m) && Object.keys(m).length ? m : null);
  if (!deepEqual(norm(sc.parameters), norm(old.parameters))) errs.push(fieldErr.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(fieldErr.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(fieldErr.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (sc.volumeBindingMode !== old.volumeBindingMode) errs.push(fieldErr.invalid('volumeBindingMode', sc.volumeBindingMode, 'field is immutable'));
  return errs;
}
