// podFailurePolicy and backoffLimitPerIndex without I/O, as Kubernetes 1.32 does them: rules
// in order with the first match deciding; onExitCodes In/NotIn over terminated, non-zero
// containers (app then init, or only containerName); onPodConditions (DisruptionTarget);
// FailJob → FailureTarget (reason PodFailurePolicy) before Failed; Ignore neither counted nor
// limiting; Count as usual; with a policy only Failed pods are failures (a terminating pod
// holds its place); FailIndex and backoffLimitPerIndex fail single indexes, with
// status.failedIndexes, per-index back-off, the failure-count annotation carried by each
// replacement, maxFailedIndexes and FailedIndexes.
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../api/core/index.js';
import type { Job, JobStatus, PodFailurePolicy } from '../../../api/batch/index.js';
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_INDEX_FAILURE_COUNT_ANNOTATION, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION, JOB_TRACKING_FINALIZER } from '../../../api/batch/index.js';
import { planJob, type JobPlan } from '../../../controllers/job/planner.js';
import { matchPodFailurePolicy } from '../../../controllers/job/pod-failure-policy.js';

const NOW = new Date('2026-01-01T00:10:00Z');
const T = '2026-01-01T00:10:00Z';
const UID = 'job-uid';
const SEL = { 'batch.kubernetes.io/controller-uid': UID };

function job(spec: Partial<Job['spec']> = {}, status: JobStatus = { startTime: T }): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: UID },
    spec: {
      completions: 3, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false,
      selector: { matchLabels: SEL },
      template: { metadata: { labels: SEL }, spec: { restartPolicy: 'Never', initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'main', image: 'busybox' }, { name: 'side', image: 'busybox' }] } },
      ...spec,
    },
    status,
  };
}

interface PodOpts {
  phase?: 'Running' | 'Succeeded' | 'Failed';
  /** Exit codes by container name (terminated); absent containers are still running. */
  exits?: Record<string, number>;
  initExits?: Record<string, number>;
  conditions?: { type: string; status: 'True' | 'False' | 'Unknown' }[];
  index?: number;
  failureCount?: number;
  ignoredCount?: number;
  deleting?: boolean;
  finalizer?: boolean;
  finished?: string;
}
let n = 0;
function pod(o: PodOpts = {}): Pod {
  n++;
  const finishedAt = o.finished ?? '2026-01-01T00:05:00Z';
  const term = (name: string, exitCode: number) => ({ name, ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode, finishedAt } } });
  const annotations: Record<string, string> = {};
  if (o.index !== undefined) annotations[JOB_COMPLETION_INDEX_ANNOTATION] = String(o.index);
  if (o.failureCount !== undefined) annotations[JOB_INDEX_FAILURE_COUNT_ANNOTATION] = String(o.failureCount);
  if (o.ignoredCount !== undefined) annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(o.ignoredCount);
  return {
    metadata: {
      name: `pi-${n}`, namespace: 'default', uid: `uid-${n}`, labels: { ...SEL }, creationTimestamp: '2026-01-01T00:00:00Z',
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: UID, controller: true }],
      ...(o.finalizer === false ? {} : { finalizers: [JOB_TRACKING_FINALIZER] }),
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:09:30Z' } : {}),
    },
    spec: { containers: [{ name: 'main' }, { name: 'side' }], nodeName: 'n1' },
    status: {
      phase: o.phase ?? 'Failed',
      conditions: o.conditions ?? [],
      containerStatuses: Object.entries(o.exits ?? {}).map(([name, code]) => term(name, code)),
      initContainerStatuses: Object.entries(o.initExits ?? {}).map(([name, code]) => term(name, code)),
    },
  };
}

const plan = (j: Job, pods: Pod[], now = NOW): JobPlan => planJob({ job: j, pods, expectationsSatisfied: true, now, backoffBaseMs: 10_000 });
const trueConds = (p: JobPlan) => (p.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => `${c.type}/${c.reason}`);
const exitRule = (action: string, operator: string, values: number[], containerName?: string) => ({ action, onExitCodes: { operator, values, ...(containerName ? { containerName } : {}) } });
const condRule = (action: string, type = 'DisruptionTarget', status = 'True') => ({ action, onPodConditions: [{ type, status }] });

describe('matchPodFailurePolicy', () => {
  it('onExitCodes: In and NotIn over terminated, non-zero exit codes; exit 0 never matches', () => {
    const In = { rules: [exitRule('FailJob', 'In', [3, 42])] };
    expect(matchPodFailurePolicy(In, pod({ exits: { main: 42 } })).action).toBe('FailJob');
    expect(matchPodFailurePolicy(In, pod({ exits: { main: 1 } })).action).toBeUndefined();
    const notIn = { rules: [exitRule('Ignore', 'NotIn', [1])] };
    expect(matchPodFailurePolicy(notIn, pod({ exits: { main: 2 } }))).toEqual({ action: 'Ignore', countFailed: false });
    expect(matchPodFailurePolicy(notIn, pod({ exits: { main: 1 } })).action).toBeUndefined();
    // A container that succeeded is no match even for NotIn, and a running one has no exit code.
    expect(matchPodFailurePolicy(notIn, pod({ exits: { main: 0 } })).action).toBeUndefined();
    expect(matchPodFailurePolicy(notIn, pod({ exits: {} })).action).toBeUndefined();
  });

  it('containerName narrows the match to one container; init containers count too (after app containers)', () => {
    const onSide = { rules: [exitRule('FailJob', 'In', [5], 'side')] };
    expect(matchPodFailurePolicy(onSide, pod({ exits: { main: 5, side: 1 } })).action).toBeUndefined();
    expect(matchPodFailurePolicy(onSide, pod({ exits: { main: 1, side: 5 } })).failJobMessage).toMatch(/^Container side for pod default\/pi-\d+ failed with exit code 5 matching FailJob rule at index 0$/);
    const onInit = { rules: [exitRule('FailJob', 'In', [7], 'init')] };
    expect(matchPodFailurePolicy(onInit, pod({ initExits: { init: 7 } })).action).toBe('FailJob');
    const any = { rules: [exitRule('FailJob', 'In', [7, 9])] };
    expect(matchPodFailurePolicy(any, pod({ exits: { main: 9 }, initExits: { init: 7 } })).failJobMessage).toContain('Container main');
  });

  it('onPodConditions: type and status (DisruptionTarget), with Kubernetes\' FailJob message', () => {
    const policy = { rules: [condRule('FailJob')] };
    const evicted = pod({ conditions: [{ type: 'Ready', status: 'False' }, { type: 'DisruptionTarget', status: 'True' }] });
    expect(matchPodFailurePolicy(policy, evicted)).toEqual({
      action: 'FailJob', countFailed: true, failJobMessage: `Pod default/${evicted.metadata.name} has condition DisruptionTarget matching FailJob rule at index 0`,
    });
    expect(matchPodFailurePolicy(policy, pod({ conditions: [{ type: 'DisruptionTarget', status: 'False' }] })).action).toBeUndefined();
  });

  it('rules in order, the first match wins; unknown actions are skipped; no match or no policy counts', () => {
    const p = pod({ exits: { main: 42 }, conditions: [{ type: 'DisruptionTarget', status: 'True' }] });
    const policy: PodFailurePolicy = { rules: [exitRule('Frobnicate', 'In', [42]), condRule('Ignore'), exitRule('FailJob', 'In', [42])] };
    expect(matchPodFailurePolicy(policy, p)).toEqual({ action: 'Ignore', countFailed: false });
    expect(matchPodFailurePolicy({ rules: [exitRule('Count', 'In', [42]), condRule('Ignore')] }, p)).toEqual({ action: 'Count', countFailed: true });
    expect(matchPodFailurePolicy({ rules: [exitRule('FailJob', 'In', [1])] }, p)).toEqual({ countFailed: true });
    expect(matchPodFailurePolicy(undefined, p)).toEqual({ countFailed: true });
  });
});

describe('planJob with a podFailurePolicy', () => {
  const policy = (...rules: PodFailurePolicy['rules']) => ({ podFailurePolicy: { rules }, podReplacementPolicy: 'Failed' as const });

  it('FailJob: FailureTarget (reason PodFailurePolicy, the rule\'s message) at the first such failure, running pods deleted; Failed once all is counted', () => {
    const bad = pod({ exits: { main: 42 } });
    const running = pod({ phase: 'Running' });
    const spec = { ...policy(exitRule('FailJob', 'In', [42], 'main')), parallelism: 2 };
    let p = plan(job(spec), [bad, running]);
    const message = `Container main for pod default/${bad.metadata.name} failed with exit code 42 matching FailJob rule at index 0`;
    expect(p.status?.conditions).toContainEqual(expect.objectContaining({ type: 'FailureTarget', status: 'True', reason: 'PodFailurePolicy', message }));
    expect(trueConds(p)).toEqual(['FailureTarget/PodFailurePolicy']);
    expect(p.events).toContainEqual({ type: 'Warning', reason: 'PodFailurePolicy', message });
    expect(p.delete).toEqual([running]);
    expect(p.create).toEqual([]);
    expect(new Set(p.removeFinalizers)).toEqual(new Set([bad, running]));
    expect(p.status?.uncountedTerminatedPods?.failed?.sort()).toEqual([bad.metadata.uid, running.metadata.uid].sort());
    // Backoff limit 6 never came into it. Next: both counted, the deleted one still terminating.
    const gone = { ...running, metadata: { ...running.metadata, deletionTimestamp: T, finalizers: [] } };
    p = plan(job(spec, p.status), [{ ...bad, metadata: { ...bad.metadata, finalizers: [] } }, gone]);
    expect(trueConds(p)).toEqual(['FailureTarget/PodFailurePolicy']);
    expect(p.status).toMatchObject({ failed: 2, uncountedTerminatedPods: {} });
    p = plan(job(spec, p.status), []);
    expect(p.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Failed', status: 'True', reason: 'PodFailurePolicy', message }));
  });

  it('FailJob on the DisruptionTarget condition', () => {
    const evicted = pod({ exits: { main: 137 }, conditions: [{ type: 'DisruptionTarget', status: 'True' }] });
    const p = plan(job(policy(condRule('FailJob'))), [evicted]);
    expect(trueConds(p)).toEqual(['FailureTarget/PodFailurePolicy']);
    expect(p.status?.conditions?.[0]?.message).toBe(`Pod default/${evicted.metadata.name} has condition DisruptionTarget matching FailJob rule at index 0`);
  });

  it('Ignore: the failure is not counted (status.failed, backoffLimit) but the pod is let go and replaced', () => {
    const evicted = pod({ exits: { main: 137 }, conditions: [{ type: 'DisruptionTarget', status: 'True' }], finished: '2026-01-01T00:00:00Z' });
    const spec = { ...policy(condRule('Ignore')), backoffLimit: 0 };
    const p = plan(job(spec), [evicted]);
    expect(trueConds(p)).toEqual([]);
    expect(p.removeFinalizers).toEqual([evicted]);
    expect(p.status?.failed).toBeUndefined();
    expect(p.status?.uncountedTerminatedPods).toEqual({});
    expect(p.create).toHaveLength(1);
    // The same failure without the rule fails a backoffLimit 0 Job.
    expect(trueConds(plan(job({ ...policy(exitRule('Ignore', 'In', [1])), backoffLimit: 0 }), [pod({ exits: { main: 137 } })]))).toEqual(['FailureTarget/BackoffLimitExceeded']);
  });

  it('Count (and no matching rule): counted against backoffLimit as usual', () => {
    const spec = { ...policy(exitRule('Count', 'In', [3]), exitRule('FailJob', 'In', [42])), backoffLimit: 1 };
    let p = plan(job(spec), [pod({ exits: { main: 3 } })]);
    expect(trueConds(p)).toEqual([]);
    expect(p.status?.uncountedTerminatedPods?.failed).toHaveLength(1);
    p = plan(job(spec), [pod({ exits: { main: 3 } }), pod({ exits: { main: 9 } })]);
    expect(trueConds(p)).toEqual(['FailureTarget/BackoffLimitExceeded']);
  });

  it('rules in order: an Ignore before a FailJob for the same pod wins', () => {
    const p = plan(job(policy(condRule('Ignore'), exitRule('FailJob', 'In', [42]))), [pod({ exits: { main: 42 }, conditions: [{ type: 'DisruptionTarget', status: 'True' }] })]);
    expect(trueConds(p)).toEqual([]);
    expect(p.status?.failed).toBeUndefined();
  });

  it('with a policy (podReplacementPolicy Failed), a terminating pod is not a failure yet and holds its place', () => {
    const stopping = pod({ phase: 'Running', deleting: true });
    const spec = { ...policy(exitRule('FailJob', 'In', [42])), completions: 2, parallelism: 2 };
    const p = plan(job(spec), [stopping]);
    expect(p.removeFinalizers).toEqual([]);
    expect(p.status?.uncountedTerminatedPods).toEqual({});
    expect(p.create).toHaveLength(1); // 2 wanted − 1 still terminating
    expect(p.status).toMatchObject({ terminating: 1, active: 1 });
    // Without it, the terminating pod is a failure and is replaced at once.
    const q = plan(job({ completions: 2, parallelism: 2 }), [pod({ phase: 'Running', deleting: true })]);
    expect(q.status?.uncountedTerminatedPods?.failed).toHaveLength(1);
    expect(q.create).toHaveLength(2);
  });
});

describe('planJob with backoffLimitPerIndex', () => {
  const spec = (extra: Partial<Job['spec']> = {}) => ({ completionMode: 'Indexed' as const, completions: 3, parallelism: 3, backoffLimitPerIndex: 1, backoffLimit: 2 ** 31 - 1, ...extra });

  it('a failed index is retried after its own back-off, by a pod carrying the failure count; the failed pod waits for it', () => {
    const f0 = pod({ index: 0, exits: { main: 1 }, finished: '2026-01-01T00:09:55Z' });
    const run1 = pod({ index: 1, phase: 'Running' });
    const run2 = pod({ index: 2, phase: 'Running' });
    // 5 s after the failure: 10 s back-off not over; the failed pod keeps its finalizer.
    let p = plan(job(spec()), [f0, run1, run2]);
    expect(p.create).toEqual([]);
    expect(p.requeueAfterMs).toBe(5000);
    expect(p.removeFinalizers).toEqual([]);
    expect(p.status).toMatchObject({ failedIndexes: '' });
    // After it: the replacement for index 0 says one failure so far.
    p = plan(job(spec()), [f0, run1, run2], new Date('2026-01-01T00:10:06Z'));
    expect(p.create).toHaveLength(1);
    expect(p.create[0]!.metadata.annotations).toMatchObject({ [JOB_COMPLETION_INDEX_ANNOTATION]: '0', [JOB_INDEX_FAILURE_COUNT_ANNOTATION]: '1' });
    // Once the replacement exists, the failed pod is counted and let go.
    const r0 = pod({ index: 0, phase: 'Running', failureCount: 1 });
    p = plan(job(spec()), [f0, r0, run1, run2]);
    expect(p.removeFinalizers).toEqual([f0]);
    expect(p.status?.uncountedTerminatedPods?.failed).toEqual([f0.metadata.uid]);
    expect(trueConds(p)).toEqual([]);
  });

  it('the index fails once backoffLimitPerIndex failures are behind it; the others go on; FailedIndexes when all are done', () => {
    const last0 = pod({ index: 0, exits: { main: 1 }, failureCount: 1 });
    const run1 = pod({ index: 1, phase: 'Running' });
    let p = plan(job(spec()), [last0, run1]);
    expect(p.status).toMatchObject({ failedIndexes: '0' });
    expect(p.removeFinalizers).toEqual([last0]);
    expect(p.create.map((c) => c.metadata.annotations![JOB_COMPLETION_INDEX_ANNOTATION])).toEqual(['2']); // not 0 again
    expect(trueConds(p)).toEqual([]);
    p = plan(job(spec(), { startTime: T, failedIndexes: '0', completedIndexes: '1,2', succeeded: 2, failed: 2 }), []);
    // Nothing runs any more, so Failed follows in the same sync.
    expect(trueConds(p)).toEqual(['FailureTarget/FailedIndexes', 'Failed/FailedIndexes']);
    expect(p.status?.conditions?.[0]?.message).toBe('Job has failed indexes');
  });

  it('FailIndex fails the index at once; more failed indexes than maxFailedIndexes fail the Job', () => {
    const rules = { podFailurePolicy: { rules: [exitRule('FailIndex', 'In', [42])] }, podReplacementPolicy: 'Failed' as const };
    let p = plan(job(spec({ ...rules, backoffLimitPerIndex: 5 })), [pod({ index: 2, exits: { main: 42 } }), pod({ index: 1, phase: 'Running' })]);
    expect(p.status).toMatchObject({ failedIndexes: '2' });
    expect(trueConds(p)).toEqual([]);
    p = plan(job(spec({ ...rules, backoffLimitPerIndex: 5, maxFailedIndexes: 1 }), { startTime: T, failedIndexes: '2' }), [pod({ index: 0, exits: { main: 42 } })]);
    expect(p.status?.failedIndexes).toBe('0,2');
    expect(trueConds(p)).toEqual(['FailureTarget/MaxFailedIndexesExceeded']);
  });

  it('an ignored failure retries the index without using up its limit (the ignored count goes up instead)', () => {
    const rules = { podFailurePolicy: { rules: [condRule('Ignore')] }, podReplacementPolicy: 'Failed' as const };
    const evicted = pod({ index: 0, exits: { main: 137 }, conditions: [{ type: 'DisruptionTarget', status: 'True' }], failureCount: 1, ignoredCount: 2, finished: '2026-01-01T00:00:00Z' });
    const p = plan(job(spec(rules)), [evicted, pod({ index: 1, phase: 'Running' }), pod({ index: 2, phase: 'Running' })]);
    expect(p.status?.failedIndexes).toBe('');
    expect(p.create[0]!.metadata.annotations).toMatchObject({ [JOB_INDEX_FAILURE_COUNT_ANNOTATION]: '1', [JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION]: '3' });
  });
});
