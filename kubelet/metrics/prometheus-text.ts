// /metrics/resource: the kubelet's resource metrics in the Prometheus text format (0.0.4),
// with Kubernetes' metric names, help texts and labels, each sample stamped with the
// millisecond time it was measured — what metrics-server scrapes. Pure.
import type { Summary } from './summary.js';

const HELP: [name: string, type: 'counter' | 'gauge', help: string][] = [
  ['container_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the container in core-seconds'],
  ['container_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the container in bytes'],
  ['container_start_time_seconds', 'gauge', '[STABLE] Start time of the container since unix epoch in seconds'],
  ['node_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the node in core-seconds'],
  ['node_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the node in bytes'],
  ['pod_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the pod in core-seconds'],
  ['pod_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the pod in bytes'],
  ['scrape_error', 'gauge', '[ALPHA] 1 if there was an error while getting container metrics, 0 otherwise'],
];

/** A label value with Prometheus' escapes (backslash, double quote, newline). */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prometheus' float format: integers plainly, the rest as JS writes them (Go's %g agrees on the parse). */
function num(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
}

export function renderResourceMetrics(s: Summary, scrapeError: boolean): string {
  const lines = new Map<string, string[]>(HELP.map(([n]) => [n, []]));
  const add = (name: string, labels: Record<string, string>, value: number, time?: string) => {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
    lines.get(name)!.push(`${name}${l ? `{${l}}` : ''} ${num(value)}${time ? ` ${Date.parse(time)}` : ''}`);
  };
  for (const p of s.pods) {
    const podLabels = { namespace: p.podRef.namespace, pod: p.podRef.name };
    for (const c of p.containers) {
      const labels = { container: c.name, ...podLabels };
      add('container_cpu_usage_seconds_total', labels, c.cpu.usageCoreNanoSeconds / 1e9, c.cpu.time);
      add('container_memory_working_set_bytes', labels, c.memory.workingSetBytes, c.memory.time);
      if (c.startTime) add('container_start_time_seconds', labels, Date.parse(c.startTime) / 1000, c.cpu.time);
    }
    add('pod_cpu_usage_seconds_total', podLabels, p.cpu.usageCoreNanoSeconds / 1e9, p.cpu.time);
    add('pod_memory_working_set_bytes', podLabels, p.memory.workingSetBytes, p.memory.time);
  }
  add('node_cpu_usage_seconds_total', {}, s.node.cpu.usageCoreNanoSeconds / 1e9, s.node.cpu.time);
  add('node_memory_working_set_bytes', {}, s.node.memory.workingSetBytes, s.node.memory.time);
  add('scrape_error', {}, scrapeError ? 1 : 0);
  let out = '';
  for (const [name, type, help] of HELP) {
    const l = lines.get(name)!;
    if (!l.length) continue;
    out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${l.join('\n')}\n`;
  }
  return out;
}
