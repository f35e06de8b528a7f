// Jobs (batch/v1): status starts empty; unless spec.manualSelector, the API server generates
// the selector from the Job's uid (the uid exists only here, at create) and labels the pod
// template to match, as kube-apiserver's job strategy does — so a Job can never select
// another Job's pods. Spec changes bump metadata.generation.
import type { Job } from '../../api/batch/index.js';
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from '../../api/batch/index.js';
import { validateGeneratedSelector } from '../../api/batch/job-validation.js';
import type { Strategy } from './strategy.js';

/** generateSelector: labels the user set are kept (a conflicting one then fails validation). */
export function generateSelector(job: Job): void {
  const name = job.metadata.name ?? '';
  const uid = job.metadata.uid ?? '';
  const template = job.spec.template;
  template.metadata ??= {};
  const labels = (template.metadata.labels ??= {});
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[key] ??= name;
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) labels[key] ??= uid;
  job.spec.selector ??= {};
  const matchLabels = (job.spec.selector.matchLabels ??= {});
  matchLabels[CONTROLLER_UID_LABEL] ??= uid;
}

export const jobStrategy: Strategy = {
  tracksGeneration: true,
  prepareForCreate(obj) {
    const job = obj as unknown as Job;
    job.status = {};
    if (job.spec?.template && job.spec.manualSelector !== true) generateSelector(job);
    // SetDefaults_Job copies the template's labels to a Job that has none. kube-apiserver
    // defaults again on every read, so what clients see are the template labels *with* the
    // generated ones; copying after generating stores exactly that.
    const tl = job.spec?.template?.metadata?.labels;
    if (tl && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...tl };
  },
  validate: (obj) => validateGeneratedSelector(obj as never),
};
