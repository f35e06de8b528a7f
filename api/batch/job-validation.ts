// Job validation (k8s.io/kubernetes/pkg/apis/batch/validation, v1.32): non-negative counts,
// a restartPolicy of OnFailure or Never, a selector that selects the template, the
// generated selector's labels intact, and an immutable selector, template and completions.
import type { FieldError } from '../errors.js';
import { fieldErr, nonNegative } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { fromLabelSelector, LabelSelectorParseError } from '../labels.js';
import { validateAnnotations, validateLabels, validateLabelSelector } from '../meta-validation.js';
import { isDNS1123Label } from '../names.js';
import { deepEqual } from '../patch/merge.js';
import { validatePodSpec } from '../core/pod-validation.js';
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from './job.js';

/** An Indexed Job's parallelism is capped so that status.completedIndexes stays bounded. */
export const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;

function selectorOf(sel: unknown): ReturnType<typeof fromLabelSelector> | undefined {
  if (!isObj(sel)) return undefined;
  try {
    return fromLabelSelector(sel as never);
  } catch (e) {
    if (e instanceof LabelSelectorParseError) return undefined;
    throw e;
  }
}

export function validateJobSpecFields(spec: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  nonNegative(errs, `${field}.parallelism`, spec.parallelism);
  nonNegative(errs, `${field}.completions`, spec.completions);
  nonNegative(errs, `${field}.activeDeadlineSeconds`, spec.activeDeadlineSeconds);
  nonNegative(errs, `${field}.backoffLimit`, spec.backoffLimit);
  nonNegative(errs, `${field}.ttlSecondsAfterFinished`, spec.ttlSecondsAfterFinished);
  if (spec.completionMode === 'Indexed') {
    if (spec.completions === undefined || spec.completions === null) {
      errs.push(fieldErr.required(`${field}.completions`, 'when completion mode is Indexed'));
    }
    if (typeof spec.parallelism === 'number' && spec.parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
      errs.push(fieldErr.invalid(`${field}.parallelism`, spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
    }
  }
  const template = spec.template;
  if (!isObj(template)) {
    errs.push(fieldErr.required(`${field}.template`));
    return errs;
  }
  const tf = `${field}.template`;
  if (isObj(template.metadata)) {
    errs.push(...validateLabels(template.metadata.labels, `${tf}.metadata.labels`));
    errs.push(...validateAnnotations(template.metadata.annotations, `${tf}.metadata.annotations`));
  }
  errs.push(...validatePodSpec(template.spec, `${tf}.spec`));
  if (isObj(template.spec)) {
    // Pod defaulting fills in Always, so Always and "" are the same mistake: left out.
    const rp = template.spec.restartPolicy;
    if (rp === undefined || rp === '' || rp === 'Always') {
      errs.push(fieldErr.required(`${tf}.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'));
    } else if (rp !== 'OnFailure' && rp !== 'Never') {
      errs.push(fieldErr.notSupported(`${tf}.spec.restartPolicy`, rp, ['OnFailure', 'Never']));
    }
  }
  return errs;
}

/** ValidateJobSpec: the fields, a valid selector, and the selector selecting the template. */
export function validateJobSpec(spec: unknown, field = 'spec'): FieldError[] {
  if (!isObj(spec)) return [fieldErr.required(field)];
  const errs = validateJobSpecFields(spec, field);
  if (!isObj(spec.selector)) errs.push(fieldErr.required(`${field}.selector`));
  else errs.push(...validateLabelSelector(spec.selector, `${field}.selector`));
  const sel = selectorOf(spec.selector);
  const labels = isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  if (sel && !sel.matches(labels ?? {})) {
    errs.push(fieldErr.invalid(`${field}.template.metadata.labels`, labels ?? {}, '`selector` does not match template `labels`'));
  }
  return errs;
}

/** ValidateJob: the spec, and for an Indexed Job that its last pod's hostname is a DNS label. */
export function validateJob(job: Obj): FieldError[] {
  const errs = validateJobSpec(job.spec);
  const spec = job.spec;
  const name = isObj(job.metadata) ? job.metadata.name : undefined;
  if (isObj(spec) && spec.completionMode === 'Indexed' && typeof spec.completions === 'number' && spec.completions > 0 && typeof name === 'string') {
    const hostname = `${name}-${spec.completions - 1}`;
    if (isDNS1123Label(hostname).length > 0) {
      errs.push(fieldErr.invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  return errs;
}

/** ValidateHasLabel: the template must carry `key` with `value`. */
function hasLabel(meta: unknown, field: string, key: string, value: string): FieldError[] {
  const labels = isObj(meta) && isObj(meta.labels) ? meta.labels : {};
  const path = `${field}.labels[${key}]`;
  if (!(key in labels)) return [fieldErr.required(path)];
  if (labels[key] !== value) return [fieldErr.invalid(path, labels[key], `must be '${value}'`)];
  return [];
}

/**
 * validateGeneratedSelector: unless manualSelector, the selector the API server generated and
 * the labels it put on the template must still name this Job (its uid and name), so that no
 * two Jobs can select each other's pods. Needs metadata.uid: run on the server, after create
 * has assigned it.
 */
export function validateGeneratedSelector(job: Obj): FieldError[] {
  const spec = job.spec;
  if (!isObj(spec) || spec.manualSelector === true || !isObj(spec.selector)) return [];
  const meta = isObj(job.metadata) ? job.metadata : {};
  const uid = String(meta.uid ?? '');
  const name = String(meta.name ?? '');
  const errs: FieldError[] = [];
  if (!uid) errs.push(fieldErr.required('metadata.uid'));
  const tm = isObj(spec.template) ? spec.template.metadata : undefined;
  const tf = 'spec.template.metadata';
  errs.push(...hasLabel(tm, tf, LEGACY_CONTROLLER_UID_LABEL, uid));
  errs.push(...hasLabel(tm, tf, LEGACY_JOB_NAME_LABEL, name));
  errs.push(...hasLabel(tm, tf, CONTROLLER_UID_LABEL, uid));
  errs.push(...hasLabel(tm, tf, JOB_NAME_LABEL, name));
  const expected = { [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, [LEGACY_CONTROLLER_UID_LABEL]: uid, [LEGACY_JOB_NAME_LABEL]: name };
  const sel = selectorOf(spec.selector);
  if (sel && !sel.matches(expected)) errs.push(fieldErr.invalid('spec.selector', spec.selector, '`selector` not auto-generated'));
  return errs;
}

/** ValidateJobSpecUpdate: completions, selector and template are fixed once created. */
export function validateJobUpdate(job: Obj, old: Obj): FieldError[] {
  const spec = isObj(job.spec) ? job.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const errs: FieldError[] = [];
  for (const f of ['completions', 'selector', 'template'] as const) {
    if (!deepEqual(spec[f] ?? null, oldSpec[f] ?? null)) errs.push(fieldErr.invalid(`spec.${f}`, spec[f] ?? null, 'field is immutable'));
  }
  return errs;
}

/** ValidateJobStatusUpdate: the counts stay non-negative. */
export function validateJobStatusUpdate(job: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const status = isObj(job.status) ? job.status : {};
  for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating']) nonNegative(errs, `status.${f}`, status[f]);
  return errs;
}
