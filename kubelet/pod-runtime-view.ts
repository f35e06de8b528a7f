// A pod as the runtime sees it: its sandbox and every container instance, grouped by
// container name with the newest attempt first. Built from runtime labels only, which is
// what lets a restarted kubelet pick up where the previous one stopped.
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  type ContainerStatus,
  type SandboxStatus,
} from './runtime/interface.js';

export interface PodRuntimeView {
  /** The newest sandbox of the pod, if any. */
  sandbox?: SandboxStatus;
  /** Older sandboxes (left over from a sandbox restart) to remove. */
  staleSandboxes: SandboxStatus[];
  containers: ContainerStatus[];
}

export const attemptOf = (c: ContainerStatus): number => Number(c.labels[LABEL_ATTEMPT] ?? 0);
export const containerNameOf = (c: ContainerStatus): string => c.labels[LABEL_CONTAINER_NAME] ?? '';

/** Instances per container name, newest (highest attempt) first. */
export function instancesByName(containers: ContainerStatus[]): Map<string, ContainerStatus[]> {
  const out = new Map<string, ContainerStatus[]>();
  for (const c of containers) {
    const name = containerNameOf(c);
    const list = out.get(name) ?? [];
    list.push(c);
    out.set(name, list);
  }
  for (const list of out.values()) list.sort((a, b) => attemptOf(b) - attemptOf(a) || b.createdAt.localeCompare(a.createdAt));
  return out;
}

export function buildView(sandboxes: SandboxStatus[], containers: ContainerStatus[]): PodRuntimeView {
  const sorted = [...sandboxes].sort((a, b) => (a.state === b.state ? b.createdAt.localeCompare(a.createdAt) : a.state === 'ready' ? -1 : 1));
  return { sandbox: sorted[0], staleSandboxes: sorted.slice(1), containers };
}
