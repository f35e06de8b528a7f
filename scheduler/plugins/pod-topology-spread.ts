// PodTopologySpread: spread matching pods over topology domains (nodes, zones, ...).
//
// A pod's own spec.topologySpreadConstraints are honoured: DoNotSchedule ones filter
// (a node is rejected when placing the pod there would make its domain exceed the least
// loaded domain by more than maxSkew), ScheduleAnyway ones score. Matching pods are those
// in the pod's namespace selected by the constraint's labelSelector; domains are those of
// the nodes the pod's nodeSelector / required node affinity allow.
//
// A pod without constraints gets Kubernetes' system defaults, for scoring only: spread
// pods of the same controller (ReplicaSet, ...) across hostnames (maxSkew 3) and zones
// (topology.kubernetes.io/zone, maxSkew 5). Pods group by their controller's uid — what the
// default constraints' selector (derived from the owning ReplicaSet/Service) selects in
// practice — and the cache keeps those counts per node (NodeInfo.ownerCounts), so scoring a
// node is a map lookup, not a scan of its pods. Explicit constraints need a scan of the
// cluster's pods once per scheduling attempt of such a pod (as kube-scheduler's PreFilter).
//
// raw score(node) = Σ_constraints count(domain of node) × log(#domains + 2) + (maxSkew − 1)
// normalized      = 100 × (max + min − raw) / max   (fewer matching pods → higher score)
import type { Pod } from '../../api/core/index.js';
import { fromLabelSelector, type Selector } from '../../api/labels.js';
import { controllerUID, type NodeInfo } from '../cache.js';
import {
  MAX_NODE_SCORE,
  unresolvable,
  unschedulable,
  type CycleState,
  type FilterPlugin,
  type ScorePlugin,
  type Status,
} from '../framework.js';
import { compileRequired, requiredMatches } from './node-affinity.js';

export const NAME = 'PodTopologySpread';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const REASON_NODE_LABEL_NOT_MATCH = `${REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;
const HOSTNAME_MAX_SKEW = 3;
const ZONE_MAX_SKEW = 5;

/** One explicit constraint with its per-domain counts of matching pods. */
interface CountedConstraint {
  topologyKey: string;
  maxSkew: number;
  selector: Selector;
  /** domain value → matching pods there (every eligible domain present, maybe 0). */
  counts: Map<string, number>;
  minCount: number;
  /** 1 when the incoming pod itself matches the selector (it will count once placed). */
  selfMatch: number;
}

const FILTER_KEY = `${NAME}/filter`;
const SCORE_KEY = `${NAME}/score`;

/** The value of a topology key on a node (undefined: the node is outside that topology). */
function domainOf(node: NodeInfo, key: string): string | undefined {
  return node.labels[key];
}

/**
 * Counts, per domain, the pods matching each constraint over the nodes the pod may use.
 * Example: zones a (2 matching pods), b (0) → counts {a: 2, b: 0}, minCount 0.
 */
export function countConstraints(
  pod: Pod,
  constraints: NonNullable<Pod['spec']['topologySpreadConstraints']>,
  nodes: readonly NodeInfo[],
): CountedConstraint[] {
  const ns = pod.metadata.namespace ?? 'default';
  const required = compileRequired(pod);
  const out: CountedConstraint[] = constraints.map((c) => {
    const selector = fromLabelSelector(c.labelSelector);
    return {
      topologyKey: c.topologyKey,
      maxSkew: c.maxSkew,
      selector,
      counts: new Map(),
      minCount: 0,
      selfMatch: selector.matches(pod.metadata.labels) ? 1 : 0,
    };
  });
  for (const node of nodes) {
    if (!requiredMatches(required, node)) continue;
    // A node must carry every constraint's key to count (nodeTaintsPolicy/affinity "Honor").
    if (out.some((c) => domainOf(node, c.topologyKey) === undefined)) continue;
    for (const c of out) {
      const d = domainOf(node, c.topologyKey)!;
      let n = c.counts.get(d) ?? 0;
      for (const p of node.pods.values()) {
        if ((p.metadata.namespace ?? 'default') !== ns || p.metadata.deletionTimestamp) continue;
        if (c.selector.matches(p.metadata.labels)) n++;
      }
      c.counts.set(d, n);
    }
  }
  for (const c of out) c.minCount = c.counts.size ? Math.min(...c.counts.values()) : 0;
  return out;
}

interface ScoreState {
  mode: 'none' | 'default' | 'explicit';
  owner?: string;
  hostnameWeight: number;
  zoneWeight: number;
  /** zone → matching pods in it (all nodes); empty when no scored node has a zone. */
  zoneCounts: Map<string, number>;
  explicit: Array<CountedConstraint & { weight: number }>;
}

export class PodTopologySpread implements FilterPlugin, ScorePlugin {
  readonly name = NAME;

  /** allNodes gives domain totals; k8s counts zones over every node, hostnames over the scored ones. */
  constructor(private readonly allNodes: () => readonly NodeInfo[]) {}

  preFilter(state: CycleState, pod: Pod): Status | null | 'skip' {
    const hard = (pod.spec.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
    if (hard.length === 0) return 'skip';
    state.write(FILTER_KEY, countConstraints(pod, hard, this.allNodes()));
    return null;
  }

  filter(state: CycleState, _pod: Pod, node: NodeInfo): Status | null {
    const cs = state.read<CountedConstraint[]>(FILTER_KEY);
    if (!cs || cs.length === 0) return null;
    for (const c of cs) {
      const d = domainOf(node, c.topologyKey);
      if (d === undefined) return unresolvable(NAME, REASON_NODE_LABEL_NOT_MATCH);
      const skew = (c.counts.get(d) ?? 0) + c.selfMatch - c.minCount;
      if (skew > c.maxSkew) return unschedulable(NAME, REASON_CONSTRAINTS_NOT_MATCH);
    }
    return null;
  }

  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): void | 'skip' {
    const soft = (pod.spec.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'ScheduleAnyway');
    const s: ScoreState = { mode: 'none', hostnameWeight: Math.log(nodes.length + 2), zoneWeight: 0, zoneCounts: new Map(), explicit: [] };
    if ((pod.spec.topologySpreadConstraints ?? []).length > 0) {
      if (soft.length) {
        s.mode = 'explicit';
        s.explicit = countConstraints(pod, soft, this.allNodes()).map((c) => {
          const domains = new Set<string>();
          for (const n of nodes) {
            const d = domainOf(n, c.topologyKey);
            if (d !== undefined) domains.add(d);
          }
          return { ...c, weight: Math.log(domains.size + 2) };
        });
        state.write(SCORE_KEY, s);
        return;
      }
      return 'skip';
    }
    const owner = controllerUID(pod);
    if (!owner) return 'skip';
    s.mode = 'default';
    s.owner = owner;
    if (nodes.some((n) => n.zone !== undefined)) {
      const zones = new Set<string>();
      for (const n of nodes) {
        const z = n.zone;
        if (z !== undefined) zones.add(z);
      }
      for (const z of zones) s.zoneCounts.set(z, 0);
      for (const n of this.allNodes()) {
        const z = n.zone;
        if (z === undefined || !s.zoneCounts.has(z)) continue;
        const c = n.ownerCounts.get(owner);
        if (c) s.zoneCounts.set(z, s.zoneCounts.get(z)! + c);
      }
      s.zoneWeight = Math.log(zones.size + 2);
    }
    state.write(SCORE_KEY, s);
  }

  // score() runs per node with the same CycleState: look the plugin's state up once per cycle.
  private lastState: CycleState | undefined;
  private lastScoreState: ScoreState | undefined;

  /** Raw score; -1 marks a node lacking a constraint's key (scored 0 after normalizing). */
  score(state: CycleState, _pod: Pod, node: NodeInfo): number {
    if (state !== this.lastState) {
      this.lastState = state;
      this.lastScoreState = state.read<ScoreState>(SCORE_KEY);
    }
    const s = this.lastScoreState;
    if (!s || s.mode === 'none') return 0;
    if (s.mode === 'explicit') {
      let raw = 0;
      for (const c of s.explicit) {
        const d = domainOf(node, c.topologyKey);
        if (d === undefined) return -1;
        raw += (c.counts.get(d) ?? 0) * c.weight + (c.maxSkew - 1);
      }
      return Math.round(raw);
    }
    let raw = (node.ownerCounts.get(s.owner!) ?? 0) * s.hostnameWeight + (HOSTNAME_MAX_SKEW - 1);
    const z = node.zone;
    if (z !== undefined && s.zoneCounts.size > 0) raw += (s.zoneCounts.get(z) ?? 0) * s.zoneWeight + (ZONE_MAX_SKEW - 1);
    return Math.round(raw);
  }

  normalizeScore(state: CycleState, _pod: Pod, scores: number[]): void {
    const s = state.read<ScoreState>(SCORE_KEY);
    if (!s || s.mode === 'none') {
      scores.fill(0);
      return;
    }
    let min = Infinity;
    let max = 0;
    for (const v of scores) {
      if (v < 0) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    for (let i = 0; i < scores.length; i++) {
      const v = scores[i]!;
      if (v < 0) scores[i] = 0;
      else scores[i] = max === 0 ? MAX_NODE_SCORE : Math.floor((MAX_NODE_SCORE * (max + min - v)) / max);
    }
  }
}
