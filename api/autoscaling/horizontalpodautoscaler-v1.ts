// autoscaling/v1 HorizontalPodAutoscaler: the older view of the same stored objects (what
// kubectl 1.32's `autoscale` still POSTs). Only a cpu utilization target fits its spec; as
// Kubernetes' v1 conversion does, everything else the v2 object holds — other metrics, the
// behavior, the conditions, other current metrics — rides in `autoscaling.alpha.kubernetes.io/*`
// annotations, so a v1 read-modify-write loses nothing. (Kubernetes writes those annotations
// in v2beta1-era shapes; Skiff writes the v2 shapes.)
import { z } from 'zod';
import { ObjectMeta, Time, typeMeta } from '../meta.js';
import { isObj, type Obj } from '../json-object.js';
import { CrossVersionObjectReference, type HorizontalPodAutoscaler, type MetricSpec, type MetricStatus } from './horizontalpodautoscaler.js';

export const HorizontalPodAutoscalerSpecV1 = z.object({
  scaleTargetRef: CrossVersionObjectReference,
  minReplicas: z.number().int().optional(),
  maxReplicas: z.number().int(),
  targetCPUUtilizationPercentage: z.number().int().optional(),
});

export const HorizontalPodAutoscalerStatusV1 = z.object({
  observedGeneration: z.number().int().optional(),
  lastScaleTime: Time.optional(),
  currentReplicas: z.number().int(),
  desiredReplicas: z.number().int(),
  currentCPUUtilizationPercentage: z.number().int().optional(),
});

export const HorizontalPodAutoscalerV1 = z.object({
  ...typeMeta('autoscaling/v1', 'HorizontalPodAutoscaler'),
  metadata: ObjectMeta,
  spec: HorizontalPodAutoscalerSpecV1,
  status: HorizontalPodAutoscalerStatusV1.optional(),
});
export type HorizontalPodAutoscalerV1 = z.infer<typeof HorizontalPodAutoscalerV1>;

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const CARRIED = [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

const isCpuUtilization = (m: MetricSpec) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.type === 'Utilization';
const isCpuStatus = (m: MetricStatus) => m.type === 'Resource' && m.resource?.name === 'cpu';

/** v2 → v1 (Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler). */
export function hpaToV1(hpa: HorizontalPodAutoscaler): HorizontalPodAutoscalerV1 {
  const annotations: Record<string, string> = { ...hpa.metadata.annotations };
  const metrics = hpa.spec.metrics ?? [];
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => m !== cpu);
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (hpa.spec.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(hpa.spec.behavior);
  const current = hpa.status?.currentMetrics ?? [];
  const cpuCurrent = current.find(isCpuStatus);
  const otherCurrent = current.filter((m) => m !== cpuCurrent);
  if (otherCurrent.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(otherCurrent);
  if (hpa.status?.conditions?.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(hpa.status.conditions);
  const { apiVersion: _a, kind: _k, status: _s, spec: _sp, ...rest } = hpa;
  return {
    ...rest,
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler',
    metadata: { ...hpa.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      scaleTargetRef: hpa.spec.scaleTargetRef,
      ...(hpa.spec.minReplicas !== undefined ? { minReplicas: hpa.spec.minReplicas } : {}),
      maxReplicas: hpa.spec.maxReplicas,
      ...(cpu?.resource?.target.averageUtilization !== undefined ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization } : {}),
    },
    ...(hpa.status ? {
      status: {
        ...(hpa.status.observedGeneration !== undefined ? { observedGeneration: hpa.status.observedGeneration } : {}),
        ...(hpa.status.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}),
        currentReplicas: hpa.status.currentReplicas ?? 0,
        desiredReplicas: hpa.status.desiredReplicas,
        ...(cpuCurrent?.resource?.current.averageUtilization !== undefined ? { currentCPUUtilizationPercentage: cpuCurrent.resource.current.averageUtilization } : {}),
      },
    } : {}),
  };
}

function carried(annotations: Record<string, string>, key: string): unknown[] | Obj | undefined {
  const v = annotations[key];
  if (v === undefined) return undefined;
  try {
    return JSON.parse(v) as unknown[] | Obj;
  } catch {
    return undefined; // not ours to refuse: the v1 fields still convert
  }
}

/** v1 (as a client sent it, untyped) → v2: the carried annotations come back out of metadata. */
export function hpaFromV1(body: unknown): Obj {
  if (!isObj(body)) return body as Obj;
  const meta: Obj = isObj(body.metadata) ? { ...body.metadata } : {};
  const annotations: Record<string, string> = isObj(meta.annotations) ? { ...meta.annotations } : {};
  const otherMetrics = carried(annotations, METRICS_ANNOTATION);
  const behavior = carried(annotations, BEHAVIOR_ANNOTATION);
  const otherCurrent = carried(annotations, CURRENT_METRICS_ANNOTATION);
  const conditions = carried(annotations, CONDITIONS_ANNOTATION);
  for (const k of CARRIED) delete annotations[k];
  if (Object.keys(annotations).length) meta.annotations = annotations;
  else delete meta.annotations;
  const spec: Obj = isObj(body.spec) ? body.spec : {};
  const { targetCPUUtilizationPercentage: cpuTarget, ...specRest } = spec;
  const metrics: unknown[] = [];
  if (cpuTarget !== undefined && cpuTarget !== null) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpuTarget } } });
  if (Array.isArray(otherMetrics)) metrics.push(...otherMetrics);
  const out: Obj = {
    ...body,
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: meta,
    spec: { ...specRest, ...(metrics.length ? { metrics } : {}), ...(isObj(behavior) ? { behavior } : {}) },
  };
  if (isObj(body.status)) {
    const { currentCPUUtilizationPercentage: cpuNow, ...statusRest } = body.status;
    const current: unknown[] = [];
    if (cpuNow !== undefined && cpuNow !== null) current.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpuNow } } });
    if (Array.isArray(otherCurrent)) current.push(...otherCurrent);
    out.status = { ...statusRest, ...(current.length ? { currentMetrics: current } : {}), ...(Array.isArray(conditions) ? { conditions } : {}) };
  }
  return out;
}
