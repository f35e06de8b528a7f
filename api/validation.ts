// Validation, as kube-apiserver's pkg/apis/*/validation: each problem is a FieldError with
// the field's path (`spec.template.spec.containers[0].image`) and Kubernetes' own wording,
// so `invalid(kind, group, name, errs)` produces the message kubectl users know:
//
//   Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0
//
// validate(kind, obj, old?) runs the zod schema (types, enums), then the semantic checks,
// then — on update — the immutability rules. findUnknownFields supports
// `fieldValidation=Strict`: every field the schema does not know is reported.
import type { z } from 'zod';
import { badRequest, type FieldError, type StatusError } from './errors.js';
import { fromLabelSelector, LabelSelectorParseError } from './labels.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './names.js';
import { compareQuantities, parseQuantity, QuantityParseError } from './quantity.js';
import { resourceByKind } from './resources.js';
import { deepEqual } from './patch/merge.js';
import { defOf, unwrap } from './zod-introspection.js';

type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---- FieldError constructors (field.Required, field.Invalid, ... with ErrorBody wording) ----

/** How Kubernetes prints a bad value inside a message: strings quoted, numbers bare. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'null';
  return JSON.stringify(v);
}

export const fieldErr = {
  required: (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, message: `Invalid value: ${formatValue(value)}${detail ? `: ${detail}` : ''}` }),
  notSupported: (field: string, value: unknown, valid: string[]): FieldError => ({
    type: 'FieldValueNotSupported', field, message: `Unsupported value: ${formatValue(value)}${valid.length ? `: supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}` : ''}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatValue(value)}` }),
  forbidden: (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` }),
  tooLong: (field: string, max: number): FieldError => ({ type: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` }),
  notFound: (field: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field, message: `Not found: ${formatValue(value)}` }),
};

/** `spec`, `containers`, 0 → `spec.containers[0]`; keys that are not identifiers → `[key]`. */
export function fieldPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(String(p))) out += (out ? '.' : '') + String(p);
    else out += `[${String(p)}]`;
  }
  return out;
}

// ---- zod issues → FieldErrors ----

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  input?: unknown;
  expected?: string;
  values?: unknown[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  keys?: string[];
}

const TYPE_NAMES: Record<string, string> = { int: 'integer', number: 'number', string: 'string', boolean: 'boolean', object: 'object', array: 'array', record: 'object' };

/** The sub-schema at a path (through optional/nullable, objects, arrays, records), if plain. */
function schemaAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): z.ZodType | undefined {
  let s = schema;
  let i = 0;
  while (s) {
    const def = defOf(s);
    if (def.innerType && ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type)) { s = def.innerType; continue; }
    if (i >= path.length) return s;
    const p = path[i++]!;
    if (def.type === 'object') s = def.shape?.[String(p)];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return undefined;
  }
  return undefined;
}

/** Map zod issues to FieldErrors with readable, Kubernetes-like messages. */
export function zodIssuesToFieldErrors(issues: readonly ZodIssueLike[], prefix: readonly PropertyKey[] = [], schema?: z.ZodType): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const field = fieldPath([...prefix, ...issue.path]) || '<root>';
    const input = issue.input;
    switch (issue.code) {
      case 'invalid_type':
        if (input === undefined) out.push(fieldErr.required(field));
        else {
          const isInt = issue.expected === 'number' && (schemaAt(schema, issue.path) as { isInt?: boolean } | undefined)?.isInt === true;
          out.push(fieldErr.invalid(field, input, `must be of type ${isInt ? 'integer' : TYPE_NAMES[issue.expected ?? ''] ?? issue.expected}`));
        }
        break;
      case 'invalid_value':
        out.push(fieldErr.notSupported(field, input, (issue.values ?? []).map(String)));
        break;
      case 'invalid_union':
        out.push(fieldErr.invalid(field, input, unionDetail(input)));
        break;
      case 'too_small':
        out.push(fieldErr.invalid(field, input, `must be greater than or equal to ${String(issue.minimum)}`));
        break;
      case 'too_big':
        out.push(fieldErr.invalid(field, input, `must be less than or equal to ${String(issue.maximum)}`));
        break;
      case 'unrecognized_keys':
        for (const k of issue.keys ?? []) out.push(fieldErr.forbidden(fieldPath([...prefix, ...issue.path, k]), 'unknown field'));
        break;
      default:
        out.push(fieldErr.invalid(field, input, issue.message));
    }
  }
  return out;
}

function unionDetail(input: unknown): string {
  // The unions in our schemas are IntOrString and Quantity (string | number).
  return typeof input === 'number' ? 'must be an integer or a string' : `must be an integer or a string, not ${Array.isArray(input) ? 'a list' : typeof input}`;
}

/** Parse with a zod schema; FieldErrors for everything wrong with the types. */
export function schemaErrors(schema: z.ZodType, obj: unknown): FieldError[] {
  const r = schema.safeParse(obj, { reportInput: true });
  return r.success ? [] : zodIssuesToFieldErrors(r.error.issues as unknown as ZodIssueLike[], [], schema);
}

// ---- names, labels, annotations, metadata ----

export type NameValidator = (name: string, prefix: boolean) => string[];

/** DNS-1123 subdomain names (most kinds); `prefix` = a generateName, where a trailing '-' is fine. */
export const validateSubdomainName: NameValidator = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
/** DNS-1123 label names (namespaces). */
export const validateLabelName: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const validateServiceName: NameValidator = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);

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

// ---- pods ----

const PORT_MAX = 65535;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

function portRangeErr(field: string, v: unknown): FieldError | undefined {
  if (typeof v !== 'number') return undefined;
  if (v < 1 || v > PORT_MAX) return fieldErr.invalid(field, v, `must be between 1 and ${PORT_MAX}, inclusive`);
  return undefined;
}

function nonNegative(errs: FieldError[], field: string, v: unknown): void {
  if (typeof v === 'number' && v < 0) errs.push(fieldErr.invalid(field, v, 'must be greater than or equal to 0'));
}

function validateQuantityField(errs: FieldError[], field: string, v: unknown): bigint | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    const q = parseQuantity(v);
    if (q.nanos < 0n) {
      errs.push(fieldErr.invalid(field, v, 'must be greater than or equal to 0'));
      return undefined;
    }
    return q.nanos;
  } catch (e) {
    errs.push(fieldErr.invalid(field, v, e instanceof QuantityParseError ? e.message : String(e)));
    return undefined;
  }
}

function validateResources(r: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(r)) return errs;
  const limits = isObj(r.limits) ? r.limits : {};
  const requests = isObj(r.requests) ? r.requests : {};
  for (const [name, q] of Object.entries(limits)) {
    for (const m of isQualifiedName(name)) errs.push(fieldErr.invalid(`${field}.limits[${name}]`, name, m));
    validateQuantityField(errs, `${field}.limits[${name}]`, q);
  }
  for (const [name, q] of Object.entries(requests)) {
    for (const m of isQualifiedName(name)) errs.push(fieldErr.invalid(`${field}.requests[${name}]`, name, m));
    const reqNanos = validateQuantityField(errs, `${field}.requests[${name}]`, q);
    const lim = limits[name];
    if (reqNanos !== undefined && lim !== undefined) {
      try {
        if (compareQuantities(q as string | number, lim as string | number) > 0) {
          errs.push(fieldErr.invalid(`${field}.requests[${name}]`, q, `must be less than or equal to ${name} limit of ${String(lim)}`));
        }
      } catch {
        /* the invalid limit was reported above */
      }
    }
  }
  return errs;
}

function validateProbe(p: unknown, field: string, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(p)) return errs;
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => p[h] !== undefined && p[h] !== null);
  if (handlers.length === 0) errs.push(fieldErr.required(field, 'must specify a handler type'));
  else if (handlers.length > 1) errs.push(fieldErr.forbidden(`${field}.${handlers[1]}`, 'may not specify more than 1 handler type'));
  nonNegative(errs, `${field}.initialDelaySeconds`, p.initialDelaySeconds);
  for (const k of ['timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    if (typeof p[k] === 'number' && p[k] < 1) errs.push(fieldErr.invalid(`${field}.${k}`, p[k], 'must be greater than or equal to 1'));
  }
  if (kind !== 'readiness' && typeof p.successThreshold === 'number' && p.successThreshold !== 1) {
    errs.push(fieldErr.invalid(`${field}.successThreshold`, p.successThreshold, 'must be 1'));
  }
  if (kind === 'readiness' && p.terminationGracePeriodSeconds !== undefined) {
    errs.push(fieldErr.invalid(`${field}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
  }
  if (isObj(p.httpGet)) errs.push(...validatePortRef(p.httpGet.port, `${field}.httpGet.port`));
  if (isObj(p.tcpSocket)) errs.push(...validatePortRef(p.tcpSocket.port, `${field}.tcpSocket.port`));
  if (isObj(p.exec) && (!Array.isArray(p.exec.command) || p.exec.command.length === 0)) errs.push(fieldErr.required(`${field}.exec.command`));
  return errs;
}

function validatePortRef(port: unknown, field: string): FieldError[] {
  if (typeof port === 'number') {
    const e = portRangeErr(field, port);
    return e ? [e] : [];
  }
  if (typeof port === 'string') {
    if (!IANA_SVC_NAME.test(port) || port.length > 15 || !/[a-z]/.test(port)) {
      return [fieldErr.invalid(field, port, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), at most 15 characters, and at least 1 letter (a-z)")];
    }
  }
  return [];
}

function validateContainer(c: Obj, field: string, volumeNames: Set<string>, isInit: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(fieldErr.required(`${field}.name`));
  else for (const m of isDNS1123Label(String(c.name))) errs.push(fieldErr.invalid(`${field}.name`, c.name, m));
  if (!c.image || (typeof c.image === 'string' && c.image.trim() === '')) errs.push(fieldErr.required(`${field}.image`));
  else if (typeof c.image === 'string' && c.image !== c.image.trim()) errs.push(fieldErr.invalid(`${field}.image`, c.image, 'must not have leading or trailing whitespace'));
  if (Array.isArray(c.ports)) {
    const names = new Set<string>();
    c.ports.forEach((p: Obj, i: number) => {
      const pf = `${field}.ports[${i}]`;
      if (p?.containerPort === undefined) errs.push(fieldErr.required(`${pf}.containerPort`));
      const e = portRangeErr(`${pf}.containerPort`, p?.containerPort);
      if (e) errs.push(e);
      if (typeof p?.hostPort === 'number' && p.hostPort !== 0) {
        const h = portRangeErr(`${pf}.hostPort`, p.hostPort);
        if (h) errs.push(h);
      }
      if (p?.name) {
        errs.push(...validatePortRef(String(p.name), `${pf}.name`).map((x) => (typeof p.name === 'string' ? x : x)));
        if (names.has(p.name)) errs.push(fieldErr.duplicate(`${pf}.name`, p.name));
        names.add(p.name);
      }
    });
  }
  if (Array.isArray(c.env)) {
    c.env.forEach((e: Obj, i: number) => {
      const ef = `${field}.env[${i}]`;
      if (!e?.name) errs.push(fieldErr.required(`${ef}.name`));
      else if (!ENV_VAR_NAME.test(e.name)) errs.push(fieldErr.invalid(`${ef}.name`, e.name, "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"));
      if (e?.value !== undefined && e?.value !== '' && isObj(e?.valueFrom)) errs.push(fieldErr.invalid(`${ef}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    });
  }
  if (Array.isArray(c.volumeMounts)) {
    const paths = new Set<string>();
    c.volumeMounts.forEach((m: Obj, i: number) => {
      const mf = `${field}.volumeMounts[${i}]`;
      if (!m?.name) errs.push(fieldErr.required(`${mf}.name`));
      else if (!volumeNames.has(m.name)) errs.push(fieldErr.notFound(`${mf}.name`, m.name));
      if (!m?.mountPath) errs.push(fieldErr.required(`${mf}.mountPath`));
      else {
        if (paths.has(m.mountPath)) errs.push(fieldErr.invalid(`${mf}.mountPath`, m.mountPath, 'must be unique'));
        paths.add(m.mountPath);
      }
    });
  }
  errs.push(...validateResources(c.resources, `${field}.resources`));
  if (isInit) {
    for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (c[k] !== undefined) errs.push(fieldErr.forbidden(`${field}.${k}`, `may not be set for init containers without restartPolicy=Always`));
    }
  } else {
    errs.push(...validateProbe(c.livenessProbe, `${field}.livenessProbe`, 'liveness'));
    errs.push(...validateProbe(c.readinessProbe, `${field}.readinessProbe`, 'readiness'));
    errs.push(...validateProbe(c.startupProbe, `${field}.startupProbe`, 'startup'));
  }
  return errs;
}

export function validatePodSpec(spec: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(spec)) return [fieldErr.required(field)];
  const volumeNames = new Set<string>();
  if (Array.isArray(spec.volumes)) {
    spec.volumes.forEach((v: Obj, i: number) => {
      const vf = `${field}.volumes[${i}]`;
      if (!v?.name) errs.push(fieldErr.required(`${vf}.name`));
      else {
        for (const m of isDNS1123Label(String(v.name))) errs.push(fieldErr.invalid(`${vf}.name`, v.name, m));
        if (volumeNames.has(v.name)) errs.push(fieldErr.duplicate(`${vf}.name`, v.name));
        volumeNames.add(v.name);
      }
      if (isObj(v?.hostPath) && !v.hostPath.path) errs.push(fieldErr.required(`${vf}.hostPath.path`));
      if (isObj(v?.emptyDir) && v.emptyDir.sizeLimit !== undefined) validateQuantityField(errs, `${vf}.emptyDir.sizeLimit`, v.emptyDir.sizeLimit);
    });
  }
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  if (containers.length === 0) errs.push(fieldErr.required(`${field}.containers`));
  const names = new Set<string>();
  const checkList = (list: unknown, key: string, isInit: boolean) => {
    if (!Array.isArray(list)) return;
    list.forEach((c: Obj, i: number) => {
      const cf = `${field}.${key}[${i}]`;
      if (!isObj(c)) return;
      errs.push(...validateContainer(c, cf, volumeNames, isInit));
      if (c.name) {
        if (names.has(c.name)) errs.push(fieldErr.duplicate(`${cf}.name`, c.name));
        names.add(c.name);
      }
    });
  };
  checkList(spec.initContainers, 'initContainers', true);
  checkList(spec.containers, 'containers', false);
  if (spec.dnsPolicy !== undefined && !DNS_POLICIES.includes(spec.dnsPolicy)) errs.push(fieldErr.notSupported(`${field}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  nonNegative(errs, `${field}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds);
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds < 1) {
    errs.push(fieldErr.invalid(`${field}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${field}.nodeSelector`));
  if (spec.nodeName) for (const m of isDNS1123Subdomain(String(spec.nodeName))) errs.push(fieldErr.invalid(`${field}.nodeName`, spec.nodeName, m));
  if (spec.serviceAccountName) for (const m of isDNS1123Subdomain(String(spec.serviceAccountName))) errs.push(fieldErr.invalid(`${field}.serviceAccountName`, spec.serviceAccountName, m));
  if (spec.hostname) for (const m of isDNS1123Label(String(spec.hostname))) errs.push(fieldErr.invalid(`${field}.hostname`, spec.hostname, m));
  if (Array.isArray(spec.tolerations)) {
    spec.tolerations.forEach((t: Obj, i: number) => {
      const tf = `${field}.tolerations[${i}]`;
      if (t?.key) for (const m of isQualifiedName(t.key)) errs.push(fieldErr.invalid(`${tf}.key`, t.key, m));
      if (!t?.key && t?.operator !== 'Exists') errs.push(fieldErr.invalid(`${tf}.operator`, t?.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
      if (t?.operator === 'Exists' && t?.value) errs.push(fieldErr.invalid(`${tf}.operator`, t.value, 'value must be empty when `operator` is \'Exists\''));
      if (t?.tolerationSeconds !== undefined && t?.tolerationSeconds !== null && t?.effect !== 'NoExecute') {
        errs.push(fieldErr.invalid(`${tf}.effect`, t?.effect ?? '', 'effect must be \'NoExecute\' when `tolerationSeconds` is set'));
      }
    });
  }
  if (Array.isArray(spec.topologySpreadConstraints)) {
    spec.topologySpreadConstraints.forEach((c: Obj, i: number) => {
      const cf = `${field}.topologySpreadConstraints[${i}]`;
      if (typeof c?.maxSkew === 'number' && c.maxSkew < 1) errs.push(fieldErr.invalid(`${cf}.maxSkew`, c.maxSkew, 'must be greater than zero'));
      if (!c?.topologyKey) errs.push(fieldErr.required(`${cf}.topologyKey`, 'can not be empty'));
      errs.push(...validateLabelSelector(c?.labelSelector, `${cf}.labelSelector`));
    });
  }
  return errs;
}

export const POD_UPDATE_FORBIDDEN_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** ValidatePodUpdate's spec rule: only images, activeDeadlineSeconds and toleration additions may change. */
export function validatePodSpecUpdate(spec: Obj, old: Obj, field = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(spec) || !isObj(old)) return errs;
  // activeDeadlineSeconds may be set, or lowered, never unset or raised.
  if (old.activeDeadlineSeconds !== undefined && old.activeDeadlineSeconds !== null) {
    if (spec.activeDeadlineSeconds === undefined || spec.activeDeadlineSeconds === null) {
      errs.push(fieldErr.invalid(`${field}.activeDeadlineSeconds`, null, 'must not update from a positive integer to nil value'));
    } else if (spec.activeDeadlineSeconds > old.activeDeadlineSeconds) {
      errs.push(fieldErr.invalid(`${field}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be less than or equal to previous value'));
    }
  }
  const oldTolerations: unknown[] = Array.isArray(old.tolerations) ? old.tolerations : [];
  const newTolerations: unknown[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const tolerationsOk = oldTolerations.every((t) => newTolerations.some((n) => deepEqual(n, t)));
  // Copy the mutable fields from the old spec; anything else that differs is forbidden.
  const mutated: Obj = { ...spec };
  const withImages = (list: unknown, oldList: unknown): unknown => {
    if (!Array.isArray(list) || !Array.isArray(oldList) || list.length !== oldList.length) return list;
    return list.map((c, i) => (isObj(c) && isObj(oldList[i]) ? { ...c, image: oldList[i].image } : c));
  };
  mutated.containers = withImages(spec.containers, old.containers);
  mutated.initContainers = withImages(spec.initContainers, old.initContainers);
  if (mutated.initContainers === undefined) delete mutated.initContainers;
  mutated.activeDeadlineSeconds = old.activeDeadlineSeconds;
  if (mutated.activeDeadlineSeconds === undefined) delete mutated.activeDeadlineSeconds;
  if (tolerationsOk) {
    mutated.tolerations = old.tolerations;
    if (mutated.tolerations === undefined) delete mutated.tolerations;
  }
  if (typeof old.terminationGracePeriodSeconds === 'number' && old.terminationGracePeriodSeconds < 0 && spec.terminationGracePeriodSeconds === 1) {
    mutated.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  }
  if (!deepEqual(mutated, old)) errs.push(fieldErr.forbidden(field, POD_UPDATE_FORBIDDEN_MESSAGE));
  return errs;
}

// ---- apps/v1 ----

const PERCENT_RE = /^[0-9]+%$/;

function intOrPercentValue(v: unknown): { value: number; percent: boolean } | undefined {
  if (typeof v === 'number') return { value: v, percent: false };
  if (typeof v === 'string' && PERCENT_RE.test(v)) return { value: Number(v.slice(0, -1)), percent: true };
  return undefined;
}

function validatePositiveIntOrPercent(v: unknown, field: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') {
    if (!PERCENT_RE.test(v)) return [fieldErr.invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
    return [];
  }
  if (typeof v === 'number' && v < 0) return [fieldErr.invalid(field, v, 'must be greater than or equal to 0')];
  return [];
}

function validateDeploymentStrategy(strategy: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(strategy)) return errs;
  if (strategy.type === 'Recreate' && strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
    errs.push(fieldErr.forbidden(`${field}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'"));
  }
  if (strategy.type === 'RollingUpdate' || strategy.type === undefined) {
    const ru = strategy.rollingUpdate;
    if (isObj(ru)) {
      const rf = `${field}.rollingUpdate`;
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${rf}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${rf}.maxSurge`));
      const mu = intOrPercentValue(ru.maxUnavailable);
      const ms = intOrPercentValue(ru.maxSurge);
      if (mu?.percent && mu.value > 100) errs.push(fieldErr.invalid(`${rf}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%'));
      if (mu && ms && mu.value === 0 && ms.value === 0) {
        errs.push(fieldErr.invalid(`${rf}.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
      }
    }
  }
  return errs;
}

/** Selector present, non-empty, valid, and matching the template's labels. */
function validateSelectorAndTemplate(spec: Obj, field: string, kindWord: string): FieldError[] {
  const errs: FieldError[] = [];
  const sel = spec.selector;
  if (!isObj(sel)) {
    errs.push(fieldErr.required(`${field}.selector`));
  } else if (!isObj(sel.matchLabels) || Object.keys(sel.matchLabels).length === 0) {
    if (!Array.isArray(sel.matchExpressions) || sel.matchExpressions.length === 0) {
      errs.push(fieldErr.invalid(`${field}.selector`, sel, `empty selector is invalid for ${kindWord}`));
    }
  }
  if (isObj(sel)) errs.push(...validateLabelSelector(sel, `${field}.selector`));
  const template = spec.template;
  if (!isObj(template)) {
    errs.push(fieldErr.required(`${field}.template`));
    return errs;
  }
  const tf = `${field}.template`;
  const labels = isObj(template.metadata) ? template.metadata.labels : undefined;
  if (isObj(sel) && errs.length === 0) {
    try {
      const s = fromLabelSelector(sel as never);
      if (!s.empty() && !s.matches(labels ?? {})) {
        errs.push(fieldErr.invalid(`${tf}.metadata.labels`, labels ?? {}, '`selector` does not match template `labels`'));
      }
    } catch (e) {
      if (e instanceof LabelSelectorParseError) errs.push(fieldErr.invalid(`${field}.selector`, sel, e.message));
      else throw e;
    }
  }
  if (isObj(template.metadata)) {
    errs.push(...validateLabels(template.metadata.labels, `${tf}.metadata.labels`));
    errs.push(...validateAnnotations(template.metadata.annotations, `${tf}.metadata.annotations`));
  }
  errs.push(...validatePodSpec(template.spec, `${tf}.spec`));
  if (isObj(template.spec)) {
    const rp = template.spec.restartPolicy;
    if (rp !== undefined && rp !== 'Always') errs.push(fieldErr.notSupported(`${tf}.spec.restartPolicy`, rp, ['Always']));
    if (template.spec.activeDeadlineSeconds !== undefined && template.spec.activeDeadlineSeconds !== null) {
      errs.push(fieldErr.forbidden(`${tf}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kindWord === 'deployment' ? 'Deployment' : 'ReplicaSet'} is not Supported`));
    }
  }
  return errs;
}

function validateDeploymentSpec(spec: unknown, field = 'spec'): FieldError[] {
  if (!isObj(spec)) return [fieldErr.required(field)];
  const errs: FieldError[] = [];
  nonNegative(errs, `${field}.replicas`, spec.replicas);
  errs.push(...validateSelectorAndTemplate(spec, field, 'deployment'));
  errs.push(...validateDeploymentStrategy(spec.strategy, `${field}.strategy`));
  nonNegative(errs, `${field}.minReadySeconds`, spec.minReadySeconds);
  nonNegative(errs, `${field}.revisionHistoryLimit`, spec.revisionHistoryLimit);
  if (typeof spec.progressDeadlineSeconds === 'number') {
    nonNegative(errs, `${field}.progressDeadlineSeconds`, spec.progressDeadlineSeconds);
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(fieldErr.invalid(`${field}.progressDeadlineSeconds`, spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

function validateReplicaSetSpec(spec: unknown, field = 'spec'): FieldError[] {
  if (!isObj(spec)) return [fieldErr.required(field)];
  const errs: FieldError[] = [];
  nonNegative(errs, `${field}.replicas`, spec.replicas);
  nonNegative(errs, `${field}.minReadySeconds`, spec.minReadySeconds);
  errs.push(...validateSelectorAndTemplate(spec, field, 'replicaset'));
  return errs;
}

// ---- Service ----

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A dotted-quad IPv4 address without leading zeros (Skiff's service network is IPv4 only). */
export function isIPv4(s: unknown): s is string {
  return typeof s === 'string' && IPV4_RE.test(s);
}

/**
 * ValidateService's spec rules: ports 1–65535 with unique names (required once there are
 * several) and unique port+protocol, a targetPort that is a port number or an IANA name,
 * nodePorts only where the type has them, ExternalName with a DNS name and no cluster IP,
 * a clusterIP that is "None", empty or an IPv4 address (headless only for ClusterIP).
 * The node-port range and whether an IP is free are the allocator's to check.
 */
export function validateServiceSpec(spec: unknown, field = 'spec'): FieldError[] {
  if (!isObj(spec)) return [fieldErr.required(field)];
  const errs: FieldError[] = [];
  const type = spec.type ?? 'ClusterIP';
  const ports: unknown[] = Array.isArray(spec.ports) ? spec.ports : [];
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && type !== 'ExternalName' && !headless) errs.push(fieldErr.required(`${field}.ports`));
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((p, i) => {
    const pf = `${field}.ports[${i}]`;
    if (!isObj(p)) return;
    if (ports.length > 1 && !p.name) errs.push(fieldErr.required(`${pf}.name`));
    if (typeof p.name === 'string' && p.name) {
      for (const m of isDNS1123Label(p.name)) errs.push(fieldErr.invalid(`${pf}.name`, p.name, m));
      if (names.has(p.name)) errs.push(fieldErr.duplicate(`${pf}.name`, p.name));
      names.add(p.name);
    }
    if (typeof p.port === 'number' && (p.port < 1 || p.port > 65535)) errs.push(fieldErr.invalid(`${pf}.port`, p.port, 'must be between 1 and 65535, inclusive'));
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (keys.has(key)) errs.push(fieldErr.duplicate(pf, { port: p.port, protocol: p.protocol ?? 'TCP' }));
    keys.add(key);
    const tp = p.targetPort;
    if (typeof tp === 'number' && (tp < 1 || tp > 65535)) errs.push(fieldErr.invalid(`${pf}.targetPort`, tp, 'must be between 1 and 65535, inclusive'));
    if (typeof tp === 'string' && !/^\d+$/.test(tp) && (tp.length > 15 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(tp) || !/[a-z]/.test(tp) || tp.includes('--'))) {
      errs.push(fieldErr.invalid(`${pf}.targetPort`, tp, 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), at least one letter, no more than 15 characters'));
    }
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') errs.push(fieldErr.forbidden(`${pf}.nodePort`, 'may not be used when `type` is \'' + type + '\''));
      else if (typeof p.nodePort === 'number' && (p.nodePort < 1 || p.nodePort > 65535)) errs.push(fieldErr.invalid(`${pf}.nodePort`, p.nodePort, 'must be between 1 and 65535, inclusive'));
    }
  });
  const ip = spec.clusterIP;
  if (type === 'ExternalName') {
    if (ip) errs.push(fieldErr.forbidden(`${field}.clusterIP`, 'may not be set for ExternalName services'));
    if (!spec.externalName) errs.push(fieldErr.required(`${field}.externalName`));
    else for (const m of isDNS1123Subdomain(String(spec.externalName).replace(/\.$/, ''))) errs.push(fieldErr.invalid(`${field}.externalName`, spec.externalName, m));
  } else {
    if (spec.externalName) errs.push(fieldErr.forbidden(`${field}.externalName`, `may only be set when \`type\` is 'ExternalName'`));
    if (ip !== undefined && ip !== '' && ip !== 'None' && !isIPv4(ip)) errs.push(fieldErr.invalid(`${field}.clusterIP`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    if (headless && type !== 'ClusterIP') errs.push(fieldErr.invalid(`${field}.clusterIP`, ip, `may not be set to 'None' for ${type} services`));
    if (Array.isArray(spec.clusterIPs) && ip && spec.clusterIPs.length && spec.clusterIPs[0] !== ip) {
      errs.push(fieldErr.invalid(`${field}.clusterIPs`, spec.clusterIPs, 'must match `clusterIP` when set'));
    }
  }
  if (isObj(spec.selector)) {
    for (const [k, v] of Object.entries(spec.selector)) {
      for (const m of isQualifiedName(k)) errs.push(fieldErr.invalid(`${field}.selector`, k, m));
      if (typeof v === 'string') for (const m of isValidLabelValue(v)) errs.push(fieldErr.invalid(`${field}.selector`, v, m));
    }
  }
  return errs;
}

/**
 * ValidateServiceUpdate: a cluster IP, once allocated, stays — except that a service moving
 * to or from ExternalName gains or drops it, and "None" (headless) never changes.
 */
export function validateServiceSpecUpdate(spec: Obj, old: Obj, field = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  const toExternal = spec.type === 'ExternalName';
  const fromExternal = old.type === 'ExternalName';
  if (toExternal || fromExternal) return errs;
  const oldIP = old.clusterIP ?? '';
  const newIP = spec.clusterIP ?? '';
  if (oldIP !== newIP && !(newIP === '' && oldIP !== 'None')) errs.push(fieldErr.invalid(`${field}.clusterIP`, newIP, 'field is immutable'));
  return errs;
}

// ---- the entry point ----

/** Is `kind` cluster-scoped or namespaced (from the resource table; Scale and unknowns: namespaced)? */
function isNamespaced(kind: string): boolean {
  return resourceByKind(kind)?.namespaced ?? true;
}

/**
 * Validate an object of `kind` (after defaulting). With `old`, also the update rules
 * (immutable fields). Returns every problem found; empty means valid.
 */
export function validate(kind: string, obj: unknown, old?: unknown): FieldError[] {
  if (!isObj(obj)) return [fieldErr.invalid('<root>', obj, 'must be an object')];
  const info = resourceByKind(kind);
  const typeErrs = info ? schemaErrors(info.schema, obj) : [];
  const errs: FieldError[] = [];
  const nameFn = kind === 'Namespace' ? validateLabelName : kind === 'Service' ? validateServiceName : validateSubdomainName;
  errs.push(...validateObjectMeta(obj.metadata, { namespaced: isNamespaced(kind), nameFn }));
  switch (kind) {
    case 'Pod':
      errs.push(...validatePodSpec(obj.spec, 'spec'));
      break;
    case 'Deployment':
      errs.push(...validateDeploymentSpec(obj.spec));
      break;
    case 'ReplicaSet':
      errs.push(...validateReplicaSetSpec(obj.spec));
      break;
    case 'Namespace':
      if (isObj(obj.spec) && Array.isArray(obj.spec.finalizers)) {
        obj.spec.finalizers.forEach((f: unknown, i: number) => {
          if (typeof f === 'string') for (const m of isQualifiedName(f)) errs.push(fieldErr.invalid(`spec.finalizers[${i}]`, f, m));
        });
      }
      break;
    case 'Node':
      if (isObj(obj.spec) && Array.isArray(obj.spec.taints)) {
        const seen = new Set<string>();
        obj.spec.taints.forEach((t: Obj, i: number) => {
          const tf = `spec.taints[${i}]`;
          if (!t?.key) errs.push(fieldErr.required(`${tf}.key`));
          else for (const m of isQualifiedName(t.key)) errs.push(fieldErr.invalid(`${tf}.key`, t.key, m));
          if (typeof t?.value === 'string' && t.value) for (const m of isValidLabelValue(t.value)) errs.push(fieldErr.invalid(`${tf}.value`, t.value, m));
          const id = `${t?.key}:${t?.effect}`;
          if (seen.has(id)) errs.push(fieldErr.duplicate(tf, `${t?.key}:${t?.effect}`));
          seen.add(id);
        });
      }
      if (isObj(obj.status)) {
        for (const k of ['capacity', 'allocatable']) {
          const list = obj.status[k];
          if (isObj(list)) for (const [n, q] of Object.entries(list)) validateQuantityField(errs, `status.${k}[${n}]`, q);
        }
      }
      break;
    case 'Event': {
      const io = obj.involvedObject;
      const ns = obj.metadata?.namespace;
      if (isObj(io) && io.namespace && ns && io.namespace !== ns) {
        errs.push(fieldErr.invalid('involvedObject.namespace', io.namespace, 'does not match event.namespace'));
      }
      if (typeof obj.count === 'number' && obj.count < 0) errs.push(fieldErr.invalid('count', obj.count, 'must be greater than or equal to 0'));
      break;
    }
    case 'Lease':
      if (isObj(obj.spec)) {
        const d = obj.spec.leaseDurationSeconds;
        if (typeof d === 'number' && d <= 0) errs.push(fieldErr.invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
        nonNegative(errs, 'spec.leaseTransitions', obj.spec.leaseTransitions);
      }
      break;
    case 'Scale':
      if (isObj(obj.spec)) nonNegative(errs, 'spec.replicas', obj.spec.replicas);
      break;
    case 'Service':
      errs.push(...validateServiceSpec(obj.spec));
      break;
  }
  if (isObj(old)) errs.push(...validateUpdate(kind, obj, old));
  // A field with a type error gets that one error, not also the semantic ones after it.
  const typed = new Set(typeErrs.map((e) => e.field));
  return dedupe([...typeErrs, ...errs.filter((e) => !typed.has(e.field))]);
}

function validateUpdate(kind: string, obj: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (isObj(obj.metadata) && isObj(old.metadata)) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  switch (kind) {
    case 'Pod':
      if (isObj(obj.spec) && isObj(old.spec)) errs.push(...validatePodSpecUpdate(obj.spec, old.spec));
      break;
    case 'Deployment':
    case 'ReplicaSet':
      // apps/v1 selectors are immutable.
      if (isObj(obj.spec) && isObj(old.spec) && !deepEqual(obj.spec.selector, old.spec.selector)) {
        errs.push(fieldErr.invalid('spec.selector', obj.spec.selector ?? null, 'field is immutable'));
      }
      break;
    case 'Service':
      if (isObj(obj.spec) && isObj(old.spec)) errs.push(...validateServiceSpecUpdate(obj.spec, old.spec));
      break;
  }
  return errs;
}

function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.type}\0${e.field}\0${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---- strict field validation ----

/**
 * Every field in `value` that `schema` does not declare, as a path like
 * `spec.template.spec.containers[0].foo`, in document order. Used for `fieldValidation=Strict`.
 */
export function findUnknownFields(schema: z.ZodType, value: unknown, path: readonly PropertyKey[] = []): string[] {
  // A null or absent value has no fields, known or not; every case below yields [] for it.
  const def = defOf(unwrap(schema).schema);
  switch (def.type) {
    case 'object': {
      if (!isObj(value)) return [];
      const out: string[] = [];
      const shape = def.shape ?? {};
      const catchall = def.catchall && defOf(def.catchall).type !== 'never' ? def.catchall : undefined;
      for (const [k, v] of Object.entries(value)) {
        const field = shape[k];
        if (field) out.push(...findUnknownFields(field, v, [...path, k]));
        else if (catchall) out.push(...findUnknownFields(catchall, v, [...path, k]));
        else out.push(fieldPath([...path, k]));
      }
      return out;
    }
    case 'array':
      if (!Array.isArray(value)) return [];
      return value.flatMap((v, i) => findUnknownFields(def.element!, v, [...path, i]));
    case 'record':
      if (!isObj(value)) return [];
      return Object.entries(value).flatMap(([k, v]) => findUnknownFields(def.valueType!, v, [...path, k]));
    case 'union': {
      // Use the option that fits best: the first that parses, else the one with fewest unknowns.
      const options = def.options ?? [];
      let best: string[] | undefined;
      for (const o of options) {
        if (o.safeParse(value).success) return findUnknownFields(o, value, path);
      }
      for (const o of options) {
        const r = findUnknownFields(o, value, path);
        if (!best || r.length < best.length) best = r;
      }
      return best ?? [];
    }
    default:
      return [];
  }
}

/**
 * The 400 kube-apiserver answers under `fieldValidation=Strict`. With the kind, the message
 * has the apiserver's prefix: `Deployment in version "v1" cannot be handled as a Deployment:
 * strict decoding error: unknown field "spec.foo"`.
 */
export function strictDecodingError(unknownFields: string[], gvk?: { kind: string; version: string }): StatusError {
  const detail = `strict decoding error: ${unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`;
  return badRequest(gvk ? `${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: ${detail}` : detail);
}

/** Unknown fields of an object of `kind` (empty for kinds without a schema). */
export function unknownFieldsOf(kind: string, obj: unknown): string[] {
  const info = resourceByKind(kind);
  return info ? findUnknownFields(info.schema, obj) : [];
}
