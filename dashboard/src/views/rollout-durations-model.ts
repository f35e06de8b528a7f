// Rollout durations: for each Deployment, its latest rollout — from its newest ReplicaSet's
// creationTimestamp (the ReplicaSet it controls with the highest
// `deployment.kubernetes.io/revision`, compared as numbers) to the Progressing condition's
// lastUpdateTime once its reason is NewReplicaSetAvailable (the deployment controller sets it
// when the rollout completes and leaves it while nothing changes). A rollout still moving
// (Progressing reason ReplicaSetUpdated, NewReplicaSetCreated or FoundNewReplicaSet, a
// NewReplicaSetAvailable older than the newest ReplicaSet, or fewer updated replicas than
// spec.replicas or status.replicas) is in progress with its elapsed time; ProgressDeadlineExceeded
// is failed, timed to the condition's lastUpdateTime. Pure.
import type { KubeObject } from '../model/objects.js';

const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
const TIMED_OUT = 'ProgressDeadlineExceeded';
/** Progressing reasons of a rollout under way. */
const MOVING = new Set<unknown>(['ReplicaSetUpdated', 'NewReplicaSetCreated', 'FoundNewReplicaSet']);

/** Upper bounds (seconds) of the rollout histogram's buckets; the last bucket is everything above. */
export const ROLLOUT_BUCKETS = [5, 10, 30, 60, 120, 300, 600];

export interface RolloutDuration {
  namespace: string;
  name: string;
  /** The newest ReplicaSet's revision. */
  revision: number;
  state: 'complete' | 'in progress' | 'failed';
  /** complete: start → NewReplicaSetAvailable; in progress: start → now; failed: start → the deadline's report. */
  seconds: number;
  /** spec.paused (an in-progress rollout that is waiting for a resume). */
  paused: boolean;
  /** The Progressing condition's message (why a rollout failed). */
  message?: string;
}

function revisionOf(rs: KubeObject): number {
  const v = Number(rs.metadata.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(v) && v > 0 ? v : 0;
}

/** The ReplicaSet the Deployment controls with the highest revision (a number: 10 > 9). */
export function newestReplicaSet(d: KubeObject, replicaSets: readonly KubeObject[]): KubeObject | undefined {
  let best: KubeObject | undefined;
  for (const rs of replicaSets) {
    if (!(rs.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === d.metadata.uid)) continue;
    if (revisionOf(rs) > 0 && (!best || revisionOf(rs) > revisionOf(best))) best = rs;
  }
  return best;
}

const seconds = (from: number, to: number) => Math.max(0, (to - from) / 1000);

/**
 * The Deployment's latest rollout, or undefined when there is nothing to time: no ReplicaSet
 * with a revision (or no creationTimestamp on it), or no Progressing condition saying how the
 * rollout ended while every replica is updated.
 */
export function rolloutDuration(d: KubeObject, replicaSets: readonly KubeObject[], now: number): RolloutDuration | undefined {
  const rs = newestReplicaSet(d, replicaSets);
  const start = rs?.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : NaN;
  if (!rs || Number.isNaN(start)) return undefined;
  const progressing = (d.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Progressing');
  const base = { namespace: d.metadata.namespace ?? '', name: d.metadata.name, revision: revisionOf(rs), paused: !!d.spec?.paused, message: progressing?.message as string | undefined };
  const at = Date.parse(progressing?.lastUpdateTime ?? progressing?.lastTransitionTime ?? '');
  if (progressing?.reason === TIMED_OUT) return { ...base, state: 'failed', seconds: seconds(start, Number.isNaN(at) ? now : at) };
  const wanted = Math.max(d.spec?.replicas ?? 1, d.status?.replicas ?? 0);
  const behind = (d.status?.updatedReplicas ?? 0) < wanted;
  // A NewReplicaSetAvailable older than the newest ReplicaSet is the previous rollout's.
  if (progressing?.reason === NEW_RS_AVAILABLE && !behind && !Number.isNaN(at) && at >= start) return { ...base, state: 'complete', seconds: seconds(start, at) };
  // Paused or resumed with every replica updated: nothing moves, and the completion time is gone.
  if (behind || MOVING.has(progressing?.reason) || progressing?.reason === NEW_RS_AVAILABLE) return { ...base, state: 'in progress', seconds: seconds(start, now) };
  return undefined;
}

/** Every Deployment's latest rollout that can be timed, in the order given. */
export function rolloutDurations(deployments: readonly KubeObject[], replicaSets: readonly KubeObject[], now: number): RolloutDuration[] {
  return deployments.map((d) => rolloutDuration(d, replicaSets, now)).filter((r): r is RolloutDuration => r !== undefined);
}
