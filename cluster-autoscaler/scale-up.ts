// Scale-up: which pending pods a new node would help, and how many nodes that takes. Pure.
//
// Upstream's reasoning, kept: a pod counts only once the scheduler has said it cannot place it
// (PodScheduled=False, reason Unschedulable); pods that would fit on a node already there or
// already coming (started, not yet Ready) go there first, so one burst never buys twice; pods
// that would not fit even on an empty node of the group's shape buy nothing (NotTriggerScaleUp).
import type { Pod } from '../api/core/index.js';
import type { NodeInfo } from '../scheduler/cache.js';
import { binpack, fits } from './simulator.js';

/** The scheduler's verdict: this pod fits on no node right now. */
export function isUnschedulable(pod: Pod): boolean {
  if (pod.spec.nodeName || pod.metadata.deletionTimestamp) return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
}

export interface ScaleUpInput {
  /** Unschedulable pods old enough to act on (newPodScaleUpDelay already applied). */
  pending: readonly Pod[];
  /** The cluster's nodes as the scheduler sees them (with their pods). */
  nodes: readonly NodeInfo[];
  /** Nodes the group started that have not registered Ready yet, as empty templates. */
  upcoming: readonly NodeInfo[];
  /** An empty node of the group's shape; undefined when the group has no node to copy. */
  template: NodeInfo | undefined;
  size: number;
  maxSize: number;
}

export interface ScaleUpPlan {
  /** Nodes to add (0: none). */
  delta: number;
  /** Pods the new nodes are for (TriggeredScaleUp). */
  helped: Pod[];
  /** Pods no node of the group could take, each with why (NotTriggerScaleUp). */
  notHelped: { pod: Pod; reason: string }[];
}

export function planScaleUp(input: ScaleUpInput): ScaleUpPlan {
  const plan: ScaleUpPlan = { delta: 0, helped: [], notHelped: [] };
  if (!input.pending.length) return plan;
  if (!input.template) {
    for (const pod of input.pending) plan.notHelped.push({ pod, reason: 'the node group has no node to take its shape from' });
    return plan;
  }
  const candidates: Pod[] = [];
  for (const pod of input.pending) {
    if (fits(pod, input.template)) candidates.push(pod);
    else plan.notHelped.push({ pod, reason: "it would not fit on a new node of the group's shape" });
  }
  const room = Math.max(0, input.maxSize - input.size);
  // Existing nodes first (the scheduler may just not have retried yet), then the upcoming ones.
  const packed = binpack(candidates, [...input.nodes, ...input.upcoming], input.template, room);
  plan.delta = packed.newNodes;
  plan.helped = packed.onNew;
  for (const pod of packed.unplaced) plan.notHelped.push({ pod, reason: `the node group is at its maximum size (${input.maxSize})` });
  return plan;
}
