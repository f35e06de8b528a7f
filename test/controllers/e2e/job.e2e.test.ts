// Jobs through real processes: `skiff apiserver`, `skiff controller-manager` (back-off base
// lowered to 200 ms through SKIFF_JOB_BACKOFF_BASE_MS) and the kubelet stand-in running pods
// tagged `exit-N` to completion. A Job runs to Complete with the right counts, a failing one
// reaches Failed after its back-off limit, an Indexed one completes every index, an active
// deadline fails a Job that runs too long, every pod's tracking finalizer is let go, a
// controller-manager killed with SIGKILL mid-way never double-counts, a finished Job with
// ttlSecondsAfterFinished is deleted, and deleting a Job removes its pods.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../../api/core/index.js';
import type { Job } from '../../../api/batch/index.js';
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_TRACKING_FINALIZER } from '../../../api/batch/index.js';
import { isStatusError } from '../../../api/errors.js';
import type { ResourceClient } from '../../../client/index.js';
import { Cluster, waitFor, type Proc } from './cluster.js';

const ENV = { SKIFF_JOB_BACKOFF_BASE_MS: '200' };

function job(name: string, image: string, spec: Partial<Job['spec']> = {}): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image }] } }, ...spec },
  };
}

describe('Job controller', () => {
  const c = new Cluster();
  let jobs: ResourceClient<Job>;
  let cm: Proc;

  beforeAll(async () => {
    await c.apiserver();
    c.kubeletStandIn();
    cm = c.controllerManager(['--leader-elect=false'], ENV);
    jobs = c.client.resource<Job>('Job');
  });
  afterAll(async () => {
    await c.stopAll();
  });

  const podsOf = async (name: string): Promise<Pod[]> =>
    (await c.client.pods().list({ namespace: 'default', labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
  const condition = (j: Job, type: string) => j.status?.conditions?.find((x) => x.type === type && x.status === 'True');
  const finished = (name: string, type: 'Complete' | 'Failed') => waitFor(async () => {
    const j = await jobs.get(name, 'default');
    return condition(j, type) ? j : undefined;
  }, 90_000, () => `job ${name} ${type}`, cm);

  it('runs completions 4 with parallelism 2 to Complete, counting each success once', async () => {
    await jobs.create(job('ok', 'busybox:exit-0', { completions: 4, parallelism: 2 }));
    const j = await finished('ok', 'Complete');
    expect(j.status).toMatchObject({ succeeded: 4, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(j.status!.failed).toBeUndefined();
    expect(j.status!.completionTime).toBeTruthy();
    expect(condition(j, 'SuccessCriteriaMet')?.reason).toBe('CompletionsReached');
    expect(condition(j, 'Complete')).toMatchObject({ reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
    const pods = await podsOf('ok');
    expect(pods).toHaveLength(4);
    expect(pods.every((p) => p.status?.phase === 'Succeeded' && !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER))).toBe(true);
    // Finished and settled: no more status writes (a sync that finds nothing new writes nothing).
    const settled = (await jobs.get('ok', 'default')).metadata.resourceVersion;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await jobs.get('ok', 'default')).metadata.resourceVersion).toBe(settled);
    const events = (await c.client.events().list({ namespace: 'default', fieldSelector: 'involvedObject.name=ok' })).items;
    expect(events.filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(4);
    expect(events.some((e) => e.reason === 'Completed' && e.message === 'Job completed')).toBe(true);
  });

  it('fails with BackoffLimitExceeded after backoffLimit + 1 failed pods', async () => {
    await jobs.create(job('bad', 'busybox:exit-1', { backoffLimit: 2 }));
    const j = await finished('bad', 'Failed');
    expect(condition(j, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(condition(j, 'FailureTarget')?.reason).toBe('BackoffLimitExceeded');
    expect(j.status).toMatchObject({ failed: 3, uncountedTerminatedPods: {} });
    expect(j.status!.completionTime).toBeUndefined();
    const pods = await podsOf('bad');
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.status?.phase === 'Failed' && !(p.metadata.finalizers ?? []).length)).toBe(true);
  });

  it('Indexed: one pod per index, with its annotation, hostname and JOB_COMPLETION_INDEX; completedIndexes 0-2', async () => {
    await jobs.create(job('idx', 'busybox:exit-0', { completionMode: 'Indexed', completions: 3, parallelism: 3 }));
    const j = await finished('idx', 'Complete');
    expect(j.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
    const pods = await podsOf('idx');
    expect(pods.map((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).sort()).toEqual(['0', '1', '2']);
    expect(pods.map((p) => p.spec.hostname).sort()).toEqual(['idx-0', 'idx-1', 'idx-2']);
    expect(pods[0]!.spec.containers[0]!.env).toContainEqual({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } });
  });

  it('activeDeadlineSeconds: running pods are deleted and the Job fails with DeadlineExceeded', async () => {
    await jobs.create(job('slow', 'busybox:forever', { activeDeadlineSeconds: 2, parallelism: 2, completions: 2 }));
    const j = await finished('slow', 'Failed');
    expect(condition(j, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(j.status).toMatchObject({ failed: 2, terminating: 0 });
    expect(j.status!.active).toBeUndefined();
    await waitFor(async () => (await podsOf('slow')).length === 0, 60_000, () => 'slow pods gone');
  });

  it('a controller-manager killed mid-way never double-counts: succeeded equals completions', async () => {
    await jobs.create(job('crash', 'busybox:exit-0', { completions: 12, parallelism: 3 }));
    await waitFor(async () => ((await jobs.get('crash', 'default')).status?.succeeded ?? 0) >= 3, 60_000, () => 'crash progress', cm);
    await c.kill9(cm);
    cm = c.controllerManager(['--leader-elect=false'], ENV);
    const j = await finished('crash', 'Complete');
    expect(j.status!.succeeded).toBe(12);
    // Never more successful pods than completions (a lost count would have made extra ones).
    expect((await podsOf('crash')).filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(12);
  });

  it('ttlSecondsAfterFinished: a finished Job is deleted with its pods once the TTL is up', async () => {
    await jobs.create(job('ttl', 'busybox:exit-0', { ttlSecondsAfterFinished: 1 }));
    await waitFor(async () => {
      try {
        await jobs.get('ttl', 'default');
        return false;
      } catch (e) {
        if (isStatusError(e, 'NotFound')) return true;
        throw e;
      }
    }, 60_000, () => 'job ttl deleted', cm);
    await waitFor(async () => (await podsOf('ttl')).length === 0, 60_000, () => 'ttl pods gone', cm);
  });

  it('deleting a Job removes its pods (the garbage collector; tracking finalizers let go)', async () => {
    await jobs.create(job('del', 'busybox:forever', { parallelism: 2, completions: 2 }));
    await waitFor(async () => (await podsOf('del')).filter((p) => p.status?.phase === 'Running').length === 2, 60_000, () => 'del running', cm);
    await jobs.delete('del', { namespace: 'default', propagationPolicy: 'Background' });
    await waitFor(async () => (await podsOf('del')).length === 0, 90_000, () => 'del pods gone', cm);
  });
});
