// batch/v1 CronJob: a Job made from spec.jobTemplate at every time spec.schedule names (in
// spec.timeZone), with how overlapping runs are handled (concurrencyPolicy), how late a
// missed run may still start (startingDeadlineSeconds) and how many finished Jobs are kept.
// The CronJob controller reports the running Jobs and the last schedule/success in status.
import { z } from 'zod';
import { ObjectMeta, Time, typeMeta } from '../meta.js';
import { ObjectReference } from '../core/object-reference.js';
import { JobSpec } from './job.js';

/** On every Job a CronJob creates: the scheduled time (RFC 3339, in the CronJob's time zone). */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export const ConcurrencyPolicy = z.enum(['Allow', 'Forbid', 'Replace']);
export type ConcurrencyPolicy = z.infer<typeof ConcurrencyPolicy>;

export const JobTemplateSpec = z.object({
  metadata: ObjectMeta.optional(),
  spec: JobSpec.optional(),
});
export type JobTemplateSpec = z.infer<typeof JobTemplateSpec>;

export const CronJobSpec = z.object({
  schedule: z.string(),
  timeZone: z.string().optional(),
  startingDeadlineSeconds: z.number().int().optional(),
  concurrencyPolicy: ConcurrencyPolicy.optional(),
  suspend: z.boolean().optional(),
  jobTemplate: JobTemplateSpec,
  successfulJobsHistoryLimit: z.number().int().optional(),
  failedJobsHistoryLimit: z.number().int().optional(),
});
export type CronJobSpec = z.infer<typeof CronJobSpec>;

export const CronJobStatus = z.object({
  active: z.array(ObjectReference).optional(),
  lastScheduleTime: Time.optional(),
  lastSuccessfulTime: Time.optional(),
});
export type CronJobStatus = z.infer<typeof CronJobStatus>;

export const CronJob = z.object({
  ...typeMeta('batch/v1', 'CronJob'),
  metadata: ObjectMeta,
  spec: CronJobSpec,
  status: CronJobStatus.optional(),
});
export type CronJob = z.infer<typeof CronJob>;
