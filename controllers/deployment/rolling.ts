// The RollingUpdate strategy (rolling.go in k8s.io/kubernetes/pkg/controller/deployment).
// Each sync takes one step: grow the new RS within replicas + maxSurge; otherwise shrink
// old RSs while keeping replicas − maxUnavailable available; when done, prune history.
//
// Worked example (replicas 10, maxSurge 3, maxUnavailable 2, pods available at once):
//   old 10 / new 0  → new to 3 (13 pods, the surge bound)
//   new 3 available → maxScaledDown = 13 − 8 − 0 = 5 → old to 5
//   old 5 / new 3   → new to 8 … and so on until old 0 / new 10.
import type { ReplicaSet } from '../../api/apps/index.js';
import { maxUnavailable, replicasOf } from './fenceposts.js';
import { deploymentComplete, syncRolloutStatus } from './progress.js';
import { activeReplicaSets, byCreationTimestamp, replicasOfRS, specReplicas } from './replica-sets.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, newRSNewReplicas, refresh, scaleReplicaSet } from './sync.js';
import type { SyncContext } from './sync-context.js';

export function rolloutRolling(ctx: SyncContext): void {
  const { newRS, oldRSs } = getAllReplicaSetsAndSyncRevision(ctx, true);
  const all = [...oldRSs, newRS!];
  if (reconcileNewReplicaSet(ctx, all, newRS!)) {
    const r = refresh(ctx, newRS, oldRSs);
    syncRolloutStatus(ctx, [...r.oldRSs, r.newRS!], r.newRS);
    return;
  }
  if (reconcileOldReplicaSets(ctx, all, activeReplicaSets(oldRSs), newRS!)) {
    const r = refresh(ctx, newRS, oldRSs);
    syncRolloutStatus(ctx, [...r.oldRSs, r.newRS!], r.newRS);
    return;
  }
  if (deploymentComplete(ctx.d, ctx.d.status ?? {})) cleanupDeployment(ctx, oldRSs);
  const r = refresh(ctx, newRS, oldRSs);
  syncRolloutStatus(ctx, [...r.oldRSs, ...(r.newRS ? [r.newRS] : [])], r.newRS);
}

/** Scale the new RS up toward replicas (within the surge), or down if above replicas. */
export function reconcileNewReplicaSet(ctx: SyncContext, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): boolean {
  const replicas = replicasOf(ctx.d);
  if (replicasOfRS(newRS) === replicas) return false;
  if (replicasOfRS(newRS) > replicas) return scaleReplicaSet(ctx, newRS, replicas, 'down').scaled;
  return scaleReplicaSet(ctx, newRS, newRSNewReplicas(ctx.d, allRSs, newRS), 'up').scaled;
}

/**
 * Scale old RSs down as far as availability allows:
 *   maxScaledDown = allPods − (replicas − maxUnavailable) − (newRS.replicas − newRS.available)
 * First drop old replicas that are not available anyway (cleanupUnhealthyReplicas), then
 * available ones, oldest RS first, never below replicas − maxUnavailable available.
 */
export function reconcileOldReplicaSets(ctx: SyncContext, allRSs: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[], newRS: ReplicaSet): boolean {
  const oldPods = specReplicas(oldRSs);
  if (oldPods === 0) return false;
  const allPods = specReplicas(allRSs);
  const minAvailable = replicasOf(ctx.d) - maxUnavailable(ctx.d);
  const newRSUnavailable = replicasOfRS(newRS) - settledAvailable([newRS]);
  const maxScaledDown = allPods - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return false;

  const cleaned = cleanupUnhealthyReplicas(ctx, oldRSs, maxScaledDown);
  const scaledDown = scaleDownOldReplicaSetsForRollingUpdate(ctx, [...cleaned.oldRSs, newRS], cleaned.oldRSs);
  return cleaned.count + scaledDown > 0;
}

/**
 * Available pods once every RS has reached its spec: min(status.availableReplicas,
 * spec.replicas) per RS. Kubernetes sums status.availableReplicas, which stays high for a
 * moment after an RS was scaled down (its status is written after its pods go), so a quick
 * second sync could scale down again on availability that is about to disappear. Capping by
 * spec makes every scale-down decision on what will remain.
 */
export function settledAvailable(rss: readonly ReplicaSet[]): number {
  return rss.reduce((n, rs) => n + Math.min(rs.status?.availableReplicas ?? 0, replicasOfRS(rs)), 0);
}

/** Scale down old replicas that are not available (they cost nothing in availability), oldest RS first. */
export function cleanupUnhealthyReplicas(ctx: SyncContext, oldRSs: readonly ReplicaSet[], maxCleanupCount: number): { oldRSs: ReplicaSet[]; count: number } {
  const sorted = [...oldRSs].sort(byCreationTimestamp);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (total >= maxCleanupCount) break;
    const rs = sorted[i]!;
    const replicas = replicasOfRS(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas <= available) continue;
    const n = Math.min(maxCleanupCount - total, replicas - available);
    sorted[i] = scaleReplicaSet(ctx, rs, replicas - n).rs;
    total += n;
  }
  return { oldRSs: sorted, count: total };
}

/** Scale down available old replicas while more than replicas − maxUnavailable are available. */
export function scaleDownOldReplicaSetsForRollingUpdate(ctx: SyncContext, allRSs: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[]): number {
  const minAvailable = replicasOf(ctx.d) - maxUnavailable(ctx.d);
  const available = settledAvailable(allRSs);
  if (available <= minAvailable) return 0;
  const totalToScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
    if (total >= totalToScaleDown) break;
    const replicas = replicasOfRS(rs);
    if (replicas === 0) continue;
    const n = Math.min(replicas, totalToScaleDown - total);
    scaleReplicaSet(ctx, rs, replicas - n);
    total += n;
  }
  return total;
}
