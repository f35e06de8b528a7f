// The Job planner without I/O: completions and parallelism, finalizer-based counting (never
// twice, never lost), back-off between failures, backoffLimit and activeDeadlineSeconds,
// suspend/resume, Indexed completion, and the two-step finish (SuccessCriteriaMet/FailureTarget
// → Complete/Failed).
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../api/core/index.js';
import type { Job, JobStatus } from '../../../api/batch/index.js';
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_TRACKING_FINALIZER } from '../../../api/batch/index.js';
import { countReleased, planJob, podForJob, type JobPlan } from '../../../controllers/job/planner.js';
import { backoffRemainingMs } from '../../../controllers/job/backoff.js';
import { formatIndexes, parseIndexes } from '../../../controllers/job/completion-index.js';

const NOW = new Date('2026-01-01T00:10:00Z');
const T = '2026-01-01T00:10:00Z';
const UID = 'job-uid';
const SEL = { 'batch.kubernetes.io/controller-uid': UID };

function job(spec: Partial<Job['spec']> = {}, status?: JobStatus, meta: Partial<Job['metadata']> = {}): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: UID, ...meta },
    spec: {
      completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false,
      selector: { matchLabels: SEL },
      template: { metadata: { labels: { ...SEL, 'batch.kubernetes.io/job-name': 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

let n = 0;
function pod(phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed', opts: { finalizer?: boolean; index?: number; finished?: string; deleting?: boolean; ready?: boolean; created?: string; restarts?: number } = {}): Pod {
  n++;
  return {
    metadata: {
      name: `pi-${n}`, namespace: 'default', uid: `uid-${n}`, labels: { ...SEL },
      creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: UID, controller: true }],
      ...(opts.finalizer === false ? {} : { finalizers: [JOB_TRACKING_FINALIZER] }),
      ...(opts.index !== undefined ? { annotations: { [JOB_COMPLETION_INDEX_ANNOTATION]: String(opts.index) } } : {}),
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:09:30Z' } : {}),
    },
    spec: { containers: [{ name: 'c' }], nodeName: 'n1' },
    status: {
      phase,
      conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }],
      containerStatuses: [{
        name: 'c', ready: !!opts.ready, restartCount: opts.restarts ?? 0, image: 'busybox', imageID: '',
        ...(phase === 'Succeeded' || phase === 'Failed' ? { state: { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt: opts.finished ?? '2026-01-01T00:05:00Z' } } } : {}),
      }],
    },
  };
}

const plan = (j: Job, pods: Pod[], extra: { expectationsSatisfied?: boolean; now?: Date; backoffBaseMs?: number } = {}): JobPlan =>
  planJob({ job: j, pods, expectationsSatisfied: extra.expectationsSatisfied ?? true, now: extra.now ?? NOW, backoffBaseMs: extra.backoffBaseMs ?? 10_000 });
const condTypes = (p: JobPlan) => (p.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => `${c.type}/${c.reason}`);

describe('planJob: running to completion', () => {
  it('a new Job starts: parallelism pods created, startTime set, status counts', () => {
    const p = plan(job({ completions: 5, parallelism: 2 }), []);
    expect(p.create).toHaveLength(2);
    expect(p.status).toEqual({ startTime: T, active: 2, terminating: 0, uncountedTerminatedPods: {}, ready: 0 });
  });

  it('creates at most completions − succeeded, and nothing while expectations are pending', () => {
    const j = job({ completions: 3, parallelism: 5 }, { succeeded: 1, startTime: T });
    expect(plan(j, []).create).toHaveLength(2);
    expect(plan(j, [], { expectationsSatisfied: false }).create).toHaveLength(0);
  });

  it('the pod it creates: template, generateName, tracking finalizer, controller ref', () => {
    const p = podForJob(job());
    expect(p.metadata).toMatchObject({
      generateName: 'pi-', namespace: 'default', labels: { ...SEL, 'batch.kubernetes.io/job-name': 'pi' }, finalizers: [JOB_TRACKING_FINALIZER],
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: UID, controller: true, blockOwnerDeletion: true }],
    });
    expect(p.spec.restartPolicy).toBe('Never');
  });

  it('counts a succeeded pod in three steps: uncounted → finalizer removed → succeeded', () => {
    const j = job({ completions: 2 }, { startTime: T });
    const done = pod('Succeeded');
    // 1. recorded as uncounted, finalizer to be removed after the status write.
    let p = plan(j, [done]);
    expect(p.status?.uncountedTerminatedPods).toEqual({ succeeded: [done.metadata.uid] });
    expect(p.status?.succeeded).toBeUndefined();
    expect(p.removeFinalizers).toEqual([done]);
    expect(p.create).toHaveLength(1); // the uncounted success already counts toward completions
    // A crash before the finalizer went: the same status and removal again, nothing counted twice.
    const j2 = job({ completions: 2 }, p.status);
    p = plan(j2, [done]);
    expect(p.removeFinalizers).toEqual([done]);
    expect(p.status?.uncountedTerminatedPods ?? j2.status!.uncountedTerminatedPods).toEqual({ succeeded: [done.metadata.uid] });
    // 2. finalizer gone → counted once.
    const released = { ...done, metadata: { ...done.metadata, finalizers: [] } };
    p = plan(j2, [released]);
    expect(p.status).toMatchObject({ succeeded: 1, uncountedTerminatedPods: {} });
    expect(p.removeFinalizers).toEqual([]);
    // 3. and a later sync does not count it again.
    expect(plan(job({ completions: 2 }, p.status), [released]).status?.succeeded ?? 1).toBe(1);
  });

  it('an uncounted pod that is gone altogether is counted (it cannot be seen again)', () => {
    const p = plan(job({ completions: 3 }, { startTime: T, uncountedTerminatedPods: { failed: ['gone'] } }), []);
    expect(p.status).toMatchObject({ failed: 1, uncountedTerminatedPods: {} });
  });

  it('completes in two steps: SuccessCriteriaMet, then Complete with completionTime once all is counted', () => {
    let j = job({ completions: 1 }, { startTime: '2026-01-01T00:00:00Z' });
    const done = pod('Succeeded');
    let p = plan(j, [done]);
    expect(condTypes(p)).toEqual(['SuccessCriteriaMet/CompletionsReached']);
    expect(p.create).toHaveLength(0);
    j = job({ completions: 1 }, p.status);
    const released = { ...done, metadata: { ...done.metadata, finalizers: [] } };
    p = plan(j, [released]);
    expect(condTypes(p)).toEqual(['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    expect(p.status).toMatchObject({ succeeded: 1, completionTime: T });
    expect(p.status!.conditions!.find((c) => c.type === 'Complete')!.message).toBe('Reached expected number of succeeded pods');
    expect(p.events).toContainEqual({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
    // A finished Job creates nothing more, even if its pods vanish.
    expect(plan(job({ completions: 1 }, p.status), []).create).toHaveLength(0);
  });

  it('without completions: done at the first success once no pod is active; no new pods after a success', () => {
    const j = job({ completions: undefined, parallelism: 3 }, { startTime: T });
    const ok = pod('Succeeded', { finalizer: false });
    const running = pod('Running');
    let p = plan(job({ completions: undefined, parallelism: 3 }, { startTime: T, succeeded: 1 }), [ok, running]);
    expect(p.create).toHaveLength(0);
    expect(condTypes(p)).toEqual([]);
    p = plan(job({ completions: undefined, parallelism: 3 }, { startTime: T, succeeded: 1 }), [ok]);
    expect(condTypes(p)).toEqual(['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    expect(plan(j, []).create).toHaveLength(3);
  });

  it('parallelism lowered: the excess goes, not-ready before ready', () => {
    const ready = pod('Running', { ready: true });
    const pending = pod('Pending');
    const p = plan(job({ completions: 10, parallelism: 1 }, { startTime: T }), [ready, pending]);
    expect(p.delete).toEqual([pending]);
    expect(p.status).toMatchObject({ active: 1, ready: 1, terminating: 1 });
  });
});

describe('planJob: failures', () => {
  it('replaces a failed pod only after the back-off (10 s, doubling per failure since the last success)', () => {
    const j = job({ completions: 1 }, { startTime: T });
    const f1 = pod('Failed', { finished: '2026-01-01T00:09:55Z' });
    let p = plan(j, [f1]);
    expect(p.create).toHaveLength(0);
    expect(p.requeueAfterMs).toBe(5000);
    expect(p.status?.uncountedTerminatedPods).toEqual({ failed: [f1.metadata.uid] });
    p = plan(j, [f1], { now: new Date('2026-01-01T00:10:05Z') });
    expect(p.create).toHaveLength(1);
    const f2 = pod('Failed', { finished: '2026-01-01T00:09:50Z', finalizer: false });
    expect(backoffRemainingMs([f1, f2], [], NOW, 10_000)).toBe(15_000); // 20 s after the newest
    const success = pod('Succeeded', { finished: '2026-01-01T00:09:56Z' });
    expect(backoffRemainingMs([f1, f2], [success], NOW, 10_000)).toBe(0); // both before the success
  });

  it('more failures than backoffLimit: FailureTarget, active pods deleted and counted failed, then Failed once they are gone', () => {
    const failed = [pod('Failed', { finalizer: false }), pod('Failed', { finalizer: false })];
    const running = pod('Running');
    const spec = { completions: 3, parallelism: 2, backoffLimit: 1 };
    let p = plan(job(spec, { startTime: T, failed: 2 }), [...failed, running]);
    expect(condTypes(p)).toEqual(['FailureTarget/BackoffLimitExceeded']);
    expect(p.delete).toEqual([running]);
    expect(p.create).toEqual([]);
    expect(p.events).toContainEqual({ type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    // As in Kubernetes, once the Job is failing whatever has not succeeded counts as failed:
    // recorded now, its finalizer removed in the same sync.
    expect(p.removeFinalizers).toEqual([running]);
    expect(p.status?.uncountedTerminatedPods).toEqual({ failed: [running.metadata.uid] });
    // The deleted pod terminates without its finalizer: counted, but the Job is not Failed while it runs.
    const stopping = { ...running, metadata: { ...running.metadata, deletionTimestamp: T, finalizers: [] } };
    p = plan(job(spec, p.status), [...failed, stopping]);
    expect(condTypes(p)).toEqual(['FailureTarget/BackoffLimitExceeded']);
    expect(p.status).toMatchObject({ failed: 3, uncountedTerminatedPods: {}, terminating: 1 });
    p = plan(job(spec, p.status), failed);
    expect(condTypes(p)).toEqual(['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
    expect(p.status).toMatchObject({ failed: 3, uncountedTerminatedPods: {} });
    expect(p.status?.completionTime).toBeUndefined();
  });

  it('backoffLimit 0 fails on the first failure; restartPolicy OnFailure counts container restarts', () => {
    expect(condTypes(plan(job({ backoffLimit: 0 }, { startTime: T }), [pod('Failed')]))).toEqual(['FailureTarget/BackoffLimitExceeded']);
    const onFailure = (limit: number) => job({ backoffLimit: limit, template: { ...job().spec.template, spec: { ...job().spec.template.spec, restartPolicy: 'OnFailure' } } }, { startTime: T });
    expect(condTypes(plan(onFailure(2), [pod('Running', { restarts: 2 })]))).toEqual(['FailureTarget/BackoffLimitExceeded']);
    expect(condTypes(plan(onFailure(3), [pod('Running', { restarts: 2 })]))).toEqual([]);
  });

  it('activeDeadlineSeconds: requeue at the deadline, then DeadlineExceeded and the active pods deleted', () => {
    const running = pod('Running');
    let p = plan(job({ activeDeadlineSeconds: 700 }, { startTime: '2026-01-01T00:00:00Z' }), [running]);
    expect(p.requeueAfterMs).toBe(100_000);
    expect(condTypes(p)).toEqual([]);
    p = plan(job({ activeDeadlineSeconds: 600 }, { startTime: '2026-01-01T00:00:00Z' }), [running]);
    expect(condTypes(p)).toEqual(['FailureTarget/DeadlineExceeded']);
    expect(p.status!.conditions![0]!.message).toBe('Job was active longer than specified deadline');
    expect(p.delete).toEqual([running]);
  });
});

describe('planJob: suspend', () => {
  it('suspended: nothing created, active pods deleted, Suspended condition; resumed: startTime reset', () => {
    const running = pod('Running');
    let p = plan(job({ suspend: true, completions: 2 }), [running]);
    expect(p.delete).toEqual([running]);
    expect(p.create).toEqual([]);
    expect(condTypes(p)).toEqual(['Suspended/JobSuspended']);
    expect(p.status?.startTime).toBeUndefined();
    expect(p.events).toContainEqual({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
    p = plan(job({ suspend: false, completions: 2, parallelism: 2 }, { startTime: '2026-01-01T00:00:00Z', conditions: p.status!.conditions }), []);
    expect(p.status!.conditions).toMatchObject([{ type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }]);
    expect(p.status!.startTime).toBe(T);
    expect(p.create).toHaveLength(2);
  });
});

describe('planJob: Indexed', () => {
  const indexed = (status?: JobStatus, spec: Partial<Job['spec']> = {}) => job({ completionMode: 'Indexed', completions: 5, parallelism: 2, ...spec }, status);

  it('creates the lowest missing indexes with annotation, label, hostname and JOB_COMPLETION_INDEX', () => {
    const p = plan(indexed({ startTime: T, completedIndexes: '0' }), [pod('Running', { index: 1 })]);
    expect(p.create).toHaveLength(1);
    const c = p.create[0]!;
    expect(c.metadata.generateName).toBe('pi-2-');
    expect(c.metadata.annotations).toEqual({ [JOB_COMPLETION_INDEX_ANNOTATION]: '2' });
    expect(c.metadata.labels![JOB_COMPLETION_INDEX_ANNOTATION]).toBe('2');
    expect(c.spec.hostname).toBe('pi-2');
    expect(c.spec.containers[0]!.env).toEqual([{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } }]);
  });

  it('records succeeded pods by index (a second success for an index is not counted) and completes when all are done', () => {
    const a = pod('Succeeded', { index: 3 });
    const b = pod('Succeeded', { index: 3 });
    let p = plan(indexed({ startTime: T, completedIndexes: '0-1', succeeded: 2 }), [a, b]);
    expect(p.status).toMatchObject({ completedIndexes: '0,1,3', succeeded: 3, uncountedTerminatedPods: {} });
    expect(p.removeFinalizers).toEqual([a, b]);
    expect(p.create.map((c) => c.metadata.generateName)).toEqual(['pi-2-', 'pi-4-']);
    p = plan(indexed({ startTime: T, completedIndexes: '0-3', succeeded: 4 }), [pod('Succeeded', { index: 4, finalizer: false }), pod('Succeeded', { index: 4 })]);
    expect(p.status?.completedIndexes).toBe('0-4');
    expect(condTypes(p)).toEqual(['SuccessCriteriaMet/CompletionsReached']);
  });

  it('deletes a duplicate for an index (keeps the older), and pods of completed or out-of-range indexes', () => {
    const old = pod('Running', { index: 1, created: '2026-01-01T00:00:00Z' });
    const dup = pod('Running', { index: 1, created: '2026-01-01T00:01:00Z' });
    const done = pod('Running', { index: 0 });
    const stray = pod('Running', { index: 9 });
    const p = plan(indexed({ startTime: T, completedIndexes: '0', succeeded: 1 }), [old, dup, done, stray]);
    expect(new Set(p.delete)).toEqual(new Set([dup, done, stray]));
  });

  it('completedIndexes intervals', () => {
    expect(formatIndexes([5, 1, 3, 4, 7, 8])).toBe('1,3-5,7,8');
    expect(formatIndexes([0, 1, 2])).toBe('0-2');
    expect([...parseIndexes('1,3-5,7-8', 8)].sort()).toEqual([1, 3, 4, 5, 7]);
    expect(formatIndexes([])).toBe('');
  });
});

describe('planJob: ownership and finished Jobs', () => {
  it('adopts a matching orphan, and a finished Job lets go of every finalizer', () => {
    const orphan = pod('Running');
    orphan.metadata.ownerReferences = undefined;
    expect(plan(job({ completions: 2 }, { startTime: T }), [orphan]).adopt).toEqual([orphan]);
    const leftover = pod('Running');
    const finished = job({}, { startTime: T, succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] });
    const p = plan(finished, [leftover]);
    expect(p.removeFinalizers).toEqual([leftover]);
    expect(p.create).toEqual([]);
  });

  it('a Job being deleted creates nothing and leaves its pods to the garbage collector', () => {
    const p = plan(job({ completions: 3 }, { startTime: T }, { deletionTimestamp: T }), [pod('Running')]);
    expect(p.create).toEqual([]);
    expect(p.delete).toEqual([]);
  });
});

describe('countReleased (the same sync counts the pods it let go)', () => {
  const at = new Date('2026-12-06T08:00:00Z');
  const met = { type: 'SuccessCriteriaMet', status: 'True' as const, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: '2026-12-06T07:59:00Z', lastTransitionTime: '2026-12-06T07:59:00Z' };

  it('moves the released uids into the counts and keeps the rest uncounted', () => {
    const r = countReleased({ succeeded: 3, failed: 1, active: 2, uncountedTerminatedPods: { succeeded: ['a', 'b', 'c'], failed: ['x', 'y'] } }, new Set(['a', 'c', 'y']), at);
    expect(r).toEqual({ completed: false, status: { succeeded: 5, failed: 2, active: 2, uncountedTerminatedPods: { succeeded: ['b'], failed: ['x'] } } });
    expect(countReleased({ uncountedTerminatedPods: { succeeded: ['a'] } }, new Set(['z']), at)).toBeUndefined();
  });

  it('with everything counted, nothing running and the outcome known, finishes the Job in the same write', () => {
    const done = countReleased({ succeeded: 983, conditions: [met], uncountedTerminatedPods: { succeeded: ['p1', 'p2'] } }, new Set(['p1', 'p2']), at);
    expect(done?.completed).toBe(true);
    expect(done?.status).toMatchObject({ succeeded: 985, uncountedTerminatedPods: {}, completionTime: '2026-12-06T08:00:00Z' });
    expect(done?.status.conditions?.map((c) => [c.type, c.status])).toEqual([['SuccessCriteriaMet', 'True'], ['Complete', 'True']]);
    // Still a pod running (or terminating): not yet.
    expect(countReleased({ succeeded: 983, active: 1, conditions: [met], uncountedTerminatedPods: { succeeded: ['p1'] } }, new Set(['p1']), at)?.status.conditions).toEqual([met]);
    // A failure target becomes Failed, without a completionTime.
    const target = { ...met, type: 'FailureTarget', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    const failed = countReleased({ failed: 7, conditions: [target], uncountedTerminatedPods: { failed: ['f'] } }, new Set(['f']), at)!;
    expect(failed.completed).toBe(false);
    expect(failed.status.completionTime).toBeUndefined();
    expect(failed.status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
  });
});
