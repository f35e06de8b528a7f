// autoscaling/v1: Scale, spoken through the scale subresource of apps/v1 workloads.
// autoscaling/v2: HorizontalPodAutoscaler.
import type { APIGroupVersion, ResourceInfo } from '../resource-definition.js';
import { CONDITIONS, METADATA_ONLY, OBJECT_META, struct } from '../patch/patch-meta.js';
import { Scale, ScaleSpec, ScaleStatus, validateScale } from './scale.js';
import * as hpa from './horizontalpodautoscaler.js';
import { HorizontalPodAutoscalerV1 } from './horizontalpodautoscaler-v1.js';
import { defaultHorizontalPodAutoscaler } from './horizontalpodautoscaler-defaults.js';
import { validateHorizontalPodAutoscaler, validateHorizontalPodAutoscalerStatusUpdate } from './horizontalpodautoscaler-validation.js';

// A view of the autoscaling/v2 objects (apiserver/autoscaling-v1.ts converts): watch,
// apply and status writes are v2's only.
const horizontalPodAutoscalersV1: ResourceInfo = {
  group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler',
  namespaced: true, shortNames: ['hpa'], categories: ['all'], subresources: [], hasStatus: true, schema: HorizontalPodAutoscalerV1,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'],
};

export const autoscalingV1: APIGroupVersion = {
  group: 'autoscaling', version: 'v1',
  resources: [],
  views: [horizontalPodAutoscalersV1],
  kinds: [{ kind: 'Scale', schema: Scale, validate: validateScale, patchMeta: METADATA_ONLY }],
  components: { Scale, ScaleSpec, ScaleStatus },
};

const horizontalPodAutoscalers: ResourceInfo = {
  group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler',
  namespaced: true, shortNames: ['hpa'], categories: ['all'], subresources: ['status'], hasStatus: true, schema: hpa.HorizontalPodAutoscaler,
  defaults: defaultHorizontalPodAutoscaler,
  validate: validateHorizontalPodAutoscaler,
  validateStatusUpdate: validateHorizontalPodAutoscalerStatusUpdate,
  patchMeta: struct({ metadata: OBJECT_META, status: struct({ conditions: CONDITIONS }) }),
};

export const autoscalingV2: APIGroupVersion = {
  group: 'autoscaling', version: 'v2',
  resources: [horizontalPodAutoscalers],
  components: {
    HorizontalPodAutoscaler: hpa.HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec: hpa.HorizontalPodAutoscalerSpec,
    HorizontalPodAutoscalerStatus: hpa.HorizontalPodAutoscalerStatus, HorizontalPodAutoscalerCondition: hpa.HorizontalPodAutoscalerCondition,
    HorizontalPodAutoscalerBehavior: hpa.HorizontalPodAutoscalerBehavior, HPAScalingRules: hpa.HPAScalingRules, HPAScalingPolicy: hpa.HPAScalingPolicy,
    CrossVersionObjectReference: hpa.CrossVersionObjectReference, MetricSpec: hpa.MetricSpec, MetricStatus: hpa.MetricStatus, MetricTarget: hpa.MetricTarget,
    MetricValueStatus: hpa.MetricValueStatus, ResourceMetricSource: hpa.ResourceMetricSource, ResourceMetricStatus: hpa.ResourceMetricStatus,
  },
};
