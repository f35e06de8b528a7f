// HorizontalPodAutoscaler validation (k8s.io/kubernetes/pkg/apis/autoscaling/validation,
// v1.32), in its words and at its field paths: the replica bounds, the target reference,
// each metric (only Resource metrics are served by Skiff: the others are refused as
// unsupported rather than accepted and never measured), the behavior's rules, and the status
// a controller writes. Whether the target kind has a scale subresource is the API server's
// question (apiserver/registry/horizontalpodautoscalers.ts): it needs the resource table.
import type { FieldError } from '../errors.js';
import { fieldErr, nonNegative } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { validatePathSegmentName } from '../meta-validation.js';
import { isQualifiedName } from '../names.js';
import { isQuantity, parseQuantity } from '../quantity.js';
import { MAX_PERIOD_SECONDS, MAX_STABILIZATION_WINDOW_SECONDS, SCALING_POLICY_SELECTS, SCALING_POLICY_TYPES, SUPPORTED_METRIC_SOURCE_TYPES } from './horizontalpodautoscaler.js';

/** minReplicas' lower bound without the HPAScaleToZero feature gate (off by default). */
const MIN_REPLICAS_LOWER_BOUND = 1;
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** ValidateCrossVersionObjectReference. */
export function validateCrossVersionObjectReference(ref: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const r: Obj = isObj(ref) ? ref : {};
  for (const f of ['kind', 'name'] as const) {
    if (!r[f]) errs.push(fieldErr.required(`${path}.${f}`));
    else if (typeof r[f] === 'string') for (const m of validatePathSegmentName(r[f], false)) errs.push(fieldErr.invalid(`${path}.${f}`, r[f], m));
  }
  return errs;
}

/** ValidateContainerResourceName: a standard resource name, or a domain-qualified one. */
function validateResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => fieldErr.invalid(path, name, m));
  if (!name.includes('/') && !STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
    errs.push(fieldErr.invalid(path, name, 'must be a standard resource for containers'));
  }
  return errs;
}

const positive = (v: unknown) => isQuantity(v) && parseQuantity(v as string).nanos > 0n;

/** validateMetricTarget. */
function validateMetricTarget(t: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!t.type) errs.push(fieldErr.required(`${path}.type`, 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(t.type)) errs.push(fieldErr.invalid(`${path}.type`, t.type ?? '', 'must be either Utilization, Value, or AverageValue'));
  if (t.value !== undefined && !positive(t.value)) errs.push(fieldErr.invalid(`${path}.value`, t.value, 'must be positive'));
  if (t.averageValue !== undefined && !positive(t.averageValue)) errs.push(fieldErr.invalid(`${path}.averageValue`, t.averageValue, 'must be positive'));
  if (typeof t.averageUtilization === 'number' && t.averageUtilization < 1) errs.push(fieldErr.invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  return errs;
}

/** validateResourceSource. */
function validateResourceSource(src: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!src.name) errs.push(fieldErr.required(`${path}.name`, 'must specify a resource name'));
  else if (typeof src.name === 'string') errs.push(...validateResourceName(src.name, `${path}.name`));
  const target: Obj = isObj(src.target) ? src.target : {};
  errs.push(...validateMetricTarget(target, `${path}.target`));
  if (target.averageUtilization === undefined && target.averageValue === undefined) {
    errs.push(fieldErr.required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
  }
  if (target.averageUtilization !== undefined && target.averageValue !== undefined) {
    errs.push(fieldErr.invalid(`${path}.target.averageValue`, target.averageValue, 'may not set both a target raw value and a target utilization'));
  }
  return errs;
}

/** validateMetricSpec: a known source type, and exactly its source populated. */
function validateMetricSpec(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec.type) {
    errs.push(fieldErr.required(`${path}.type`, 'must specify a metric source type'));
    return errs;
  }
  if (!(SUPPORTED_METRIC_SOURCE_TYPES as readonly string[]).includes(spec.type)) {
    errs.push(fieldErr.notSupported(`${path}.type`, spec.type, [...SUPPORTED_METRIC_SOURCE_TYPES]));
    return errs;
  }
  if (!isObj(spec.resource)) errs.push(fieldErr.required(`${path}.resource`, 'must populate information for the given metric source'));
  else errs.push(...validateResourceSource(spec.resource, `${path}.resource`));
  return errs;
}

/** validateScalingRules and validateScalingPolicy. */
function validateScalingRules(rules: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(rules)) return errs;
  const w = rules.stabilizationWindowSeconds;
  if (typeof w === 'number' && w < 0) errs.push(fieldErr.invalid(`${path}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (typeof w === 'number' && w > MAX_STABILIZATION_WINDOW_SECONDS) errs.push(fieldErr.invalid(`${path}.stabilizationWindowSeconds`, w, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  if (rules.selectPolicy !== undefined && !(SCALING_POLICY_SELECTS as readonly string[]).includes(rules.selectPolicy)) {
    errs.push(fieldErr.notSupported(`${path}.selectPolicy`, rules.selectPolicy, [...SCALING_POLICY_SELECTS]));
  }
  const policies = Array.isArray(rules.policies) ? rules.policies : [];
  if (policies.length === 0) errs.push(fieldErr.required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((p: Obj, i: number) => {
    const at = `${path}.policies[${i}]`;
    if (!(SCALING_POLICY_TYPES as readonly string[]).includes(p?.type)) errs.push(fieldErr.notSupported(`${at}.type`, p?.type ?? '', [...SCALING_POLICY_TYPES]));
    if (typeof p?.value === 'number' && p.value <= 0) errs.push(fieldErr.invalid(`${at}.value`, p.value, 'must be greater than zero'));
    if (typeof p?.periodSeconds === 'number' && p.periodSeconds <= 0) errs.push(fieldErr.invalid(`${at}.periodSeconds`, p.periodSeconds, 'must be greater than zero'));
    if (typeof p?.periodSeconds === 'number' && p.periodSeconds > MAX_PERIOD_SECONDS) errs.push(fieldErr.invalid(`${at}.periodSeconds`, p.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return errs;
}

/** ValidateHorizontalPodAutoscaler (after defaulting: minReplicas and metrics are set). */
export function validateHorizontalPodAutoscaler(hpa: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec: Obj = isObj(hpa.spec) ? hpa.spec : {};
  const min = spec.minReplicas;
  if (typeof min === 'number' && min < MIN_REPLICAS_LOWER_BOUND) errs.push(fieldErr.invalid('spec.minReplicas', min, `must be greater than or equal to ${MIN_REPLICAS_LOWER_BOUND}`));
  if (typeof spec.maxReplicas === 'number' && spec.maxReplicas < 1) errs.push(fieldErr.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than 0'));
  if (typeof min === 'number' && typeof spec.maxReplicas === 'number' && spec.maxReplicas < min) {
    errs.push(fieldErr.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  }
  errs.push(...validateCrossVersionObjectReference(spec.scaleTargetRef, 'spec.scaleTargetRef'));
  (Array.isArray(spec.metrics) ? spec.metrics : []).forEach((m: unknown, i: number) => errs.push(...validateMetricSpec(isObj(m) ? m : {}, `spec.metrics[${i}]`)));
  if (isObj(spec.behavior)) {
    errs.push(...validateScalingRules(spec.behavior.scaleUp, 'spec.behavior.scaleUp'));
    errs.push(...validateScalingRules(spec.behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}

/** ValidateHorizontalPodAutoscalerStatusUpdate. */
export function validateHorizontalPodAutoscalerStatusUpdate(hpa: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (isObj(hpa.status)) {
    nonNegative(errs, 'status.currentReplicas', hpa.status.currentReplicas);
    nonNegative(errs, 'status.desiredReplicas', hpa.status.desiredReplicas);
  }
  return errs;
}
