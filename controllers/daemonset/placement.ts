// Where a DaemonSet's pod belongs (NodeShouldRunDaemonPod and NewPod in
// k8s.io/kubernetes/pkg/controller/daemon, v1.32): a node runs the pod if the template's
// nodeName (if any), nodeSelector and required node affinity match it and every NoSchedule /
// NoExecute taint on it is tolerated — with the tolerations every daemon pod gets, so an
// agent keeps running on a node that is not ready, unreachable, under pressure or cordoned.
// A pod already there may stay as long as no NoExecute taint is untolerated.
//
// The pod itself goes through the default scheduler (as since Kubernetes 1.12): its required
// node affinity is replaced by `matchFields metadata.name In [node]`, which only that node
// satisfies.
import type { DaemonSet } from '../../api/apps/index.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../../api/apps/index.js';
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, PodTemplateSpec, Taint, Toleration } from '../../api/core/index.js';
import { newRequirement, Selector, type Operator } from '../../api/labels.js';
import { deepEqual } from '../../api/patch/merge.js';
import { newControllerRef } from '../controller-ref.js';
import { toleratesTaint } from '../node-lifecycle/planner.js';

/** AddOrUpdateDaemonPodTolerations: what every daemon pod tolerates, forever. */
export function daemonPodTolerations(hostNetwork: boolean): Toleration[] {
  const t = (key: string, effect: 'NoExecute' | 'NoSchedule'): Toleration => ({ key, operator: 'Exists', effect });
  return [
    t('node.kubernetes.io/not-ready', 'NoExecute'),
    t('node.kubernetes.io/unreachable', 'NoExecute'),
    t('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    t('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    t('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    t('node.kubernetes.io/unschedulable', 'NoSchedule'),
    ...(hostNetwork ? [t('node.kubernetes.io/network-unavailable', 'NoSchedule')] : []),
  ];
}

/** The template's tolerations plus the daemon ones it does not already have. */
export function withDaemonTolerations(tolerations: readonly Toleration[] | undefined, hostNetwork: boolean): Toleration[] {
  const out = [...(tolerations ?? [])];
  for (const d of daemonPodTolerations(hostNetwork)) {
    if (!out.some((t) => t.key === d.key && t.effect === d.effect && (t.operator ?? 'Equal') === d.operator)) out.push(d);
  }
  return out;
}

const OPS: Record<NodeSelectorRequirement['operator'], Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!', Gt: 'gt', Lt: 'lt' };

/** A NodeSelectorTerm against a node: label expressions and metadata.name fields, ANDed; an empty term matches nothing. */
export function termMatchesNode(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  try {
    const labels = new Selector(exprs.map((e) => newRequirement(e.key, OPS[e.operator], e.values ?? [])));
    if (!labels.matches(node.metadata.labels ?? {})) return false;
  } catch {
    return false;
  }
  for (const f of fields) {
    if (f.key !== 'metadata.name') return false;
    const has = (f.values ?? []).includes(node.metadata.name ?? '');
    if (f.operator === 'In' ? !has : f.operator === 'NotIn' ? has : true) return false;
  }
  return true;
}

/** nodeSelector (every pair) and required node affinity (any term). */
export function fitsNodeAffinity(template: PodTemplateSpec, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(template.spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = template.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !required.nodeSelectorTerms.some((t) => termMatchesNode(t, node))) return false;
  return true;
}

export interface Placement {
  /** A daemon pod should be created here if none is. */
  shouldRun: boolean;
  /** A daemon pod already here may stay. */
  shouldContinueRunning: boolean;
}

/** NodeShouldRunDaemonPod. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): Placement {
  const spec = ds.spec.template.spec;
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!fitsNodeAffinity(ds.spec.template, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(spec.tolerations, !!spec.hostNetwork);
  const untolerated = (effects: string[]) => (node.spec?.taints ?? []).some((taint: Taint) =>
    effects.includes(taint.effect) && !tolerations.some((t) => toleratesTaint(t, taint)));
  if (untolerated(['NoSchedule', 'NoExecute'])) return { shouldRun: false, shouldContinueRunning: !untolerated(['NoExecute']) };
  return { shouldRun: true, shouldContinueRunning: true };
}

/**
 * updateNode's filter: does this node update change anything for this DaemonSet? Only labels
 * and taints decide placement (shouldIgnoreNodeUpdate), and only a change of shouldRun or
 * shouldContinueRunning is news. Heartbeats (status, every few seconds on each of a
 * thousand nodes) would otherwise re-plan every DaemonSet each time.
 */
export function nodeUpdateConcerns(old: Node, cur: Node, ds: DaemonSet): boolean {
  if (deepEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {}) && deepEqual(old.spec?.taints ?? [], cur.spec?.taints ?? [])) return false;
  const before = nodeShouldRunDaemonPod(old, ds);
  const after = nodeShouldRunDaemonPod(cur, ds);
  return before.shouldRun !== after.shouldRun || before.shouldContinueRunning !== after.shouldContinueRunning;
}

/** Where a daemon pod is meant to be: spec.nodeName, else the node its affinity pins it to. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** The pod to POST for `nodeName`: the template, the revision hash label, our controllerRef, pinned by affinity, daemon tolerations. */
export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const template = structuredClone(ds.spec.template);
  const spec = template.spec;
  const pin: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  spec.affinity ??= {};
  spec.affinity.nodeAffinity ??= {};
  spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [pin] };
  spec.tolerations = withDaemonTolerations(spec.tolerations, !!spec.hostNetwork);
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    spec,
  };
}
