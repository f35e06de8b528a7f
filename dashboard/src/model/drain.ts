// What draining a node does to each of its pods, as `kubectl drain --ignore-daemonsets`
// decides: mirror pods and DaemonSet pods are left (their controllers would put them straight
// back), pods no controller would recreate need --force, pods with emptyDir data need
// --delete-emptydir-data; everything else is evicted. Pure.
import type { KubeObject } from './objects.js';

export interface DrainOptions {
  /** kubectl's --force: also evict pods no controller manages (they will not come back). */
  force: boolean;
  /** kubectl's --delete-emptydir-data: also evict pods whose emptyDir data is lost with them. */
  deleteEmptyDirData: boolean;
}

export type PodFate =
  | { kind: 'evict' }
  | { kind: 'ignore'; reason: string }
  | { kind: 'blocked'; reason: string; override: keyof DrainOptions };

export interface DrainPlan {
  evict: KubeObject[];
  ignored: { pod: KubeObject; reason: string }[];
  /** kubectl's refusal, one line per kind of blocker; empty = the drain can go on. */
  errors: string[];
}

const keyOf = (p: KubeObject) => `${p.metadata.namespace}/${p.metadata.name}`;

export function podFate(p: KubeObject, opts: DrainOptions): PodFate {
  if (p.metadata.annotations?.['kubernetes.io/config.mirror']) return { kind: 'ignore', reason: 'mirror pod' };
  const finished = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
  const controller = (p.metadata.ownerReferences ?? []).find((o) => o.controller);
  if (controller?.kind === 'DaemonSet') return { kind: 'ignore', reason: 'DaemonSet-managed' };
  if (!controller && !finished && !opts.force) return { kind: 'blocked', reason: 'declares no controller', override: 'force' };
  if (!finished && (p.spec?.volumes ?? []).some((v: { emptyDir?: unknown }) => v.emptyDir) && !opts.deleteEmptyDirData) {
    return { kind: 'blocked', reason: 'has local storage (emptyDir)', override: 'deleteEmptyDirData' };
  }
  return { kind: 'evict' };
}

export function planDrain(pods: KubeObject[], opts: DrainOptions): DrainPlan {
  const plan: DrainPlan = { evict: [], ignored: [], errors: [] };
  const unreplicated: string[] = [];
  const localStorage: string[] = [];
  for (const p of pods) {
    const f = podFate(p, opts);
    if (f.kind === 'evict') plan.evict.push(p);
    else if (f.kind === 'ignore') plan.ignored.push({ pod: p, reason: f.reason });
    else (f.override === 'force' ? unreplicated : localStorage).push(keyOf(p));
  }
  if (unreplicated.length) plan.errors.push(`cannot delete Pods that declare no controller (use --force to override): ${unreplicated.join(', ')}`);
  if (localStorage.length) plan.errors.push(`cannot delete Pods with local storage (use --delete-emptydir-data to override): ${localStorage.join(', ')}`);
  return plan;
}

/**
 * Whether the server serves pods/eviction (kubectl's CheckEvictionSupport reads the core
 * group's discovery); without it drain deletes the pods instead, as kubectl does.
 */
export function servesEviction(coreResources: { resources?: { name: string }[] }): boolean {
  return (coreResources.resources ?? []).some((r) => r.name === 'pods/eviction');
}

/** The Eviction kubectl posts to pods/NAME/eviction. */
export function evictionFor(p: KubeObject): Record<string, unknown> {
  return { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: p.metadata.name, namespace: p.metadata.namespace } };
}
