import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import { buildView } from '../../kubelet/pod-runtime-view.js';
import type { ContainerStatus, SandboxStatus } from '../../kubelet/runtime/interface.js';
import { computePodStatus, podPhase } from '../../kubelet/status.js';
import { computePodActions, type PlanInput } from '../../kubelet/sync-pod.js';

const sandbox: SandboxStatus = { id: 'sb', labels: {}, state: 'ready', ip: '10.244.1.2', createdAt: '2026-01-01T00:00:00Z' };

function inst(name: string, attempt: number, state: ContainerStatus['state'], extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return {
    id: `${name}-${attempt}`,
    sandboxId: 'sb',
    labels: { 'io.kubernetes.container.name': name, 'io.kubernetes.container.attempt': String(attempt) },
    image: 'img',
    imageId: 'sha256:1',
    state,
    createdAt: `2026-01-01T00:00:0${attempt}Z`,
    startedAt: state === 'created' ? undefined : `2026-01-01T00:00:0${attempt}Z`,
    ...(state === 'exited' ? { exitCode: 1, reason: 'Error', finishedAt: `2026-01-01T00:00:0${attempt + 1}Z` } : {}),
    ...extra,
  };
}

function mkPod(spec: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'uid-1' },
    spec: { nodeName: 'n', containers: [{ name: 'app', image: 'img' }], ...spec },
  };
}

function plan(pod: Pod, containers: ContainerStatus[], over: Partial<PlanInput> = {}) {
  return computePodActions({
    pod,
    view: buildView([sandbox], containers),
    nowMs: Date.parse('2026-01-01T00:01:00Z'),
    backoffRemaining: () => 0,
    backoffDelay: () => 10_000,
    unhealthy: () => undefined,
    ...over,
  });
}

describe('computePodActions', () => {
  it('creates the sandbox and starts containers of a new pod', () => {
    const a = computePodActions({ pod: mkPod(), view: buildView([], []), nowMs: 0, backoffRemaining: () => 0, backoffDelay: () => 0, unhealthy: () => undefined });
    expect(a.createSandbox).toBe(true);
    expect(a.start).toEqual([{ name: 'app', init: false, attempt: 0 }]);
  });

  it('runs init containers one at a time, in order, before any container', () => {
    const pod = mkPod({ initContainers: [{ name: 'i1' }, { name: 'i2' }] });
    expect(plan(pod, []).start).toEqual([{ name: 'i1', init: true, attempt: 0 }]);
    expect(plan(pod, [inst('i1', 0, 'running')]).start).toEqual([]);
    expect(plan(pod, [inst('i1', 0, 'exited', { exitCode: 0 })]).start).toEqual([{ name: 'i2', init: true, attempt: 0 }]);
    expect(plan(pod, [inst('i1', 0, 'exited', { exitCode: 0 }), inst('i2', 0, 'exited', { exitCode: 0 })]).start).toEqual([{ name: 'app', init: false, attempt: 0 }]);
    // a failed init container is retried (restartPolicy Always) and blocks the rest
    const retry = plan(pod, [inst('i1', 0, 'exited', { exitCode: 2 })]);
    expect(retry.start).toMatchObject([{ name: 'i1', init: true, attempt: 1 }]);
  });

  it('restarts per restartPolicy', () => {
    const crashed = [inst('app', 0, 'exited', { exitCode: 3 })];
    const done = [inst('app', 0, 'exited', { exitCode: 0, reason: 'Completed' })];
    expect(plan(mkPod({ restartPolicy: 'Always' }), done).start).toHaveLength(1);
    expect(plan(mkPod({ restartPolicy: 'OnFailure' }), done).start).toHaveLength(0);
    expect(plan(mkPod({ restartPolicy: 'OnFailure' }), crashed).start).toMatchObject([{ name: 'app', attempt: 1, restartOf: { backoffKey: 'uid-1/app' } }]);
    expect(plan(mkPod({ restartPolicy: 'Never' }), crashed).start).toHaveLength(0);
  });

  it('waits out the crash-loop backoff with a CrashLoopBackOff reason and a retry time', () => {
    const a = plan(mkPod(), [inst('app', 2, 'exited')], { backoffRemaining: () => 15_000, backoffDelay: () => 20_000 });
    expect(a.start).toEqual([]);
    expect(a.waiting.app).toMatchObject({ reason: 'CrashLoopBackOff', retryAtMs: Date.parse('2026-01-01T00:01:15Z') });
    expect(a.waiting.app!.message).toMatch(/^back-off 20s restarting failed container=app pod=p_default\(uid-1\)$/);
  });

  it('kills a container whose liveness probe failed', () => {
    const a = plan(mkPod(), [inst('app', 0, 'running')], { unhealthy: (id) => (id === 'app-0' ? 'Container failed liveness probe, will be restarted' : undefined) });
    expect(a.kill).toMatchObject([{ id: 'app-0', name: 'app', reason: 'Unhealthy' }]);
  });

  it('keeps only the current and previous instance of each container', () => {
    const a = plan(mkPod(), [inst('app', 0, 'exited'), inst('app', 1, 'exited'), inst('app', 2, 'running')]);
    expect(a.remove).toEqual(['app-0']);
  });

  it('replaces an instance that was created but never started (kubelet died in between)', () => {
    const a = plan(mkPod(), [inst('app', 0, 'created')]);
    expect(a.remove).toEqual(['app-0']);
    expect(a.start).toEqual([{ name: 'app', init: false, attempt: 1 }]);
  });
});

describe('computePodStatus', () => {
  const base = { hostIP: '127.0.0.1', waiting: {}, ready: () => true, started: () => true, runtimeName: 'skiff', nowIso: '2026-01-01T00:01:00.000Z' };

  it('a finished pod whose containers the runtime lost (reboot, kubelet restart) keeps its terminated state', () => {
    const terminated = { exitCode: 0, reason: 'Completed', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z', containerID: 'skiff://app-0' };
    const pod: Pod = {
      ...mkPod({ restartPolicy: 'Never' }),
      status: { phase: 'Succeeded', containerStatuses: [{ name: 'app', image: 'img', imageID: 'sha256:1', restartCount: 0, ready: false, containerID: 'skiff://app-0', state: { terminated } }] },
    };
    const s = computePodStatus({ ...base, pod, view: buildView([], []) });
    expect(s.phase).toBe('Succeeded');
    expect(s.containerStatuses![0]).toMatchObject({ name: 'app', containerID: 'skiff://app-0', ready: false, state: { terminated } });
    expect(s.containerStatuses![0]!.state!.waiting).toBeUndefined();
  });

  it('a running pod the runtime lost keeps its restartCount and lastState while it starts again', () => {
    const lastState = { terminated: { exitCode: 1, reason: 'Error', containerID: 'skiff://app-2' } };
    const pod: Pod = {
      ...mkPod(),
      status: { phase: 'Running', containerStatuses: [{ name: 'app', image: 'img', imageID: 'sha256:1', restartCount: 3, ready: true, containerID: 'skiff://app-3', state: { running: {} }, lastState }] },
    };
    const s = computePodStatus({ ...base, pod, view: buildView([], []) });
    expect(s.containerStatuses![0]).toMatchObject({ restartCount: 3, lastState, state: { waiting: { reason: 'ContainerCreating' } } });
    // Once the runtime reports a new instance, the count still never goes down.
    const again = computePodStatus({ ...base, pod, view: buildView([sandbox], [inst('app', 0, 'running')]) });
    expect(again.containerStatuses![0]).toMatchObject({ restartCount: 3, state: { running: {} } });
  });

  it('reports a running, ready pod with IPs, conditions and container state', () => {
    const pod = mkPod();
    const s = computePodStatus({ ...base, pod, view: buildView([sandbox], [inst('app', 0, 'running')]) });
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('10.244.1.2');
    expect(s.hostIP).toBe('127.0.0.1');
    expect(s.conditions!.map((c) => `${c.type}=${c.status}`)).toEqual(['Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
    expect(s.containerStatuses![0]).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0, containerID: 'skiff://app-0', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } });
  });

  it('readiness gates Ready and ContainersReady', () => {
    const s = computePodStatus({ ...base, ready: () => false, pod: mkPod(), view: buildView([sandbox], [inst('app', 0, 'running')]) });
    expect(s.phase).toBe('Running');
    const ready = s.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
  });

  it('shows CrashLoopBackOff waiting with the last termination and restartCount', () => {
    const s = computePodStatus({
      ...base,
      waiting: { app: { reason: 'CrashLoopBackOff', message: 'back-off 20s' } },
      pod: mkPod(),
      view: buildView([sandbox], [inst('app', 1, 'exited'), inst('app', 2, 'exited', { exitCode: 137, reason: 'OOMKilled' })]),
    });
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses![0]).toMatchObject({
      restartCount: 2,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
      ready: false,
    });
  });

  it('derives Succeeded and Failed from restart policy and exit codes', () => {
    const ok = [inst('app', 0, 'exited', { exitCode: 0, reason: 'Completed' })];
    const bad = [inst('app', 0, 'exited', { exitCode: 1 })];
    expect(computePodStatus({ ...base, pod: mkPod({ restartPolicy: 'Never' }), view: buildView([sandbox], ok) }).phase).toBe('Succeeded');
    expect(computePodStatus({ ...base, pod: mkPod({ restartPolicy: 'Never' }), view: buildView([sandbox], bad) }).phase).toBe('Failed');
    expect(computePodStatus({ ...base, pod: mkPod({ restartPolicy: 'OnFailure' }), view: buildView([sandbox], ok) }).phase).toBe('Succeeded');
    const failed = computePodStatus({ ...base, pod: mkPod({ restartPolicy: 'Never' }), view: buildView([sandbox], bad) });
    expect(failed.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
  });

  it('is Pending while init containers run and while images are missing', () => {
    const pod = mkPod({ initContainers: [{ name: 'init', image: 'img' }] });
    const s = computePodStatus({ ...base, pod, view: buildView([sandbox], [inst('init', 0, 'running')]) });
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses![0]!.state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(s.conditions!.find((c) => c.type === 'Initialized')!.status).toBe('False');
    const pull = computePodStatus({ ...base, waiting: { app: { reason: 'ErrImagePull', message: 'not here' } }, pod: mkPod(), view: buildView([sandbox], []) });
    expect(pull.phase).toBe('Pending');
    expect(pull.containerStatuses![0]!.state).toEqual({ waiting: { reason: 'ErrImagePull', message: 'not here' } });
  });

  it('keeps transition times and startTime of an unchanged status (so nothing is rewritten)', () => {
    const pod = mkPod();
    const view = buildView([sandbox], [inst('app', 0, 'running')]);
    const first = computePodStatus({ ...base, pod, view });
    const second = computePodStatus({ ...base, nowIso: '2026-01-01T05:00:00.000Z', pod: { ...pod, status: first }, view });
    expect(second).toEqual(first);
  });

  it('reports a pod the kubelet failed (activeDeadlineSeconds) and keeps the reason once terminal', () => {
    const failed = computePodStatus({ ...base, failed: { reason: 'DeadlineExceeded', message: 'too long' }, pod: mkPod(), view: buildView([sandbox], [inst('app', 0, 'exited', { exitCode: 137 })]) });
    expect(failed).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'too long' });
    const later = computePodStatus({ ...base, pod: { ...mkPod(), status: failed }, view: buildView([sandbox], [inst('app', 0, 'exited', { exitCode: 137 })]) });
    expect(later).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
  });

  it('getPhase counts waiting-after-termination as stopped', () => {
    const pod = mkPod({ restartPolicy: 'Always' });
    expect(podPhase(pod, [], [{ name: 'a', ready: false, restartCount: 1, image: '', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } }])).toBe('Running');
    expect(podPhase(pod, [], [{ name: 'a', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } }])).toBe('Pending');
  });
});

describe('spec changes', () => {
  it('kills and recreates a container whose spec (image) changed, regardless of restart policy', async () => {
    const { containerHash } = await import('../../kubelet/sync-pod.js');
    const pod = mkPod({ restartPolicy: 'Never', containers: [{ name: 'app', image: 'v2' }] });
    const old = containerHash({ name: 'app', image: 'v1' });
    expect(old).not.toBe(containerHash(pod.spec.containers[0]!));
    const runningOld = inst('app', 0, 'running', { labels: { 'io.kubernetes.container.name': 'app', 'io.kubernetes.container.attempt': '0', 'io.kubernetes.container.hash': old } });
    expect(plan(pod, [runningOld]).kill).toMatchObject([{ id: 'app-0', reason: 'SpecChanged' }]);
    const exitedOld = { ...runningOld, state: 'exited' as const, exitCode: 137, finishedAt: '2026-01-01T00:00:09Z' };
    expect(plan(pod, [exitedOld]).start).toEqual([{ name: 'app', init: false, attempt: 1 }]);
    const current = { ...runningOld, labels: { ...runningOld.labels, 'io.kubernetes.container.hash': containerHash(pod.spec.containers[0]!) } };
    expect(plan(pod, [current]).kill).toEqual([]);
  });
});
