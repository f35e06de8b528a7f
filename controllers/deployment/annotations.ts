// Reading and copying the annotations a Deployment and its ReplicaSets share (named in
// api/apps/deployment-annotations.ts).
import type { Deployment, ReplicaSet } from '../../api/apps/index.js';

import {
  ANNOTATIONS_NOT_COPIED,
  CHANGE_CAUSE_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
} from '../../api/apps/deployment-annotations.js';

export {
  CHANGE_CAUSE_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  LAST_APPLIED_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
} from '../../api/apps/deployment-annotations.js';

export function revisionOf(obj: { metadata: { annotations?: Record<string, string> | null } }): number {
  const v = obj.metadata.annotations?.[REVISION_ANNOTATION];
  const n = v === undefined ? 0 : Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : 0;
}

export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** The second-highest revision: what `rollout undo` with no revision returns to. */
export function lastRevision(rss: readonly ReplicaSet[]): number {
  let max = 0, second = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v >= max) { second = max; max = v; } else if (v > second) second = v;
  }
  return second;
}

/** Copy the Deployment's own annotations onto the RS (change-cause among them). Returns whether anything changed. */
export function copyDeploymentAnnotationsToReplicaSet(d: Deployment, rs: ReplicaSet): boolean {
  const ann = { ...(rs.metadata.annotations ?? {}) };
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (ANNOTATIONS_NOT_COPIED.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  if (changed) rs.metadata.annotations = ann;
  return changed;
}

/** Rollback: the RS's annotations (change-cause…) become the Deployment's again. */
export function setDeploymentAnnotationsTo(d: Deployment, rs: ReplicaSet): void {
  const ann: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (ANNOTATIONS_NOT_COPIED.has(k)) ann[k] = v;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!ANNOTATIONS_NOT_COPIED.has(k)) ann[k] = v;
  d.metadata.annotations = ann;
}

/** Set desired/max-replicas; returns whether they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = { ...(rs.metadata.annotations ?? {}) };
  let changed = false;
  if (ann[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) { ann[DESIRED_REPLICAS_ANNOTATION] = String(desired); changed = true; }
  if (ann[MAX_REPLICAS_ANNOTATION] !== String(max)) { ann[MAX_REPLICAS_ANNOTATION] = String(max); changed = true; }
  if (changed) rs.metadata.annotations = ann;
  return changed;
}

export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  const v = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
  const n = v === undefined ? NaN : Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : undefined;
}

export function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  const v = rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION];
  const n = v === undefined ? NaN : Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the RS's revision to
 * `newRevision` if it is lower (a reused RS becomes max+1), remember the revision it had in
 * revision-history, and for a brand-new RS set desired/max-replicas. Returns whether changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean, maxSurge: number): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const ann = { ...(rs.metadata.annotations ?? {}) };
  const oldRevision = ann[REVISION_ANNOTATION];
  const oldRevisionInt = oldRevision === undefined ? 0 : Number.parseInt(oldRevision, 10);
  if (oldRevision !== undefined && !Number.isFinite(oldRevisionInt)) return changed;
  if (oldRevisionInt < newRevision) {
    ann[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined && oldRevisionInt > 0) {
      const history = ann[REVISION_HISTORY_ANNOTATION];
      ann[REVISION_HISTORY_ANNOTATION] = history ? `${history},${oldRevision}` : oldRevision;
    }
    rs.metadata.annotations = ann;
  }
  const replicas = d.spec.replicas ?? 1;
  if (!exists && setReplicasAnnotations(rs, replicas, replicas + maxSurge)) changed = true;
  return changed;
}

/** SetDeploymentRevision: returns whether the Deployment's revision annotation changed. */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const ann = { ...(d.metadata.annotations ?? {}) };
  if (ann[REVISION_ANNOTATION] === revision) return false;
  ann[REVISION_ANNOTATION] = revision;
  d.metadata.annotations = ann;
  return true;
}
