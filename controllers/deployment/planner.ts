// syncDeployment (deployment_controller.go) as a pure function: the Deployment, the
// ReplicaSets it owns and their pods in; the writes for this step out.
//
// Order of concerns, as in Kubernetes:
//   being deleted            → status only
//   paused                   → scale only (no rollout, no deadline), Progressing Unknown/DeploymentPaused
//   rollback annotation      → copy the old template in (rollback.ts)
//   spec.replicas changed    → proportional scale (sync.ts)
//   otherwise                → one step of Recreate or RollingUpdate
import type { DeploymentPlan, DeploymentPlanInput } from './sync-context.js';
import { SyncContext } from './sync-context.js';
import { checkPausedConditions, syncDeploymentStatus } from './progress.js';
import { rolloutRecreate } from './recreate.js';
import { rollback, rollbackTo } from './rollback.js';
import { rolloutRolling } from './rolling.js';
import { isScalingEvent, peekReplicaSets, syncScaleOnly } from './sync.js';
import { isRollingUpdate } from './fenceposts.js';

export function planDeployment(input: DeploymentPlanInput): DeploymentPlan {
  const ctx = new SyncContext(input);
  const d = ctx.d;
  const sel = d.spec.selector;
  if (!sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)) {
    // An empty selector would select every pod in the namespace: refuse, like Kubernetes.
    ctx.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
    if (d.status?.observedGeneration !== d.metadata.generation) {
      d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation };
      ctx.updateDeploymentStatus();
    }
    return ctx.plan();
  }
  if (d.metadata.deletionTimestamp) {
    const { newRS, oldRSs } = peekReplicaSets(ctx);
    syncDeploymentStatus(ctx, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
    return ctx.plan();
  }
  checkPausedConditions(ctx);
  if (d.spec.paused) {
    syncScaleOnly(ctx);
    return ctx.plan();
  }
  if (rollbackTo(d) !== undefined) {
    rollback(ctx);
    return ctx.plan();
  }
  if (isScalingEvent(ctx)) {
    syncScaleOnly(ctx);
    return ctx.plan();
  }
  if (isRollingUpdate(d)) rolloutRolling(ctx);
  else rolloutRecreate(ctx);
  return ctx.plan();
}

export type { DeploymentAction, DeploymentPlan, DeploymentPlanInput } from './sync-context.js';
