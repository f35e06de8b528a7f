// Rollout decisions as pure functions, the way kubectl's rollout code decides them:
// when a Deployment's rollout is done (DeploymentStatusViewer), what its history is
// (ReplicaSets it controls, by `deployment.kubernetes.io/revision`), and what `undo` sends
// (the chosen ReplicaSet's template, minus pod-template-hash, as a JSON patch).
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../api/apps/index.js';
import type { PodTemplateSpec } from '../../api/core/index.js';

import { ANNOTATIONS_NOT_COPIED, CHANGE_CAUSE_ANNOTATION, POD_TEMPLATE_HASH_LABEL as POD_TEMPLATE_HASH, REVISION_ANNOTATION } from '../../api/apps/deployment-annotations.js';
import { deepEqual } from '../../api/patch/merge.js';

export { CHANGE_CAUSE_ANNOTATION, POD_TEMPLATE_HASH, REVISION_ANNOTATION };

export interface RolloutStatus {
  done: boolean;
  /** kubectl's line, e.g. `Waiting for deployment "web" rollout to finish: 2 out of 3 new replicas have been updated...` */
  message: string;
  /** Set when the rollout failed (ProgressDeadlineExceeded): the command exits 1 with it. */
  error?: string;
}

/**
 *   generation 3, observedGeneration 2                       → waiting for the spec update to be observed
 *   replicas 3, updated 2                                    → 2 out of 3 new replicas have been updated
 *   updated 3, status.replicas 4                             → 1 old replicas are pending termination
 *   updated 3, available 2                                   → 2 of 3 updated replicas are available
 *   all 3                                                    → successfully rolled out
 *   Progressing=False reason ProgressDeadlineExceeded        → error
 */
export function deploymentRolloutStatus(d: Deployment): RolloutStatus {
  const name = d.metadata.name ?? '';
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0)) {
    const progressing = s.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      return { done: false, message: `deployment "${name}" exceeded its progress deadline`, error: `deployment "${name}" exceeded its progress deadline` };
    }
    const want = d.spec.replicas ?? 1;
    const updated = s.updatedReplicas ?? 0;
    if (updated < want) {
      return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...` };
    }
    if ((s.replicas ?? 0) > updated) {
      return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...` };
    }
    if ((s.availableReplicas ?? 0) < updated) {
      return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
    }
    return { done: true, message: `deployment "${name}" successfully rolled out` };
  }
  return { done: false, message: 'Waiting for deployment spec update to be observed...' };
}

/** The live progress figures shown on a terminal: `updated 2/3  ready 1/3  available 1/3`. */
export function progressFigures(d: Deployment): string {
  const want = d.spec.replicas ?? 1;
  const s = d.status ?? {};
  return `updated ${s.updatedReplicas ?? 0}/${want}  ready ${s.readyReplicas ?? 0}/${want}  available ${s.availableReplicas ?? 0}/${want}`;
}

export function revisionOf(rs: ReplicaSet): number {
  const v = Number(rs.metadata.annotations?.[REVISION_ANNOTATION]);
  return Number.isFinite(v) ? v : 0;
}

/** The ReplicaSets a Deployment controls (controller ownerReference with its uid), by revision. */
export function ownedReplicaSets(d: Deployment, rss: ReplicaSet[]): ReplicaSet[] {
  return rss
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.controller && o.uid === d.metadata.uid))
    .sort((a, b) => revisionOf(a) - revisionOf(b));
}

export interface HistoryEntry {
  revision: number;
  changeCause: string | undefined;
  replicaSet: ReplicaSet;
}

export function rolloutHistory(d: Deployment, rss: ReplicaSet[]): HistoryEntry[] {
  return ownedReplicaSets(d, rss)
    .filter((rs) => revisionOf(rs) > 0)
    .map((rs) => ({ revision: revisionOf(rs), changeCause: rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION], replicaSet: rs }));
}

/** A template with the pod-template-hash label removed (how a ReplicaSet's template is compared and restored). */
export function templateWithoutHash(t: PodTemplateSpec | undefined): PodTemplateSpec | undefined {
  if (!t) return t;
  const c = structuredClone(t);
  if (c.metadata?.labels) {
    delete c.metadata.labels[POD_TEMPLATE_HASH];
  }
  return c;
}



export type UndoPlan =
  | { kind: 'patch'; revision: number; patch: { op: 'replace'; path: string; value: unknown }[] }
  | { kind: 'skip'; revision: number; message: string }
  | { kind: 'error'; message: string };

/**
 * What `rollout undo [--to-revision N]` does (N = 0: the previous revision). Pure.
 * The patch replaces /spec/template with the chosen ReplicaSet's (minus pod-template-hash)
 * and /metadata/annotations with the Deployment's skip-listed ones plus the RS's others.
 */
export function planUndo(d: Deployment, rss: ReplicaSet[], toRevision = 0): UndoPlan {
  const name = d.metadata.name ?? '';
  if (d.spec.paused) {
    return { kind: 'error', message: `you cannot rollback a paused deployment; resume it first with 'kctl rollout resume deployment/${name}' and try again` };
  }
  const history = rolloutHistory(d, rss);
  if (history.length === 0) return { kind: 'error', message: `no rollout history found for deployment "${name}"` };
  let target: HistoryEntry | undefined;
  if (toRevision > 0) {
    target = history.find((h) => h.revision === toRevision);
    if (!target) return { kind: 'error', message: `unable to find specified revision ${toRevision} in history` };
  } else {
    // The previous revision: the highest below the current (= highest) one.
    const sorted = [...history].sort((a, b) => b.revision - a.revision);
    target = sorted[1];
    if (!target) return { kind: 'error', message: `no rollout history found for deployment "${name}"` };
  }
  const template = templateWithoutHash(target.replicaSet.spec.template);
  if (deepEqual(template, templateWithoutHash(d.spec.template))) {
    return { kind: 'skip', revision: target.revision, message: `skipped rollback (current template already matches revision ${target.revision})` };
  }
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (ANNOTATIONS_NOT_COPIED.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(target.replicaSet.metadata.annotations ?? {})) if (!ANNOTATIONS_NOT_COPIED.has(k)) annotations[k] = v;
  return {
    kind: 'patch',
    revision: target.revision,
    patch: [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ],
  };
}

// ---- DaemonSets (kubectl's DaemonSetStatusViewer, DaemonSetHistoryViewer, DaemonSetRollbacker) ----

/**
 *   updateStrategy OnDelete                                  → error: no rollout to follow
 *   generation 3, observedGeneration 2                       → waiting for the spec update to be observed
 *   desired 3, updated 1                                     → 1 out of 3 new pods have been updated
 *   updated 3, available 2                                   → 2 of 3 updated pods are available
 *   all 3                                                    → successfully rolled out
 */
export function daemonSetRolloutStatus(ds: DaemonSet): RolloutStatus {
  const name = ds.metadata.name ?? '';
  if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    const error = 'rollout status is only available for RollingUpdate strategy type';
    return { done: false, message: error, error };
  }
  const s = ds.status;
  if ((ds.metadata.generation ?? 0) <= (s?.observedGeneration ?? 0)) {
    const desired = s?.desiredNumberScheduled ?? 0;
    const updated = s?.updatedNumberScheduled ?? 0;
    if (updated < desired) return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...` };
    if ((s?.numberAvailable ?? 0) < desired) return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${s?.numberAvailable ?? 0} of ${desired} updated pods are available...` };
    return { done: true, message: `daemon set "${name}" successfully rolled out` };
  }
  return { done: false, message: 'Waiting for daemon set spec update to be observed...' };
}

export function daemonSetProgressFigures(ds: DaemonSet): string {
  const s = ds.status;
  const want = s?.desiredNumberScheduled ?? 0;
  return `updated ${s?.updatedNumberScheduled ?? 0}/${want}  ready ${s?.numberReady ?? 0}/${want}  available ${s?.numberAvailable ?? 0}/${want}`;
}

/** A workload whose history is ControllerRevisions: a DaemonSet or a StatefulSet. */
type RevisionedWorkload = DaemonSet | StatefulSet;

// ---- StatefulSets (kubectl's StatefulSetStatusViewer; history and undo as DaemonSets') ----

/**
 *   updateStrategy OnDelete                        → error: no rollout to follow
 *   generation 3, observedGeneration 2             → waiting for the spec update to be observed
 *   replicas 3, ready 1                            → Waiting for 2 pods to be ready...
 *   partition 1, updated 1 of the 2 above it       → Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...
 *   all updated                                    → partitioned roll out complete: 2 new pods have been updated...
 */
export function statefulSetRolloutStatus(sts: StatefulSet): RolloutStatus {
  const strategy = sts.spec.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    const error = 'rollout status is only available for RollingUpdate strategy type';
    return { done: false, message: error, error };
  }
  const s = sts.status;
  if (!s?.observedGeneration || (sts.metadata.generation ?? 0) > s.observedGeneration) return { done: false, message: 'Waiting for statefulset spec update to be observed...' };
  const replicas = sts.spec.replicas ?? 1;
  if ((s.readyReplicas ?? 0) < replicas) return { done: false, message: `Waiting for ${replicas - (s.readyReplicas ?? 0)} pods to be ready...` };
  const updated = s.updatedReplicas ?? 0;
  if (strategy?.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (partition !== undefined && updated < replicas - partition) {
      return { done: false, message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...` };
    }
    return { done: true, message: `partitioned roll out complete: ${updated} new pods have been updated...` };
  }
  if (s.updateRevision !== s.currentRevision) return { done: false, message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${s.updateRevision}...` };
  return { done: true, message: `statefulset rolling update complete ${s.currentReplicas ?? 0} pods at revision ${s.currentRevision}...` };
}

export function statefulSetProgressFigures(sts: StatefulSet): string {
  const s = sts.status;
  const want = sts.spec.replicas ?? 1;
  return `updated ${s?.updatedReplicas ?? 0}/${want}  ready ${s?.readyReplicas ?? 0}/${want}  available ${s?.availableReplicas ?? 0}/${want}`;
}

/** The ControllerRevisions a DaemonSet (or StatefulSet) controls, oldest revision first. */
export function daemonSetHistory(ds: RevisionedWorkload, revisions: ControllerRevision[]): ControllerRevision[] {
  return revisions.filter((r) => r.metadata.ownerReferences?.some((o) => o.controller && o.uid === ds.metadata.uid)).sort((a, b) => a.revision - b.revision);
}

/** The template a DaemonSet revision holds (its data without the `$patch: replace` directive). */
export function daemonSetRevisionTemplate(r: ControllerRevision): PodTemplateSpec | undefined {
  const t = (r.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template;
  if (!t) return undefined;
  const { $patch: _, ...template } = t;
  return template as unknown as PodTemplateSpec;
}

/** What `rollout undo ds|sts/NAME [--to-revision N]` does: the revision's template back into the workload. */
export function planDaemonSetUndo(ds: RevisionedWorkload, revisions: ControllerRevision[], toRevision: number): UndoPlan {
  const history = daemonSetHistory(ds, revisions);
  let target: ControllerRevision | undefined;
  if (toRevision > 0) {
    target = history.find((r) => r.revision === toRevision);
    if (!target) return { kind: 'error', message: `unable to find specified revision ${toRevision} in history` };
  } else {
    if (history.length < 2) return { kind: 'error', message: 'no last revision to roll back to' };
    target = history[history.length - 2];
  }
  const template = daemonSetRevisionTemplate(target!);
  if (!template) return { kind: 'error', message: `revision ${target!.revision} holds no template` };
  if (deepEqual(template, ds.spec.template)) return { kind: 'skip', revision: target!.revision, message: `skipped rollback (current template already matches revision ${target!.revision})` };
  return { kind: 'patch', revision: target!.revision, patch: [{ op: 'replace', path: '/spec/template', value: template }] };
}
