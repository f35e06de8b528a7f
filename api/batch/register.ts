// batch/v1: each resource's row with its rules.
import type { APIGroupVersion, ResourceInfo } from '../resource-definition.js';
import { CONDITIONS, OBJECT_META, struct } from '../patch/patch-meta.js';
import { PodTemplatePatchMeta } from '../core/pod.js';
import * as batch from './job.js';
import * as cron from './cronjob.js';
import { defaultJob } from './job-defaults.js';
import { defaultCronJob } from './cronjob-defaults.js';
import { validateJob, validateJobStatusUpdate, validateJobUpdate } from './job-validation.js';
import { validateCronJob } from './cronjob-validation.js';

const jobs: ResourceInfo = {
  group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', singular: 'job',
  namespaced: true, shortNames: [], categories: ['all'], subresources: ['status'], hasStatus: true, schema: batch.Job,
  defaults: defaultJob,
  validate: validateJob,
  validateUpdate: validateJobUpdate,
  validateStatusUpdate: validateJobStatusUpdate,
  // kube-apiserver's Job registry selects by status.successful (JobToSelectableFields).
  selectableFields: { 'status.successful': (o) => String(o?.status?.succeeded ?? 0) },
  patchMeta: struct({ metadata: OBJECT_META, spec: struct({ template: PodTemplatePatchMeta }), status: struct({ conditions: CONDITIONS }) }),
};

const cronJobs: ResourceInfo = {
  group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', singular: 'cronjob',
  namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: ['status'], hasStatus: true, schema: cron.CronJob,
  defaults: defaultCronJob,
  validate: validateCronJob,
  patchMeta: struct({ metadata: OBJECT_META, spec: struct({ jobTemplate: struct({ metadata: OBJECT_META, spec: struct({ template: PodTemplatePatchMeta }) }) }) }),
};

export const batchV1: APIGroupVersion = {
  group: 'batch', version: 'v1',
  resources: [cronJobs, jobs],
  components: {
    Job: batch.Job, JobSpec: batch.JobSpec, JobStatus: batch.JobStatus, JobCondition: batch.JobCondition,
    UncountedTerminatedPods: batch.UncountedTerminatedPods,
    CronJob: cron.CronJob, CronJobSpec: cron.CronJobSpec, CronJobStatus: cron.CronJobStatus, JobTemplateSpec: cron.JobTemplateSpec,
  },
};
