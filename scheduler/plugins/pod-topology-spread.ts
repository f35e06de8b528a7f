// PodTopologySpread with Kubernetes' system default constraints, for scoring: spread pods
// of the same controller (ReplicaSet, ...) across hostnames (maxSkew 3) and zones
// (topology.kubernetes.io/zone, maxSkew 5), both ScheduleAnyway. Pods group by their
// controller's uid — what the default constraints' selector (derived from the owning
// ReplicaSet/Service) selects in practice. The counts per node are kept by the cache
// (NodeInfo.ownerCounts), so scoring a node is a map lookup, not a scan of its pods.
//
// raw(node) = Σ_constraints count(domain of node) × log(#domains + 2) + (maxSkew − 1)
// normalized = 100 × (max + min − raw) / max   (fewer matching pods → higher score)
import type { Pod } from '../../api/core.js';
import { controllerUID, type NodeInfo } from '../cache.js';
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../framework.js';

export const NAME = 'PodTopologySpread';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
const HOSTNAME_MAX_SKEW = 3;
const ZONE_MAX_SKEW = 5;

interface SpreadState {
  owner?: string;
  hostnameWeight: number;
  zoneWeight: number;
  /** zone → matching pods in it (all nodes); empty when no scored node has a zone. */
  zoneCounts: Map<string, number>;
}

const KEY = `${NAME}/state`;

export class PodTopologySpread implements ScorePlugin {
  readonly name = NAME;

  /** allNodes gives the zone totals; k8s counts zones over every node, hostnames over the scored ones. */
  constructor(private readonly allNodes: () => readonly NodeInfo[]) {}

  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): void {
    const owner = controllerUID(pod);
    const s: SpreadState = { owner, hostnameWeight: Math.log(nodes.length + 2), zoneWeight: 0, zoneCounts: new Map() };
    if (owner && nodes.some((n) => n.labels[LABEL_ZONE] !== undefined)) {
      const zones = new Set<string>();
      for (const n of nodes) {
        const z = n.labels[LABEL_ZONE];
        if (z !== undefined) zones.add(z);
      }
      for (const z of zones) s.zoneCounts.set(z, 0);
      for (const n of this.allNodes()) {
        const z = n.labels[LABEL_ZONE];
        if (z === undefined || !s.zoneCounts.has(z)) continue;
        const c = n.ownerCounts.get(owner);
        if (c) s.zoneCounts.set(z, s.zoneCounts.get(z)! + c);
      }
      s.zoneWeight = Math.log(zones.size + 2);
    }
    state.write(KEY, s);
  }

  score(state: CycleState, _pod: Pod, node: NodeInfo): number {
    const s = state.read<SpreadState>(KEY);
    if (!s?.owner) return 0;
    let raw = (node.ownerCounts.get(s.owner) ?? 0) * s.hostnameWeight + (HOSTNAME_MAX_SKEW - 1);
    const z = node.labels[LABEL_ZONE];
    if (z !== undefined && s.zoneCounts.size > 0) raw += (s.zoneCounts.get(z) ?? 0) * s.zoneWeight + (ZONE_MAX_SKEW - 1);
    return Math.round(raw);
  }

  normalizeScore(state: CycleState, _pod: Pod, scores: number[]): void {
    const s = state.read<SpreadState>(KEY);
    if (!s?.owner) {
      scores.fill(0);
      return;
    }
    let min = Infinity;
    let max = 0;
    for (const v of scores) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    for (let i = 0; i < scores.length; i++) {
      scores[i] = max === 0 ? MAX_NODE_SCORE : Math.floor((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
    }
  }
}
