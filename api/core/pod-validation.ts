// core/v1 Pod validation (ValidatePodSpec, ValidatePodUpdate): containers, ports, env,
// volumes and mounts, resources, probes, tolerations, topology spread; and the rule that a
// running pod's spec changes only in its images, deadline and toleration additions.
import type { FieldError } from '../errors.js';
import { fieldErr, nonNegative, validateQuantityField } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { validateLabels, validateLabelSelector } from '../meta-validation.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../names.js';
import { imageReferenceProblem } from '../image-reference.js';
import { compareQuantities } from '../quantity.js';
import { deepEqual } from '../patch/merge.js';
import { validateEnvFrom, validateEnvVarValueFrom, validateLocalDescendingPath, validateVolumeSource } from './pod-source-validation.js';

const PORT_MAX = 65535;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

const MAX_DNS_NAMESERVERS = 3;
const MAX_DNS_SEARCH_PATHS = 32;
const MAX_DNS_SEARCH_LIST_CHARS = 2048;

/** An IPv4 dotted quad or an IPv6 address (the WHATWG URL parser is the IPv6 grammar). */
function isIP(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s)) return true;
  if (!s.includes(':')) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.startsWith('[');
  } catch {
    return false;
  }
}

/** validatePodDNSConfig: None needs a nameserver; at most 3 nameservers, 32 searches, 2048 characters of them. */
function validatePodDNSConfig(cfg: unknown, policy: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (policy === 'None' && !isObj(cfg)) return [fieldErr.required(field, 'must provide `dnsConfig` when `dnsPolicy` is None')];
  if (!isObj(cfg)) return errs;
  const ns: unknown[] = Array.isArray(cfg.nameservers) ? cfg.nameservers : [];
  if (policy === 'None' && ns.length === 0) errs.push(fieldErr.required(`${field}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  if (ns.length > MAX_DNS_NAMESERVERS) errs.push(fieldErr.invalid(`${field}.nameservers`, ns, `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`));
  ns.forEach((n, i) => { if (!isIP(n)) errs.push(fieldErr.invalid(`${field}.nameservers[${i}]`, n, 'must be valid IP address')); });
  const searches: unknown[] = Array.isArray(cfg.searches) ? cfg.searches : [];
  if (searches.length > MAX_DNS_SEARCH_PATHS) errs.push(fieldErr.invalid(`${field}.searches`, searches, `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`));
  if (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) errs.push(fieldErr.invalid(`${field}.searches`, searches, `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`));
  searches.forEach((s, i) => {
    if (typeof s !== 'string') return;
    for (const m of isDNS1123Subdomain(s.replace(/\.$/, ''))) errs.push(fieldErr.invalid(`${field}.searches[${i}]`, s, m));
  });
  const options: unknown[] = Array.isArray(cfg.options) ? cfg.options : [];
  options.forEach((o, i) => { if (isObj(o) && !o.name) errs.push(fieldErr.required(`${field}.options[${i}]`, 'Option.Name must not be empty')); });
  return errs;
}

function validateHostAliases(aliases: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(aliases)) return errs;
  aliases.forEach((a, i) => {
    if (!isObj(a)) return;
    if (!isIP(a.ip)) errs.push(fieldErr.invalid(`${field}[${i}].ip`, a.ip, 'must be valid IP address'));
    (Array.isArray(a.hostnames) ? a.hostnames : []).forEach((h: unknown, j: number) => {
      if (typeof h === 'string') for (const m of isDNS1123Subdomain(h)) errs.push(fieldErr.invalid(`${field}[${i}].hostnames[${j}]`, h, m));
    });
  });
  return errs;
}

function portRangeErr(field: string, v: unknown): FieldError | undefined {
  if (typeof v !== 'number') return undefined;
  if (v < 1 || v > PORT_MAX) return fieldErr.invalid(field, v, `must be between 1 and ${PORT_MAX}, inclusive`);
  return undefined;
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
  else if (typeof c.image === 'string') {
    // Further than Kubernetes (which checks only for blanks): a reference no kubelet could ever
    // pull would only surface later as InvalidImageName on a node.
    const problem = imageReferenceProblem(c.image);
    if (problem) errs.push(fieldErr.invalid(`${field}.image`, c.image, `must be a valid image reference (${problem})`));
  }
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
      if (isObj(e)) errs.push(...validateEnvVarValueFrom(e, `${ef}.valueFrom`));
    });
  }
  errs.push(...validateEnvFrom(c.envFrom, `${field}.envFrom`));
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
      if (typeof m?.subPath === 'string' && m.subPath !== '') errs.push(...validateLocalDescendingPath(m.subPath, `${mf}.subPath`));
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
      if (isObj(v)) errs.push(...validateVolumeSource(v, vf));
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
  errs.push(...validatePodDNSConfig(spec.dnsConfig, spec.dnsPolicy, `${field}.dnsConfig`), ...validateHostAliases(spec.hostAliases, `${field}.hostAliases`));
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


const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);

/**
 * ValidatePodStatusUpdate's history rules: a container that terminated stays terminated unless
 * the pod's restartPolicy restarts it (ValidateContainerStateTransition), and — Skiff's own,
 * as the kubelet's status manager guarantees in Kubernetes — a pod that reached Succeeded or
 * Failed never goes back to a non-terminal phase, whoever writes its status.
 */
export function validatePodStatusUpdate(pod: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const oldPhase = old.status?.phase;
  const newPhase = pod.status?.phase;
  if (TERMINAL_PHASES.has(oldPhase) && newPhase !== oldPhase) {
    errs.push(fieldErr.forbidden('status.phase', `may not be transitioned from the terminal phase ${oldPhase} to ${newPhase ? newPhase : 'no phase'}`));
  }
  const restartPolicy = old.spec?.restartPolicy ?? 'Always';
  if (restartPolicy === 'Always') return errs;
  const transitions = (list: string, field: string) => {
    const olds: Obj[] = Array.isArray(old.status?.[list]) ? old.status[list] : [];
    const news: Obj[] = Array.isArray(pod.status?.[list]) ? pod.status[list] : [];
    olds.forEach((o, i) => {
      const term = o?.state?.terminated;
      if (!isObj(term)) return;
      if (term.exitCode !== 0 && restartPolicy === 'OnFailure') return;
      if (news.some((n) => n?.name === o.name && !isObj(n?.state?.terminated))) {
        errs.push(fieldErr.forbidden(`status.${field}[${i}].state`, 'may not be transitioned to non-terminated state'));
      }
    });
  };
  transitions('containerStatuses', 'containerStatuses');
  transitions('initContainerStatuses', 'initContainerStatuses');
  return errs;
}
