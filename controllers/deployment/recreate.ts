// The Recreate strategy (recreate.go): scale every old RS to 0, wait until none of their
// pods is left running, then create/scale up the new RS to full size in one go. There is
// downtime by design; there are never two versions running at once.
import type { ReplicaSet } from '../../api/apps/index.js';
import { replicasOf } from './fenceposts.js';
import { deploymentComplete, syncRolloutStatus } from './progress.js';
import { activeReplicaSets, actualReplicas } from './replica-sets.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, refresh, scaleReplicaSet } from './sync.js';
import type { SyncContext } from './sync-context.js';

export function rolloutRecreate(ctx: SyncContext): void {
  let { newRS, oldRSs } = getAllReplicaSetsAndSyncRevision(ctx, false);
  const status = () => {
    const r = refresh(ctx, newRS, oldRSs);
    syncRolloutStatus(ctx, [...r.oldRSs, ...(r.newRS ? [r.newRS] : [])], r.newRS);
  };
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) if (scaleReplicaSet(ctx, rs, 0, 'down').scaled) scaledDown = true;
  if (scaledDown) return status();
  if (oldPodsRunning(ctx, newRS, oldRSs)) return status();
  if (!newRS) ({ newRS, oldRSs } = getAllReplicaSetsAndSyncRevision(ctx, true));
  scaleReplicaSet(ctx, newRS!, replicasOf(ctx.d), 'up');
  if (deploymentComplete(ctx.d, ctx.d.status ?? {})) cleanupDeployment(ctx, oldRSs);
  status();
}

/** Any pod of an old RS still counted by its RS, or still present and not finished? */
export function oldPodsRunning(ctx: SyncContext, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): boolean {
  if (actualReplicas(oldRSs) > 0) return true;
  for (const [uid, pods] of ctx.podsByRS) {
    if (newRS && newRS.metadata.uid === uid) continue;
    if (!oldRSs.some((rs) => rs.metadata.uid === uid)) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}
