// How a Deployment sees its ReplicaSets: which one is new (its template equals the
// Deployment's, ignoring pod-template-hash), which are old, their counts, and the orders
// the rollout walks them in (deployment_util.go and controller_utils.go).
import type { Deployment, ReplicaSet } from '../../api/apps/index.js';
import { revisionOf } from './annotations.js';
import { equalIgnoreHash } from './pod-template-hash.js';

const ts = (rs: ReplicaSet) => (rs.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : 0);

/** ReplicaSetsByCreationTimestamp: oldest first, ties by name. */
export function byCreationTimestamp(a: ReplicaSet, b: ReplicaSet): number {
  return ts(a) - ts(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** ReplicaSetsBySizeNewer: larger first; ties newer first (who gets leftovers on scale up). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return replicasOfRS(b) - replicasOfRS(a) || -byCreationTimestamp(a, b);
}

/** ReplicaSetsBySizeOlder: larger first; ties older first (who loses leftovers on scale down). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return replicasOfRS(b) - replicasOfRS(a) || byCreationTimestamp(a, b);
}

/** ReplicaSetsByRevision: lowest revision first, ties by creation. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  return revisionOf(a) - revisionOf(b) || byCreationTimestamp(a, b);
}

export function replicasOfRS(rs: ReplicaSet): number {
  return rs.spec.replicas ?? 1;
}

/** FindNewReplicaSet: the oldest RS whose template equals the Deployment's. */
export function findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

export function findOldReplicaSets(rsList: readonly ReplicaSet[], newRS: ReplicaSet | undefined): ReplicaSet[] {
  return rsList.filter((rs) => rs !== newRS && (newRS === undefined || rs.metadata.name !== newRS.metadata.name));
}

export function activeReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => !!rs && replicasOfRS(rs) > 0);
}

/** Sum of spec.replicas. */
export function specReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs ? replicasOfRS(rs) : 0), 0);
}

/** Sum of status.replicas (pods that exist). */
export function actualReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

export function readyReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

export function availableReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

/**
 * FindActiveOrLatest: the only active RS, or with none active the newest one; undefined
 * when several are active (then the Deployment is mid-rollout and scales proportionally).
 */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const all = [...oldRSs, ...(newRS ? [newRS] : [])];
  const active = activeReplicaSets(all);
  if (active.length === 0) {
    if (newRS) return newRS;
    return [...oldRSs].sort(byCreationTimestamp).at(-1);
  }
  if (active.length === 1) return active[0];
  return undefined;
}
