// A workload's revision history and what undoing to a revision sends, as kubectl's rollout
// history/undo decide them (as kctl's cli/kctl/rollout-status.ts does, which the dashboard may not
// import; both share api/): a Deployment's revisions are the ReplicaSets it controls, numbered by
// `deployment.kubernetes.io/revision`; a StatefulSet's or DaemonSet's are its
// ControllerRevisions. Undo is a JSON patch putting the revision's template back. Pure.
import { dump } from 'js-yaml';
import { ANNOTATIONS_NOT_COPIED, CHANGE_CAUSE_ANNOTATION, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION } from '../../../api/apps/deployment-annotations.js';
import { deepEqual } from '../../../api/patch/merge.js';
import type { KubeObject } from './objects.js';

export { CHANGE_CAUSE_ANNOTATION, REVISION_ANNOTATION };

export interface Revision {
  revision: number;
  changeCause?: string;
  /** The pod template this revision ran (a ReplicaSet's without its pod-template-hash label). */
  template: any;
  /** The ReplicaSet or ControllerRevision it comes from. */
  source: KubeObject;
}

const controlledBy = (o: KubeObject, owner: KubeObject) => (o.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === owner.metadata.uid);

function revisionOf(rs: KubeObject): number {
  const v = Number(rs.metadata.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(v) ? v : 0;
}

/** A template with the pod-template-hash label the ReplicaSet controller added removed. */
export function templateWithoutHash(t: any): any {
  if (!t) return t;
  const c = structuredClone(t);
  if (c.metadata?.labels) {
    delete c.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
  }
  return c;
}

/** A Deployment's revisions, oldest first: the ReplicaSets it controls that carry a revision. */
export function deploymentHistory(d: KubeObject, replicaSets: KubeObject[]): Revision[] {
  return replicaSets
    .filter((rs) => controlledBy(rs, d) && revisionOf(rs) > 0)
    .map((rs) => ({ revision: revisionOf(rs), changeCause: rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION], template: templateWithoutHash(rs.spec?.template), source: rs }))
    .sort((a, b) => a.revision - b.revision);
}

/** A StatefulSet's or DaemonSet's revisions, oldest first: its ControllerRevisions. */
export function controllerRevisionHistory(w: KubeObject, revisions: KubeObject[]): Revision[] {
  return revisions
    .filter((r) => controlledBy(r, w) && typeof r.revision === 'number')
    .map((r) => {
      // The data is a strategic merge patch of the spec: its template carries `$patch: replace`.
      const { $patch: _, ...template } = (r.data?.spec?.template ?? {}) as Record<string, unknown>;
      return { revision: r.revision as number, changeCause: r.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION], template, source: r };
    })
    .sort((a, b) => a.revision - b.revision);
}

/**
 * The revision the workload runs now: a Deployment's revision annotation; for the others the
 * newest revision (their controllers renumber a revision they go back to as the newest).
 */
export function currentRevision(w: KubeObject, history: Revision[]): number | undefined {
  if (w.kind === 'Deployment' || w.metadata.annotations?.[REVISION_ANNOTATION]) {
    const v = Number(w.metadata.annotations?.[REVISION_ANNOTATION]);
    if (Number.isInteger(v) && v > 0) return v;
  }
  return history.length ? history[history.length - 1]!.revision : undefined;
}

/** A template as YAML with sorted keys, so two revisions' differ only where they do. */
export function templateYaml(template: unknown): string {
  return template === undefined ? '' : dump(template, { noRefs: true, lineWidth: -1, sortKeys: true });
}



export type JsonPatch = { op: 'replace'; path: string; value: unknown }[];

export type UndoPlan =
  | { kind: 'patch'; revision: number; patch: JsonPatch }
  | { kind: 'skip'; revision: number; message: string }
  | { kind: 'error'; message: string };

function target(history: Revision[], toRevision: number, current: number | undefined): Revision | string {
  if (history.length === 0) return 'no rollout history found';
  if (toRevision > 0) return history.find((h) => h.revision === toRevision) ?? `unable to find specified revision ${toRevision} in history`;
  // 0: the previous revision, the newest below the current one.
  const older = history.filter((h) => current === undefined || h.revision < current);
  return older[older.length - 1] ?? 'no last revision to roll back to';
}

/**
 * `kubectl rollout undo deployment/NAME [--to-revision N]`: the revision's template (minus
 * pod-template-hash) replaces the Deployment's, and the ReplicaSet's annotations (but the
 * skip-listed ones, which stay the Deployment's) replace its annotations.
 */
export function planDeploymentUndo(d: KubeObject, history: Revision[], toRevision = 0): UndoPlan {
  const name = d.metadata.name;
  if (d.spec?.paused) return { kind: 'error', message: `you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/${name}' and try again` };
  const t = target(history, toRevision, currentRevision(d, history));
  if (typeof t === 'string') return { kind: 'error', message: t };
  if (deepEqual(t.template, templateWithoutHash(d.spec?.template))) {
    return { kind: 'skip', revision: t.revision, message: `skipped rollback (current template already matches revision ${t.revision})` };
  }
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (ANNOTATIONS_NOT_COPIED.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(t.source.metadata.annotations ?? {})) if (!ANNOTATIONS_NOT_COPIED.has(k)) annotations[k] = v;
  return {
    kind: 'patch',
    revision: t.revision,
    patch: [
      { op: 'replace', path: '/spec/template', value: t.template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ],
  };
}

/** `kubectl rollout undo statefulset|daemonset/NAME [--to-revision N]`: the revision's template back. */
export function planRevisionUndo(w: KubeObject, history: Revision[], toRevision = 0): UndoPlan {
  const t = target(history, toRevision, currentRevision(w, history));
  if (typeof t === 'string') return { kind: 'error', message: t };
  if (deepEqual(t.template, w.spec?.template)) {
    return { kind: 'skip', revision: t.revision, message: `skipped rollback (current template already matches revision ${t.revision})` };
  }
  return { kind: 'patch', revision: t.revision, patch: [{ op: 'replace', path: '/spec/template', value: t.template }] };
}
