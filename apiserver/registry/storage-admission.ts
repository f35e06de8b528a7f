// Storage admission (mutating, create), as kube-apiserver's DefaultStorageClass and
// StorageObjectInUseProtection plugins:
// - a claim that names no class (storageClassName absent — "" means "no class" and is kept)
//   gets the default StorageClass, the one annotated storageclass.kubernetes.io/is-default-class
//   "true" (the newest if several are, as since v1.26);
// - every claim gets the kubernetes.io/pvc-protection finalizer and every volume
//   kubernetes.io/pv-protection, so a claim in use by a pod, or a volume bound to a claim,
//   stays (Terminating) until the protection controllers see it is safe to remove.
import type { PersistentVolumeClaim } from '../../api/core/index.js';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../../api/core/index.js';
import type { KubeObject } from '../../api/meta.js';
import { isDefaultClass, type StorageClass } from '../../api/storage/index.js';
import type { AdmissionPlugin } from '../admission.js';
import type { Registry } from './index.js';

/** The default class among these: the newest of those annotated as default (ties: by name). Pure. */
export function defaultStorageClass(classes: readonly StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter((c) => isDefaultClass(c) && !c.metadata.deletionTimestamp);
  defaults.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  return defaults[0];
}

function addFinalizer(obj: KubeObject, finalizer: string): void {
  const fs = obj.metadata.finalizers ?? [];
  if (!fs.includes(finalizer)) obj.metadata.finalizers = [...fs, finalizer];
}

/** The claim's class when it names none (mutates). Pure. */
export function setDefaultClass(pvc: PersistentVolumeClaim, classes: readonly StorageClass[]): void {
  if (!pvc.spec) return;
  if (pvc.spec.storageClassName !== undefined && pvc.spec.storageClassName !== null) return;
  const def = defaultStorageClass(classes);
  if (def) pvc.spec.storageClassName = def.metadata.name!;
}

export function storageAdmission(registry: Registry): AdmissionPlugin {
  return (a) => {
    if (a.operation !== 'CREATE' || !a.object || a.subresource) return;
    if (a.info.kind === 'PersistentVolume') addFinalizer(a.object, PV_PROTECTION_FINALIZER);
    if (a.info.kind !== 'PersistentVolumeClaim') return;
    addFinalizer(a.object, PVC_PROTECTION_FINALIZER);
    const pvc = a.object as unknown as PersistentVolumeClaim;
    if (!pvc.spec || (pvc.spec.storageClassName !== undefined && pvc.spec.storageClassName !== null)) return;
    // Only a claim without a class reads the StorageClasses (asynchronously).
    return registry.byKind('StorageClass').list(undefined, {}).then((r) => setDefaultClass(pvc, r.items as unknown as StorageClass[]));
  };
}
