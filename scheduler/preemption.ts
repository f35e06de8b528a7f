// DefaultPreemption, after kube-scheduler's: when a pod fits nowhere, look for a node where
// evicting pods of lower priority would make it fit, evict as few and as unimportant pods
// as possible, and nominate that node for the pod (status.nominatedNodeName) so that the
// room it made is kept for it while the victims terminate.
//
// Per node (only nodes that failed on something eviction can fix — resources, ports):
//   1. remove every pod of lower priority; if the pod still does not fit, that node's
//      failure is reported ("Insufficient cpu");
//   2. add them back most important first, keeping each one that still leaves room: the
//      rest are the victims.
// Among candidate nodes: lowest highest-victim priority, then lowest sum of victim
// priorities, then fewest victims.
import type { Pod } from '../api/core/index.js';
import type { NodeInfo, Snapshot } from './cache.js';
import { Framework, sortedHistogram, unresolvable, type Diagnosis, type Nominator, type Status } from './framework.js';
import { podKey } from './queue.js';

export const NAME = 'DefaultPreemption';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';

export interface Candidate {
  nodeName: string;
  victims: Pod[];
}

const priorityOf = (p: Pod) => p.spec.priority ?? 0;
const startOf = (p: Pod) => Date.parse(p.status?.startTime ?? p.metadata.creationTimestamp ?? '') || 0;

/** Most important first: higher priority, then the one running longer (k8s MoreImportantPod). */
export function moreImportantFirst(a: Pod, b: Pod): number {
  return priorityOf(b) - priorityOf(a) || startOf(a) - startOf(b);
}

export function selectVictimsOnNode(fw: Framework, pod: Pod, ni: NodeInfo): { victims: Pod[] } | { status: Status } {
  const prio = priorityOf(pod);
  const lower: Pod[] = [];
  for (const p of ni.pods.values()) if (priorityOf(p) < prio) lower.push(p);
  if (lower.length === 0) return { status: unresolvable(NAME, NO_VICTIMS) };
  const sim = ni.clone();
  for (const v of lower) sim.removePod(podKey(v));
  const { state, filters, status } = fw.runPreFilters(pod);
  if (status) return { status };
  const st = Framework.runFilters(filters, state, pod, sim);
  if (st) return { status: st };
  lower.sort(moreImportantFirst);
  const victims: Pod[] = [];
  for (const v of lower) {
    sim.addPod(v);
    if (Framework.runFilters(filters, state, pod, sim)) {
      sim.removePod(podKey(v));
      victims.push(v);
    }
  }
  return { victims };
}

export function pickOneNodeForPreemption(candidates: Candidate[]): Candidate | undefined {
  const key = (c: Candidate) => {
    let max = -Infinity;
    let sum = 0;
    for (const v of c.victims) {
      max = Math.max(max, priorityOf(v));
      sum += priorityOf(v);
    }
    return [max, sum, c.victims.length];
  };
  let best: Candidate | undefined;
  let bestKey: number[] = [];
  for (const c of candidates) {
    const k = key(c);
    if (!best || k[0]! < bestKey[0]! || (k[0] === bestKey[0] && (k[1]! < bestKey[1]! || (k[1] === bestKey[1] && k[2]! < bestKey[2]!)))) {
      best = c;
      bestKey = k;
    }
  }
  return best;
}

/**
 * Why the pod may not preempt at all (k8s PodEligibleToPreemptOthers), or undefined.
 * A pod already nominated to a node where lower-priority pods are still terminating waits
 * for them instead of evicting more.
 */
export function notEligibleReason(pod: Pod, nominatedNode: string | undefined, snapshot: Snapshot): string | undefined {
  if (pod.spec.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
  if (nominatedNode) {
    const ni = snapshot.get(nominatedNode);
    if (ni) {
      for (const p of ni.pods.values()) {
        if (p.metadata.deletionTimestamp && priorityOf(p) < priorityOf(pod)) {
          return 'not eligible due to a terminating pod on the nominated node.';
        }
      }
    }
  }
  return undefined;
}

export interface PreemptionOutcome {
  candidate?: Candidate;
  /** The "preemption: ..." part of the FailedScheduling message ('' when a candidate was found). */
  message: string;
}

export function preempt(fw: Framework, pod: Pod, snapshot: Snapshot, diagnosis: Diagnosis, nominatedNode?: string): PreemptionOutcome {
  const numAll = snapshot.nodes.length;
  const why = notEligibleReason(pod, nominatedNode, snapshot);
  if (why) return { message: `preemption: ${why}` };
  const histogram = new Map<string, number>();
  const candidates: Candidate[] = [];
  for (const [name, st] of diagnosis.nodeToStatus) {
    const ni = st.code === 'Unschedulable' ? snapshot.get(name) : undefined;
    const r = ni ? selectVictimsOnNode(fw, pod, ni) : { status: unresolvable(NAME, NOT_HELPFUL) };
    if ('victims' in r) candidates.push({ nodeName: name, victims: r.victims });
    else for (const reason of r.status.reasons) histogram.set(reason, (histogram.get(reason) ?? 0) + 1);
  }
  const candidate = pickOneNodeForPreemption(candidates);
  if (candidate) return { candidate, message: '' };
  return { message: `preemption: 0/${numAll} nodes are available: ${sortedHistogram(histogram).join(', ')}.` };
}

/** The nominated pods, by node (kube-scheduler's nominator). */
export class PodNominator implements Nominator {
  private readonly byPod = new Map<string, { pod: Pod; nodeName: string }>();
  private readonly byNode = new Map<string, Pod[]>();

  get size(): number {
    return this.byPod.size;
  }

  podsOn(nodeName: string): readonly Pod[] | undefined {
    return this.byNode.get(nodeName);
  }

  nodeOf(key: string): string | undefined {
    return this.byPod.get(key)?.nodeName;
  }

  add(pod: Pod, nodeName: string): void {
    const key = podKey(pod);
    this.remove(key);
    this.byPod.set(key, { pod, nodeName });
    const l = this.byNode.get(nodeName) ?? [];
    l.push(pod);
    this.byNode.set(nodeName, l);
  }

  remove(key: string): void {
    const e = this.byPod.get(key);
    if (!e) return;
    this.byPod.delete(key);
    const l = (this.byNode.get(e.nodeName) ?? []).filter((p) => podKey(p) !== key);
    if (l.length) this.byNode.set(e.nodeName, l);
    else this.byNode.delete(e.nodeName);
  }
}
