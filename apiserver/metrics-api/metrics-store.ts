// metrics-server's storage, in memory: for each node, pod and container the last two points
// (cumulative CPU, working set, time), from which the API answers a CPU rate over the window
// between them. A node or pod appears once two scrapes have seen it; one whose scrape failed
// or that went away is dropped with the next batch. Pure: batches in, usage out.
import type { Sample } from './prometheus-text.js';

/** One measurement: cumulative CPU in core-seconds, working set in bytes, time in ms. */
export interface Point { cpu: number; memory: number; timestamp: number; startTime?: number }

/** What one scrape of one node said. */
export interface NodeBatch {
  node?: Point;
  /** "namespace/pod" → container name → point. */
  pods: Map<string, Map<string, Point>>;
}

/** Turn a kubelet's /metrics/resource samples into a batch; `now` stamps lines without a time. */
export function batchFromSamples(samples: Sample[], now: number): NodeBatch {
  const pods = new Map<string, Map<string, Point>>();
  const container = (l: Record<string, string>) => {
    const key = `${l.namespace ?? ''}/${l.pod ?? ''}`;
    let m = pods.get(key);
    if (!m) pods.set(key, (m = new Map()));
    let p = m.get(l.container ?? '');
    if (!p) m.set(l.container ?? '', (p = { cpu: NaN, memory: NaN, timestamp: 0 }));
    return p;
  };
  const node: Point = { cpu: NaN, memory: NaN, timestamp: 0 };
  for (const s of samples) {
    const ts = s.timestamp ?? now;
    switch (s.name) {
      case 'node_cpu_usage_seconds_total':
        node.cpu = s.value;
        node.timestamp = Math.max(node.timestamp, ts);
        break;
      case 'node_memory_working_set_bytes':
        node.memory = s.value;
        node.timestamp = Math.max(node.timestamp, ts);
        break;
      case 'container_cpu_usage_seconds_total': {
        const p = container(s.labels);
        p.cpu = s.value;
        p.timestamp = Math.max(p.timestamp, ts);
        break;
      }
      case 'container_memory_working_set_bytes': {
        const p = container(s.labels);
        p.memory = s.value;
        p.timestamp = Math.max(p.timestamp, ts);
        break;
      }
      case 'container_start_time_seconds':
        container(s.labels).startTime = s.value;
        break;
    }
  }
  // A point lacking either figure is no point (metrics-server drops it too).
  const complete = (p: Point) => Number.isFinite(p.cpu) && Number.isFinite(p.memory) && p.timestamp > 0;
  for (const [key, cs] of pods) {
    for (const [name, p] of cs) if (!complete(p)) cs.delete(name);
    if (!cs.size) pods.delete(key);
  }
  return { ...(complete(node) ? { node } : {}), pods };
}

/** Usage over a window: CPU in nanocores, memory in bytes. */
export interface Usage { nanoCores: number; memoryBytes: number; timestamp: number; windowMs: number }

/** CPU rate between two points; undefined when they do not make a window (same time, a counter reset, a restart). */
export function rate(prev: Point, last: Point): Usage | undefined {
  if (last.timestamp <= prev.timestamp || last.cpu < prev.cpu) return undefined;
  if (prev.startTime !== undefined && last.startTime !== undefined && prev.startTime !== last.startTime) return undefined;
  return {
    nanoCores: ((last.cpu - prev.cpu) * 1e9 * 1000) / (last.timestamp - prev.timestamp),
    memoryBytes: last.memory,
    timestamp: last.timestamp,
    windowMs: last.timestamp - prev.timestamp,
  };
}

export interface PodUsage { timestamp: number; windowMs: number; containers: { name: string; usage: Usage }[] }

export class MetricsStore {
  private last = new Map<string, NodeBatch>();
  private prev = new Map<string, NodeBatch>();

  /** Replace everything with one scrape cycle's batches (node name → batch; a failed node is absent). */
  store(batches: Map<string, NodeBatch>): void {
    const prev = new Map<string, NodeBatch>();
    for (const [node, b] of batches) {
      const before = this.last.get(node);
      if (!before) continue;
      // Keep, for each point, the latest earlier one (a pod unchanged since the last scrape keeps its older point).
      const pods = new Map<string, Map<string, Point>>();
      for (const [key, cs] of b.pods) {
        const old = before.pods.get(key);
        if (!old) continue;
        const kept = new Map<string, Point>();
        for (const [name, p] of cs) {
          const o = old.get(name);
          if (!o) continue;
          kept.set(name, o.timestamp < p.timestamp ? o : this.prev.get(node)?.pods.get(key)?.get(name) ?? o);
        }
        pods.set(key, kept);
      }
      const node_ = b.node && before.node ? (before.node.timestamp < b.node.timestamp ? before.node : this.prev.get(node)?.node ?? before.node) : undefined;
      prev.set(node, { ...(node_ ? { node: node_ } : {}), pods });
    }
    this.prev = prev;
    this.last = new Map(batches);
  }

  nodeUsage(node: string): Usage | undefined {
    const last = this.last.get(node)?.node;
    const prev = this.prev.get(node)?.node;
    return last && prev ? rate(prev, last) : undefined;
  }

  /** A pod's usage: known only when every container of it has two points (as metrics-server). */
  podUsage(namespace: string, name: string): PodUsage | undefined {
    const key = `${namespace}/${name}`;
    for (const [node, b] of this.last) {
      const cs = b.pods.get(key);
      if (!cs) continue;
      const containers: PodUsage['containers'] = [];
      for (const [cname, p] of cs) {
        const o = this.prev.get(node)?.pods.get(key)?.get(cname);
        const u = o ? rate(o, p) : undefined;
        if (!u) return undefined;
        containers.push({ name: cname, usage: u });
      }
      if (!containers.length) return undefined;
      containers.sort((a, b) => a.name.localeCompare(b.name));
      return {
        timestamp: Math.max(...containers.map((c) => c.usage.timestamp)),
        windowMs: Math.max(...containers.map((c) => c.usage.windowMs)),
        containers,
      };
    }
    return undefined;
  }

  /** Nodes the last cycle scraped successfully (for tests and the "not available yet" message). */
  get nodes(): string[] {
    return [...this.last.keys()];
  }
}
