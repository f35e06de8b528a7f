// Pods and PodMetrics for the HPA planners' table tests.
import type { Pod } from '../../../api/core/index.js';
import type { PodMetrics } from '../../../api/metrics/index.js';

export const NOW = Date.parse('2026-12-06T12:00:00Z');
export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export interface PodOpts {
  cpuRequest?: string | undefined;
  memRequest?: string;
  phase?: string;
  /** Ready condition status; undefined = True. */
  ready?: 'True' | 'False' | 'none';
  /** When the pod started and when Ready last changed (ms before NOW). */
  startedAgoMs?: number;
  readyChangedAgoMs?: number;
  deleting?: boolean;
}

export function pod(name: string, o: PodOpts = {}): Pod {
  const started = NOW - (o.startedAgoMs ?? 10 * 60_000);
  const requests: Record<string, string> = {};
  if (o.cpuRequest !== undefined || !('cpuRequest' in o)) requests.cpu = o.cpuRequest ?? '1';
  if (o.memRequest) requests.memory = o.memRequest;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: iso(NOW - 1000) } : {}) },
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests } }] },
    status: {
      phase: (o.phase ?? 'Running') as never,
      startTime: iso(started),
      conditions: o.ready === 'none' ? [] : [{ type: 'Ready', status: o.ready ?? 'True', lastTransitionTime: iso(o.readyChangedAgoMs !== undefined ? NOW - o.readyChangedAgoMs : started) }],
    },
  } as Pod;
}

/** PodMetrics measured just now over a 15 s window. */
export function podMetrics(name: string, usage: { cpu?: string; memory?: string }): PodMetrics {
  return {
    apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetrics',
    metadata: { name, namespace: 'default' },
    timestamp: iso(NOW - 1000), window: '15s',
    containers: [{ name: 'c', usage: { ...(usage.cpu ? { cpu: usage.cpu } : {}), ...(usage.memory ? { memory: usage.memory } : {}) } }],
  };
}

/** A metrics map (milli-units) as the calculator takes it. */
export function milliMetrics(values: Record<string, number>, timestamp = NOW - 1000) {
  return new Map(Object.entries(values).map(([k, v]) => [k, { value: v, timestamp, windowMs: 15_000 }]));
}
