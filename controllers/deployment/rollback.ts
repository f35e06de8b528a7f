// Rollback. The way kubectl does it today needs nothing from the controller but template
// matching: `rollout undo` copies the old RS's template (minus pod-template-hash) back into
// the Deployment, findNewReplicaSet then finds that old RS, and
// getAllReplicaSetsAndSyncRevision gives it revision max+1.
//
// The legacy way (extensions/v1beta1 rollbackTo, kept as the annotation
// `deprecated.deployment.rollback.to: "<revision>"`) is handled here: the controller copies
// the template of that revision (0 = the previous one) into the Deployment itself and clears
// the annotation. Example: revisions 1 (nginx:1) and 2 (nginx:2) → rollback.to "1" → the
// Deployment's template becomes nginx:1, and the next sync reuses RS revision 1 as revision 3.
import type { Deployment, ReplicaSet } from '../../api/apps/index.js';
import { lastRevision, revisionOf, ROLLBACK_TO_ANNOTATION, setDeploymentAnnotationsTo } from './annotations.js';
import { equalIgnoreHash, withoutHashLabel } from './pod-template-hash.js';
import type { SyncContext } from './sync-context.js';

/** The requested revision, or undefined when no rollback is asked for. */
export function rollbackTo(d: Deployment): number | undefined {
  const v = d.metadata.annotations?.[ROLLBACK_TO_ANNOTATION];
  if (v === undefined) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

export function rollback(ctx: SyncContext): void {
  const d = ctx.d;
  let revision = rollbackTo(d) ?? 0;
  if (revision === 0) {
    revision = lastRevision(ctx.rsList);
    if (revision === 0) {
      ctx.event('Warning', 'RollbackRevisionNotFound', 'Unable to find last revision.');
      return clearRollbackTo(ctx);
    }
  }
  const target = ctx.rsList.find((rs: ReplicaSet) => revisionOf(rs) === revision);
  if (!target || !target.spec.template) {
    ctx.event('Warning', 'RollbackRevisionNotFound', `Unable to find the revision to rollback to.`);
    return clearRollbackTo(ctx);
  }
  if (equalIgnoreHash(d.spec.template, target.spec.template)) {
    ctx.event('Warning', 'DeploymentRollbackTemplateUnchanged', `The rollback revision contains the same template as current deployment "${d.metadata.name}"`);
    return clearRollbackTo(ctx);
  }
  d.spec.template = withoutHashLabel(structuredClone(target.spec.template));
  setDeploymentAnnotationsTo(d, target);
  ctx.event('Normal', 'DeploymentRollback', `Rolled back deployment "${d.metadata.name}" to revision ${revision}`);
  clearRollbackTo(ctx);
}

function clearRollbackTo(ctx: SyncContext): void {
  const ann = { ...(ctx.d.metadata.annotations ?? {}) };
  delete ann[ROLLBACK_TO_ANNOTATION];
  ctx.d.metadata.annotations = ann;
  ctx.updateDeployment();
}
