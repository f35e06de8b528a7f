// Deployment status and conditions (sync.go calculateStatus/syncRolloutStatus and
// progress.go in k8s.io/kubernetes/pkg/controller/deployment).
//
// Available:   True  MinimumReplicasAvailable    available ≥ replicas − maxUnavailable
//              False MinimumReplicasUnavailable
// Progressing: True  NewReplicaSetCreated        a new RS was just created
//              True  FoundNewReplicaSet          the new RS existed (controller restart)
//              True  ReplicaSetUpdated           pods moved forward this sync
//              True  NewReplicaSetAvailable      rollout complete
//              False ProgressDeadlineExceeded    no progress for progressDeadlineSeconds
//              Unknown DeploymentPaused / DeploymentResumed
// The deadline counts from the Progressing condition's lastUpdateTime, which every step of
// progress refreshes. Example: deadline 600 s, last progress 12:00:00, nothing moves →
// at 12:10:00 the condition turns False/ProgressDeadlineExceeded (checked by a requeue).
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from '../../api/apps/index.js';
import { maxUnavailable, replicasOf } from './fenceposts.js';
import { actualReplicas, availableReplicas, readyReplicas, specReplicas } from './replica-sets.js';
import type { SyncContext } from './sync-context.js';

export const AVAILABLE = 'Available';
export const PROGRESSING = 'Progressing';
export const MIN_REPLICAS_AVAILABLE = 'MinimumReplicasAvailable';
export const MIN_REPLICAS_UNAVAILABLE = 'MinimumReplicasUnavailable';
export const NEW_RS_CREATED = 'NewReplicaSetCreated';
export const FOUND_NEW_RS = 'FoundNewReplicaSet';
export const RS_UPDATED = 'ReplicaSetUpdated';
export const NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
export const TIMED_OUT = 'ProgressDeadlineExceeded';
export const PAUSED = 'DeploymentPaused';
export const REPLICA_FAILURE = 'ReplicaFailure';
export const RESUMED = 'DeploymentResumed';

/** A progressDeadlineSeconds of MaxInt32 (or none) means "no deadline". */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec.progressDeadlineSeconds;
  return s !== undefined && s !== 2147483647;
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return (status?.conditions ?? []).find((c) => c.type === type);
}

export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, now: string): DeploymentCondition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/** SetDeploymentCondition: no-op if status and reason are unchanged; keeps lastTransitionTime when only the reason changes. */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const current = getCondition(status, cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  const next = { ...cond };
  if (current && current.status === cond.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
}

export function calculateStatus(allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined, d: Deployment, now: string): DeploymentStatus {
  const available = availableReplicas(allRSs);
  const total = specReplicas(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? d.status?.observedGeneration,
    replicas: actualReplicas(allRSs),
    updatedReplicas: actualReplicas(newRS ? [newRS] : []),
    readyReplicas: readyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    conditions: (d.status?.conditions ?? []).map((c) => ({ ...c })),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', MIN_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', MIN_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** DeploymentComplete: every replica updated and available, and the spec observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = replicasOf(d);
  return s.updatedReplicas === r && s.replicas === r && s.availableReplicas === r && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: did this sync move anything forward compared to the last status? */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, PROGRESSING);
  if (!c) return false;
  if (c.reason === NEW_RS_AVAILABLE) return false;
  if (c.reason === TIMED_OUT) return true;
  const from = c.lastUpdateTime ? Date.parse(c.lastUpdateTime) : NaN;
  if (Number.isNaN(from)) return false;
  return from + d.spec.progressDeadlineSeconds! * 1000 < now.getTime();
}

function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return JSON.stringify(normalize(a ?? {})) === JSON.stringify(normalize(b));
}

function normalize(s: DeploymentStatus): unknown {
  return {
    observedGeneration: s.observedGeneration, replicas: s.replicas ?? 0, updatedReplicas: s.updatedReplicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0, availableReplicas: s.availableReplicas ?? 0, unavailableReplicas: s.unavailableReplicas ?? 0,
    collisionCount: s.collisionCount,
    conditions: [...(s.conditions ?? [])].sort((x, y) => x.type.localeCompare(y.type)).map((c) => ({
      type: c.type, status: c.status, reason: c.reason, message: c.message, lastUpdateTime: c.lastUpdateTime, lastTransitionTime: c.lastTransitionTime,
    })),
  };
}

/** Write `status` if it differs from what the Deployment has. */
export function writeStatus(ctx: SyncContext, status: DeploymentStatus): boolean {
  if (statusEqual(ctx.d.status, status)) return false;
  ctx.d.status = status;
  ctx.updateDeploymentStatus();
  return true;
}

/** syncDeploymentStatus: counts and Available only (scaling, paused). */
export function syncDeploymentStatus(ctx: SyncContext, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): void {
  writeStatus(ctx, calculateStatus(allRSs, newRS, ctx.d, ctx.nowTime()));
}

/** syncRolloutStatus: counts, Available, and the Progressing condition with its deadline. */
export function syncRolloutStatus(ctx: SyncContext, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): void {
  const d = ctx.d;
  const now = ctx.nowTime();
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  const isComplete = status.replicas === status.updatedReplicas && current?.reason === NEW_RS_AVAILABLE;
  if (hasProgressDeadline(d) && !isComplete) {
    const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    if (deploymentComplete(d, status)) {
      setCondition(status, newCondition(PROGRESSING, 'True', NEW_RS_AVAILABLE, `${what} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, status)) {
      const cond = newCondition(PROGRESSING, 'True', RS_UPDATED, `${what} is progressing.`, now);
      // Progress refreshes lastUpdateTime (restarting the deadline) but a True condition keeps its transition time.
      if (current) {
        if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, PROGRESSING);
      }
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, ctx.now)) {
      setCondition(status, newCondition(PROGRESSING, 'False', TIMED_OUT, `${what} has timed out progressing.`, now));
    }
  }
  // Surface a ReplicaSet's ReplicaFailure (quota, admission…) on the Deployment.
  const failed = allRSs.map((rs) => (rs.status?.conditions ?? []).find((c) => c.type === REPLICA_FAILURE && c.status === 'True')).find((c) => !!c);
  if (failed) setCondition(status, newCondition(REPLICA_FAILURE, 'True', failed.reason ?? 'FailedCreate', failed.message ?? '', now));
  else removeCondition(status, REPLICA_FAILURE);
  writeStatus(ctx, status);
  requeueStuckDeployment(ctx, status);
}

/** Come back when the progress deadline would pass, so a stuck rollout is reported. */
export function requeueStuckDeployment(ctx: SyncContext, status: DeploymentStatus): void {
  const d = ctx.d;
  const c = getCondition(status, PROGRESSING);
  if (!hasProgressDeadline(d) || !c || d.spec.paused) return;
  if (deploymentComplete(d, status) || c.reason === TIMED_OUT) return;
  const from = c.lastUpdateTime ? Date.parse(c.lastUpdateTime) : ctx.now.getTime();
  const after = from + d.spec.progressDeadlineSeconds! * 1000 - ctx.now.getTime();
  ctx.requeueAfter(Math.max(0, after) + 1000);
}

/** checkPausedConditions: Progressing Unknown DeploymentPaused/DeploymentResumed. */
export function checkPausedConditions(ctx: SyncContext): void {
  const d = ctx.d;
  if (!hasProgressDeadline(d)) return;
  const c = getCondition(d.status, PROGRESSING);
  if (c?.reason === TIMED_OUT) return; // do not hide a reported lack of progress
  const pausedExists = c?.reason === PAUSED;
  const status: DeploymentStatus = structuredClone(d.status ?? {});
  if (d.spec.paused && !pausedExists) {
    setCondition(status, newCondition(PROGRESSING, 'Unknown', PAUSED, 'Deployment is paused', ctx.nowTime()));
  } else if (!d.spec.paused && pausedExists) {
    setCondition(status, newCondition(PROGRESSING, 'Unknown', RESUMED, 'Deployment is resumed', ctx.nowTime()));
  } else return;
  d.status = status;
  ctx.updateDeploymentStatus();
}
