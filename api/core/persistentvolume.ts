// core/v1 PersistentVolume and PersistentVolumeClaim: storage that outlives a pod. A PV is a
// piece of storage (a hostPath or local directory here) with a capacity, access modes, a
// class and a reclaim policy; a PVC asks for storage, and the PV controller binds the two
// (pv.spec.claimRef ↔ pvc.spec.volumeName). Schema, defaults and validation as
// pkg/apis/core/validation (ValidatePersistentVolume*, ValidatePersistentVolumeClaim*), v1.32.
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { fieldErr, validateQuantityField } from '../field-errors.js';
import { isObj, setIfAbsent, type Obj } from '../json-object.js';
import { conditionSchema, LabelSelector, ObjectMeta, QuantityValue, StringMap, Time, typeMeta } from '../meta.js';
import { validateLabelSelector } from '../meta-validation.js';
import { isDNS1123Subdomain } from '../names.js';
import { deepEqual } from '../patch/merge.js';
import { compareQuantities } from '../quantity.js';
import { newRequirement, Selector } from '../labels.js';
import { ObjectReference } from './object-reference.js';
import { HostPathVolumeSource, NodeSelectorTerm } from './pod.js';

export const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];
export const RECLAIM_POLICIES = ['Delete', 'Retain'] as const;
export const VOLUME_MODES = ['Block', 'Filesystem'] as const;

/** Annotations the PV controller, the scheduler and provisioners speak through (pkg/controller/volume/persistentvolume/util). */
export const PVAnnotation = {
  /** On a PVC: the controller finished binding it (set once both halves are written). */
  bindCompleted: 'pv.kubernetes.io/bind-completed',
  /** On a PVC or PV: the controller, not the user, chose the other half. */
  boundByController: 'pv.kubernetes.io/bound-by-controller',
  /** On a PV: the provisioner that made it (its Delete reclaim is that provisioner's to carry out). */
  provisionedBy: 'pv.kubernetes.io/provisioned-by',
  /** On a PVC: the node the scheduler chose for a WaitForFirstConsumer claim. */
  selectedNode: 'volume.kubernetes.io/selected-node',
  /** On a PVC: the provisioner asked to make its volume. */
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  betaStorageProvisioner: 'volume.beta.kubernetes.io/storage-provisioner',
} as const;

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

export const LocalVolumeSource = z.object({ path: z.string(), fsType: z.string().optional() });

export const VolumeNodeAffinity = z.object({
  required: z.object({ nodeSelectorTerms: z.array(NodeSelectorTerm) }).optional(),
});
export type VolumeNodeAffinity = z.infer<typeof VolumeNodeAffinity>;

export const PersistentVolumeSpec = z.object({
  capacity: z.record(z.string(), QuantityValue).optional(),
  hostPath: HostPathVolumeSource.optional(),
  local: LocalVolumeSource.optional(),
  accessModes: z.array(z.string()).optional(),
  claimRef: ObjectReference.nullable().optional(),
  persistentVolumeReclaimPolicy: z.string().optional(),
  storageClassName: z.string().optional(),
  mountOptions: z.array(z.string()).optional(),
  volumeMode: z.string().optional(),
  nodeAffinity: VolumeNodeAffinity.optional(),
  volumeAttributesClassName: z.string().optional(),
});
export type PersistentVolumeSpec = z.infer<typeof PersistentVolumeSpec>;

export const PersistentVolumeStatus = z.object({
  phase: z.enum(['Pending', 'Available', 'Bound', 'Released', 'Failed']).optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  lastPhaseTransitionTime: Time.optional(),
});
export type PersistentVolumeStatus = z.infer<typeof PersistentVolumeStatus>;

export const PersistentVolume = z.object({
  ...typeMeta('v1', 'PersistentVolume'),
  metadata: ObjectMeta,
  spec: PersistentVolumeSpec.optional(),
  status: PersistentVolumeStatus.optional(),
});
export type PersistentVolume = z.infer<typeof PersistentVolume>;

export const VolumeResourceRequirements = z.object({
  requests: z.record(z.string(), QuantityValue).optional(),
  limits: z.record(z.string(), QuantityValue).optional(),
});

export const PersistentVolumeClaimSpec = z.object({
  accessModes: z.array(z.string()).optional(),
  selector: LabelSelector.nullable().optional(),
  resources: VolumeResourceRequirements.optional(),
  volumeName: z.string().optional(),
  storageClassName: z.string().nullable().optional(),
  volumeMode: z.string().optional(),
  volumeAttributesClassName: z.string().optional(),
});
export type PersistentVolumeClaimSpec = z.infer<typeof PersistentVolumeClaimSpec>;

export const PersistentVolumeClaimStatus = z.object({
  phase: z.enum(['Pending', 'Bound', 'Lost']).optional(),
  accessModes: z.array(z.string()).optional(),
  capacity: z.record(z.string(), QuantityValue).optional(),
  conditions: z.array(conditionSchema(z.string())).optional(),
  allocatedResources: StringMap.optional(),
});
export type PersistentVolumeClaimStatus = z.infer<typeof PersistentVolumeClaimStatus>;

export const PersistentVolumeClaim = z.object({
  ...typeMeta('v1', 'PersistentVolumeClaim'),
  metadata: ObjectMeta,
  spec: PersistentVolumeClaimSpec.optional(),
  status: PersistentVolumeClaimStatus.optional(),
});
export type PersistentVolumeClaim = z.infer<typeof PersistentVolumeClaim>;

// ---- defaults (SetDefaults_PersistentVolume / _PersistentVolumeClaim) ----

export function defaultPersistentVolume(pv: Obj): void {
  if (!isObj(pv.spec)) pv.spec = {};
  setIfAbsent(pv.spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setIfAbsent(pv.spec, 'volumeMode', 'Filesystem');
  if (!isObj(pv.status)) pv.status = {};
  setIfAbsent(pv.status, 'phase', 'Pending');
}

export function defaultPersistentVolumeClaim(pvc: Obj): void {
  if (!isObj(pvc.spec)) pvc.spec = {};
  setIfAbsent(pvc.spec, 'volumeMode', 'Filesystem');
  if (!isObj(pvc.status)) pvc.status = {};
  setIfAbsent(pvc.status, 'phase', 'Pending');
}

// ---- validation ----

function validateAccessModes(modes: unknown, field: string, required: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(modes) || modes.length === 0) return [fieldErr.required(field, required)];
  for (const m of modes) {
    if (!(ACCESS_MODES as readonly unknown[]).includes(m)) errs.push(fieldErr.notSupported(field, m, [...ACCESS_MODES]));
  }
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errs.push(fieldErr.forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validateStorageClassName(errs: FieldError[], name: unknown, field: string): void {
  if (typeof name === 'string' && name !== '') for (const m of isDNS1123Subdomain(name)) errs.push(fieldErr.invalid(field, name, m));
}

function validateNoDotDot(errs: FieldError[], path: unknown, field: string): void {
  if (typeof path !== 'string' || path === '') errs.push(fieldErr.required(field));
  else if (path.split('/').includes('..')) errs.push(fieldErr.invalid(field, path, "must not contain '..'"));
}

const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];

/** ValidatePersistentVolumeSpec (the sources Skiff serves: hostPath and local). */
export function validatePersistentVolume(pv: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(pv.spec) ? pv.spec : {};
  errs.push(...validateAccessModes(spec.accessModes, 'spec.accessModes', ''));
  const capacity = isObj(spec.capacity) ? spec.capacity : {};
  if (Object.keys(capacity).length === 0) errs.push(fieldErr.required('spec.capacity'));
  else {
    for (const key of Object.keys(capacity)) if (key !== 'storage') errs.push(fieldErr.notSupported('spec.capacity', key, ['storage']));
    if (capacity.storage !== undefined) positiveQuantity(errs, 'spec.capacity[storage]', capacity.storage);
  }
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy !== undefined && !(RECLAIM_POLICIES as readonly unknown[]).includes(policy)) {
    errs.push(fieldErr.notSupported('spec.persistentVolumeReclaimPolicy', policy, [...RECLAIM_POLICIES]));
  }
  validateStorageClassName(errs, spec.storageClassName, 'spec.storageClassName');
  if (spec.volumeMode !== undefined && !(VOLUME_MODES as readonly unknown[]).includes(spec.volumeMode)) {
    errs.push(fieldErr.notSupported('spec.volumeMode', spec.volumeMode, [...VOLUME_MODES]));
  }
  const sources = (['hostPath', 'local'] as const).filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (sources.length === 0) errs.push(fieldErr.required('spec', 'must specify a volume type'));
  for (const s of sources.slice(1)) errs.push(fieldErr.forbidden(`spec.${s}`, 'may not specify more than 1 volume type'));
  if (isObj(spec.hostPath)) {
    validateNoDotDot(errs, spec.hostPath.path, 'spec.hostPath.path');
    const t = spec.hostPath.type;
    if (t !== undefined && !HOST_PATH_TYPES.includes(t)) errs.push(fieldErr.notSupported('spec.hostPath.type', t, HOST_PATH_TYPES));
  }
  if (isObj(spec.local)) {
    validateNoDotDot(errs, spec.local.path, 'spec.local.path');
    if (!isObj(spec.nodeAffinity)) errs.push(fieldErr.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (isObj(spec.nodeAffinity)) {
    const terms = spec.nodeAffinity.required?.nodeSelectorTerms;
    if (!isObj(spec.nodeAffinity.required)) errs.push(fieldErr.required('spec.nodeAffinity.required'));
    else if (!Array.isArray(terms) || terms.length === 0) errs.push(fieldErr.required('spec.nodeAffinity.required.nodeSelectorTerms', 'must have at least one node selector term'));
  }
  const ref = spec.claimRef;
  if (isObj(ref)) {
    if (!ref.name) errs.push(fieldErr.required('spec.claimRef.name'));
    if (!ref.namespace) errs.push(fieldErr.required('spec.claimRef.namespace'));
  }
  return errs;
}

/** ValidatePersistentVolumeUpdate: the volume source, its mode and (once set) its node affinity never change. */
export function validatePersistentVolumeUpdate(pv: Obj, old: Obj): FieldError[] {
  const errs = validatePersistentVolume(pv);
  const spec = isObj(pv.spec) ? pv.spec : {};
  const was = isObj(old.spec) ? old.spec : {};
  if (!deepEqual(spec.hostPath ?? null, was.hostPath ?? null) || !deepEqual(spec.local ?? null, was.local ?? null)) {
    errs.push(fieldErr.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  }
  if ((spec.volumeMode ?? 'Filesystem') !== (was.volumeMode ?? 'Filesystem')) errs.push(fieldErr.invalid('spec.volumeMode', spec.volumeMode, 'field is immutable'));
  if (was.nodeAffinity && !deepEqual(spec.nodeAffinity ?? null, was.nodeAffinity)) errs.push(fieldErr.invalid('spec.nodeAffinity', spec.nodeAffinity ?? null, 'field is immutable'));
  return errs;
}

function positiveQuantity(errs: FieldError[], field: string, v: unknown): void {
  const n = validateQuantityField(errs, field, v);
  if (n === 0n) errs.push(fieldErr.invalid(field, v, 'must be greater than zero'));
}

/** ValidatePersistentVolumeClaimSpec: access modes and a storage request are required. */
export function validatePersistentVolumeClaim(pvc: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(pvc.spec) ? pvc.spec : {};
  errs.push(...validateAccessModes(spec.accessModes, 'spec.accessModes', 'at least 1 access mode is required'));
  if (isObj(spec.selector)) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const storage = spec.resources?.requests?.storage;
  if (storage === undefined || storage === null || storage === '') errs.push(fieldErr.required('spec.resources[storage]'));
  else positiveQuantity(errs, 'spec.resources[storage]', storage);
  validateStorageClassName(errs, spec.storageClassName, 'spec.storageClassName');
  if (spec.volumeMode !== undefined && !(VOLUME_MODES as readonly unknown[]).includes(spec.volumeMode)) {
    errs.push(fieldErr.notSupported('spec.volumeMode', spec.volumeMode, [...VOLUME_MODES]));
  }
  return errs;
}

export const PVC_SPEC_IMMUTABLE = 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';
export const PVC_EXPANSION_UNSUPPORTED = 'volume expansion is not supported: Skiff cannot resize a persistent volume, so the storage request of a claim cannot change';

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is fixed once created, except that the binder
 * may fill in an empty volumeName. Kubernetes lets a bound claim's storage request grow
 * (volume expansion); Skiff does not resize volumes, so any change of it is refused saying so.
 */
export function validatePersistentVolumeClaimUpdate(pvc: Obj, old: Obj): FieldError[] {
  const errs = validatePersistentVolumeClaim(pvc);
  const spec = { ...(isObj(pvc.spec) ? pvc.spec : {}) };
  const was = { ...(isObj(old.spec) ? old.spec : {}) };
  if (!was.volumeName && spec.volumeName) was.volumeName = spec.volumeName;
  const storage = spec.resources?.requests?.storage;
  const oldStorage = was.resources?.requests?.storage;
  const requestChanged = storage !== undefined && oldStorage !== undefined && safeCompare(storage, oldStorage) !== 0;
  const bound = old.status?.phase === 'Bound';
  // One quantity spelt two ways (1Gi, 1024Mi) is no change.
  if (storage !== undefined && oldStorage !== undefined && !requestChanged) {
    spec.resources = { ...spec.resources, requests: { ...spec.resources.requests, storage: oldStorage } };
  }
  if (requestChanged && bound) {
    if (safeCompare(storage, oldStorage) < 0) errs.push(fieldErr.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
    else errs.push(fieldErr.forbidden('spec.resources.requests.storage', PVC_EXPANSION_UNSUPPORTED));
    // The request is judged on its own; the rest of the spec still must not change.
    spec.resources = was.resources;
  }
  if (!deepEqual(stripEmpty(spec), stripEmpty(was))) errs.push(fieldErr.forbidden('spec', PVC_SPEC_IMMUTABLE));
  return errs;
}

function safeCompare(a: unknown, b: unknown): number {
  try {
    return compareQuantities(a as string, b as string);
  } catch {
    return a === b ? 0 : 1;
  }
}

/** undefined and absent compare the same (a client may echo back fewer fields). */
function stripEmpty(o: Obj): Obj {
  return JSON.parse(JSON.stringify(o));
}

// ---- helpers shared by the binder, the scheduler and the kubelet ----

/** The class a claim asks for: spec.storageClassName ('' means "no class"). */
export function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.spec?.storageClassName ?? '';
}

/** The directory a PV's data lives in on its node (hostPath or local). */
export function volumePath(pv: PersistentVolume): string | undefined {
  return pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
}

const NODE_SELECTOR_OPS = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!', Gt: 'gt', Lt: 'lt' } as const;

/**
 * Does a volume's required node affinity admit this node? Any term may match; within a term
 * every expression (labels) and field (metadata.name) must. No affinity admits every node;
 * a malformed term matches nothing, as in Kubernetes. Pure.
 */
export function volumeNodeAffinityMatches(pv: PersistentVolume, node: { metadata: { name?: string; labels?: Record<string, string> | null } }): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  const labels = node.metadata.labels ?? {};
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? [];
    const fields = t.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    try {
      if (!new Selector(exprs.map((e) => newRequirement(e.key, NODE_SELECTOR_OPS[e.operator], e.values ?? []))).matches(labels)) return false;
    } catch {
      return false;
    }
    return fields.every((f) => {
      if (f.key !== 'metadata.name') return false;
      const has = (f.values ?? []).includes(node.metadata.name ?? '');
      return f.operator === 'In' ? has : f.operator === 'NotIn' ? !has : false;
    });
  });
}
