// The node's resource usage in the Summary API's shape (kubelet stats/v1alpha1), built from
// what the runtime measured. Pure: containers, their stats, the node's figures and the previous
// sample in; the summary (and the sample to keep for next time) out. usageNanoCores is the rate
// between this sample and the previous one of the same container, as cAdvisor computes it.
import {
  LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID,
  type ContainerStats, type ContainerStatus,
} from '../runtime/interface.js';

export interface CPUStats { time: string; usageNanoCores?: number; usageCoreNanoSeconds: number }
export interface MemoryStats { time: string; workingSetBytes: number; availableBytes?: number }
export interface ContainerSummary { name: string; startTime?: string; cpu: CPUStats; memory: MemoryStats }
export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime?: string;
  containers: ContainerSummary[];
  cpu: CPUStats;
  memory: MemoryStats;
}
export interface NodeSummary { nodeName: string; startTime?: string; cpu: CPUStats; memory: MemoryStats }
export interface Summary { node: NodeSummary; pods: PodSummary[] }

/** The node's own figures (cumulative CPU, working set), read at `timestamp` (ms). */
export interface NodeUsage { timestamp: number; cpuUsageNanoSeconds: number; memoryWorkingSetBytes: number; memoryTotalBytes?: number }

/** Last cumulative CPU per container id (and "node"), for the next sample's rate. */
export type CpuSamples = Map<string, { timestamp: number; cpu: number }>;

/** Nanocores between two cumulative samples; undefined without an earlier one or if the counter went back (a restart). */
export function nanoCores(prev: { timestamp: number; cpu: number } | undefined, timestamp: number, cpu: number): number | undefined {
  if (!prev || timestamp <= prev.timestamp || cpu < prev.cpu) return undefined;
  return Math.round(((cpu - prev.cpu) * 1000) / (timestamp - prev.timestamp));
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Group container stats by pod (from the runtime's labels); a pod's figures are the sum of its
 * containers'. `node` undefined: the node's figures are the sum of its pods (simulated nodes).
 */
export function buildSummary(nodeName: string, containers: ContainerStatus[], stats: ContainerStats[], node: NodeUsage | undefined, prev: CpuSamples, nodeStart?: string): { summary: Summary; samples: CpuSamples } {
  const byId = new Map(containers.map((c) => [c.id, c]));
  const samples: CpuSamples = new Map();
  const pods = new Map<string, PodSummary & { ts: number; nano?: number }>();
  for (const s of stats) {
    const c = byId.get(s.id);
    const uid = c?.labels[LABEL_POD_UID];
    const name = c?.labels[LABEL_CONTAINER_NAME];
    if (!c || !uid || !name) continue; // not a pod's container (or gone between the two calls)
    const rate = nanoCores(prev.get(s.id), s.timestamp, s.cpuUsageNanoSeconds);
    samples.set(s.id, { timestamp: s.timestamp, cpu: s.cpuUsageNanoSeconds });
    const time = iso(s.timestamp);
    const cs: ContainerSummary = {
      name, ...(c.startedAt ? { startTime: c.startedAt } : {}),
      cpu: { time, ...(rate !== undefined ? { usageNanoCores: rate } : {}), usageCoreNanoSeconds: s.cpuUsageNanoSeconds },
      memory: { time, workingSetBytes: s.memoryWorkingSetBytes },
    };
    let p = pods.get(uid);
    if (!p) {
      p = {
        podRef: { name: c.labels[LABEL_POD_NAME] ?? '', namespace: c.labels[LABEL_POD_NAMESPACE] ?? 'default', uid },
        containers: [], cpu: { time, usageCoreNanoSeconds: 0, usageNanoCores: 0 }, memory: { time, workingSetBytes: 0 }, ts: 0,
      };
      pods.set(uid, p);
    }
    p.containers.push(cs);
    p.cpu.usageCoreNanoSeconds += s.cpuUsageNanoSeconds;
    // A pod's rate is known only when every container's is.
    p.cpu.usageNanoCores = rate === undefined || p.cpu.usageNanoCores === undefined ? undefined : p.cpu.usageNanoCores + rate;
    p.memory.workingSetBytes += s.memoryWorkingSetBytes;
    if (s.timestamp > p.ts) {
      p.ts = s.timestamp;
      p.cpu.time = p.memory.time = time;
    }
    if (c.startedAt && (!p.startTime || c.startedAt < p.startTime)) p.startTime = c.startedAt;
  }
  const podList: PodSummary[] = [...pods.values()].map(({ ts: _ts, nano: _n, ...p }) => {
    if (p.cpu.usageNanoCores === undefined) delete p.cpu.usageNanoCores;
    p.containers.sort((a, b) => a.name.localeCompare(b.name));
    return p;
  });
  podList.sort((a, b) => a.podRef.namespace.localeCompare(b.podRef.namespace) || a.podRef.name.localeCompare(b.podRef.name));

  const n: NodeUsage = node ?? {
    timestamp: stats.reduce((m, s) => Math.max(m, s.timestamp), 0) || Date.now(),
    cpuUsageNanoSeconds: podList.reduce((t, p) => t + p.cpu.usageCoreNanoSeconds, 0),
    memoryWorkingSetBytes: podList.reduce((t, p) => t + p.memory.workingSetBytes, 0),
  };
  // Summed nodes are not monotonic as pods come and go: their rate is the pods' rates.
  const nodeRate = node ? nanoCores(prev.get('node'), n.timestamp, n.cpuUsageNanoSeconds) : podList.reduce<number | undefined>((t, p) => (t === undefined || p.cpu.usageNanoCores === undefined ? undefined : t + p.cpu.usageNanoCores), 0);
  samples.set('node', { timestamp: n.timestamp, cpu: n.cpuUsageNanoSeconds });
  const time = iso(n.timestamp);
  return {
    summary: {
      node: {
        nodeName, ...(nodeStart ? { startTime: nodeStart } : {}),
        cpu: { time, ...(nodeRate !== undefined ? { usageNanoCores: nodeRate } : {}), usageCoreNanoSeconds: n.cpuUsageNanoSeconds },
        memory: { time, workingSetBytes: n.memoryWorkingSetBytes, ...(n.memoryTotalBytes !== undefined ? { availableBytes: Math.max(0, n.memoryTotalBytes - n.memoryWorkingSetBytes) } : {}) },
      },
      pods: podList,
    },
    samples,
  };
}
