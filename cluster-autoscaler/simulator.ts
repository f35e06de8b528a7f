// Scheduling simulation for the autoscaler, as upstream's simulator does with the scheduler
// framework: would this pod fit on that node (a real one, or a template of a node not yet
// started)? The checks are the scheduler's own filter plugins, so the autoscaler never adds a
// node for a pod the scheduler would still refuse, nor removes one whose pods have nowhere to go.
import type { Node, Pod } from '../api/core/index.js';
import { NodeInfo, podRequest } from '../scheduler/cache.js';
import { Framework } from '../scheduler/framework.js';
import { NodeAffinity } from '../scheduler/plugins/node-affinity.js';
import { NodePorts } from '../scheduler/plugins/node-ports.js';
import { NodeReady } from '../scheduler/plugins/node-ready.js';
import { NodeResourcesFit } from '../scheduler/plugins/node-resources-fit.js';
import { NodeUnschedulable } from '../scheduler/plugins/node-unschedulable.js';
import { TaintToleration } from '../scheduler/plugins/taint-toleration.js';

/** The taint the autoscaler puts on a node it is about to remove (upstream's name and effect). */
export const TO_BE_DELETED_TAINT = 'ToBeDeletedByClusterAutoscaler';

/**
 * The per-node filters. Topology spread and volume binding look across nodes and at claims,
 * which a one-node question cannot answer; upstream leaves the same gaps to the scheduler.
 */
const framework = new Framework([new NodeUnschedulable(), new NodeReady(), new TaintToleration(), new NodeAffinity(), new NodePorts(), new NodeResourcesFit()], []);

/** A pod a DaemonSet runs: it comes with every node and goes with it. */
export function isDaemonSetPod(pod: Pod): boolean {
  return (pod.metadata.ownerReferences ?? []).some((r) => r.controller && r.kind === 'DaemonSet');
}

/** A pod that still holds its node's resources (not finished, not yet gone). */
export function holdsResources(pod: Pod): boolean {
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

/** The pods that must find another node if this one goes (DaemonSet pods go with it; finished ones need no room). */
export function podsToMove(ni: NodeInfo): Pod[] {
  return [...ni.pods.values()].filter((p) => holdsResources(p) && !isDaemonSetPod(p));
}

export function nodeInfo(node: Node, pods: readonly Pod[]): NodeInfo {
  const ni = new NodeInfo(node.metadata.name!);
  ni.setNode(node);
  for (const p of pods) ni.addPod(p);
  return ni;
}

/** Whether the scheduler's filters would accept `pod` on `ni`. */
export function fits(pod: Pod, ni: NodeInfo): boolean {
  const { state, filters, status } = framework.runPreFilters(pod);
  if (status) return false;
  return Framework.runFilters(filters, state, pod, ni) === null;
}

/** `ni` with `pod` placed on it (a copy: the simulation never touches the real picture). */
export function withPod(ni: NodeInfo, pod: Pod): NodeInfo {
  const c = ni.clone();
  c.addPod({ ...pod, spec: { ...pod.spec, nodeName: ni.name } });
  return c;
}

/**
 * What a new node of the group looks like before it exists (upstream's sanitized template
 * NodeInfo): a copy of one of the group's nodes, Ready and schedulable, with its own hostname,
 * without the taints the control plane puts on troubled or departing nodes, and carrying the
 * DaemonSet pods it would get.
 */
export function templateNodeInfo(source: Node, sourcePods: readonly Pod[], name = 'template-node'): NodeInfo {
  const transient = (key: string) => key.startsWith('node.kubernetes.io/') || key === TO_BE_DELETED_TAINT;
  const node: Node = {
    ...source,
    metadata: { name, labels: { ...(source.metadata.labels ?? {}), 'kubernetes.io/hostname': name } },
    spec: { ...source.spec, unschedulable: false, taints: (source.spec?.taints ?? []).filter((t) => !transient(t.key)) },
    status: { ...source.status, conditions: [{ type: 'Ready', status: 'True' }] },
  };
  return nodeInfo(node, sourcePods.filter((p) => isDaemonSetPod(p) && holdsResources(p)).map((p) => ({ ...p, spec: { ...p.spec, nodeName: name } })));
}

/**
 * First-fit binpacking of `pods` onto `nodes` (already there, or coming), then onto as many
 * fresh copies of `template` as it takes, up to `maxNew` (upstream's binpacking estimator).
 * Returns how many new nodes were needed, the pods placed on them, and the pods that found no
 * place even then.
 */
export function binpack(pods: readonly Pod[], nodes: readonly NodeInfo[], template: NodeInfo, maxNew: number): { newNodes: number; onNew: Pod[]; unplaced: Pod[] } {
  const bins = [...nodes];
  const fresh: NodeInfo[] = [];
  const onNew: Pod[] = [];
  const unplaced: Pod[] = [];
  // Largest first: the classic first-fit-decreasing order wastes the least.
  const order = [...pods].sort((a, b) => size(b) - size(a));
  for (const pod of order) {
    let i = bins.findIndex((b) => fits(pod, b));
    if (i < 0 && fresh.length < maxNew && fits(pod, template)) {
      const n = template.clone();
      fresh.push(n);
      bins.push(n);
      i = bins.length - 1;
    }
    if (i < 0) unplaced.push(pod);
    else {
      bins[i] = withPod(bins[i]!, pod);
      if (i >= nodes.length) onNew.push(pod);
    }
  }
  return { newNodes: fresh.length, onNew, unplaced };
}

function size(pod: Pod): number {
  const { requests } = podRequest(pod);
  // cpu in millicores and memory in MiB weigh alike: a rough but stable order.
  return requests.milliCPU + requests.memory / (1024 * 1024);
}
