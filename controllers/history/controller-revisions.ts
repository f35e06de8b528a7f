// A DaemonSet's or StatefulSet's history (constructHistory/cleanupHistory in
// pkg/controller/daemon/update.go and getStatefulSetRevisions/truncateHistory in
// pkg/controller/statefulset, v1.32, over pkg/controller/history): every template it has run
// is a ControllerRevision `<owner>-<hash>` holding `{spec: {template}}` and a revision number. The
// current template's revision is found by content (or made, numbered one past the highest);
// a template that comes back (a rollback) gets its old revision renumbered to the top. Old
// revisions beyond revisionHistoryLimit go, oldest first, unless a live pod still runs them.
import type { ControllerRevision } from '../../api/apps/index.js';
import type { KubeObject, ObjectMeta } from '../../api/meta.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../../api/apps/index.js';
import type { Pod, PodTemplateSpec } from '../../api/core/index.js';
import { newControllerRef } from '../controller-ref.js';
import { canonicalJSON, computeHash } from '../deployment/pod-template-hash.js';

/** What a history owner shows of itself: a DaemonSet or a StatefulSet. */
export interface RevisionOwner extends KubeObject {
  metadata: ObjectMeta;
  spec: { template: PodTemplateSpec; revisionHistoryLimit?: number };
  status?: { collisionCount?: number };
}

/** getPatch: the revision's data — the template, replacing (not merging into) what is there. */
export function revisionData(ds: RevisionOwner): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(ds.spec.template), $patch: 'replace' } } };
}

/** The template a revision holds (its data without the patch directive). */
export function revisionTemplate(rev: ControllerRevision): PodTemplateSpec | undefined {
  const t = (rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template;
  if (!t) return undefined;
  const { $patch: _, ...template } = t;
  return template as unknown as PodTemplateSpec;
}

const sameTemplate = (a: PodTemplateSpec | undefined, b: PodTemplateSpec) => !!a && canonicalJSON(a) === canonicalJSON(b);

export interface HistoryPlan {
  /** The hash the current template's pods carry. */
  hash: string;
  /** The current revision as it will be (created, renumbered, or as found). */
  current: ControllerRevision;
  create?: ControllerRevision;
  /** An existing revision to write with a new number (the template came back). */
  renumber?: ControllerRevision;
  /** A revision `<ds>-<hash>` with other content exists: bump status.collisionCount and retry. */
  collision: boolean;
  /** Old revisions beyond the limit. */
  delete: ControllerRevision[];
}

/** `kind` is the owner's (apps/v1) kind, for the revisions' controller ownerReference. */
export function planHistory(ds: RevisionOwner, revisions: readonly ControllerRevision[], pods: readonly Pod[], kind: 'DaemonSet' | 'StatefulSet' = 'DaemonSet'): HistoryPlan {
  const template = ds.spec.template;
  const maxRevision = revisions.reduce((m, r) => Math.max(m, r.revision), 0);
  const matching = revisions.filter((r) => sameTemplate(revisionTemplate(r), template)).sort((a, b) => b.revision - a.revision);
  let current = matching[0];
  const plan: Omit<HistoryPlan, 'current'> & { current?: ControllerRevision } = { hash: '', collision: false, delete: [] };
  if (current) {
    plan.hash = current.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? computeHash(template, ds.status?.collisionCount);
    if (current.revision < maxRevision) {
      current = { ...current, revision: maxRevision + 1 };
      plan.renumber = current;
    }
  } else {
    const hash = computeHash(template, ds.status?.collisionCount);
    const name = `${ds.metadata.name}-${hash}`;
    plan.hash = hash;
    if (revisions.some((r) => r.metadata.name === name)) plan.collision = true;
    current = {
      apiVersion: 'apps/v1', kind: 'ControllerRevision',
      metadata: {
        name, namespace: ds.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
        // The owner's annotations (kubernetes.io/change-cause among them) for `rollout history`.
        ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [newControllerRef(ds, 'apps/v1', kind)],
      },
      data: revisionData(ds),
      revision: maxRevision + 1,
    };
    if (!plan.collision) plan.create = current;
  }
  // History beyond the limit (older duplicates of the current template count as history).
  const live = new Set(pods.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]));
  const old = revisions.filter((r) => r.metadata.name !== current!.metadata.name)
    .filter((r) => !live.has(r.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]))
    .sort((a, b) => a.revision - b.revision);
  const limit = ds.spec.revisionHistoryLimit ?? 10;
  plan.delete = old.slice(0, Math.max(0, old.length - limit));
  return { ...plan, current: current! };
}
