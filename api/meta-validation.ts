// ObjectMeta, names, labels, annotations and label selectors: the validation every kind
// shares (apimachinery's api/validation and apis/meta/v1/validation).
import type { FieldError } from './errors.js';
import { fieldErr } from './field-errors.js';
import { isObj, type Obj } from './json-object.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './names.js';

export type NameValidator = (name: string, prefix: boolean) => string[];

/** DNS-1123 subdomain names (most kinds); `prefix` = a generateName, where a trailing '-' is fine. */
export const validateSubdomainName: NameValidator = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
/** DNS-1123 label names (namespaces). */
export const validateLabelName: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const validateServiceName: NameValidator = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
/** Path segment names (RBAC roles and bindings: `system:node` is fine), as path.IsValidPathSegmentName. */
export const validatePathSegmentName: NameValidator = (name, prefix) => {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
};

function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? name.slice(0, -2) + 'a' : name;
}

export function validateLabels(labels: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(labels)) return errs;
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) errs.push(fieldErr.invalid(field, k, m));
    if (typeof v === 'string') for (const m of isValidLabelValue(v)) errs.push(fieldErr.invalid(field, v, m));
  }
  return errs;
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(annotations)) return errs;
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fieldErr.invalid(field, k, m));
    total += k.length + (typeof v === 'string' ? v.length : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldErr.tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

export function validateObjectMeta(meta: unknown, opts: { namespaced: boolean; nameFn?: NameValidator; field?: string }): FieldError[] {
  const f = opts.field ?? 'metadata';
  const errs: FieldError[] = [];
  if (!isObj(meta)) return [fieldErr.required(f)];
  const nameFn = opts.nameFn ?? validateSubdomainName;
  if (meta.generateName) for (const m of nameFn(String(meta.generateName), true)) errs.push(fieldErr.invalid(`${f}.generateName`, meta.generateName, m));
  if (!meta.name) {
    if (!meta.generateName) errs.push(fieldErr.required(`${f}.name`, 'name or generateName is required'));
  } else {
    for (const m of nameFn(String(meta.name), false)) errs.push(fieldErr.invalid(`${f}.name`, meta.name, m));
  }
  if (opts.namespaced) {
    if (!meta.namespace) errs.push(fieldErr.required(`${f}.namespace`));
    else for (const m of isDNS1123Label(String(meta.namespace))) errs.push(fieldErr.invalid(`${f}.namespace`, meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(fieldErr.forbidden(`${f}.namespace`, 'not allowed on this type'));
  }
  if (typeof meta.generation === 'number' && meta.generation < 0) errs.push(fieldErr.invalid(`${f}.generation`, meta.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(meta.labels, `${f}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${f}.annotations`));
  if (Array.isArray(meta.ownerReferences)) {
    meta.ownerReferences.forEach((r: Obj, i: number) => {
      const p = `${f}.ownerReferences[${i}]`;
      if (!r?.apiVersion) errs.push(fieldErr.invalid(`${p}.apiVersion`, r?.apiVersion ?? '', 'version must not be empty'));
      if (!r?.kind) errs.push(fieldErr.invalid(`${p}.kind`, r?.kind ?? '', 'kind must not be empty'));
      if (!r?.name) errs.push(fieldErr.invalid(`${p}.name`, r?.name ?? '', 'name must not be empty'));
      if (!r?.uid) errs.push(fieldErr.invalid(`${p}.uid`, r?.uid ?? '', 'uid must not be empty'));
    });
    const controllers = meta.ownerReferences.filter((r: Obj) => r?.controller === true);
    if (controllers.length > 1) errs.push(fieldErr.invalid(`${f}.ownerReferences`, controllers.map((r: Obj) => r.name), 'Only one reference can have Controller set to true'));
  }
  if (Array.isArray(meta.finalizers)) {
    meta.finalizers.forEach((fin: unknown) => {
      if (typeof fin === 'string') for (const m of isQualifiedName(fin)) errs.push(fieldErr.invalid(`${f}.finalizers`, fin, m));
    });
  }
  return errs;
}

export function validateObjectMetaUpdate(meta: Obj, old: Obj, field = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    if (old[k] !== undefined && old[k] !== null && old[k] !== '' && meta[k] !== old[k]) errs.push(fieldErr.invalid(`${field}.${k}`, meta[k] ?? '', 'field is immutable'));
  }
  return errs;
}

// ---- label selectors ----

export function validateLabelSelector(sel: unknown, field: string): FieldError[] {
  if (!isObj(sel)) return [];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(sel.matchLabels, `${field}.matchLabels`));
  if (Array.isArray(sel.matchExpressions)) {
    sel.matchExpressions.forEach((e: Obj, i: number) => {
      const p = `${field}.matchExpressions[${i}]`;
      const values = Array.isArray(e?.values) ? e.values : [];
      if (e?.operator === 'In' || e?.operator === 'NotIn') {
        if (values.length === 0) errs.push(fieldErr.required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
      } else if (e?.operator === 'Exists' || e?.operator === 'DoesNotExist') {
        if (values.length > 0) errs.push(fieldErr.forbidden(`${p}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
      }
      if (typeof e?.key === 'string') for (const m of isQualifiedName(e.key)) errs.push(fieldErr.invalid(`${p}.key`, e.key, m));
      values.forEach((v: unknown, j: number) => {
        if (typeof v === 'string') for (const m of isValidLabelValue(v)) errs.push(fieldErr.invalid(`${p}.values[${j}]`, v, m));
      });
    });
  }
  return errs;
}

