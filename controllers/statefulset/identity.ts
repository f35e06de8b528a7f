// A StatefulSet pod's identity and storage (stateful_set_utils.go, v1.32): the name
// `<set>-<ordinal>`, hostname and subdomain for DNS (`web-0.web.ns.svc.cluster.local`), the
// pod-name and pod-index labels, and one claim per volumeClaimTemplate,
// `<template>-<set>-<ordinal>`, mounted in place of any template volume of the same name.
import type { StatefulSet } from '../../api/apps/index.js';
import { CONTROLLER_REVISION_HASH_LABEL, POD_INDEX_LABEL, STATEFULSET_POD_NAME_LABEL } from '../../api/apps/index.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec } from '../../api/core/index.js';
import type { OwnerReference } from '../../api/meta.js';
import { newControllerRef } from '../controller-ref.js';

export const podName = (set: StatefulSet, ordinal: number) => `${set.metadata.name}-${ordinal}`;

/** getParentNameAndOrdinal: `web-12` of set `web` → 12; not a member → undefined. */
export function ordinalOf(set: StatefulSet, pod: Pod): number | undefined {
  const name = pod.metadata.name ?? '';
  const prefix = `${set.metadata.name}-`;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

export const claimName = (set: StatefulSet, template: string, ordinal: number) => `${template}-${set.metadata.name}-${ordinal}`;

/** getPersistentVolumeClaims: the claims a pod at `ordinal` mounts, as they are to be created. */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (set.spec.volumeClaimTemplates ?? []).map((t) => {
    const claim = structuredClone(t);
    const labels = { ...(claim.metadata.labels ?? {}), ...(set.spec.selector.matchLabels ?? {}) };
    return {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      metadata: {
        ...(claim.metadata.annotations ? { annotations: claim.metadata.annotations } : {}),
        name: claimName(set, t.metadata.name!, ordinal), namespace: set.metadata.namespace, labels,
      },
      ...(claim.spec ? { spec: claim.spec } : {}),
    };
  });
}

/** newVersionedStatefulSetPod: the pod at `ordinal` from `template`, labelled with its revision. */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplateSpec, ordinal: number, revisionHash: string): Pod {
  const t = structuredClone(template);
  const name = podName(set, ordinal);
  const claimVolumes = (set.spec.volumeClaimTemplates ?? []).map((c) => ({
    name: c.metadata.name!, persistentVolumeClaim: { claimName: claimName(set, c.metadata.name!, ordinal) },
  }));
  const claimed = new Set(claimVolumes.map((v) => v.name));
  const volumes = [...claimVolumes, ...(t.spec.volumes ?? []).filter((v) => !claimed.has(v.name))];
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      ...(t.metadata ?? {}),
      name, namespace: set.metadata.namespace,
      labels: {
        ...(t.metadata?.labels ?? {}),
        [STATEFULSET_POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [CONTROLLER_REVISION_HASH_LABEL]: revisionHash,
      },
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    spec: { ...t.spec, hostname: name, subdomain: set.spec.serviceName, ...(volumes.length ? { volumes } : {}) } as Pod['spec'],
  };
}

const setRef = (set: StatefulSet): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name!, uid: set.metadata.uid! });
const podRef = (pod: Pod): OwnerReference => ({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name!, uid: pod.metadata.uid! });

/**
 * updateClaimOwnerRefForSetAndPod: the owners a claim should have under the retention policy.
 * whenDeleted Delete → the StatefulSet owns it (the garbage collector removes it with the set);
 * whenScaled Delete → a pod beyond the replica count owns it (it goes with the pod). A claim
 * with neither policy has neither owner. Other owners are kept. Undefined: nothing to change.
 */
export function claimOwnersFor(set: StatefulSet, claim: PersistentVolumeClaim, pod: Pod | undefined, scaledDown: boolean): OwnerReference[] | undefined {
  const policy = set.spec.persistentVolumeClaimRetentionPolicy ?? {};
  const refs = claim.metadata.ownerReferences ?? [];
  const others = refs.filter((r) => r.uid !== set.metadata.uid && !(r.kind === 'Pod' && r.name === pod?.metadata.name));
  const want: OwnerReference[] = [...others];
  const deleteWithPod = policy.whenScaled === 'Delete' && scaledDown && !!pod?.metadata.uid;
  if (deleteWithPod) want.push(podRef(pod!));
  else if (policy.whenDeleted === 'Delete') want.push(setRef(set));
  const key = (r: OwnerReference) => r.uid;
  const same = refs.length === want.length && refs.every((r) => want.some((w) => key(w) === key(r)));
  return same ? undefined : want;
}

export { setRef as statefulSetOwnerRef };
