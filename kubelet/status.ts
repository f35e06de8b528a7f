// The pod's status as the kubelet reports it (generateAPIPodStatus + getPhase). Pure: pod,
// runtime view and probe results in, PodStatus out. Timestamps that did not change
// (startTime, lastTransitionTime) are carried over from the previous status, so an
// unchanged pod produces an identical status and no write.
import type { Container, ContainerState, ContainerStatus as ApiContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from '../api/core/index.js';
import { attemptOf, instancesByName, type PodRuntimeView } from './pod-runtime-view.js';
import { initDone, podFinished } from './sync-pod.js';
import type { ContainerStatus } from './runtime/interface.js';

export interface StatusInput {
  pod: Pod;
  view: PodRuntimeView;
  hostIP: string;
  /** Why a container is not running (ErrImagePull, CrashLoopBackOff, CreateContainerError…). */
  waiting: Record<string, { reason: string; message: string }>;
  ready(containerId: string): boolean;
  started(containerId: string): boolean;
  /** "skiff" or "docker": the scheme of containerID. */
  runtimeName: string;
  nowIso: string;
  /** The kubelet failed the pod itself (activeDeadlineSeconds): phase Failed with this reason. */
  failed?: { reason: string; message: string };
}

function terminatedOf(c: ContainerStatus, runtimeName: string): ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode ?? 0,
      reason: c.reason ?? (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(c.message ? { message: c.message } : {}),
      startedAt: c.startedAt ? isoSeconds(c.startedAt) : undefined,
      finishedAt: c.finishedAt ? isoSeconds(c.finishedAt) : undefined,
      containerID: `${runtimeName}://${c.id}`,
    },
  };
}

/** Kubernetes writes times with second precision. */
export function isoSeconds(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function containerStatusFor(spec: Container, list: ContainerStatus[], input: StatusInput, defaultWaiting: string): ApiContainerStatus {
  const [cur, prev] = list;
  const waiting = input.waiting[spec.name];
  const base = { name: spec.name, image: spec.image ?? '', imageID: cur?.imageId ?? '', restartCount: cur ? attemptOf(cur) : 0 };
  if (!cur) {
    return { ...base, state: { waiting: waiting ?? { reason: defaultWaiting } }, ready: false, started: false };
  }
  const containerID = `${input.runtimeName}://${cur.id}`;
  if (cur.state === 'running') {
    const started = input.started(cur.id);
    return {
      ...base,
      containerID,
      state: { running: { startedAt: cur.startedAt ? isoSeconds(cur.startedAt) : undefined } },
      ...(prev && prev.state === 'exited' ? { lastState: terminatedOf(prev, input.runtimeName) } : {}),
      ready: started && input.ready(cur.id),
      started,
    };
  }
  if (cur.state === 'exited') {
    if (waiting) {
      // Waiting to restart (CrashLoopBackOff): the instance that ended is the last state.
      return { ...base, containerID, state: { waiting }, lastState: terminatedOf(cur, input.runtimeName), ready: false, started: false };
    }
    return {
      ...base,
      containerID,
      state: terminatedOf(cur, input.runtimeName),
      ...(prev && prev.state === 'exited' ? { lastState: terminatedOf(prev, input.runtimeName) } : {}),
      ready: false,
      started: false,
    };
  }
  return { ...base, containerID, state: { waiting: waiting ?? { reason: defaultWaiting } }, ready: false, started: false };
}

/** getPhase: the pod's phase from its containers' states and restart policy. */
export function podPhase(pod: Pod, initStatuses: ApiContainerStatus[], statuses: ApiContainerStatus[]): PodPhase {
  const policy = pod.spec.restartPolicy ?? 'Always';
  const initialized = initStatuses.every((s) => s.state?.terminated?.exitCode === 0);
  if (!initialized) {
    const failed = initStatuses.some((s) => (s.state?.terminated && s.state.terminated.exitCode !== 0) || s.lastState?.terminated);
    if (failed && policy === 'Never') return 'Failed';
    return 'Pending';
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(prev: PodCondition[] | undefined, type: string, ok: boolean, reason: string | undefined, message: string | undefined, nowIso: string): PodCondition {
  const status = ok ? 'True' : 'False';
  const old = prev?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : isoSeconds(nowIso),
  } as PodCondition;
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

/**
 * The status manager's rule that a restart never rewrites history: what the runtime no longer
 * knows (a kubelet restart after a reboot, containers gone) does not erase what was reported.
 * A container that terminated and will not run again (the pod is finished, or its restart
 * policy does not restart it) keeps its terminated state — exit code, reason, times, ID;
 * restartCount never decreases; a lastState once reported stays until a newer one replaces it.
 */
export function keepHistory(computed: ApiContainerStatus[], reported: ApiContainerStatus[] | undefined, pod: Pod, podTerminal: boolean): ApiContainerStatus[] {
  if (!reported?.length) return computed;
  const policy = pod.spec.restartPolicy ?? 'Always';
  return computed.map((s) => {
    const was = reported.find((r) => r.name === s.name);
    if (!was) return s;
    const term = was.state?.terminated;
    const final = !!term && (podTerminal || policy === 'Never' || (policy === 'OnFailure' && term.exitCode === 0));
    // The runtime has no instance of it (no containerID): the reported end stands.
    if (final && !s.containerID) return { ...was, ready: false, started: false };
    return {
      ...s,
      restartCount: Math.max(s.restartCount, was.restartCount ?? 0),
      ...(!s.lastState && was.lastState ? { lastState: was.lastState } : {}),
    };
  });
}

export function computePodStatus(input: StatusInput): PodStatus {
  const { pod, view } = input;
  const old = pod.status ?? {};
  const byName = instancesByName(view.containers);
  const inits = pod.spec.initContainers ?? [];
  const initDoneNow = initDone(pod, byName);
  const oldTerminal = old.phase === 'Succeeded' || old.phase === 'Failed';
  const initStatuses = keepHistory(inits.map((c) => containerStatusFor(c, byName.get(c.name) ?? [], input, 'PodInitializing')), old.initContainerStatuses, pod, oldTerminal);
  const statuses = keepHistory(pod.spec.containers.map((c) => containerStatusFor(c, byName.get(c.name) ?? [], input, initDoneNow ? 'ContainerCreating' : 'PodInitializing')), old.containerStatuses, pod, oldTerminal);

  let phase = podPhase(pod, initStatuses, statuses);
  // Terminal phases are final (a Succeeded pod never runs again).
  if (input.failed) phase = 'Failed';
  else if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;
  else if ((phase === 'Succeeded' || phase === 'Failed') && !podFinished(pod, byName)) phase = 'Running';

  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const uninit = initStatuses.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name);
  const allReady = unready.length === 0 && !terminal;
  const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMsg = terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const prevConds = old.conditions ?? undefined;
  const conditions: PodCondition[] = [
    condition(prevConds, 'Initialized', initDoneNow, terminal ? 'PodCompleted' : 'ContainersNotInitialized', terminal ? undefined : `containers with incomplete status: [${uninit.join(' ')}]`, input.nowIso),
    condition(prevConds, 'Ready', allReady, notReadyReason, notReadyMsg, input.nowIso),
    condition(prevConds, 'ContainersReady', allReady, notReadyReason, notReadyMsg, input.nowIso),
    condition(prevConds, 'PodScheduled', true, undefined, undefined, input.nowIso),
  ];

  const podIP = view.sandbox?.ip ?? (view.sandbox ? input.hostIP : old.podIP);
  const reason = input.failed ?? (terminal && old.reason ? { reason: old.reason, message: old.message ?? '' } : undefined);
  const status: PodStatus = {
    phase,
    ...(reason ? { reason: reason.reason, message: reason.message } : {}),
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: old.startTime ?? isoSeconds(input.nowIso),
    ...(inits.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    qosClass: qosClass(pod),
  };
  return status;
}

/** Guaranteed when every container has equal cpu+memory requests and limits; BestEffort with none at all. */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const any = all.some((c) => Object.keys(c.resources?.limits ?? {}).length || Object.keys(c.resources?.requests ?? {}).length);
  if (!any) return 'BestEffort';
  const guaranteed = all.every((c) => {
    const l = c.resources?.limits ?? {};
    const r = { ...l, ...(c.resources?.requests ?? {}) };
    return ['cpu', 'memory'].every((k) => l[k] !== undefined && String(l[k]) === String(r[k]));
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Stable comparison of two statuses (key order independent). */
export function sameStatus(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
