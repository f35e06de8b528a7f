// NodeResourcesFit: the pod's requests must fit in the node's allocatable minus what bound
// and assumed pods already request (cpu, memory, ephemeral-storage, extended resources, and
// one more pod under allocatable.pods). Its score is LeastAllocated: the emptier node wins.
import type { Pod } from '../../api/core/index.js';
import { podRequest, type NodeInfo } from '../cache.js';
import { unschedulable, MAX_NODE_SCORE, type CycleState, type FilterPlugin, type ScorePlugin, type Status } from '../framework.js';
import type { PodResourceRequest } from '../resources.js';

export const NAME = 'NodeResourcesFit';

/** Why the pod does not fit on the node ([] = it fits). Example: ["Insufficient cpu", "Insufficient memory"]. */
export function insufficientResources(r: PodResourceRequest, node: NodeInfo): string[] {
  const out: string[] = [];
  const alloc = node.allocatable;
  const used = node.requested;
  if (used.pods + 1 > alloc.pods) out.push('Too many pods');
  const q = r.requests;
  if (q.milliCPU > 0 && q.milliCPU > alloc.milliCPU - used.milliCPU) out.push('Insufficient cpu');
  if (q.memory > 0 && q.memory > alloc.memory - used.memory) out.push('Insufficient memory');
  if (q.ephemeralStorage > 0 && q.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push('Insufficient ephemeral-storage');
  }
  if (q.scalar) {
    for (const [name, v] of q.scalar) {
      if (v <= 0) continue;
      const free = (alloc.scalar?.get(name) ?? 0) - (used.scalar?.get(name) ?? 0);
      if (v > free) out.push(`Insufficient ${name}`);
    }
  }
  return out;
}

/** insufficientResources(r, node).length === 0, without allocating. */
export function fits(r: PodResourceRequest, node: NodeInfo): boolean {
  const alloc = node.allocatable;
  const used = node.requested;
  const q = r.requests;
  if (used.pods + 1 > alloc.pods) return false;
  if (q.milliCPU > 0 && q.milliCPU > alloc.milliCPU - used.milliCPU) return false;
  if (q.memory > 0 && q.memory > alloc.memory - used.memory) return false;
  if (q.ephemeralStorage > 0 && q.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) return false;
  if (q.scalar) return insufficientResources(r, node).length === 0;
  return true;
}

/** ((capacity − requested) × 100) / capacity, 0 when full or over. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin {
  readonly name = NAME;
  // The pod being scheduled and its requests: filter and score run once per node for the
  // same pod, so look the requests up once per cycle, not once per node.
  private lastPod: Pod | undefined;
  private lastRequest: PodResourceRequest | undefined;

  private request(pod: Pod): PodResourceRequest {
    if (pod !== this.lastPod) {
      this.lastPod = pod;
      this.lastRequest = podRequest(pod);
    }
    return this.lastRequest!;
  }

  filter(_state: CycleState, pod: Pod, node: NodeInfo): Status | null {
    const r = this.request(pod);
    if (fits(r, node)) return null; // the common case, without building a reasons array
    return unschedulable(NAME, ...insufficientResources(r, node));
  }

  /**
   * LeastAllocated over cpu and memory, weight 1 each, counting pods without requests as
   * 100m / 200Mi so that many request-less pods still spread.
   */
  score(_state: CycleState, pod: Pod, node: NodeInfo): number {
    const r = this.request(pod);
    const cpu = leastRequestedScore(node.nonZeroMilliCPU + r.nonZeroMilliCPU, node.allocatable.milliCPU);
    const mem = leastRequestedScore(node.nonZeroMemory + r.nonZeroMemory, node.allocatable.memory);
    return Math.floor((cpu + mem) / 2);
  }
}
