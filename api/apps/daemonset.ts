// apps/v1 DaemonSet and ControllerRevision. A DaemonSet runs one copy of its pod template on
// every node that its node selector, required node affinity and tolerations allow; its
// updateStrategy replaces pods node by node (RollingUpdate, bounded by maxUnavailable or
// maxSurge) or only when a user deletes them (OnDelete). Each template it has run is kept
// as a ControllerRevision — an immutable snapshot with a revision number — which is what
// its pods' `controller-revision-hash` label points at and what a rollback returns to.
import { z } from 'zod';
import { conditionSchema, IntOrString, LabelSelector, ObjectMeta, typeMeta } from '../meta.js';
import { PodTemplateSpec } from '../core/pod.js';

/** On a DaemonSet's (and StatefulSet's) pods and revisions: the hash of the template they run. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/**
 * How the two ControllerRevision-history workloads, DaemonSets and StatefulSets, replace
 * pods: RollingUpdate (the controller does, within its rollingUpdate bounds) or OnDelete (a
 * user deletes them). One definition for both updateStrategy schemas; only the rollingUpdate
 * knobs differ.
 */
export const UpdateStrategyType = z.enum(['RollingUpdate', 'OnDelete']);
export type UpdateStrategyType = z.infer<typeof UpdateStrategyType>;

/** `{type, rollingUpdate}` — DaemonSetUpdateStrategy and StatefulSetUpdateStrategy. */
export function revisionUpdateStrategy<R extends z.ZodType>(rollingUpdate: R) {
  return z.object({ type: UpdateStrategyType.optional(), rollingUpdate: rollingUpdate.optional() });
}

export const RollingUpdateDaemonSet = z.object({ maxUnavailable: IntOrString.optional(), maxSurge: IntOrString.optional() });
export type RollingUpdateDaemonSet = z.infer<typeof RollingUpdateDaemonSet>;

export const DaemonSetUpdateStrategy = revisionUpdateStrategy(RollingUpdateDaemonSet);
export type DaemonSetUpdateStrategy = z.infer<typeof DaemonSetUpdateStrategy>;

export const DaemonSetSpec = z.object({
  selector: LabelSelector,
  template: PodTemplateSpec,
  updateStrategy: DaemonSetUpdateStrategy.optional(),
  minReadySeconds: z.number().int().optional(),
  revisionHistoryLimit: z.number().int().optional(),
});
export type DaemonSetSpec = z.infer<typeof DaemonSetSpec>;

export const DaemonSetCondition = conditionSchema(z.string());
export type DaemonSetCondition = z.infer<typeof DaemonSetCondition>;

export const DaemonSetStatus = z.object({
  currentNumberScheduled: z.number().int(),
  numberMisscheduled: z.number().int(),
  desiredNumberScheduled: z.number().int(),
  numberReady: z.number().int(),
  observedGeneration: z.number().int().optional(),
  updatedNumberScheduled: z.number().int().optional(),
  numberAvailable: z.number().int().optional(),
  numberUnavailable: z.number().int().optional(),
  collisionCount: z.number().int().optional(),
  conditions: z.array(DaemonSetCondition).optional(),
});
export type DaemonSetStatus = z.infer<typeof DaemonSetStatus>;

export const DaemonSet = z.object({
  ...typeMeta('apps/v1', 'DaemonSet'),
  metadata: ObjectMeta,
  spec: DaemonSetSpec,
  status: DaemonSetStatus.optional(),
});
export type DaemonSet = z.infer<typeof DaemonSet>;

export const ControllerRevision = z.object({
  ...typeMeta('apps/v1', 'ControllerRevision'),
  metadata: ObjectMeta,
  /** The state at this revision (for a DaemonSet: `{spec: {template: …}}`, a strategic-merge patch). */
  data: z.record(z.string(), z.unknown()).optional(),
  revision: z.number().int(),
});
export type ControllerRevision = z.infer<typeof ControllerRevision>;
