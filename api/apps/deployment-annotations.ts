// The annotations a Deployment and its ReplicaSets share (Kubernetes' deployment_util.go), named
// once for the Deployment controller, kctl's rollout verbs and the dashboard's rollout view.
// No imports: the dashboard bundles this file as it is.
//   deployment.kubernetes.io/revision          which rollout an RS belongs to; the Deployment
//                                              carries the revision of its current RS
//   deployment.kubernetes.io/desired-replicas  spec.replicas when the RS was last scaled
//   deployment.kubernetes.io/max-replicas      replicas + maxSurge then (proportional scaling
//                                              reads it to size each RS's share)
//   kubernetes.io/change-cause                 copied from the Deployment onto its new RS,
//                                              shown by `rollout history`

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
export const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** The label the ReplicaSet controller adds to a Deployment's template (and selector). */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/**
 * Deployment annotations never copied onto its ReplicaSets, nor back onto the Deployment by a
 * rollback (kubectl's annotationsToSkip).
 */
export const ANNOTATIONS_NOT_COPIED: ReadonlySet<string> = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
]);
