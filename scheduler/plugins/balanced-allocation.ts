// NodeResourcesBalancedAllocation: prefer nodes where cpu and memory would be used in the
// same proportion after placing the pod. Score = (1 − std(fractions)) × 100; for two
// resources std = |cpu% − mem%| / 2. Example: cpu 50%, mem 10% → std 0.2 → score 80.
import type { Pod } from '../../api/core/index.js';
import { podRequest, type NodeInfo } from '../cache.js';
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../framework.js';
import type { Resource } from '../resources.js';

export const NAME = 'NodeResourcesBalancedAllocation';

export function balancedScore(cpuFraction: number, memFraction: number): number {
  const c = Math.min(cpuFraction, 1);
  const m = Math.min(memFraction, 1);
  const std = Math.abs(c - m) / 2;
  return Math.floor((1 - std) * MAX_NODE_SCORE);
}

export class BalancedAllocation implements ScorePlugin {
  readonly name = NAME;
  private lastPod: Pod | undefined;
  private lastRequests: Resource | undefined;

  score(_state: CycleState, pod: Pod, node: NodeInfo): number {
    if (pod !== this.lastPod) {
      this.lastPod = pod;
      this.lastRequests = podRequest(pod).requests;
    }
    const r = this.lastRequests!;
    const a = node.allocatable;
    const cpu = a.milliCPU > 0 ? (node.requested.milliCPU + r.milliCPU) / a.milliCPU : 0;
    const mem = a.memory > 0 ? (node.requested.memory + r.memory) / a.memory : 0;
    return balancedScore(cpu, mem);
  }
}
