// Finding or creating the new ReplicaSet, revisions, scaling (proportional mid-rollout),
// and history cleanup (sync.go in k8s.io/kubernetes/pkg/controller/deployment).
import type { Deployment, ReplicaSet } from '../../api/apps/index.js';
import { newControllerRef } from '../controller-ref.js';
import {
  desiredReplicasAnnotation, maxReplicasAnnotation, maxRevision, revisionOf,
  setDeploymentRevision, setNewReplicaSetAnnotations, setReplicasAnnotations, REVISION_ANNOTATION,
} from './annotations.js';
import { isRollingUpdate, maxSurge, replicasOf } from './fenceposts.js';
import { computeHash, POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.js';
import {
  FOUND_NEW_RS, getCondition, hasProgressDeadline, newCondition, NEW_RS_CREATED, PROGRESSING,
  setCondition, syncDeploymentStatus,
} from './progress.js';
import {
  activeReplicaSets, byCreationTimestamp, byRevision, bySizeNewer, bySizeOlder, findActiveOrLatest,
  findNewReplicaSet, findOldReplicaSets, replicasOfRS, specReplicas,
} from './replica-sets.js';
import type { SyncContext } from './sync-context.js';

export interface RolloutState {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

/**
 * NewRSNewReplicas: how big the new RS may be now. Rolling: grow it while the total stays
 * within replicas + maxSurge. Recreate: all at once.
 * Example: replicas 10, maxSurge 3, old RS at 10, new at 0 → new may grow to 3.
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const current = podUpperBound(allRSs);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (current >= maxTotal) return replicasOfRS(newRS);
  const scaleUp = Math.min(maxTotal - current, replicasOf(d) - replicasOfRS(newRS));
  return replicasOfRS(newRS) + scaleUp;
}

/**
 * Pods that may exist: per RS the larger of spec.replicas and status.replicas. Kubernetes
 * sums spec.replicas only, so pods an old RS has been told to drop but has not yet deleted
 * can briefly push the real count past replicas + maxSurge. status.replicas counts the pods
 * the RS controller still sees, so taking the max keeps the bound on pods that exist, at
 * the cost of waiting for the old RS to report its deletions.
 */
export function podUpperBound(rss: readonly ReplicaSet[]): number {
  return rss.reduce((n, rs) => n + Math.max(replicasOfRS(rs), rs.status?.replicas ?? 0), 0);
}

/** The RS a new revision of the template gets: `<deploy>-<hash>`, hash label on labels, selector and template. */
export function newReplicaSetFor(d: Deployment, revision: number): ReplicaSet {
  const template = structuredClone(d.spec.template);
  const hash = computeHash(template, d.status?.collisionCount);
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
  const selector = structuredClone(d.spec.selector);
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...template.metadata.labels! },
      ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
    },
    spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
  };
  return rs;
}

/**
 * getAllReplicaSetsAndSyncRevision: find the new RS (creating it when asked), bring its
 * revision to max(old)+1 when it is reused (rollback), and mirror the revision onto the
 * Deployment.
 */
export function getAllReplicaSetsAndSyncRevision(ctx: SyncContext, createIfNotExisted: boolean): RolloutState {
  const d = ctx.d;
  const existing = findNewReplicaSet(d, ctx.rsList);
  const oldRSs = findOldReplicaSets(ctx.rsList, existing);
  const newRevision = maxRevision(oldRSs) + 1;
  const surge = maxSurge(d);

  if (existing) {
    const rs = structuredClone(existing);
    const annotationsUpdated = setNewReplicaSetAnnotations(d, rs, newRevision, true, surge);
    const minReadyUpdate = (rs.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
    if (annotationsUpdated || minReadyUpdate) {
      rs.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
      // Kubernetes returns right after this write; the next sync (triggered by the RS
      // update) carries on. Mirroring the revision now costs nothing and saves a round.
      const updated = ctx.updateReplicaSet(rs);
      syncDeploymentRevision(ctx, updated, false);
      return { newRS: updated, oldRSs };
    }
    syncDeploymentRevision(ctx, rs, false);
    return { newRS: ctx.rsList.find((r) => r.metadata.name === rs.metadata.name), oldRSs };
  }
  if (!createIfNotExisted) return { newRS: undefined, oldRSs };

  const rs = newReplicaSetFor(d, newRevision);
  rs.spec.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  setNewReplicaSetAnnotations(d, rs, newRevision, false, surge);
  const created = ctx.createReplicaSet(rs);
  if (replicasOfRS(created) > 0) {
    ctx.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicasOfRS(created)}`);
  }
  syncDeploymentRevision(ctx, created, true);
  return { newRS: created, oldRSs };
}

function syncDeploymentRevision(ctx: SyncContext, newRS: ReplicaSet, created: boolean): void {
  const d = ctx.d;
  const revision = newRS.metadata.annotations?.[REVISION_ANNOTATION] ?? String(revisionOf(newRS));
  if (setDeploymentRevision(d, revision)) ctx.updateDeployment();
  if (!hasProgressDeadline(d)) return;
  const status = structuredClone(d.status ?? {});
  if (created) {
    setCondition(status, newCondition(PROGRESSING, 'True', NEW_RS_CREATED, `Created new replica set "${newRS.metadata.name}"`, ctx.nowTime()));
  } else if (!getCondition(d.status, PROGRESSING)) {
    setCondition(status, newCondition(PROGRESSING, 'True', FOUND_NEW_RS, `Found new replica set "${newRS.metadata.name}"`, ctx.nowTime()));
  } else return;
  d.status = status;
  ctx.updateDeploymentStatus();
}

/**
 * scaleReplicaSet: set spec.replicas and the desired/max-replicas annotations; an event
 * "Scaled up replica set web-5d78 from 0 to 3" when the size changes.
 */
export function scaleReplicaSet(ctx: SyncContext, rs: ReplicaSet, newScale: number, operation?: 'up' | 'down'): { scaled: boolean; rs: ReplicaSet } {
  const d = ctx.d;
  const from = replicasOfRS(rs);
  const sizeNeedsUpdate = from !== newScale;
  const copy = structuredClone(rs);
  const annotationsNeedUpdate = setReplicasAnnotations(copy, replicasOf(d), replicasOf(d) + maxSurge(d));
  if (!sizeNeedsUpdate && !annotationsNeedUpdate) return { scaled: false, rs };
  copy.spec.replicas = newScale;
  const updated = ctx.updateReplicaSet(copy);
  if (sizeNeedsUpdate) {
    const op = operation ?? (from < newScale ? 'up' : 'down');
    ctx.event('Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata.name} from ${from} to ${newScale}`);
  }
  return { scaled: sizeNeedsUpdate, rs: updated };
}

/** getReplicaSetFraction: this RS's share of a resize, by its size relative to the last max-replicas. */
function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (replicasOf(d) === 0) return -replicasOfRS(rs);
  const deploymentReplicas = replicasOf(d) + maxSurge(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  const size = (replicasOfRS(rs) * deploymentReplicas) / annotated;
  return roundHalfAwayFromZero(size) - replicasOfRS(rs);
}

function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** GetProportion, clamped so the shares never overshoot the total to add (or remove). */
export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOfRS(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** IsSaturated: the new RS has all the replicas and they are all available. */
function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  return replicasOfRS(rs) === replicasOf(d) && desired === replicasOf(d) && (rs.status?.availableReplicas ?? 0) === replicasOf(d);
}

/**
 * scale: apply a change of spec.replicas. With one active RS it just takes the new size;
 * mid-rollout the difference is spread over the active RSs in proportion to their size,
 * leftovers to the largest (ties: newest when growing, oldest when shrinking).
 * Kubernetes' example: replicas 10, maxSurge 3, maxUnavailable 2, old RS 8 + new RS 5
 * (max-replicas 13) scaled to 15 → allowed 18, +5 to spread: old round(8·18/13)−8 = +3,
 * new round(5·18/13)−5 = +2.
 */
export function scale(ctx: SyncContext, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): void {
  const d = ctx.d;
  const target = findActiveOrLatest(newRS, oldRSs);
  if (target) {
    if (replicasOfRS(target) === replicasOf(d)) return;
    scaleReplicaSet(ctx, target, replicasOf(d));
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) scaleReplicaSet(ctx, old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = activeReplicaSets([...oldRSs, newRS]);
  const allReplicas = specReplicas(all);
  const allowedSize = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowedSize - allReplicas;
  let operation: 'up' | 'down' | undefined;
  if (toAdd > 0) { all.sort(bySizeNewer); operation = 'up'; }
  else if (toAdd < 0) { all.sort(bySizeOlder); operation = 'down'; }
  let added = 0;
  const sizes = new Map<string, number>();
  for (const rs of all) {
    if (toAdd !== 0) {
      const p = proportion(rs, d, toAdd, added);
      sizes.set(rs.metadata.name!, replicasOfRS(rs) + p);
      added += p;
    } else sizes.set(rs.metadata.name!, replicasOfRS(rs));
  }
  all.forEach((rs, i) => {
    let size = sizes.get(rs.metadata.name!)!;
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + (toAdd - added));
    scaleReplicaSet(ctx, rs, size, operation);
  });
}

/** isScalingEvent: spec.replicas differs from what an active RS was last sized for. */
export function isScalingEvent(ctx: SyncContext): boolean {
  const { newRS, oldRSs } = peekReplicaSets(ctx);
  for (const rs of activeReplicaSets([...oldRSs, newRS])) {
    const desired = desiredReplicasAnnotation(rs);
    if (desired === undefined) continue;
    if (desired !== replicasOf(ctx.d)) return true;
  }
  return false;
}

/** New and old RSs without any write. */
export function peekReplicaSets(ctx: SyncContext): RolloutState {
  const newRS = findNewReplicaSet(ctx.d, ctx.rsList);
  return { newRS, oldRSs: findOldReplicaSets(ctx.rsList, newRS) };
}

/**
 * cleanupDeployment: keep at most revisionHistoryLimit old RSs; delete the oldest revisions
 * beyond it, but only those scaled to 0 with no pods left. Example: limit 2, old RSs at
 * revisions 1..5 all empty → delete revisions 1, 2, 3.
 */
export function cleanupDeployment(ctx: SyncContext, oldRSs: readonly ReplicaSet[]): void {
  const limit = ctx.d.spec.revisionHistoryLimit ?? 10;
  const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  const sorted = [...cleanable].sort(byRevision);
  for (let i = 0; i < diff; i++) {
    const rs = sorted[i]!;
    if ((rs.status?.replicas ?? 0) !== 0 || replicasOfRS(rs) !== 0) continue;
    if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    ctx.deleteReplicaSet(rs);
  }
}

/** sync: scaling and status only (paused Deployments, and resizes mid-rollout). */
export function syncScaleOnly(ctx: SyncContext): void {
  const { newRS, oldRSs } = getAllReplicaSetsAndSyncRevision(ctx, false);
  scale(ctx, newRS, oldRSs);
  const after = refresh(ctx, newRS, oldRSs);
  if (ctx.d.spec.paused) cleanupDeployment(ctx, after.oldRSs);
  syncDeploymentStatus(ctx, [...after.oldRSs, ...(after.newRS ? [after.newRS] : [])], after.newRS);
}

/** The current working copies of the given RSs (after writes in this sync). */
export function refresh(ctx: SyncContext, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): RolloutState {
  const byName = new Map(ctx.rsList.map((rs) => [rs.metadata.name!, rs]));
  return {
    newRS: newRS && byName.get(newRS.metadata.name!),
    oldRSs: oldRSs.map((rs) => byName.get(rs.metadata.name!)).filter((rs): rs is ReplicaSet => !!rs).sort(byCreationTimestamp),
  };
}
