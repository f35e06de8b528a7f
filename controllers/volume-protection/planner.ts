// Storage object in-use protection (pkg/controller/volume/pvcprotection and pvprotection),
// pure: a claim being deleted keeps kubernetes.io/pvc-protection while any pod that has not
// finished (phase Succeeded/Failed) names it in a volume — a pod being deleted still counts
// until its containers are gone; a volume being deleted keeps kubernetes.io/pv-protection
// while it is Bound to a claim.
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../../api/core/index.js';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../../api/core/index.js';

/** Does this pod hold the claim (names it, and has not finished)? */
export function podUsesClaim(pod: Pod, namespace: string, claimName: string): boolean {
  if ((pod.metadata.namespace ?? 'default') !== namespace) return false;
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  return (pod.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claimName);
}

/** The finalizers the claim should have now, or undefined when nothing is to change. */
export function planClaimProtection(c: PersistentVolumeClaim, podsInNamespace: readonly Pod[]): string[] | undefined {
  const fs = c.metadata.finalizers ?? [];
  if (!c.metadata.deletionTimestamp || !fs.includes(PVC_PROTECTION_FINALIZER)) return undefined;
  const ns = c.metadata.namespace ?? 'default';
  if (podsInNamespace.some((p) => podUsesClaim(p, ns, c.metadata.name!))) return undefined;
  return fs.filter((f) => f !== PVC_PROTECTION_FINALIZER);
}

export function planVolumeProtection(v: PersistentVolume): string[] | undefined {
  const fs = v.metadata.finalizers ?? [];
  if (!v.metadata.deletionTimestamp || !fs.includes(PV_PROTECTION_FINALIZER)) return undefined;
  if (v.status?.phase === 'Bound') return undefined;
  return fs.filter((f) => f !== PV_PROTECTION_FINALIZER);
}
