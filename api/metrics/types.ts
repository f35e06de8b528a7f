// metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics: the resource metrics API that
// `kubectl top` and the HorizontalPodAutoscaler read. Read-only, never stored: the API server
// answers from what its scraper measured (apiserver/metrics-api/). Usage is CPU in nanocores
// ("123456n") and memory in Ki, as metrics-server writes them.
import { z } from 'zod';
import { ObjectMeta } from '../meta.js';
import { ResourceList } from '../core/pod.js';

export const NodeMetrics = z.object({
  apiVersion: z.literal('metrics.k8s.io/v1beta1').optional(),
  kind: z.literal('NodeMetrics').optional(),
  metadata: ObjectMeta,
  /** The end of the window the usage was measured over (RFC 3339). */
  timestamp: z.string(),
  /** The window's length, a Go duration ("15.012s"). */
  window: z.string(),
  usage: ResourceList,
});
export type NodeMetrics = z.infer<typeof NodeMetrics>;

export const ContainerMetrics = z.object({
  name: z.string(),
  usage: ResourceList,
});
export type ContainerMetrics = z.infer<typeof ContainerMetrics>;

export const PodMetrics = z.object({
  apiVersion: z.literal('metrics.k8s.io/v1beta1').optional(),
  kind: z.literal('PodMetrics').optional(),
  metadata: ObjectMeta,
  timestamp: z.string(),
  window: z.string(),
  containers: z.array(ContainerMetrics),
});
export type PodMetrics = z.infer<typeof PodMetrics>;

/** CPU as metrics-server writes it: whole nanocores with the n suffix ("0" when idle). */
export function cpuUsageQuantity(nanoCores: number): string {
  const n = Math.max(0, Math.round(nanoCores));
  return n === 0 ? '0' : `${n}n`;
}

/** Memory as metrics-server writes it: whole Ki, rounded up ("65536Ki"). */
export function memoryUsageQuantity(bytes: number): string {
  const ki = Math.ceil(Math.max(0, bytes) / 1024);
  return ki === 0 ? '0' : `${ki}Ki`;
}

/** A window as Go's time.Duration.String() prints whole-millisecond durations: "15s", "15.012s", "1m0s". */
export function windowString(ms: number): string {
  const m = Math.max(0, Math.round(ms));
  if (m === 0) return '0s';
  if (m < 1000) return `${m}ms`;
  const minutes = Math.floor(m / 60_000);
  const secMs = m - minutes * 60_000;
  const sec = `${Math.floor(secMs / 1000)}${secMs % 1000 ? `.${String(secMs % 1000).padStart(3, '0').replace(/0+$/, '')}` : ''}s`;
  return minutes ? `${minutes}m${sec}` : sec;
}

const GO_DURATION_UNITS_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, 'µs': 1e-3, ns: 1e-6 };

/** The inverse of windowString, for any Go duration a metrics API may send ("1m0.5s", "970ms"); undefined if not one. */
export function parseWindow(s: string): number | undefined {
  if (s === '0') return 0;
  const parts = [...s.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== s) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * GO_DURATION_UNITS_MS[p[2]!]!, 0);
}
