// batch/v1: each resource's row with its rules. CronJob joins this group with its controller.
import type { APIGroupVersion, ResourceInfo } from '../resource-definition.js';
import { CONDITIONS, OBJECT_META, struct } from '../patch/patch-meta.js';
import { PodTemplatePatchMeta } from '../core/pod.js';
import * as batch from './job.js';
import { defaultJob } from './job-defaults.js';
import { validateJob, validateJobStatusUpdate, validateJobUpdate } from './job-validation.js';

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

export const batchV1: APIGroupVersion = {
  group: 'batch', version: 'v1',
  resources: [jobs],
  components: {
    Job: batch.Job, JobSpec: batch.JobSpec, JobStatus: batch.JobStatus, JobCondition: batch.JobCondition,
    UncountedTerminatedPods: batch.UncountedTerminatedPods,
  },
};
