// The replica calculator (Kubernetes' pkg/controller/podautoscaler/replica_calculator.go,
// v1.32), pure: the pods a target's selector matches, their measured usage and requests in,
// a replica count out. desired = ceil(ready pods × usage / target), left alone within the
// tolerance (10%). Pods are grouped first:
//   - deleted or Failed pods are ignored;
//   - Pending pods, and for cpu pods still in their initial readiness period (not Ready, or
//     measured before they became Ready), are "unready": left out of the ratio, and when the
//     ratio says scale up they are counted back in at 0% usage (they will soon take load);
//   - pods without a metric are "missing": counted back in at 100% of their request (or the
//     target, whichever is higher) when the ratio says scale down, at 0% when it says up —
//     so a missing metric never pushes a scale in the direction the others ask for.
// If counting them back in flips the direction or lands inside the tolerance, nothing changes.
// Values are in milli-units (millicores, milli-bytes) as the upstream controller keeps them.
import type { Pod } from '../../api/core/index.js';
import { milliValue } from '../../api/quantity.js';

export const DEFAULT_TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-cpu-initialization-period. */
export const DEFAULT_CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** --horizontal-pod-autoscaler-initial-readiness-delay. */
export const DEFAULT_INITIAL_READINESS_DELAY_MS = 30_000;

/** One pod's usage of the resource (the sum over its containers), as metrics.k8s.io reported it. */
export interface PodMetric {
  /** milli-units. */
  value: number;
  /** When it was measured (ms since epoch), and over how long a window. */
  timestamp: number;
  windowMs: number;
}

export type PodMetrics = ReadonlyMap<string, PodMetric>;

export interface CalculatorOptions {
  tolerance?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
}

export interface ReplicaCalculation {
  replicas: number;
  /** Utilization targets: the average utilization, percent of requests (before missing/unready pods were counted back in). */
  utilization?: number;
  /** The average usage per measured pod, in milli-units. */
  rawAverage: number;
  /** The newest metric's timestamp. */
  timestamp: number;
}

/** Why no replica count could be computed (the controller's FailedGetResourceMetric). */
export class ReplicaCalculationError extends Error {}

interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

const ms = (t: string | undefined | null) => (t ? Date.parse(t) : undefined);

/** groupPods. */
export function groupPods(pods: readonly Pod[], metrics: PodMetrics, resource: string, now: number, opts: CalculatorOptions = {}): PodGroups {
  const cpuInit = opts.cpuInitializationPeriodMs ?? DEFAULT_CPU_INITIALIZATION_PERIOD_MS;
  const readinessDelay = opts.initialReadinessDelayMs ?? DEFAULT_INITIAL_READINESS_DELAY_MS;
  const g: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name!;
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    // Pending pods are unready whatever the resource: they are not serving yet.
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      const start = ms(pod.status?.startTime);
      const transition = ms(ready?.lastTransitionTime) ?? 0;
      let unready: boolean;
      if (!ready || start === undefined) unready = true;
      else if (start + cpuInit > now) {
        // Still starting: its cpu burst is not load, unless the sample came after it was Ready.
        unready = ready.status === 'False' || metric.timestamp < transition + metric.windowMs;
      } else {
        // Past initialization: unready only if it never became Ready after its start-up delay.
        unready = ready.status === 'False' && start + readinessDelay > transition;
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/** calculatePodRequests: each pod's request (milli-units), summed over its containers; a container without one is an error. */
export function podRequests(pods: readonly Pod[], resource: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    const sidecars = (pod.spec.initContainers ?? []).filter((c) => (c as { restartPolicy?: string }).restartPolicy === 'Always');
    for (const c of [...pod.spec.containers, ...sidecars]) {
      const req = c.resources?.requests?.[resource];
      if (req === undefined) throw new ReplicaCalculationError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += milliValue(req);
    }
    out.set(pod.metadata.name!, sum);
  }
  return out;
}

/** GetResourceUtilizationRatio: usage/request of the measured pods, as a ratio to the target utilization. */
export function utilizationRatio(metrics: PodMetrics, requests: ReadonlyMap<string, number>, targetUtilization: number) {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [name, m] of metrics) {
    const req = requests.get(name);
    if (req === undefined) continue; // a metric for a pod we do not know
    metricsTotal += m.value;
    requestsTotal += req;
    entries++;
  }
  if (requestsTotal === 0) throw new ReplicaCalculationError('no metrics returned matched known pods');
  // Integer percent, as the upstream int64 arithmetic truncates it.
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / entries) };
}

/** GetMetricUsageRatio: the average usage per measured pod, as a ratio to the target average. */
export function usageRatio(metrics: PodMetrics, targetAverage: number) {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const average = Math.trunc(total / metrics.size);
  return { ratio: average / targetAverage, average };
}

function newestTimestamp(metrics: PodMetrics): number {
  let t = 0;
  for (const m of metrics.values()) t = Math.max(t, m.timestamp);
  return t;
}

interface Common {
  currentReplicas: number;
  resource: string;
  pods: readonly Pod[];
  metrics: PodMetrics;
  now: number;
  options?: CalculatorOptions;
}

/** The pods grouped, and the metrics that count (ignored and unready pods left out), as both calculations start. */
function countedMetrics(args: Common) {
  if (args.pods.length === 0) throw new ReplicaCalculationError('no pods returned by selector while calculating replica count');
  const metrics = new Map(args.metrics);
  const g = groupPods(args.pods, metrics, args.resource, args.now, args.options);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)');
  return { tolerance: args.options?.tolerance ?? DEFAULT_TOLERANCE, metrics, g };
}

/** GetResourceReplicas: a Utilization target (percent of the pods' requests). */
export function resourceReplicas(args: Common & { targetUtilization: number }): ReplicaCalculation {
  const { pods, currentReplicas, targetUtilization } = args;
  const { tolerance, metrics, g } = countedMetrics(args);
  const requests = podRequests(pods, args.resource);
  const timestamp = newestTimestamp(metrics);
  const first = utilizationRatio(metrics, requests, targetUtilization);
  const result = (replicas: number): ReplicaCalculation => ({ replicas, utilization: first.utilization, rawAverage: first.rawAverage, timestamp });

  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1.0 - first.ratio) <= tolerance) return result(currentReplicas);
    // Only the ready pods' share: the unready ones are not in the ratio and not about to change it.
    return result(Math.ceil(first.ratio * g.readyPodCount));
  }
  if (g.missing.size > 0) {
    // Scale-down: assume the missing pods use their request (or the target, if above 100%); scale-up: nothing.
    // Exactly at target, they are left out.
    const fallback = Math.max(100, targetUtilization);
    for (const n of g.missing) {
      if (first.ratio < 1.0) metrics.set(n, { value: Math.trunc(((requests.get(n) ?? 0) * fallback) / 100), timestamp, windowMs: 0 });
      else if (first.ratio > 1.0) metrics.set(n, { value: 0, timestamp, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, timestamp, windowMs: 0 });
  const second = utilizationRatio(metrics, requests, targetUtilization);
  if (Math.abs(1.0 - second.ratio) <= tolerance || (first.ratio < 1.0 && second.ratio > 1.0) || (first.ratio > 1.0 && second.ratio < 1.0)) {
    return result(currentReplicas);
  }
  const replicas = Math.ceil(second.ratio * metrics.size);
  if ((second.ratio < 1.0 && replicas > currentReplicas) || (second.ratio > 1.0 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}

/** GetRawResourceReplicas (calcPlainMetricReplicas): an AverageValue target (usage per pod). */
export function rawResourceReplicas(args: Common & { targetAverage: number }): ReplicaCalculation {
  const { currentReplicas, targetAverage } = args;
  const { tolerance, metrics, g } = countedMetrics(args);
  const timestamp = newestTimestamp(metrics);
  const first = usageRatio(metrics, targetAverage);
  const result = (replicas: number): ReplicaCalculation => ({ replicas, rawAverage: first.average, timestamp });

  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1.0 - first.ratio) <= tolerance) return result(currentReplicas);
    return result(Math.ceil(first.ratio * g.readyPodCount));
  }
  for (const n of g.missing) {
    if (first.ratio < 1.0) metrics.set(n, { value: targetAverage, timestamp, windowMs: 0 });
    else if (first.ratio > 1.0) metrics.set(n, { value: 0, timestamp, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, timestamp, windowMs: 0 });
  const second = usageRatio(metrics, targetAverage);
  if (Math.abs(1.0 - second.ratio) <= tolerance || (first.ratio < 1.0 && second.ratio > 1.0) || (first.ratio > 1.0 && second.ratio < 1.0)) {
    return result(currentReplicas);
  }
  const replicas = Math.ceil(second.ratio * metrics.size);
  if ((second.ratio < 1.0 && replicas > currentReplicas) || (second.ratio > 1.0 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}
