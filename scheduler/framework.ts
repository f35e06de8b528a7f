// The scheduling framework, small: filter plugins decide where a pod can go, score plugins
// rank those nodes, the highest weighted sum wins. Plugins live in scheduler/plugins/.
//
// Per-pod work is what makes or breaks throughput at 5,000 nodes, so:
//  - plugins do their per-pod parsing once in preFilter/preScore and keep it in CycleState;
//  - filtering stops once enough feasible nodes are found (percentageOfNodesToScore), and
//    the next cycle starts where this one stopped, so every node gets its turn.
import type { Pod } from '../api/core/index.js';
import type { NodeInfo, Snapshot } from './cache.js';

export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error';

/** A plugin's verdict. null means Success everywhere a Status is returned. */
export interface Status {
  code: Exclude<Code, 'Success'>;
  reasons: string[];
  plugin: string;
}

export const MAX_NODE_SCORE = 100;

/** Per-cycle scratch space where plugins keep what they computed for this pod. */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
}

export interface FilterPlugin {
  readonly name: string;
  /**
   * Per-pod preparation; a Status here rejects the pod on every node at once. 'skip' says
   * the filter has nothing to check for this pod (k8s: PreFilter returning Skip), so it is
   * not called per node at all.
   */
  preFilter?(state: CycleState, pod: Pod): Status | null | 'skip';
  filter(state: CycleState, pod: Pod, node: NodeInfo): Status | null;
}

export interface ScorePlugin {
  readonly name: string;
  /** 'skip': nothing to score for this pod (k8s: PreScore returning Skip); it adds 0 everywhere. */
  preScore?(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): void | 'skip';
  score(state: CycleState, pod: Pod, node: NodeInfo): number;
  /** Rescales this plugin's raw scores (in place) to 0..MAX_NODE_SCORE. */
  normalizeScore?(state: CycleState, pod: Pod, scores: number[]): void;
}

export interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

export interface ScheduleResult {
  suggestedHost: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

export interface Diagnosis {
  /** Why each rejected node was rejected (first failing filter, as kube-scheduler reports). */
  nodeToStatus: Map<string, Status>;
  /** Plugins that rejected the pod somewhere: decides which cluster events can help it. */
  unschedulablePlugins: Set<string>;
  /** Set when a preFilter rejected the pod outright. */
  preFilterMsg?: string;
  /**
   * What preemption found ("preemption: 0/3 nodes are available: ..."); '' when it made room
   * (then the message has no preemption part); undefined: not run, the no-victims wording.
   */
  postFilterMsg?: string;
}

/** No node fits. The message is kube-scheduler's FailedScheduling text. */
export class FitError extends Error {
  constructor(
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super(fitErrorMessage(numAllNodes, diagnosis));
    this.name = 'FitError';
  }
}

/**
 * "0/3 nodes are available: 1 node(s) had untolerated taint {key: value}, 2 Insufficient cpu.
 *  preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod,
 *  2 Preemption is not helpful for scheduling."
 * Reasons are counted across nodes and sorted as strings, as kube-scheduler does. The
 * preemption part comes from preemption.ts (d.postFilterMsg); when preemption did not run,
 * it is what DefaultPreemption reports when no lower-priority pod can be evicted: "No
 * preemption victims found" for nodes that fail on resources or ports, "not helpful" where
 * eviction cannot fix the node (taints, affinity, cordon).
 */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  if (numAllNodes === 0) return 'no nodes available to schedule pods';
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) return `${msg} ${d.preFilterMsg}.${d.postFilterMsg ? ` ${d.postFilterMsg}` : ''}`;
  const histogram = new Map<string, number>();
  const preemption = new Map<string, number>();
  for (const st of d.nodeToStatus.values()) {
    for (const r of st.reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
    const p =
      st.code === 'Unschedulable' ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling';
    preemption.set(p, (preemption.get(p) ?? 0) + 1);
  }
  msg += ` ${sortedHistogram(histogram).join(', ')}.`;
  if (d.postFilterMsg !== undefined) return d.postFilterMsg ? `${msg} ${d.postFilterMsg}` : msg;
  msg += ` preemption: 0/${numAllNodes} nodes are available: ${sortedHistogram(preemption).join(', ')}.`;
  return msg;
}

/** "2 Insufficient cpu", "1 node(s) were unschedulable", ... sorted as strings (kube-scheduler's order). */
export function sortedHistogram(h: Map<string, number>): string[] {
  return [...h].map(([r, n]) => `${n} ${r}`).sort();
}

// percentageOfNodesToScore, adaptive as in kube-scheduler: 50% at 100 nodes falling by 1% per
// 125 nodes (10% at 5,000), never below 5%, and never fewer than minFeasibleNodesToFind.
export const MIN_FEASIBLE_NODES_TO_FIND = 50; // kube-scheduler uses 100; the Skiff issue asks 50
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
export const BASE_PERCENTAGE_OF_NODES_TO_SCORE = 50;

/** How many feasible nodes to look for before filtering stops. Example: 5,000 nodes → 500; 100 → 50; 40 → 40. */
export function numFeasibleNodesToFind(numAllNodes: number, percentageOfNodesToScore?: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = percentageOfNodesToScore ?? 0;
  if (percentage >= 100) return numAllNodes;
  if (percentage <= 0) {
    percentage = BASE_PERCENTAGE_OF_NODES_TO_SCORE - Math.floor(numAllNodes / 125);
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.floor((numAllNodes * percentage) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

/**
 * Pods that preempted others and wait for the room they made (status.nominatedNodeName).
 * Filtering counts them on their node for every pod of lower or equal priority, so the
 * freed room is not taken by someone else first.
 */
export interface Nominator {
  readonly size: number;
  podsOn(nodeName: string): readonly Pod[] | undefined;
}

export interface FrameworkOptions {
  nominator?: Nominator;
  percentageOfNodesToScore?: number;
  /** For tie-breaking among top-scoring nodes; injectable for tests. */
  random?: () => number;
}

export class Framework {
  private nextStartNodeIndex = 0;
  private readonly random: () => number;

  constructor(
    readonly filterPlugins: FilterPlugin[],
    readonly scorePlugins: WeightedScorePlugin[],
    private readonly opts: FrameworkOptions = {},
  ) {
    this.random = opts.random ?? Math.random;
  }

  /** One scheduling cycle's algorithm: filter, score, select. Throws FitError when nothing fits. */
  schedulePod(pod: Pod, snapshot: Snapshot): ScheduleResult {
    const all = snapshot.nodes;
    const diagnosis: Diagnosis = { nodeToStatus: new Map(), unschedulablePlugins: new Set() };
    if (all.length === 0) throw new FitError(0, diagnosis);

    const { state, filters, status } = this.runPreFilters(pod);
    if (status) {
      diagnosis.preFilterMsg = status.reasons.join(', ');
      diagnosis.unschedulablePlugins.add(status.plugin);
      throw new FitError(all.length, diagnosis);
    }

    const feasible = this.findNodesThatPassFilters(state, pod, all, diagnosis, filters);
    if (feasible.length === 0) throw new FitError(all.length, diagnosis);
    const evaluatedNodes = feasible.length + diagnosis.nodeToStatus.size;
    if (feasible.length === 1) {
      return { suggestedHost: feasible[0]!.name, evaluatedNodes, feasibleNodes: 1 };
    }
    const totals = this.prioritizeNodes(state, pod, feasible);
    return { suggestedHost: this.selectHost(feasible, totals), evaluatedNodes, feasibleNodes: feasible.length };
  }

  /** PreFilter: per-pod state, and the filters that have something to check for this pod. */
  runPreFilters(pod: Pod): { state: CycleState; filters: FilterPlugin[]; status?: Status } {
    const state = new CycleState();
    const filters: FilterPlugin[] = [];
    for (const p of this.filterPlugins) {
      const st = p.preFilter?.(state, pod);
      if (st === 'skip') continue;
      if (st) return { state, filters, status: st };
      filters.push(p);
    }
    return { state, filters };
  }

  /** Runs the filters on one node; the first rejection wins. */
  static runFilters(filters: readonly FilterPlugin[], state: CycleState, pod: Pod, ni: NodeInfo): Status | null {
    for (let f = 0; f < filters.length; f++) {
      const st = filters[f]!.filter(state, pod, ni);
      if (st) return st;
    }
    return null;
  }

  /** The node as this pod must see it: with nominated pods of at least its priority added. */
  private withNominatedPods(pod: Pod, ni: NodeInfo): NodeInfo {
    const nominated = this.opts.nominator?.podsOn(ni.name);
    if (!nominated || nominated.length === 0) return ni;
    const prio = pod.spec.priority ?? 0;
    const uid = pod.metadata.uid;
    let view: NodeInfo | undefined;
    for (const np of nominated) {
      if ((np.spec.priority ?? 0) < prio || np.metadata.uid === uid) continue;
      view ??= ni.clone();
      view.addPod({ ...np, spec: { ...np.spec, nodeName: ni.name } });
    }
    return view ?? ni;
  }

  /** Filters from the rotating start index until enough feasible nodes are found. */
  findNodesThatPassFilters(
    state: CycleState,
    pod: Pod,
    all: readonly NodeInfo[],
    diagnosis: Diagnosis,
    filters: readonly FilterPlugin[] = this.filterPlugins,
  ): NodeInfo[] {
    const n = all.length;
    const want = numFeasibleNodesToFind(n, this.opts.percentageOfNodesToScore);
    const feasible: NodeInfo[] = [];
    const start = this.nextStartNodeIndex % n;
    let processed = 0;
    const nominations = (this.opts.nominator?.size ?? 0) > 0;
    for (let i = 0; i < n && feasible.length < want; i++) {
      const ni = all[(start + i) % n]!;
      processed++;
      const failed = Framework.runFilters(filters, state, pod, nominations ? this.withNominatedPods(pod, ni) : ni);
      if (failed) {
        diagnosis.nodeToStatus.set(ni.name, failed);
        diagnosis.unschedulablePlugins.add(failed.plugin);
      } else {
        feasible.push(ni);
      }
    }
    this.nextStartNodeIndex = (start + processed) % n;
    return feasible;
  }

  /** Weighted sum of every score plugin's normalized scores, per feasible node. */
  prioritizeNodes(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): number[] {
    const totals = new Array<number>(nodes.length).fill(0);
    const scores = new Array<number>(nodes.length);
    for (const { plugin, weight } of this.scorePlugins) {
      if (plugin.preScore?.(state, pod, nodes) === 'skip') continue;
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i]!);
      plugin.normalizeScore?.(state, pod, scores);
      for (let i = 0; i < nodes.length; i++) totals[i]! += scores[i]! * weight;
    }
    return totals;
  }

  /** The highest total; ties broken uniformly at random (reservoir sampling, as kube-scheduler). */
  selectHost(nodes: readonly NodeInfo[], totals: number[]): string {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      if (totals[i]! > totals[best]!) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return nodes[best]!.name;
  }
}

/** kube-scheduler's DefaultNormalizeScore: scale to 0..100 by the max; reverse flips it. */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: number[]): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.floor((maxPriority * scores[i]!) / max);
    if (reverse) s = maxPriority - s;
    scores[i] = s;
  }
}

export const unschedulable = (plugin: string, ...reasons: string[]): Status => ({ code: 'Unschedulable', reasons, plugin });
export const unresolvable = (plugin: string, ...reasons: string[]): Status => ({
  code: 'UnschedulableAndUnresolvable',
  reasons,
  plugin,
});
