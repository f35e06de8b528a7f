// Scale-down: which of the group's nodes are unneeded, since when, and which one to remove. Pure.
//
// Upstream's rules, kept: a node is unneeded when what its pods request is under the
// utilization threshold (the larger of cpu and memory, as a share of allocatable) and every pod
// that would have to move can move — it has a controller to recreate it, keeps no local data
// (emptyDir/hostPath), and fits on another node. DaemonSet pods go with the node and finished
// pods need no room. A node must stay unneeded for the whole unneeded time before it goes, the
// group never shrinks below its minimum, nothing goes while pods wait for room or soon after a
// scale-up, and one node goes at a time, its pods placed on the remaining nodes in simulation
// first so two removals never count on the same spare room.
import type { Pod } from '../api/core/index.js';
import type { NodeInfo } from '../scheduler/cache.js';
import { fits, podsToMove, TO_BE_DELETED_TAINT, withPod } from './simulator.js';

/** The annotation that keeps a node out of scale-down (upstream's name). */
export const SCALE_DOWN_DISABLED = 'cluster-autoscaler.kubernetes.io/scale-down-disabled';

export interface ScaleDownInput {
  /** The group's nodes, registered, with their pods. */
  groupNodes: readonly NodeInfo[];
  /** Every node of the cluster (the group's too): where moved pods may land. */
  allNodes: readonly NodeInfo[];
  size: number;
  minSize: number;
  utilizationThreshold: number;
  unneededTimeMs: number;
  nowMs: number;
  /** When each node was first seen unneeded (from the previous pass). */
  unneededSince: ReadonlyMap<string, number>;
  /** Why no node may go right now (pending pods, a recent scale-up), if one may not. */
  blocked?: string;
}

export interface ScaleDownPlan {
  unneededSince: Map<string, number>;
  /** Why each group node is needed, for the status and for tests. */
  needed: Map<string, string>;
  /** The node to drain and remove now, with the pods to evict from it. */
  remove?: { node: string; evict: Pod[] };
}

export function utilization(ni: NodeInfo): number {
  const cpu = ni.allocatable.milliCPU > 0 ? ni.requested.milliCPU / ni.allocatable.milliCPU : 0;
  const mem = ni.allocatable.memory > 0 ? ni.requested.memory / ni.allocatable.memory : 0;
  return Math.max(cpu, mem);
}

/** Why `pod` cannot be moved off its node, if it cannot (the drain rules upstream applies). */
export function blocksMove(pod: Pod): string | undefined {
  if (!(pod.metadata.ownerReferences ?? []).some((r) => r.controller)) return `pod ${pod.metadata.namespace}/${pod.metadata.name} has no controller to recreate it`;
  if ((pod.spec.volumes ?? []).some((v) => v.emptyDir || v.hostPath)) return `pod ${pod.metadata.namespace}/${pod.metadata.name} keeps local data (emptyDir or hostPath)`;
  return undefined;
}

export function planScaleDown(input: ScaleDownInput): ScaleDownPlan {
  const plan: ScaleDownPlan = { unneededSince: new Map(), needed: new Map() };
  // The simulated cluster: pods of nodes chosen to go are added to where they would land.
  const sim = new Map(input.allNodes.map((n) => [n.name, n]));
  const candidates = [...input.groupNodes].sort((a, b) => utilization(a) - utilization(b));
  const moving = new Set<string>();
  for (const ni of candidates) {
    const why = neededBecause(ni, input.utilizationThreshold);
    if (why) {
      plan.needed.set(ni.name, why);
      continue;
    }
    // Land each pod on some other node that is not itself going, in the simulation.
    const landed = new Map<string, NodeInfo>();
    let stuck: Pod | undefined;
    for (const pod of podsToMove(ni)) {
      const dest = [...sim.values()].find((d) => d.name !== ni.name && !moving.has(d.name) && fits(pod, landed.get(d.name) ?? d));
      if (!dest) {
        stuck = pod;
        break;
      }
      landed.set(dest.name, withPod(landed.get(dest.name) ?? dest, pod));
    }
    if (stuck) {
      plan.needed.set(ni.name, `pod ${stuck.metadata.namespace}/${stuck.metadata.name} would fit on no other node`);
      continue;
    }
    for (const [name, n] of landed) sim.set(name, n);
    moving.add(ni.name);
    plan.unneededSince.set(ni.name, input.unneededSince.get(ni.name) ?? input.nowMs);
  }
  if (input.blocked || input.size <= input.minSize) return plan;
  // The longest-unneeded node that has waited out the unneeded time.
  let best: string | undefined;
  for (const [name, since] of plan.unneededSince) {
    if (input.nowMs - since < input.unneededTimeMs) continue;
    if (!best || since < plan.unneededSince.get(best)!) best = name;
  }
  if (best) {
    const ni = input.groupNodes.find((n) => n.name === best)!;
    plan.remove = { node: best, evict: podsToMove(ni).filter((p) => !p.metadata.deletionTimestamp) };
  }
  return plan;
}

function neededBecause(ni: NodeInfo, threshold: number): string | undefined {
  const node = ni.node;
  if (!node) return 'not registered';
  if (node.metadata.annotations?.[SCALE_DOWN_DISABLED] === 'true') return `annotated ${SCALE_DOWN_DISABLED}`;
  if (ni.ready !== 'True' && !(node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT)) return 'not Ready';
  const u = utilization(ni);
  if (u >= threshold) return `utilization ${u.toFixed(2)} is not below ${threshold}`;
  for (const p of podsToMove(ni)) {
    const why = blocksMove(p);
    if (why) return why;
  }
  return undefined;
}
