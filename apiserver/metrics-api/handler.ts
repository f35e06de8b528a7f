// GET and LIST of metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics, answered from the
// scraper's store joined with the nodes and pods of the registry (so label selectors,
// field selectors and namespaces mean what they mean for nodes and pods), as metrics-server
// answers. Objects without two scrapes yet are left out of lists and NotFound on get.
import type { Node, Pod } from '../../api/core/index.js';
import { isStatusError, notFound } from '../../api/errors.js';
import type { KubeObject } from '../../api/meta.js';
import { cpuUsageQuantity, memoryUsageQuantity, windowString, type NodeMetrics, type PodMetrics } from '../../api/metrics/index.js';
import type { Registry } from '../registry/index.js';
import type { ListOptions } from '../registry/store.js';
import type { MetricsStore } from './metrics-store.js';

const API_VERSION = 'metrics.k8s.io/v1beta1';

function meta(obj: KubeObject, now: string): KubeObject['metadata'] {
  return {
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    creationTimestamp: now,
    ...(obj.metadata.labels ? { labels: obj.metadata.labels } : {}),
  };
}

export function nodeMetrics(store: MetricsStore, node: Node, now = new Date().toISOString()): NodeMetrics | undefined {
  const u = store.nodeUsage(node.metadata.name!);
  if (!u) return undefined;
  return {
    kind: 'NodeMetrics', apiVersion: API_VERSION, metadata: meta(node as unknown as KubeObject, now),
    timestamp: new Date(u.timestamp).toISOString(), window: windowString(u.windowMs),
    usage: { cpu: cpuUsageQuantity(u.nanoCores), memory: memoryUsageQuantity(u.memoryBytes) },
  };
}

export function podMetrics(store: MetricsStore, pod: Pod, now = new Date().toISOString()): PodMetrics | undefined {
  const u = store.podUsage(pod.metadata.namespace ?? 'default', pod.metadata.name!);
  if (!u) return undefined;
  return {
    kind: 'PodMetrics', apiVersion: API_VERSION, metadata: meta(pod as unknown as KubeObject, now),
    timestamp: new Date(u.timestamp).toISOString(), window: windowString(u.windowMs),
    containers: u.containers.map((c) => ({ name: c.name, usage: { cpu: cpuUsageQuantity(c.usage.nanoCores), memory: memoryUsageQuantity(c.usage.memoryBytes) } })),
  };
}

/** A missing node or pod is a missing metric (NotFound in metrics' own words); anything else is an error. */
function missing(e: unknown): undefined {
  if (isStatusError(e, 'NotFound')) return undefined;
  throw e;
}

export async function getResourceMetrics(registry: Registry, store: MetricsStore, kind: 'NodeMetrics' | 'PodMetrics', namespace: string | undefined, name: string): Promise<KubeObject> {
  if (kind === 'NodeMetrics') {
    const node = await registry.byKind('Node').get(undefined, name).catch(missing);
    const m = node && nodeMetrics(store, node as unknown as Node);
    if (!m) throw notFound('nodemetrics.metrics.k8s.io', name);
    return m as unknown as KubeObject;
  }
  const pod = await registry.byKind('Pod').get(namespace, name).catch(missing);
  const m = pod && podMetrics(store, pod as unknown as Pod);
  if (!m) throw notFound('podmetrics.metrics.k8s.io', `${namespace}/${name}`);
  return m as unknown as KubeObject;
}

export async function listResourceMetrics(registry: Registry, store: MetricsStore, kind: 'NodeMetrics' | 'PodMetrics', namespace: string | undefined, opts: ListOptions): Promise<KubeObject[]> {
  const select = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, resourceVersion: '0' };
  const now = new Date().toISOString();
  if (kind === 'NodeMetrics') {
    const nodes = (await registry.byKind('Node').list(undefined, select)).items as unknown as Node[];
    return nodes.map((n) => nodeMetrics(store, n, now)).filter((m): m is NodeMetrics => !!m) as unknown as KubeObject[];
  }
  const pods = (await registry.byKind('Pod').list(namespace, select)).items as unknown as Pod[];
  return pods.map((p) => podMetrics(store, p, now)).filter((m): m is PodMetrics => !!m) as unknown as KubeObject[];
}
