// apps/v1 validation: selectors that match their template, rolling-update bounds, and the
// immutable selector on update.
import type { FieldError } from '../errors.js';
import { fieldErr, nonNegative } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { fromLabelSelector, LabelSelectorParseError } from '../labels.js';
import { validateAnnotations, validateLabels, validateLabelSelector } from '../meta-validation.js';
import { deepEqual } from '../patch/merge.js';
import { validatePodSpec } from '../core/pod-validation.js';
import { validatePersistentVolumeClaim } from '../core/persistentvolume.js';
import { isDNS1123Label } from '../names.js';
import { UpdateStrategyType } from './daemonset.js';

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
export function validateSelectorAndTemplate(spec: Obj, field: string, kindWord: string): FieldError[] {
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
      const kind = ({ deployment: 'Deployment', daemonset: 'DaemonSet', statefulset: 'StatefulSet' } as Record<string, string>)[kindWord] ?? 'ReplicaSet';
      errs.push(fieldErr.forbidden(`${tf}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kind} is not Supported`));
    }
  }
  return errs;
}

export function validateDeploymentSpec(spec: unknown, field = 'spec'): FieldError[] {
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

export function validateReplicaSetSpec(spec: unknown, field = 'spec'): FieldError[] {
  if (!isObj(spec)) return [fieldErr.required(field)];
  const errs: FieldError[] = [];
  nonNegative(errs, `${field}.replicas`, spec.replicas);
  nonNegative(errs, `${field}.minReadySeconds`, spec.minReadySeconds);
  errs.push(...validateSelectorAndTemplate(spec, field, 'replicaset'));
  return errs;
}

/** apps/v1 selectors are immutable. */
export function validateSelectorUpdate(obj: Obj, old: Obj): FieldError[] {
  if (isObj(obj.spec) && isObj(old.spec) && !deepEqual(obj.spec.selector, old.spec.selector)) {
    return [fieldErr.invalid('spec.selector', obj.spec.selector ?? null, 'field is immutable')];
  }
  return [];
}

/** ValidateDaemonSetSpec: selector and template, the update strategy, non-negative counts. */
/** A DaemonSet's or StatefulSet's updateStrategy.type: required, RollingUpdate or OnDelete. */
function validateUpdateStrategyType(type: unknown, field: string): FieldError[] {
  if (UpdateStrategyType.safeParse(type).success) return [];
  return [type ? fieldErr.notSupported(field, type, [...UpdateStrategyType.options].sort()) : fieldErr.required(field)];
}

export function validateDaemonSetSpec(spec: unknown, field = 'spec'): FieldError[] {
  if (!isObj(spec)) return [fieldErr.required(field)];
  const errs: FieldError[] = [];
  errs.push(...validateSelectorAndTemplate(spec, field, 'daemonset'));
  nonNegative(errs, `${field}.minReadySeconds`, spec.minReadySeconds);
  nonNegative(errs, `${field}.revisionHistoryLimit`, spec.revisionHistoryLimit);
  const strategy = spec.updateStrategy;
  const sf = `${field}.updateStrategy`;
  if (!isObj(strategy)) return errs;
  errs.push(...validateUpdateStrategyType(strategy.type, `${sf}.type`));
  if (strategy.type === 'RollingUpdate') {
    const ru = strategy.rollingUpdate;
    if (!isObj(ru)) {
      errs.push(fieldErr.required(`${sf}.rollingUpdate`));
      return errs;
    }
    const rf = `${sf}.rollingUpdate`;
    errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${rf}.maxUnavailable`));
    errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${rf}.maxSurge`));
    const mu = intOrPercentValue(ru.maxUnavailable);
    const ms = intOrPercentValue(ru.maxSurge);
    if (mu?.percent && mu.value > 100) errs.push(fieldErr.invalid(`${rf}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%'));
    if (ms?.percent && ms.value > 100) errs.push(fieldErr.invalid(`${rf}.maxSurge`, ru.maxSurge, 'must not be greater than 100%'));
    const hasUnavailable = (mu?.value ?? 0) !== 0;
    const hasSurge = (ms?.value ?? 0) !== 0;
    if (hasUnavailable && hasSurge) errs.push(fieldErr.invalid(`${rf}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
    if (!hasUnavailable && !hasSurge) errs.push(fieldErr.required(`${rf}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  }
  return errs;
}

/** ValidateControllerRevision: a non-negative revision; data and revision never change. */
export function validateControllerRevision(cr: Obj): FieldError[] {
  const errs: FieldError[] = [];
  nonNegative(errs, 'revision', cr.revision);
  return errs;
}

export function validateControllerRevisionUpdate(cr: Obj, old: Obj): FieldError[] {
  return deepEqual(cr.data ?? null, old.data ?? null) ? [] : [fieldErr.invalid('data', '', 'field is immutable')];
}

const RETENTION = ['Retain', 'Delete'];

/**
 * ValidateStatefulSetSpec: a governing Service name, the selector matching the template, the
 * pod management policy, the update strategy (partition ≥ 0; maxUnavailable ≥ 1 or a percent
 * ≤ 100%), the claim retention policy, and each volumeClaimTemplate as a claim.
 */
export function validateStatefulSetSpec(spec: unknown, field = 'spec'): FieldError[] {
  if (!isObj(spec)) return [fieldErr.required(field)];
  const errs: FieldError[] = [];
  if (typeof spec.serviceName !== 'string' || spec.serviceName === '') errs.push(fieldErr.required(`${field}.serviceName`));
  else for (const m of isDNS1123Label(spec.serviceName)) errs.push(fieldErr.invalid(`${field}.serviceName`, spec.serviceName, m));
  const policy = spec.podManagementPolicy;
  if (policy !== undefined && policy !== 'OrderedReady' && policy !== 'Parallel') {
    errs.push(fieldErr.notSupported(`${field}.podManagementPolicy`, policy, ['OrderedReady', 'Parallel']));
  }
  const strategy = spec.updateStrategy;
  const sf = `${field}.updateStrategy`;
  if (isObj(strategy)) {
    const typeErrs = validateUpdateStrategyType(strategy.type, `${sf}.type`);
    if (typeErrs.length > 0) {
      errs.push(...typeErrs);
    } else if (strategy.type === 'OnDelete' && strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
      errs.push(fieldErr.invalid(`${sf}.rollingUpdate`, strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
    }
    const ru = strategy.rollingUpdate;
    if (strategy.type === 'RollingUpdate' && isObj(ru)) {
      const rf = `${sf}.rollingUpdate`;
      nonNegative(errs, `${rf}.partition`, ru.partition);
      if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
        errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${rf}.maxUnavailable`));
        const mu = intOrPercentValue(ru.maxUnavailable);
        if (mu?.percent && mu.value > 100) errs.push(fieldErr.invalid(`${rf}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%'));
        if (mu && mu.value === 0) errs.push(fieldErr.invalid(`${rf}.maxUnavailable`, ru.maxUnavailable, 'must be greater than 0'));
      }
    }
  }
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (isObj(retention)) {
    const rf = `${field}.persistentVolumeClaimRetentionPolicy`;
    for (const k of ['whenDeleted', 'whenScaled']) {
      if (retention[k] !== undefined && !RETENTION.includes(retention[k] as string)) errs.push(fieldErr.notSupported(`${rf}.${k}`, retention[k], RETENTION));
    }
  }
  if (isObj(spec.ordinals)) nonNegative(errs, `${field}.ordinals.start`, spec.ordinals.start);
  nonNegative(errs, `${field}.replicas`, spec.replicas);
  nonNegative(errs, `${field}.minReadySeconds`, spec.minReadySeconds);
  nonNegative(errs, `${field}.revisionHistoryLimit`, spec.revisionHistoryLimit);
  const templates = Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : [];
  // The pod is judged with the volumes it will have: the claim templates' (Kubernetes skips
  // the pod spec here for that reason; checking the union catches more).
  errs.push(...validateSelectorAndTemplate(withClaimVolumes(spec, templates), field, 'statefulset'));
  const seen = new Set<string>();
  templates.forEach((t, i) => {
    const tf = `${field}.volumeClaimTemplates[${i}]`;
    if (!isObj(t)) return;
    const name = isObj(t.metadata) ? t.metadata.name : undefined;
    if (typeof name !== 'string' || name === '') errs.push(fieldErr.required(`${tf}.metadata.name`));
    else if (seen.has(name)) errs.push(fieldErr.duplicate(`${tf}.metadata.name`, name));
    else seen.add(name);
    for (const e of validatePersistentVolumeClaim(t)) errs.push({ ...e, field: `${tf}.${e.field}` });
  });
  return errs;
}

function withClaimVolumes(spec: Obj, templates: unknown[]): Obj {
  if (!isObj(spec.template) || !isObj(spec.template.spec)) return spec;
  const volumes: unknown[] = Array.isArray(spec.template.spec.volumes) ? spec.template.spec.volumes : [];
  const named = new Set(volumes.map((v) => (isObj(v) ? v.name : undefined)));
  const claims = templates.flatMap((t) => {
    const name = isObj(t) && isObj(t.metadata) ? t.metadata.name : undefined;
    return typeof name === 'string' && name && !named.has(name) ? [{ name, persistentVolumeClaim: { claimName: name } }] : [];
  });
  if (claims.length === 0) return spec;
  return { ...spec, template: { ...spec.template, spec: { ...spec.template.spec, volumes: [...claims, ...volumes] } } };
}

/** What a StatefulSet update may change (ValidateStatefulSetUpdate, v1.32); the rest of spec is fixed. */
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'revisionHistoryLimit'];

export function validateStatefulSetUpdate(obj: Obj, old: Obj): FieldError[] {
  if (!isObj(obj.spec) || !isObj(old.spec)) return [];
  const fixed = (spec: Obj) => Object.fromEntries(Object.entries(spec).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)));
  if (!deepEqual(fixed(obj.spec), fixed(old.spec))) {
    return [fieldErr.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
  }
  return [];
}
