// What to do next for one pod, decided from the pod spec and what the runtime reports
// (kuberuntime's computePodActions). Pure: state in, actions out; kubelet.ts executes them.
//
// Worked example: restartPolicy Always, container "app" attempt 2 exited with code 1 at
// t=100 s, backoff says 20 s remain → no start; waiting.app = CrashLoopBackOff
// "back-off 20s restarting failed container=app …", and a resync at t=120 s.
import { createHash } from 'node:crypto';
import type { Container, Pod } from '../api/core/index.js';
import { formatDuration } from './backoff.js';
import { attemptOf, instancesByName, type PodRuntimeView } from './pod-runtime-view.js';
import { LABEL_CONTAINER_HASH, type ContainerStatus } from './runtime/interface.js';

export interface StartAction {
  name: string;
  init: boolean;
  attempt: number;
  /** Set when this start restarts a finished instance: the kubelet advances the crash-loop backoff. */
  restartOf?: { backoffKey: string; finishedMs: number };
}

export interface KillAction {
  id: string;
  name: string;
  reason: string;
  message: string;
}

export interface PodActions {
  createSandbox: boolean;
  kill: KillAction[];
  start: StartAction[];
  /** Containers that must wait, with why and when to look again. */
  waiting: Record<string, { reason: string; message: string; retryAtMs?: number }>;
  /** Old instances to garbage-collect (everything but the current and previous one). */
  remove: string[];
}

export interface PlanInput {
  pod: Pod;
  view: PodRuntimeView;
  nowMs: number;
  /** ms left in the crash-loop backoff of `key` for a crash that finished at `finishedMs`. */
  backoffRemaining(key: string, finishedMs: number): number;
  backoffDelay(key: string): number;
  /** Running containers whose liveness or startup probe has failed (to be killed and restarted). */
  unhealthy(containerId: string): string | undefined;
}

/** The part of a container spec that, when changed, means the container must be recreated. */
export function containerHash(c: Container): string {
  const { name, image, command, args, workingDir, ports, env, resources, volumeMounts } = c;
  return createHash('sha256').update(JSON.stringify({ name, image, command, args, workingDir, ports, env, resources, volumeMounts })).digest('hex').slice(0, 16);
}

/** The instance was created from an older version of the spec (only image is mutable in a pod). */
function specChanged(spec: Container, c: ContainerStatus): boolean {
  const h = c.labels[LABEL_CONTAINER_HASH];
  return h !== undefined && h !== containerHash(spec);
}

export function backoffKey(pod: Pod, name: string): string {
  return `${pod.metadata.uid}/${name}`;
}

export function shouldRestart(policy: string | undefined, exitCode: number | undefined): boolean {
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return exitCode !== 0;
  return true; // Always (the default)
}

/** Init containers all ran to completion (exit 0) in order? */
export function initDone(pod: Pod, byName: Map<string, ContainerStatus[]>): boolean {
  return (pod.spec.initContainers ?? []).every((c) => {
    const cur = byName.get(c.name)?.[0];
    return cur?.state === 'exited' && cur.exitCode === 0;
  });
}

/** A pod whose every container has finished for good under its restart policy. */
export function podFinished(pod: Pod, byName: Map<string, ContainerStatus[]>): boolean {
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (policy === 'Always') return false;
  if (initFailedForGood(pod, byName)) return true;
  return pod.spec.containers.every((c) => {
    const cur = byName.get(c.name)?.[0];
    return cur?.state === 'exited' && !shouldRestart(policy, cur.exitCode) && !specChanged(c, cur);
  });
}

function initFailedForGood(pod: Pod, byName: Map<string, ContainerStatus[]>): boolean {
  if ((pod.spec.restartPolicy ?? 'Always') !== 'Never') return false;
  return (pod.spec.initContainers ?? []).some((c) => {
    const cur = byName.get(c.name)?.[0];
    return cur?.state === 'exited' && cur.exitCode !== 0;
  });
}

export function computePodActions(input: PlanInput): PodActions {
  const { pod, view, nowMs } = input;
  const actions: PodActions = { createSandbox: false, kill: [], start: [], waiting: {}, remove: [] };
  const byName = instancesByName(view.containers);
  const policy = pod.spec.restartPolicy ?? 'Always';

  // Keep the current and the previous instance of each container (logs --previous); drop older ones.
  for (const list of byName.values()) for (const old of list.slice(2)) if (old.state !== 'running') actions.remove.push(old.id);

  if (podFinished(pod, byName)) return actions;

  if (!view.sandbox || view.sandbox.state !== 'ready') {
    actions.createSandbox = true;
    // Everything restarts inside the new sandbox.
    for (const c of view.containers) if (c.state === 'running') actions.kill.push({ id: c.id, name: c.labels['io.kubernetes.container.name'] ?? '', reason: 'SandboxChanged', message: 'Pod sandbox changed, it will be killed and re-created.' });
  }

  /** Decide about one container spec; returns true if it is (or will be) running now. */
  const consider = (spec: Container, init: boolean): 'running' | 'done' | 'blocked' => {
    const list = byName.get(spec.name) ?? [];
    const cur = list[0];
    if (!cur) {
      actions.start.push({ name: spec.name, init, attempt: 0 });
      return 'blocked';
    }
    if (cur.state === 'running') {
      if (actions.createSandbox) return 'blocked';
      if (!init && specChanged(spec, cur)) {
        actions.kill.push({ id: cur.id, name: spec.name, reason: 'SpecChanged', message: `Container ${spec.name} definition changed, will be restarted` });
        return 'blocked';
      }
      const why = input.unhealthy(cur.id);
      if (why) actions.kill.push({ id: cur.id, name: spec.name, reason: 'Unhealthy', message: why });
      return init ? 'blocked' : 'running';
    }
    if (cur.state === 'created' || cur.state === 'unknown') {
      // Created but never started (the kubelet died in between): replace it.
      actions.remove.push(cur.id);
      actions.start.push({ name: spec.name, init, attempt: attemptOf(cur) + 1 });
      return 'blocked';
    }
    // exited
    if (!init && specChanged(spec, cur)) {
      // Recreated with the new spec at once, whatever the restart policy (as Kubernetes does).
      actions.start.push({ name: spec.name, init, attempt: attemptOf(cur) + 1 });
      return 'blocked';
    }
    if (init && cur.exitCode === 0) return 'done';
    if (!init && !shouldRestart(policy, cur.exitCode)) return 'done';
    if (init && policy === 'Never') return 'blocked'; // init failed: the pod fails
    const key = backoffKey(pod, spec.name);
    const finishedMs = cur.finishedAt ? Date.parse(cur.finishedAt) : nowMs;
    const left = input.backoffRemaining(key, finishedMs);
    if (left > 0) {
      const delay = input.backoffDelay(key);
      actions.waiting[spec.name] = {
        reason: 'CrashLoopBackOff',
        message: `back-off ${formatDuration(delay)} restarting failed container=${spec.name} pod=${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid})`,
        retryAtMs: nowMs + left,
      };
      return 'blocked';
    }
    actions.start.push({ name: spec.name, init, attempt: attemptOf(cur) + 1, restartOf: { backoffKey: key, finishedMs } });
    return 'blocked';
  };

  // Init containers one at a time, in order; regular containers only once all have succeeded.
  for (const spec of pod.spec.initContainers ?? []) {
    if (consider(spec, true) !== 'done') return actions;
  }
  for (const spec of pod.spec.containers) consider(spec, false);
  return actions;
}
