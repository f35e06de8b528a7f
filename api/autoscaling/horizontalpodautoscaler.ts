// autoscaling/v2 HorizontalPodAutoscaler: keeps a scalable workload's replica count (through
// its scale subresource) between minReplicas and maxReplicas, proportional to how far the
// measured metrics are from their targets, at the pace `behavior` allows. Skiff measures
// resource metrics (cpu, memory) from metrics.k8s.io; the other metric sources are not served.
// Enumerated strings are plain strings here so validation can answer in Kubernetes' words.
import { z } from 'zod';
import { conditionSchema, ObjectMeta, QuantityValue, Time, typeMeta } from '../meta.js';

export const CrossVersionObjectReference = z.object({
  kind: z.string(),
  name: z.string(),
  apiVersion: z.string().optional(),
});
export type CrossVersionObjectReference = z.infer<typeof CrossVersionObjectReference>;

/** Utilization (percent of the pods' requests), AverageValue (per pod) or Value. */
export const MetricTarget = z.object({
  type: z.string(),
  value: QuantityValue.optional(),
  averageValue: QuantityValue.optional(),
  averageUtilization: z.number().int().optional(),
});
export type MetricTarget = z.infer<typeof MetricTarget>;

export const ResourceMetricSource = z.object({ name: z.string(), target: MetricTarget });
export type ResourceMetricSource = z.infer<typeof ResourceMetricSource>;

export const MetricSpec = z.object({ type: z.string(), resource: ResourceMetricSource.optional() });
export type MetricSpec = z.infer<typeof MetricSpec>;

export const HPAScalingPolicy = z.object({ type: z.string(), value: z.number().int(), periodSeconds: z.number().int() });
export type HPAScalingPolicy = z.infer<typeof HPAScalingPolicy>;

export const HPAScalingRules = z.object({
  stabilizationWindowSeconds: z.number().int().optional(),
  selectPolicy: z.string().optional(),
  policies: z.array(HPAScalingPolicy).optional(),
});
export type HPAScalingRules = z.infer<typeof HPAScalingRules>;

export const HorizontalPodAutoscalerBehavior = z.object({ scaleUp: HPAScalingRules.optional(), scaleDown: HPAScalingRules.optional() });
export type HorizontalPodAutoscalerBehavior = z.infer<typeof HorizontalPodAutoscalerBehavior>;

export const HorizontalPodAutoscalerSpec = z.object({
  scaleTargetRef: CrossVersionObjectReference,
  minReplicas: z.number().int().optional(),
  maxReplicas: z.number().int(),
  metrics: z.array(MetricSpec).optional(),
  behavior: HorizontalPodAutoscalerBehavior.optional(),
});
export type HorizontalPodAutoscalerSpec = z.infer<typeof HorizontalPodAutoscalerSpec>;

export const MetricValueStatus = z.object({
  value: QuantityValue.optional(),
  averageValue: QuantityValue.optional(),
  averageUtilization: z.number().int().optional(),
});
export type MetricValueStatus = z.infer<typeof MetricValueStatus>;

export const ResourceMetricStatus = z.object({ name: z.string(), current: MetricValueStatus });
export const MetricStatus = z.object({ type: z.string(), resource: ResourceMetricStatus.optional() });
export type MetricStatus = z.infer<typeof MetricStatus>;

export const HorizontalPodAutoscalerConditionType = z.enum(['ScalingActive', 'AbleToScale', 'ScalingLimited']);
export type HorizontalPodAutoscalerConditionType = z.infer<typeof HorizontalPodAutoscalerConditionType>;
export const HorizontalPodAutoscalerCondition = conditionSchema(HorizontalPodAutoscalerConditionType);
export type HorizontalPodAutoscalerCondition = z.infer<typeof HorizontalPodAutoscalerCondition>;

export const HorizontalPodAutoscalerStatus = z.object({
  observedGeneration: z.number().int().optional(),
  lastScaleTime: Time.optional(),
  currentReplicas: z.number().int().optional(),
  desiredReplicas: z.number().int(),
  currentMetrics: z.array(MetricStatus).optional(),
  conditions: z.array(HorizontalPodAutoscalerCondition).optional(),
});
export type HorizontalPodAutoscalerStatus = z.infer<typeof HorizontalPodAutoscalerStatus>;

export const HorizontalPodAutoscaler = z.object({
  ...typeMeta('autoscaling/v2', 'HorizontalPodAutoscaler'),
  metadata: ObjectMeta,
  spec: HorizontalPodAutoscalerSpec,
  status: HorizontalPodAutoscalerStatus.optional(),
});
export type HorizontalPodAutoscaler = z.infer<typeof HorizontalPodAutoscaler>;

/** The metric source types Kubernetes knows, and the one Skiff serves. */
export const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'] as const;
export const SUPPORTED_METRIC_SOURCE_TYPES = ['Resource'] as const;
export const SCALING_POLICY_SELECTS = ['Disabled', 'Max', 'Min'] as const;
export const SCALING_POLICY_TYPES = ['Percent', 'Pods'] as const;
/** validation.MaxPeriodSeconds, MaxStabilizationWindowSeconds. */
export const MAX_PERIOD_SECONDS = 1800;
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
/** autoscaling.DefaultCPUUtilization: the metric of an HPA that names none. */
export const DEFAULT_CPU_UTILIZATION = 80;
