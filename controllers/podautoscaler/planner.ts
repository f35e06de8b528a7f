// One HPA sync decided (Kubernetes' reconcileAutoscaler and computeReplicasForMetrics,
// v1.32), pure: the HPA, its target's Scale (or why it could not be read), the target's pods
// and their PodMetrics, and the HPA's scaling history in; the rescale to write (if any), the
// status, events and the history to keep out. The controller does the reads and writes.
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerConditionType, HorizontalPodAutoscalerStatus, MetricSpec, MetricStatus, Scale } from '../../api/autoscaling/index.js';
import type { Pod } from '../../api/core/index.js';
import { parseSelector, type Selector } from '../../api/labels.js';
import { parseWindow, type PodMetrics as PodMetricsObject } from '../../api/metrics/index.js';
import { formatQuantity, milliValue, parseQuantity, quantityFromMilli } from '../../api/quantity.js';
import { normalizeDesiredReplicas, type Condition, type ScalingHistory } from './behavior.js';
import { rawResourceReplicas, ReplicaCalculationError, resourceReplicas, type CalculatorOptions, type PodMetric, type PodMetrics } from './replica-calculator.js';

export interface HPAEvent { type: 'Normal' | 'Warning'; reason: string; message: string }

export interface ReconcileOptions extends CalculatorOptions {
  downscaleStabilizationMs?: number;
}

export interface ReconcileInput {
  hpa: HorizontalPodAutoscaler;
  /** The target's scale, or the error reading it. */
  scale: { scale: Scale } | { error: string };
  /** The pods the scale's selector matches (from the controller's cache). */
  pods: readonly Pod[];
  /** The PodMetrics listed with that selector, or the error listing them. */
  podMetrics: { items: readonly PodMetricsObject[] } | { error: string };
  history: ScalingHistory;
  now: number;
  options?: ReconcileOptions;
}

export interface ReconcilePlan {
  /** Write this replica count to the target's scale. */
  rescale?: { currentReplicas: number; replicas: number; reason: string };
  /** The status to write (assuming the rescale, if any, succeeds). */
  status: HorizontalPodAutoscalerStatus;
  events: HPAEvent[];
  history: ScalingHistory;
}

/** The scale's selector, parsed; an error in the controller's words when it has none or it does not parse. */
export function scaleSelector(scale: Scale): { selector: Selector } | { error: string; reason: string; message: string; eventReason: string } {
  const s = scale.status?.selector;
  if (!s) return { error: 'selector is required', eventReason: 'SelectorRequired', reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector" };
  try {
    return { selector: parseSelector(s) };
  } catch (e) {
    const msg = `couldn't convert selector into a corresponding internal selector object: ${(e as Error).message}`;
    return { error: msg, eventReason: 'InvalidSelector', reason: 'InvalidSelector', message: msg };
  }
}

/** setConditionInList: lastTransitionTime moves only when the status does. */
export function setCondition(conds: HorizontalPodAutoscalerCondition[], type: HorizontalPodAutoscalerConditionType, c: Condition, now: number): HorizontalPodAutoscalerCondition[] {
  const out = conds.map((x) => ({ ...x }));
  let existing = out.find((x) => x.type === type);
  if (!existing) {
    existing = { type, status: c.status };
    out.push(existing);
  }
  if (existing.status !== c.status || !existing.lastTransitionTime) existing.lastTransitionTime = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  existing.status = c.status;
  existing.reason = c.reason;
  existing.message = c.message;
  return out;
}

/** The metrics client's GetResourceMetric: each pod's usage summed over its containers; a pod missing the resource in any container is left out. */
export function podResourceMetrics(items: readonly PodMetricsObject[], resource: string): PodMetrics {
  const out = new Map<string, PodMetric>();
  for (const m of items) {
    let sum = 0;
    let missing = m.containers.length === 0;
    for (const c of m.containers) {
      const v = c.usage[resource];
      if (v === undefined) { missing = true; break; }
      sum += milliValue(v);
    }
    if (!missing) out.set(m.metadata.name!, { value: sum, timestamp: Date.parse(m.timestamp), windowMs: parseWindow(m.window) ?? 0 });
  }
  return out;
}

const milliQuantity = (milli: number) => formatQuantity(quantityFromMilli(BigInt(Math.trunc(milli))));

interface MetricProposal { replicas: number; metricName: string; status: MetricStatus }

/** computeStatusForResourceMetric: one Resource metric's proposal, or the error in the controller's words. */
function resourceMetricProposal(spec: MetricSpec, input: ReconcileInput, currentReplicas: number): MetricProposal {
  const r = spec.resource;
  if (spec.type !== 'Resource' || !r) throw new ReplicaCalculationError(`unsupported metric source type "${spec.type}"`);
  const common = { currentReplicas, resource: r.name, pods: input.pods, now: input.now, options: input.options };
  const metricsFor = (what: string) => {
    if ('error' in input.podMetrics) throw new ReplicaCalculationError(`failed to get ${r.name} ${what}: unable to get metrics for resource ${r.name}: ${input.podMetrics.error}`);
    if (input.podMetrics.items.length === 0) throw new ReplicaCalculationError(`failed to get ${r.name} ${what}: unable to get metrics for resource ${r.name}: no metrics returned from resource metrics API`);
    return podResourceMetrics(input.podMetrics.items, r.name);
  };
  const wrap = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ReplicaCalculationError && !e.message.startsWith('failed to get')) throw new ReplicaCalculationError(`failed to get ${r.name} ${what}: ${e.message}`);
      throw e;
    }
  };
  if (r.target.averageValue !== undefined) {
    const target = milliValue(parseQuantity(r.target.averageValue));
    const calc = wrap('usage', () => rawResourceReplicas({ ...common, metrics: metricsFor('usage'), targetAverage: target }));
    return { replicas: calc.replicas, metricName: `${r.name} resource`, status: { type: 'Resource', resource: { name: r.name, current: { averageValue: milliQuantity(calc.rawAverage) } } } };
  }
  if (r.target.averageUtilization === undefined) {
    throw new ReplicaCalculationError('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
  }
  const target = r.target.averageUtilization;
  const calc = wrap('utilization', () => resourceReplicas({ ...common, metrics: metricsFor('utilization'), targetUtilization: target }));
  return {
    replicas: calc.replicas, metricName: `${r.name} resource utilization (percentage of request)`,
    status: { type: 'Resource', resource: { name: r.name, current: { averageUtilization: calc.utilization!, averageValue: milliQuantity(calc.rawAverage) } } },
  };
}

/** reconcileAutoscaler. */
export function reconcileAutoscaler(input: ReconcileInput): ReconcilePlan {
  const { hpa, now } = input;
  const events: HPAEvent[] = [];
  const prev = hpa.status ?? { desiredReplicas: 0 };
  let conditions = prev.conditions ?? [];
  const set = (type: HorizontalPodAutoscalerConditionType, c: Condition) => { conditions = setCondition(conditions, type, c, now); };
  const statusOf = (currentReplicas: number, desiredReplicas: number, currentMetrics: MetricStatus[] | undefined, rescaled: boolean): HorizontalPodAutoscalerStatus => ({
    ...(rescaled ? { lastScaleTime: new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z') } : prev.lastScaleTime ? { lastScaleTime: prev.lastScaleTime } : {}),
    ...(currentReplicas ? { currentReplicas } : {}),
    desiredReplicas,
    ...(currentMetrics?.length ? { currentMetrics } : {}),
    conditions,
  });

  if ('error' in input.scale) {
    events.push({ type: 'Warning', reason: 'FailedGetScale', message: input.scale.error });
    set('AbleToScale', { status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${input.scale.error}` });
    return { status: { ...prev, conditions }, events, history: input.history };
  }
  const scale = input.scale.scale;
  set('AbleToScale', { status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" });
  const currentReplicas = scale.spec?.replicas ?? 0;
  const minReplicas = hpa.spec.minReplicas ?? 1;
  const maxReplicas = hpa.spec.maxReplicas;
  let history = input.history;
  let desiredReplicas = 0;
  let rescaleReason = '';
  let rescale = true;
  let metricStatuses: MetricStatus[] | undefined;

  if (currentReplicas === 0 && minReplicas !== 0) {
    // Someone scaled the target to zero by hand: autoscaling is off until they scale it back.
    rescale = false;
    set('ScalingActive', { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
  } else if (currentReplicas > maxReplicas) {
    rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    desiredReplicas = maxReplicas;
  } else if (currentReplicas < minReplicas) {
    rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    desiredReplicas = minReplicas;
  } else {
    // computeReplicasForMetrics
    const sel = scaleSelector(scale);
    if ('error' in sel) {
      events.push({ type: 'Warning', reason: sel.eventReason, message: sel.error });
      set('ScalingActive', { status: 'False', reason: sel.reason, message: sel.message });
      events.push({ type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: sel.error });
      return { status: statusOf(currentReplicas, prev.desiredReplicas, undefined, false), events, history };
    }
    const specs = hpa.spec.metrics ?? [];
    const statuses: MetricStatus[] = specs.map(() => ({ type: '' }));
    let replicas = 0;
    let metricName = '';
    let invalid = 0;
    let firstError: { reason: string; message: string; error: string } | undefined;
    specs.forEach((spec, i) => {
      try {
        const p = resourceMetricProposal(spec, input, currentReplicas);
        statuses[i] = p.status;
        if (replicas === 0 || p.replicas > replicas) [replicas, metricName] = [p.replicas, p.metricName];
      } catch (e) {
        if (!(e instanceof ReplicaCalculationError)) throw e;
        // getUnableComputeReplicaCountCondition
        events.push({ type: 'Warning', reason: 'FailedGetResourceMetric', message: e.message });
        firstError ??= { reason: 'FailedGetResourceMetric', message: `the HPA was unable to compute the replica count: ${e.message}`, error: e.message };
        invalid++;
      }
    });
    metricStatuses = statuses;
    // A metric we cannot read never lets the others scale down (it might be the one that is high).
    if (firstError && (invalid >= specs.length || replicas < currentReplicas)) {
      set('ScalingActive', { status: 'False', reason: firstError.reason, message: firstError.message });
      events.push({ type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError.error}` });
      return { status: statusOf(currentReplicas, prev.desiredReplicas, statuses, false), events, history };
    }
    set('ScalingActive', { status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${metricName}` });
    desiredReplicas = replicas;
    if (desiredReplicas > currentReplicas) rescaleReason = `${metricName} above target`;
    if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
    const n = normalizeDesiredReplicas({
      behavior: hpa.spec.behavior, history, currentReplicas, desiredReplicas, minReplicas, maxReplicas, now,
      ...(input.options?.downscaleStabilizationMs !== undefined ? { downscaleStabilizationMs: input.options.downscaleStabilizationMs } : {}),
    });
    history = { ...history, recommendations: n.recommendations };
    set('AbleToScale', n.ableToScale);
    set('ScalingLimited', n.scalingLimited);
    desiredReplicas = n.desiredReplicas;
    rescale = desiredReplicas !== currentReplicas;
  }

  if (!rescale) desiredReplicas = currentReplicas;
  const plan: ReconcilePlan = { status: statusOf(currentReplicas, desiredReplicas, metricStatuses, rescale), events, history };
  if (rescale) {
    set('AbleToScale', { status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desiredReplicas}` });
    plan.status = statusOf(currentReplicas, desiredReplicas, metricStatuses, true);
    plan.rescale = { currentReplicas, replicas: desiredReplicas, reason: rescaleReason };
    events.push({ type: 'Normal', reason: 'SuccessfulRescale', message: `New size: ${desiredReplicas}; reason: ${rescaleReason}` });
  }
  return plan;
}

/** The rescale write failed: what the status and events say instead (AbleToScale False FailedUpdateScale). */
export function rescaleFailed(hpa: HorizontalPodAutoscaler, plan: ReconcilePlan, error: string, now: number): { status: HorizontalPodAutoscalerStatus; events: HPAEvent[] } {
  const r = plan.rescale!;
  const conditions = setCondition(plan.status.conditions ?? [], 'AbleToScale', { status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${error}` }, now);
  const { lastScaleTime: _new, ...rest } = plan.status;
  return {
    status: { ...rest, ...(hpa.status?.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}), desiredReplicas: hpa.status?.desiredReplicas ?? 0, conditions },
    events: [
      ...plan.events.filter((e) => e.reason !== 'SuccessfulRescale'),
      { type: 'Warning', reason: 'FailedRescale', message: `New size: ${r.replicas}; reason: ${r.reason}; error: ${error}` },
    ],
  };
}
