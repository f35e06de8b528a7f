// batch/v1 Job: run pods until a number of them succeed. The spec says how many at once
// (parallelism), how many successes finish it (completions), how many failures fail it
// (backoffLimit) and for how long it may run (activeDeadlineSeconds); the Job controller
// reports progress in status and finishes it with a Complete or Failed condition.
import { z } from 'zod';
import { conditionSchema, LabelSelector, ObjectMeta, Time, typeMeta } from '../meta.js';
import { PodTemplateSpec } from '../core/pod.js';

/** Labels the API server puts on a Job's pod template (and selects by) unless manualSelector. */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** The unprefixed forms Kubernetes still writes beside them, for selectors written before 1.27. */
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
/** An Indexed Job's pod carries its index in this annotation (and label) and in JOB_COMPLETION_INDEX. */
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** Kept on a Job's pods until the controller has counted them in status. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** With backoffLimitPerIndex: how many of an index's pods failed (counted) before this one, and how many were ignored. */
export const JOB_INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';

export const CompletionMode = z.enum(['NonIndexed', 'Indexed']);
export type CompletionMode = z.infer<typeof CompletionMode>;

/**
 * podFailurePolicy (KEP-3329): rules over a failed pod's exit codes or conditions, evaluated
 * in order, the first match deciding — FailJob, FailIndex (with backoffLimitPerIndex),
 * Ignore (not counted against backoffLimit) or Count (the default handling). Actions,
 * operators and statuses are plain strings here so that validation, not the schema, names
 * the allowed values in Kubernetes' words.
 */
export const PodFailurePolicyOnExitCodesRequirement = z.object({
  containerName: z.string().optional(),
  operator: z.string(),
  values: z.array(z.number().int()),
});
export type PodFailurePolicyOnExitCodesRequirement = z.infer<typeof PodFailurePolicyOnExitCodesRequirement>;

export const PodFailurePolicyOnPodConditionsPattern = z.object({
  type: z.string(),
  status: z.string().optional(),
});
export type PodFailurePolicyOnPodConditionsPattern = z.infer<typeof PodFailurePolicyOnPodConditionsPattern>;

export const PodFailurePolicyRule = z.object({
  action: z.string(),
  onExitCodes: PodFailurePolicyOnExitCodesRequirement.optional(),
  onPodConditions: z.array(PodFailurePolicyOnPodConditionsPattern).optional(),
});
export type PodFailurePolicyRule = z.infer<typeof PodFailurePolicyRule>;

export const PodFailurePolicy = z.object({
  rules: z.array(PodFailurePolicyRule),
});
export type PodFailurePolicy = z.infer<typeof PodFailurePolicy>;

export const JobSpec = z.object({
  parallelism: z.number().int().optional(),
  completions: z.number().int().optional(),
  activeDeadlineSeconds: z.number().int().optional(),
  backoffLimit: z.number().int().optional(),
  selector: LabelSelector.optional(),
  manualSelector: z.boolean().optional(),
  template: PodTemplateSpec,
  ttlSecondsAfterFinished: z.number().int().optional(),
  completionMode: CompletionMode.optional(),
  suspend: z.boolean().optional(),
  podReplacementPolicy: z.enum(['TerminatingOrFailed', 'Failed']).optional(),
  podFailurePolicy: PodFailurePolicy.optional(),
  /** Indexed Jobs: failures allowed per index before the index is failed (status.failedIndexes). */
  backoffLimitPerIndex: z.number().int().optional(),
  /** With backoffLimitPerIndex: more failed indexes than this fail the Job. */
  maxFailedIndexes: z.number().int().optional(),
});
export type JobSpec = z.infer<typeof JobSpec>;

/** Complete, Failed and Suspended are what this controller writes; the type stays open as in Kubernetes. */
export const JobCondition = conditionSchema(z.string());
export type JobCondition = z.infer<typeof JobCondition>;

/** Pods that terminated but are not yet in succeeded/failed (finalizer-based tracking). */
export const UncountedTerminatedPods = z.object({
  succeeded: z.array(z.string()).optional(),
  failed: z.array(z.string()).optional(),
});
export type UncountedTerminatedPods = z.infer<typeof UncountedTerminatedPods>;

export const JobStatus = z.object({
  conditions: z.array(JobCondition).optional(),
  startTime: Time.optional(),
  completionTime: Time.optional(),
  active: z.number().int().optional(),
  succeeded: z.number().int().optional(),
  failed: z.number().int().optional(),
  terminating: z.number().int().optional(),
  ready: z.number().int().optional(),
  completedIndexes: z.string().optional(),
  /** With backoffLimitPerIndex: the indexes that failed, as intervals like completedIndexes. */
  failedIndexes: z.string().optional(),
  uncountedTerminatedPods: UncountedTerminatedPods.optional(),
});
export type JobStatus = z.infer<typeof JobStatus>;

export const Job = z.object({
  ...typeMeta('batch/v1', 'Job'),
  metadata: ObjectMeta,
  spec: JobSpec,
  status: JobStatus.optional(),
});
export type Job = z.infer<typeof Job>;
