// core/v1 Pod validation of what a pod consumes from elsewhere: env[].valueFrom and envFrom
// (ConfigMaps, Secrets, the downward API, container resources) and the volume sources that
// project files (configMap, secret, downwardAPI, projected), with Kubernetes' field paths and
// messages (pkg/apis/core/validation: validateEnvVarValueFrom, validateEnvFrom,
// validateVolumeSource, validateKeyToPath, validateProjectionSources and their helpers).
import type { FieldError } from '../errors.js';
import { fieldErr } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { isConfigMapKey, isDNS1123Subdomain, isQualifiedName } from '../names.js';
import { compareQuantities, isQuantity } from '../quantity.js';

export const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const ENV_VAR_NAME_MSG = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";

/** The pod fields podshelper.ConvertDownwardAPIFieldLabel knows; anything else cannot be converted at all. */
const CONVERTIBLE_FIELD_PATHS = new Set([
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid',
  'spec.nodeName', 'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName',
  'status.phase', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
]);
/** validEnvDownwardAPIFieldPathExpressions (labels and annotations only with a subscript). */
export const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
/** validVolumeDownwardAPIFieldPathExpressions. */
export const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
/** validContainerResourceFieldPathExpressions. */
export const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];
const CPU_DIVISORS = ['1m', '1'];
const MEMORY_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];

/** `metadata.labels['app']` → path and subscript (fieldpath.SplitMaybeSubscriptedPath). */
export function splitSubscriptedPath(fieldPath: string): { path: string; subscript?: string } {
  const m = /^([^[]+)\['(.*)'\]$/.exec(fieldPath);
  return m ? { path: m[1]!, subscript: m[2]! } : { path: fieldPath };
}

function validName(errs: FieldError[], field: string, name: unknown): void {
  if (typeof name !== 'string') return;
  for (const m of isDNS1123Subdomain(name)) errs.push(fieldErr.invalid(field, name, m));
}

function validMode(errs: FieldError[], field: string, mode: unknown): void {
  if (typeof mode === 'number' && (mode < 0 || mode > 0o777)) errs.push(fieldErr.invalid(field, mode, FILE_MODE_ERROR));
}

/** validateLocalDescendingPath: relative, and no `..` element (a subPath, an item's path). */
export function validateLocalDescendingPath(path: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (path.startsWith('/')) errs.push(fieldErr.invalid(field, path, 'must be a relative path'));
  if (path.split('/').includes('..')) errs.push(fieldErr.invalid(field, path, "must not contain '..'"));
  return errs;
}

/** validateLocalNonReservedPath: also not starting with `..` — the kubelet's own `..data` lives there. */
export function validateLocalNonReservedPath(path: string, field: string): FieldError[] {
  const errs = validateLocalDescendingPath(path, field);
  if (path.length >= 2 && path.startsWith('..')) errs.push(fieldErr.invalid(field, path, "must not start with '..'"));
  return errs;
}

export function validateObjectFieldSelector(fs: Obj, expressions: string[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!fs.apiVersion) errs.push(fieldErr.required(`${field}.apiVersion`));
  if (!fs.fieldPath) {
    errs.push(fieldErr.required(`${field}.fieldPath`));
    return errs;
  }
  const fieldPath = String(fs.fieldPath);
  const { path, subscript } = splitSubscriptedPath(fieldPath);
  if (!CONVERTIBLE_FIELD_PATHS.has(path)) {
    errs.push(fieldErr.invalid(`${field}.fieldPath`, fieldPath, `error converting fieldPath: field label not supported: ${fieldPath}`));
  } else if (subscript !== undefined) {
    if (path === 'metadata.annotations' || path === 'metadata.labels') {
      for (const m of isQualifiedName(path === 'metadata.annotations' ? subscript.toLowerCase() : subscript)) errs.push(fieldErr.invalid(field, subscript, m));
    } else errs.push(fieldErr.invalid(field, path, 'does not support subscript'));
  } else if (!expressions.includes(path)) {
    errs.push(fieldErr.notSupported(`${field}.fieldPath`, path, expressions));
  }
  return errs;
}

export function validateContainerResourceFieldSelector(fs: Obj, field: string, volume: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (volume && !fs.containerName) errs.push(fieldErr.required(`${field}.containerName`));
  else if (!fs.resource) errs.push(fieldErr.required(`${field}.resource`));
  else if (!RESOURCE_FIELD_PATHS.includes(String(fs.resource))) errs.push(fieldErr.notSupported(`${field}.resource`, fs.resource, RESOURCE_FIELD_PATHS));
  const divisor = fs.divisor;
  if ((typeof divisor === 'string' || typeof divisor === 'number') && isQuantity(divisor) && compareQuantities(divisor, '0') !== 0 && typeof fs.resource === 'string') {
    const valid = fs.resource.endsWith('.cpu') ? CPU_DIVISORS : MEMORY_DIVISORS;
    if (!valid.some((v) => compareQuantities(divisor, v) === 0)) {
      const what = fs.resource.endsWith('.cpu') ? 'cpu' : fs.resource.endsWith('.memory') ? 'memory' : 'local ephemeral storage';
      errs.push(fieldErr.invalid(`${field}.divisor`, divisor, `only divisor's values ${valid.join(', ')} are supported with the ${what} resource`));
    }
  }
  return errs;
}

function validateKeySelector(s: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  validName(errs, `${field}.name`, s.name ?? '');
  if (!s.key) errs.push(fieldErr.required(`${field}.key`));
  else for (const m of isConfigMapKey(String(s.key))) errs.push(fieldErr.invalid(`${field}.key`, s.key, m));
  return errs;
}

/** validateEnvVarValueFrom: exactly one source, and none beside a non-empty `value`. */
export function validateEnvVarValueFrom(e: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const vf = e.valueFrom;
  if (!isObj(vf)) return errs;
  let n = 0;
  if (isObj(vf.fieldRef)) {
    n++;
    errs.push(...validateObjectFieldSelector(vf.fieldRef, ENV_FIELD_PATHS, `${field}.fieldRef`));
  }
  if (isObj(vf.resourceFieldRef)) {
    n++;
    errs.push(...validateContainerResourceFieldSelector(vf.resourceFieldRef, `${field}.resourceFieldRef`, false));
  }
  if (isObj(vf.configMapKeyRef)) {
    n++;
    errs.push(...validateKeySelector(vf.configMapKeyRef, `${field}.configMapKeyRef`));
  }
  if (isObj(vf.secretKeyRef)) {
    n++;
    errs.push(...validateKeySelector(vf.secretKeyRef, `${field}.secretKeyRef`));
  }
  if (n === 0) errs.push(fieldErr.invalid(field, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (typeof e.value === 'string' && e.value !== '') errs.push(fieldErr.invalid(field, '', 'may not be specified when `value` is not empty'));
  else if (n > 1) errs.push(fieldErr.invalid(field, '', 'may not have more than one field specified at a time'));
  return errs;
}

/** validateEnvFrom: a valid prefix, exactly one of configMapRef/secretRef per entry. */
export function validateEnvFrom(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(list)) return errs;
  list.forEach((ev: unknown, i: number) => {
    if (!isObj(ev)) return;
    const f = `${field}[${i}]`;
    if (typeof ev.prefix === 'string' && ev.prefix !== '' && !ENV_VAR_NAME.test(ev.prefix)) errs.push(fieldErr.invalid(`${f}.prefix`, ev.prefix, ENV_VAR_NAME_MSG));
    let n = 0;
    for (const k of ['configMapRef', 'secretRef']) {
      const ref = ev[k];
      if (!isObj(ref)) continue;
      n++;
      if (!ref.name) errs.push(fieldErr.required(`${f}.${k}.name`));
      else validName(errs, `${f}.${k}.name`, ref.name);
    }
    if (n === 0) errs.push(fieldErr.invalid(field, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(fieldErr.invalid(field, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

/** validateKeyToPath: a key, a relative non-reserved path, a mode in range. */
export function validateKeyToPath(kp: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!kp.key) errs.push(fieldErr.required(`${field}.key`));
  if (!kp.path) errs.push(fieldErr.required(`${field}.path`));
  else errs.push(...validateLocalNonReservedPath(String(kp.path), `${field}.path`));
  validMode(errs, `${field}.mode`, kp.mode);
  return errs;
}

function validateItems(items: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (Array.isArray(items)) items.forEach((kp: unknown, i: number) => isObj(kp) && errs.push(...validateKeyToPath(kp, `${field}[${i}]`)));
  return errs;
}

/** validateDownwardAPIVolumeFile. Kubernetes reports these at the volume's path, not the item's index. */
function validateDownwardAPIVolumeFile(file: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!file.path) errs.push(fieldErr.required(`${field}.path`));
  else errs.push(...validateLocalNonReservedPath(String(file.path), `${field}.path`));
  if (isObj(file.fieldRef)) {
    errs.push(...validateObjectFieldSelector(file.fieldRef, VOLUME_FIELD_PATHS, `${field}.fieldRef`));
    if (isObj(file.resourceFieldRef)) errs.push(fieldErr.invalid(field, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (isObj(file.resourceFieldRef)) {
    errs.push(...validateContainerResourceFieldSelector(file.resourceFieldRef, `${field}.resourceFieldRef`, true));
  } else errs.push(fieldErr.required(field, 'one of fieldRef and resourceFieldRef is required'));
  validMode(errs, `${field}.mode`, file.mode);
  return errs;
}

function validateProjectionSources(p: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(p.sources)) return errs;
  const paths = new Set<string>();
  const claim = (path: unknown, value: unknown) => {
    if (typeof path !== 'string' || path === '') return;
    if (paths.has(path)) errs.push(fieldErr.invalid(field, value, 'conflicting duplicate paths'));
    paths.add(path);
  };
  p.sources.forEach((src: unknown, i: number) => {
    if (!isObj(src)) return;
    const sf = `${field}.sources[${i}]`;
    let n = 0;
    for (const k of ['secret', 'configMap'] as const) {
      const s = src[k];
      if (!isObj(s)) continue;
      n++;
      if (!s.name) errs.push(fieldErr.required(`${sf}.${k}.name`));
      if (Array.isArray(s.items)) {
        s.items.forEach((kp: unknown, j: number) => {
          if (!isObj(kp)) return;
          errs.push(...validateKeyToPath(kp, `${sf}.${k}.items[${j}]`));
          claim(kp.path, s.name ?? '');
        });
      }
    }
    if (isObj(src.downwardAPI)) {
      n++;
      const items: unknown[] = Array.isArray(src.downwardAPI.items) ? src.downwardAPI.items : [];
      for (const file of items) {
        if (!isObj(file)) continue;
        errs.push(...validateDownwardAPIVolumeFile(file, `${sf}.downwardAPI`));
        claim(file.path, file.path);
      }
    }
    if (isObj(src.serviceAccountToken)) {
      n++;
      const t = src.serviceAccountToken;
      const tf = `${sf}.serviceAccountToken`;
      if (typeof t.expirationSeconds === 'number') {
        if (t.expirationSeconds < 600) errs.push(fieldErr.invalid(`${tf}.expirationSeconds`, t.expirationSeconds, 'may not specify a duration less than 10 minutes'));
        else if (t.expirationSeconds > 2 ** 32) errs.push(fieldErr.invalid(`${tf}.expirationSeconds`, t.expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
      }
      if (!t.path) errs.push(fieldErr.required(`${tf}.path`));
      else errs.push(...validateLocalNonReservedPath(String(t.path), `${tf}.path`));
      claim(t.path, t.path);
    }
    if (n > 1) errs.push(fieldErr.forbidden(sf, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

/** The volume types Skiff's pods know, in validateVolumeSource's order (the second one found is the one reported). */
const VOLUME_TYPES = ['hostPath', 'emptyDir', 'secret', 'persistentVolumeClaim', 'downwardAPI', 'configMap', 'projected'];

/** validateVolumeSource for one volume: exactly one type, and that type's own rules. */
export function validateVolumeSource(v: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const present = VOLUME_TYPES.filter((t) => v[t] !== undefined && v[t] !== null);
  if (present.length === 0) errs.push(fieldErr.required(field, 'must specify a volume type'));
  for (const t of present.slice(1)) errs.push(fieldErr.forbidden(`${field}.${t}`, 'may not specify more than 1 volume type'));
  if (isObj(v.configMap)) {
    const f = `${field}.configMap`;
    if (!v.configMap.name) errs.push(fieldErr.required(`${f}.name`));
    validMode(errs, `${f}.defaultMode`, v.configMap.defaultMode);
    errs.push(...validateItems(v.configMap.items, `${f}.items`));
  }
  if (isObj(v.secret)) {
    const f = `${field}.secret`;
    if (!v.secret.secretName) errs.push(fieldErr.required(`${f}.secretName`));
    validMode(errs, `${f}.defaultMode`, v.secret.defaultMode);
    errs.push(...validateItems(v.secret.items, `${f}.items`));
  }
  if (isObj(v.downwardAPI)) {
    const f = `${field}.downwardAPI`;
    validMode(errs, `${f}.defaultMode`, v.downwardAPI.defaultMode);
    if (Array.isArray(v.downwardAPI.items)) for (const file of v.downwardAPI.items) if (isObj(file)) errs.push(...validateDownwardAPIVolumeFile(file, f));
  }
  if (isObj(v.persistentVolumeClaim) && !v.persistentVolumeClaim.claimName) errs.push(fieldErr.required(`${field}.persistentVolumeClaim.claimName`));
  if (isObj(v.projected)) {
    const f = `${field}.projected`;
    validMode(errs, `${f}.defaultMode`, v.projected.defaultMode);
    errs.push(...validateProjectionSources(v.projected, f));
  }
  return errs;
}
