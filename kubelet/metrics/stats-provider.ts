// The kubelet's stats provider: asks the runtime for its containers' usage, reads the node's
// own figures (/proc, unless the node is simulated) and keeps the previous CPU sample so each
// summary carries rates. One per node; /stats/summary and /metrics/resource read through it.
import { readFileSync } from 'node:fs';
import type { Runtime } from '../runtime/interface.js';
import { nodeCpuNanos, nodeMemory } from '../runtime/process/cgroup-stats.js';
import { buildSummary, type CpuSamples, type NodeUsage, type Summary } from './summary.js';

/** The machine's cumulative CPU and working set from /proc (cAdvisor's root container). */
export function hostUsage(): NodeUsage | undefined {
  try {
    const cpu = nodeCpuNanos(readFileSync('/proc/stat', 'utf8'));
    const mem = nodeMemory(readFileSync('/proc/meminfo', 'utf8'));
    if (cpu === undefined || !mem) return undefined;
    return { timestamp: Date.now(), cpuUsageNanoSeconds: cpu, memoryWorkingSetBytes: mem.workingSetBytes, memoryTotalBytes: mem.totalBytes };
  } catch {
    return undefined;
  }
}

export class StatsProvider {
  private samples: CpuSamples = new Map();
  private readonly started = new Date().toISOString();

  constructor(
    private readonly nodeName: string,
    private readonly runtime: Runtime,
    /** The node's own figures; undefined: the sum of its pods (hollow nodes have no machine of their own). */
    private readonly nodeUsage: (() => NodeUsage | undefined) | undefined,
  ) {}

  /** The summary and whether part of it could not be measured (scrape_error). */
  async summary(): Promise<{ summary: Summary; error: boolean }> {
    const [containers, stats] = await Promise.all([this.runtime.listContainers(), this.runtime.stats()]);
    const node = this.nodeUsage?.();
    const { summary, samples } = buildSummary(this.nodeName, containers, stats, node, this.samples, this.started);
    this.samples = samples;
    return { summary, error: this.nodeUsage !== undefined && node === undefined };
  }
}
