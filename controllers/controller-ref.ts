// Controller references: the ownerReference with `controller: true` that says which
// controller manages an object, and the claim rules (ControllerRefManager in
// k8s.io/kubernetes/pkg/controller/controller_ref_manager.go) by which a controller adopts
// orphans that match its selector and releases objects that no longer match.
//
// Worked example: ReplicaSet web-abc (uid U, selector app=web) sees three pods:
//   p1 labels app=web, controllerRef U        → claimed
//   p2 labels app=web, no controllerRef       → adopt (an orphan that matches)
//   p3 labels app=api, controllerRef U        → release (ours, but no longer matches)
//   p4 labels app=web, controllerRef V (other) → ignored: someone else's
import type { KubeObject, LabelSelector, OwnerReference } from '../api/meta.js';
import { fromLabelSelector } from '../api/labels.js';
import { isStatusError } from '../api/errors.js';
import type { Pod } from '../api/core/index.js';
import type { ResourceClient } from '../client/index.js';
import { ignoreNotFound } from './worker.js';

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

/**
 * The cache key of the owner an object's controllerRef names, if that owner (of `kind`, in
 * the object's namespace) is in the cache with the same uid — a recreated owner of the same
 * name is not the owner (resolveControllerRef in Kubernetes' controllers).
 */
export function resolveControllerRef(obj: KubeObject, kind: string, lookup: (key: string) => KubeObject | undefined): string | undefined {
  const ref = controllerRefOf(obj);
  if (!ref || ref.kind !== kind) return undefined;
  const key = `${obj.metadata.namespace}/${ref.name}`;
  return lookup(key)?.metadata.uid === ref.uid ? key : undefined;
}

/**
 * Before adopting, re-read the owner live: a cached owner may already be gone or being
 * deleted, and adopting into it would hand its new children to the garbage collector
 * (RecheckDeletionTimestamp in Kubernetes' controller_ref_manager.go).
 */
export async function canAdopt(owner: KubeObject, getLive: () => Promise<KubeObject>): Promise<boolean> {
  try {
    const fresh = await getLive();
    return fresh.metadata.uid === owner.metadata.uid && !fresh.metadata.deletionTimestamp;
  } catch (e) {
    if (isStatusError(e, 'NotFound')) return false;
    throw e;
  }
}

/** The controller ownerReference a controller sets on what it creates or adopts. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface ClaimResult<T> {
  /** Objects this controller manages after the claim (including those being adopted). */
  claimed: T[];
  /** Orphans that match: set our controllerRef on them. */
  adopt: T[];
  /** Ours but no longer matching: remove our controllerRef from them. */
  release: T[];
}

/**
 * Decide which candidates a controller claims. Pure: the loop performs the adopt/release
 * writes. A controller being deleted neither adopts nor releases (it would race the
 * garbage collector).
 */
export function planClaims<T extends KubeObject>(controller: KubeObject, selector: LabelSelector, candidates: readonly T[]): ClaimResult<T> {
  const sel = fromLabelSelector(selector);
  const uid = controller.metadata.uid;
  const beingDeleted = !!controller.metadata.deletionTimestamp;
  const result: ClaimResult<T> = { claimed: [], adopt: [], release: [] };
  for (const obj of candidates) {
    if (obj.metadata.namespace !== controller.metadata.namespace) continue;
    const match = sel.matches(obj.metadata.labels ?? {});
    const ref = controllerRefOf(obj);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (match) result.claimed.push(obj);
      else if (!beingDeleted) result.release.push(obj);
      continue;
    }
    if (beingDeleted || !match || obj.metadata.deletionTimestamp) continue;
    result.adopt.push(obj);
    result.claimed.push(obj);
  }
  return result;
}

/** `obj` with `ref` added as its controller (adoption); other owners are kept. */
export function withControllerRef<T extends KubeObject>(obj: T, ref: OwnerReference): T {
  const others = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
  return { ...obj, metadata: { ...obj.metadata, ownerReferences: [...others, ref] } };
}

/** `obj` without any ownerReference to `uid` (release, or orphaning by the GC). */
export function withoutOwnerRefs<T extends KubeObject>(obj: T, uids: ReadonlySet<string>): T {
  const refs = (obj.metadata.ownerReferences ?? []).filter((r) => !uids.has(r.uid));
  return { ...obj, metadata: { ...obj.metadata, ownerReferences: refs.length ? refs : undefined } };
}

/**
 * Carry out a claim plan's adoptions and releases of pods: adopt only after canAdopt has
 * re-read the owner live; a pod gone meanwhile needs nothing. (ControllerRefManager's
 * AdoptPod and ReleasePod.)
 */
export async function applyPodClaims(
  owner: KubeObject, apiVersion: string, kind: string,
  claims: { adopt: readonly Pod[]; release: readonly Pod[] },
  pods: ResourceClient<Pod>, getLiveOwner: () => Promise<KubeObject>,
): Promise<void> {
  if (claims.adopt.length > 0 && (await canAdopt(owner, getLiveOwner))) {
    const ref = newControllerRef(owner, apiVersion, kind);
    for (const pod of claims.adopt) await ignoreNotFound(pods.update(withControllerRef(structuredClone(pod), ref)));
  }
  for (const pod of claims.release) await ignoreNotFound(pods.update(withoutOwnerRefs(structuredClone(pod), new Set([owner.metadata.uid!]))));
}
