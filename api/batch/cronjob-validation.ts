// CronJob validation (k8s.io/kubernetes/pkg/apis/batch/validation, v1.32): a schedule that
// parses (and carries no TZ= prefix: that is what timeZone is for), a time zone this runtime
// knows, a known concurrencyPolicy, non-negative limits, a job template valid as a Job's spec
// whose selector is left to the API server, and a name short enough that `<name>-<minutes>`
// is still a valid Job name.
import type { FieldError } from '../errors.js';
import { fieldErr, nonNegative } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { validateAnnotations, validateLabels } from '../meta-validation.js';
import { parseSchedule, ScheduleParseError, timeZoneError } from './cron-schedule.js';
import { validateJobSpecFields } from './job-validation.js';

/** 63 (a DNS-1035 label) less the 11 characters of `-<minutes since epoch>`. */
export const MAX_CRONJOB_NAME_LENGTH = 52;

function validateSchedule(schedule: string, timeZone: unknown, field: string): FieldError[] {
  // kube-apiserver still lets a stored TZ= schedule stay on update; Skiff never stored one.
  if (schedule.includes('TZ')) {
    if (timeZone !== undefined && timeZone !== null) return [fieldErr.invalid(field, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule')];
    return [fieldErr.invalid(field, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead')];
  }
  try {
    parseSchedule(schedule);
    return [];
  } catch (e) {
    if (e instanceof ScheduleParseError) return [fieldErr.invalid(field, schedule, e.message)];
    throw e;
  }
}

function validateTimeZone(tz: unknown, field: string): FieldError[] {
  if (tz === undefined || tz === null) return [];
  if (typeof tz !== 'string' || tz === '') return [fieldErr.invalid(field, tz, 'timeZone must be nil or non-empty string')];
  if (tz.toLowerCase() === 'local') return [fieldErr.invalid(field, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  const err = timeZoneError(tz);
  return err ? [fieldErr.invalid(field, tz, err)] : [];
}

/** ValidateJobTemplateSpec: a Job's spec rules, and no selector of its own. */
function validateJobTemplate(tpl: unknown, field: string): FieldError[] {
  if (!isObj(tpl)) return [fieldErr.required(field)];
  const errs: FieldError[] = [];
  if (isObj(tpl.metadata)) {
    errs.push(...validateLabels(tpl.metadata.labels, `${field}.metadata.labels`));
    errs.push(...validateAnnotations(tpl.metadata.annotations, `${field}.metadata.annotations`));
  }
  const spec = isObj(tpl.spec) ? tpl.spec : {};
  errs.push(...validateJobSpecFields(spec, `${field}.spec`));
  if (isObj(spec.selector)) errs.push(fieldErr.invalid(`${field}.spec.selector`, spec.selector, '`selector` will be auto-generated'));
  if (spec.manualSelector === true) errs.push(fieldErr.notSupported(`${field}.spec.manualSelector`, true, ['nil', 'false']));
  return errs;
}

function validateCronJobSpec(spec: unknown, field = 'spec'): FieldError[] {
  if (!isObj(spec)) return [fieldErr.required(field)];
  const errs: FieldError[] = [];
  if (typeof spec.schedule !== 'string' || spec.schedule === '') errs.push(fieldErr.required(`${field}.schedule`));
  else errs.push(...validateSchedule(spec.schedule, spec.timeZone, `${field}.schedule`));
  nonNegative(errs, `${field}.startingDeadlineSeconds`, spec.startingDeadlineSeconds);
  errs.push(...validateTimeZone(spec.timeZone, `${field}.timeZone`));
  const cp = spec.concurrencyPolicy;
  if (cp === undefined || cp === '') errs.push(fieldErr.required(`${field}.concurrencyPolicy`));
  else if (!['Allow', 'Forbid', 'Replace'].includes(cp)) errs.push(fieldErr.notSupported(`${field}.concurrencyPolicy`, cp, ['Allow', 'Forbid', 'Replace']));
  errs.push(...validateJobTemplate(spec.jobTemplate, `${field}.jobTemplate`));
  nonNegative(errs, `${field}.successfulJobsHistoryLimit`, spec.successfulJobsHistoryLimit);
  nonNegative(errs, `${field}.failedJobsHistoryLimit`, spec.failedJobsHistoryLimit);
  return errs;
}

/** ValidateCronJobCreate (and, the name aside, ValidateCronJobUpdate: no field is immutable). */
export function validateCronJob(cj: Obj): FieldError[] {
  const errs = validateCronJobSpec(cj.spec);
  const name = isObj(cj.metadata) ? cj.metadata.name : undefined;
  if (typeof name === 'string' && name.length > MAX_CRONJOB_NAME_LENGTH) {
    errs.push(fieldErr.invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
  }
  return errs;
}
