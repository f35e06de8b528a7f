// Job validation (k8s.io/kubernetes/pkg/apis/batch/validation, v1.32): non-negative counts,
// a restartPolicy of OnFailure or Never (only Never with a podFailurePolicy), the pod failure
// policy's rules, backoffLimitPerIndex/maxFailedIndexes for Indexed Jobs only, a selector
// that selects the template, the generated selector's labels intact, and an immutable
// selector, template and completions.
import type { FieldError } from '../errors.js';
import { fieldErr, nonNegative } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { fromLabelSelector, LabelSelectorParseError } from '../labels.js';
import { validateAnnotations, validateLabels, validateLabelSelector } from '../meta-validation.js';
import { isDNS1123Label, isQualifiedName } from '../names.js';
import { deepEqual } from '../patch/merge.js';
import { validatePodSpec } from '../core/pod-validation.js';
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from './job.js';

/** An Indexed Job's parallelism is capped so that status.completedIndexes stays bounded. */
export const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB = 100_000;
/** Above this many completions, backoffLimitPerIndex needs maxFailedIndexes and tighter bounds (status size). */
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS = 20;
const POD_FAILURE_POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const ON_EXIT_CODES_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const quotedList = (vs: string[]) => `[${vs.map((v) => JSON.stringify(v)).join(' ')}]`;

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
  nonNegative(errs, `${field}.backoffLimitPerIndex`, spec.backoffLimitPerIndex);
  const perIndex = typeof spec.backoffLimitPerIndex === 'number';
  const maxFailed = typeof spec.maxFailedIndexes === 'number' ? spec.maxFailedIndexes : undefined;
  if (maxFailed !== undefined) {
    nonNegative(errs, `${field}.maxFailedIndexes`, maxFailed);
    if (!perIndex) errs.push(fieldErr.required(`${field}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  if (spec.completionMode === 'Indexed') {
    if (spec.completions === undefined || spec.completions === null) {
      errs.push(fieldErr.required(`${field}.completions`, 'when completion mode is Indexed'));
    }
    if (typeof spec.parallelism === 'number' && spec.parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
      errs.push(fieldErr.invalid(`${field}.parallelism`, spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
    }
    const completions = typeof spec.completions === 'number' ? spec.completions : undefined;
    if (completions !== undefined && maxFailed !== undefined && maxFailed > completions) {
      errs.push(fieldErr.invalid(`${field}.maxFailedIndexes`, maxFailed, 'must be less than or equal to completions'));
    }
    if (maxFailed !== undefined && maxFailed > MAX_FAILED_INDEXES_FOR_INDEXED_JOB) {
      errs.push(fieldErr.invalid(`${field}.maxFailedIndexes`, maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES_FOR_INDEXED_JOB}`));
    }
    if (completions !== undefined && completions > COMPLETIONS_SOFT_LIMIT && perIndex) {
      const why = `when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`;
      if (maxFailed === undefined) errs.push(fieldErr.required(`${field}.maxFailedIndexes`, `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
      if (typeof spec.parallelism === 'number' && spec.parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
        errs.push(fieldErr.invalid(`${field}.parallelism`, spec.parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} ${why}`));
      }
      if (maxFailed !== undefined && maxFailed > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS) {
        errs.push(fieldErr.invalid(`${field}.maxFailedIndexes`, maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} ${why}`));
      }
    }
  } else {
    if (perIndex) errs.push(fieldErr.invalid(`${field}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (maxFailed !== undefined) errs.push(fieldErr.invalid(`${field}.maxFailedIndexes`, maxFailed, 'requires indexed completion mode'));
  }
  const policy = spec.podFailurePolicy;
  if (isObj(policy)) {
    errs.push(...validatePodFailurePolicy(policy, spec, `${field}.podFailurePolicy`));
    if (spec.podReplacementPolicy !== undefined && spec.podReplacementPolicy !== 'Failed') {
      errs.push(fieldErr.notSupported(`${field}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed']));
    }
  } else if (spec.podReplacementPolicy !== undefined && spec.podReplacementPolicy !== 'Failed' && spec.podReplacementPolicy !== 'TerminatingOrFailed') {
    errs.push(fieldErr.notSupported(`${field}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed', 'TerminatingOrFailed']));
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
    } else if (isObj(policy) && rp !== 'Never') {
      // Exit codes and conditions are only final once the pod has failed for good.
      errs.push(fieldErr.invalid(`${tf}.spec.restartPolicy`, rp, 'only "Never" is supported when podFailurePolicy is specified'));
    }
  }
  return errs;
}

/** validatePodFailurePolicy: at most 20 rules, each with a known action and exactly one of onExitCodes/onPodConditions. */
function validatePodFailurePolicy(policy: Obj, spec: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = Array.isArray(policy.rules) ? policy.rules : [];
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(fieldErr.tooMany(`${field}.rules`, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const podSpec = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec : {};
  const containerNames = new Set<string>();
  for (const list of [podSpec.containers, podSpec.initContainers]) {
    if (Array.isArray(list)) for (const c of list) if (isObj(c) && typeof c.name === 'string') containerNames.add(c.name);
  }
  rules.forEach((rule: unknown, i: number) => {
    const rf = `${field}.rules[${i}]`;
    if (!isObj(rule)) return;
    const action = rule.action;
    if (action === undefined || action === '') errs.push(fieldErr.required(`${rf}.action`, `valid values: ${quotedList(POD_FAILURE_POLICY_ACTIONS)}`));
    else if (action === 'FailIndex') {
      if (typeof spec.backoffLimitPerIndex !== 'number') errs.push(fieldErr.invalid(`${rf}.action`, action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!POD_FAILURE_POLICY_ACTIONS.includes(action)) errs.push(fieldErr.notSupported(`${rf}.action`, action, POD_FAILURE_POLICY_ACTIONS));
    const onExitCodes = isObj(rule.onExitCodes) ? rule.onExitCodes : undefined;
    const onPodConditions = Array.isArray(rule.onPodConditions) ? rule.onPodConditions : [];
    if (onExitCodes) errs.push(...validateOnExitCodes(onExitCodes, `${rf}.onExitCodes`, containerNames));
    if (onPodConditions.length > 0) errs.push(...validateOnPodConditions(onPodConditions, `${rf}.onPodConditions`));
    if (onExitCodes && onPodConditions.length > 0) errs.push(fieldErr.invalidOmitValue(rf, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!onExitCodes && onPodConditions.length === 0) errs.push(fieldErr.invalidOmitValue(rf, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return errs;
}

function validateOnExitCodes(req: Obj, field: string, containerNames: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const op = req.operator;
  if (op === undefined || op === '') errs.push(fieldErr.required(`${field}.operator`, `valid values: ${quotedList(ON_EXIT_CODES_OPERATORS)}`));
  else if (!ON_EXIT_CODES_OPERATORS.includes(op)) errs.push(fieldErr.notSupported(`${field}.operator`, op, ON_EXIT_CODES_OPERATORS));
  if (req.containerName !== undefined && req.containerName !== null && !containerNames.has(req.containerName)) {
    errs.push(fieldErr.invalid(`${field}.containerName`, req.containerName, 'must be one of the container or initContainer names in the pod template'));
  }
  const values: unknown[] = Array.isArray(req.values) ? req.values : [];
  if (values.length === 0) errs.push(fieldErr.invalid(`${field}.values`, values, 'at least one value is required'));
  else if (values.length > MAX_ON_EXIT_CODES_VALUES) errs.push(fieldErr.tooMany(`${field}.values`, values.length, MAX_ON_EXIT_CODES_VALUES));
  const seen = new Set<unknown>();
  let ordered = true;
  values.forEach((v, j) => {
    if (op === 'In' && v === 0) errs.push(fieldErr.invalid(`${field}.values[${j}]`, v, 'must not be 0 for the In operator'));
    if (seen.has(v)) errs.push(fieldErr.duplicate(`${field}.values[${j}]`, v));
    else seen.add(v);
    if (j > 0 && (values[j - 1] as number) > (v as number)) ordered = false;
  });
  if (!ordered) errs.push(fieldErr.invalid(`${field}.values`, values, 'must be ordered'));
  return errs;
}

function validateOnPodConditions(patterns: unknown[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (patterns.length > MAX_ON_POD_CONDITIONS_PATTERNS) errs.push(fieldErr.tooMany(field, patterns.length, MAX_ON_POD_CONDITIONS_PATTERNS));
  patterns.forEach((p, j) => {
    const pattern = isObj(p) ? p : {};
    const type = typeof pattern.type === 'string' ? pattern.type : '';
    for (const m of isQualifiedName(type)) errs.push(fieldErr.invalid(`${field}[${j}].type`, type, m));
    const status = pattern.status;
    if (status === undefined || status === '') errs.push(fieldErr.required(`${field}[${j}].status`, `valid values: ${quotedList(CONDITION_STATUSES)}`));
    else if (!CONDITION_STATUSES.includes(status)) errs.push(fieldErr.notSupported(`${field}[${j}].status`, status, CONDITION_STATUSES));
  });
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

/** ValidateJobSpecUpdate: completions, selector, template, completion mode and the failure policies are fixed once created. */
export function validateJobUpdate(job: Obj, old: Obj): FieldError[] {
  const spec = isObj(job.spec) ? job.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const errs: FieldError[] = [];
  for (const f of ['completions', 'selector', 'template', 'completionMode', 'podFailurePolicy', 'backoffLimitPerIndex'] as const) {
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
