// What the views show, computed from objects: a node's readiness and what its pods request,
// a pod's status column as kubectl prints it, ages, a Deployment's rollout. Pure.
import { keyOf, type KubeObject } from './objects.js';
import { parseQuantity } from './quantity.js';

export function nodeReady(node: KubeObject): 'True' | 'False' | 'Unknown' {
  const c = (node.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
  return c?.status ?? 'Unknown';
}

/** Pods that hold a node's resources: bound to it and not finished (as the scheduler counts). */
export function podsOnNode(pods: KubeObject[], node: string): KubeObject[] {
  return pods.filter((p) => p.spec?.nodeName === node && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
}

/** A pod's requests: the sum over its containers, or an init container's if larger. */
export function podRequests(pod: KubeObject): { cpu: number; memory: number } {
  const sum = { cpu: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    sum.cpu += parseQuantity(c.resources?.requests?.cpu) || 0;
    sum.memory += parseQuantity(c.resources?.requests?.memory) || 0;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    sum.cpu = Math.max(sum.cpu, parseQuantity(c.resources?.requests?.cpu) || 0);
    sum.memory = Math.max(sum.memory, parseQuantity(c.resources?.requests?.memory) || 0);
  }
  return sum;
}

export function nodeUsage(node: KubeObject, pods: KubeObject[]) {
  const on = podsOnNode(pods, node.metadata.name);
  const requested = on.reduce((a, p) => {
    const r = podRequests(p);
    return { cpu: a.cpu + r.cpu, memory: a.memory + r.memory };
  }, { cpu: 0, memory: 0 });
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  return {
    pods: on.length,
    maxPods: parseQuantity(alloc.pods) || 0,
    cpu: { requested: requested.cpu, allocatable: parseQuantity(alloc.cpu) || 0 },
    memory: { requested: requested.memory, allocatable: parseQuantity(alloc.memory) || 0 },
  };
}

/** The STATUS column of `kubectl get pods` (waiting/terminated reasons over the phase). */
export function podStatus(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  let reason: string = pod.status?.reason ?? pod.status?.phase ?? 'Unknown';
  for (const cs of pod.status?.initContainerStatuses ?? []) {
    if (cs.state?.terminated?.exitCode === 0) continue;
    if (cs.state?.terminated) return `Init:${cs.state.terminated.reason ?? 'Error'}`;
    if (cs.state?.waiting?.reason && cs.state.waiting.reason !== 'PodInitializing') return `Init:${cs.state.waiting.reason}`;
    return 'Init';
  }
  for (const cs of [...(pod.status?.containerStatuses ?? [])].reverse()) {
    if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
    else if (cs.state?.terminated?.reason) reason = cs.state.terminated.reason;
  }
  return reason;
}

export function podRestarts(pod: KubeObject): number {
  return (pod.status?.containerStatuses ?? []).reduce((n: number, c: { restartCount?: number }) => n + (c.restartCount ?? 0), 0);
}

export function podReadyCount(pod: KubeObject): string {
  const cs = pod.status?.containerStatuses ?? [];
  return `${cs.filter((c: { ready?: boolean }) => c.ready).length}/${(pod.spec?.containers ?? []).length}`;
}

/** Age as kubectl prints it: 45s, 12m, 3h, 5d. */
export function age(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Does an object's label set match `k=v,k2!=v2,k3` (equality and existence selectors)? */
export function matchesLabels(labels: Record<string, string> | undefined, selector: string): boolean {
  const l = labels ?? {};
  for (const part of selector.split(',').map((s) => s.trim()).filter(Boolean)) {
    const ne = /^([^!=]+)!=(.*)$/.exec(part);
    if (ne) { if (l[ne[1]!.trim()] === ne[2]!.trim()) return false; continue; }
    const eq = /^([^!=]+)==?(.*)$/.exec(part);
    if (eq) { if (l[eq[1]!.trim()] !== eq[2]!.trim()) return false; continue; }
    if (part.startsWith('!')) { if (part.slice(1) in l) return false; continue; }
    if (!(part in l)) return false;
  }
  return true;
}

export interface Rollout {
  desired: number;
  /** Replicas of the ReplicaSet with the Deployment's current template, and of all others. */
  current: number;
  old: number;
  ready: number;
  revision?: string;
  complete: boolean;
  /** spec.paused: the controller leaves the template's changes unrolled until resumed. */
  paused: boolean;
}

/** Old vs new ReplicaSet replicas for a Deployment, from the ReplicaSets it controls. */
export function rollout(deploy: KubeObject, replicaSets: KubeObject[]): Rollout {
  const owned = replicaSets.filter((rs) => (rs.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === deploy.metadata.uid));
  const revision = deploy.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const newRs = owned.find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision);
  const current = newRs?.status?.replicas ?? 0;
  const old = owned.filter((rs) => rs !== newRs).reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
  const desired = deploy.spec?.replicas ?? 1;
  const ready = deploy.status?.readyReplicas ?? 0;
  return { desired, current, old, ready, revision, complete: old === 0 && current === desired && (deploy.status?.updatedReplicas ?? 0) === desired && ready === desired, paused: !!deploy.spec?.paused };
}

/** The rollout bar's words: `2 new / 1 old of 3 (rev 4) — rolling`, `… — paused`. */
export function rolloutText(r: Rollout): string {
  const state = r.paused ? ' — paused' : r.complete ? '' : ' — rolling';
  return `${r.current} new${r.old ? ` / ${r.old} old` : ''} of ${r.desired}${r.revision ? ` (rev ${r.revision})` : ''}${state}`;
}

export function keysOf(objects: KubeObject[]): string[] {
  return objects.map(keyOf);
}
