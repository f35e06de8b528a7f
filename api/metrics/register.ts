// metrics.k8s.io/v1beta1: NodeMetrics and PodMetrics, get and list only (as metrics-server serves them).
import type { APIGroupVersion, ResourceInfo } from '../resource-definition.js';
import { ContainerMetrics, NodeMetrics, PodMetrics } from './types.js';

const common = {
  group: 'metrics.k8s.io', version: 'v1beta1', shortNames: [], categories: [], subresources: [], hasStatus: false, verbs: ['get', 'list'],
} satisfies Partial<ResourceInfo>;

export const metricsV1beta1: APIGroupVersion = {
  group: 'metrics.k8s.io', version: 'v1beta1',
  resources: [
    { ...common, kind: 'NodeMetrics', plural: 'nodes', singular: '', namespaced: false, schema: NodeMetrics },
    { ...common, kind: 'PodMetrics', plural: 'pods', singular: '', namespaced: true, schema: PodMetrics },
  ],
  components: { NodeMetrics, PodMetrics, ContainerMetrics },
};
