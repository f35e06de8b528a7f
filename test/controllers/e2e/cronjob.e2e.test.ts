// CronJobs through real processes: `skiff apiserver`, `skiff controller-manager` (its Job
// and garbage-collector controllers) and the kubelet stand-in running `exit-0` pods to
// completion. The CronJob controller runs in this process on a fake clock, so an hour of
// schedules takes seconds and each step is deterministic: a schedule time that passed makes
// one Job (name, annotation, owner), the Job completes and lastSuccessfulTime follows, the
// history limit deletes the oldest, Forbid waits, suspend stops it. Last, the real
// controller-manager with every controller fires a `* * * * *` CronJob on the real clock,
// and one killed with SIGKILL just before a minute boundary loses no start: its successor
// makes that minute's Job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CronJob, Job } from '../../../api/batch/index.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION } from '../../../api/batch/index.js';
import { EventRecorder, type ResourceClient } from '../../../client/index.js';
import { CronJobController } from '../../../controllers/cronjob/controller.js';
import { SharedInformerFactory } from '../../../controllers/informer-factory.js';
import { Cluster, waitFor, type Proc } from './cluster.js';

function cronJob(name: string, image: string, spec: Partial<CronJob['spec']> = {}): CronJob {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: 'default' },
    spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image }] } } } }, ...spec },
  };
}
const complete = (j: Job) => (j.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');

describe('CronJob controller', () => {
  const c = new Cluster();
  let cronJobs: ResourceClient<CronJob>;
  let jobs: ResourceClient<Job>;
  let cm: Proc;
  let informers: SharedInformerFactory;
  let recorder: EventRecorder;
  let ctl: CronJobController;
  let now = 0;

  beforeAll(async () => {
    await c.apiserver();
    c.kubeletStandIn();
    cm = c.controllerManager(['--leader-elect=false', '--controllers', 'job,garbagecollector']);
    cronJobs = c.client.resource<CronJob>('CronJob');
    jobs = c.client.resource<Job>('Job');
    informers = new SharedInformerFactory(c.client);
    recorder = new EventRecorder(c.client, { component: 'cronjob-test' });
    ctl = new CronJobController(c.client, informers, recorder, { clock: () => new Date(now) });
    informers.start();
    await informers.waitForSync();
  });
  afterAll(async () => {
    ctl?.queue.shutDown();
    informers?.stop();
    await recorder?.close();
    await c.stopAll();
  });

  const jobsOf = async (name: string) => (await jobs.list({ namespace: 'default' })).items
    .filter((j) => j.metadata.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === name));
  /** Our caches hold what the API server holds (the CronJob's version, the Jobs), so a sync plans on the truth. */
  const settled = (name: string) => waitFor(async () => {
    const live = await cronJobs.get(name, 'default');
    const cached = informers.cronJobs().store.get(`default/${name}`);
    const liveJobs = (await jobs.list({ namespace: 'default' })).items;
    const cachedJobs = informers.jobs().store.byIndex('namespace', 'default');
    const same = liveJobs.length === cachedJobs.length && liveJobs.every((j) => cachedJobs.some((x) => x.metadata.uid === j.metadata.uid && x.metadata.resourceVersion === j.metadata.resourceVersion));
    return cached?.metadata.resourceVersion === live.metadata.resourceVersion && same;
  }, 60_000, () => `caches of ${name}`, cm);
  const syncAt = async (name: string, iso: number) => {
    now = iso;
    await settled(name);
    return ctl.sync(`default/${name}`);
  };
  const minute = (created: string, k: number) => (Math.floor(Date.parse(created) / 60_000) + k) * 60_000;

  it('makes one Job per passed schedule time, tracks it to completion and keeps the history limit', async () => {
    const cj = await cronJobs.create(cronJob('tick', 'busybox:exit-0', { successfulJobsHistoryLimit: 2 }));
    const created = cj.metadata.creationTimestamp!;
    // Before the first minute: nothing, and a requeue for just after it.
    const before = await syncAt('tick', minute(created, 1) - 1000);
    expect(before?.requeueAfterMs).toBe(1100);
    expect(await jobsOf('tick')).toEqual([]);

    const first = await syncAt('tick', minute(created, 1) + 1000);
    expect(first?.requeueAfterMs).toBe(59_100);
    const [job] = await jobsOf('tick');
    expect(job!.metadata.name).toBe(`tick-${minute(created, 1) / 60_000}`);
    expect(job!.metadata.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]).toBe(new Date(minute(created, 1)).toISOString().replace('.000Z', 'Z'));
    expect(job!.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'tick', uid: cj.metadata.uid, controller: true })]);
    let status = (await cronJobs.get('tick', 'default')).status!;
    expect(status.active?.map((r) => r.name)).toEqual([job!.metadata.name]);
    expect(status.lastScheduleTime).toBe(job!.metadata.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]);
    // The same minute again: nothing new.
    await syncAt('tick', minute(created, 1) + 2000);
    expect(await jobsOf('tick')).toHaveLength(1);

    // The Job runs to Complete (the real Job controller); the next sync takes it off the active list.
    const done = await waitFor(async () => { const j = await jobs.get(job!.metadata.name!, 'default'); return complete(j) ? j : undefined; }, 90_000, () => 'first job complete', cm);
    await syncAt('tick', minute(created, 1) + 3000);
    status = (await cronJobs.get('tick', 'default')).status!;
    expect(status.active).toBeUndefined();
    expect(status.lastSuccessfulTime).toBe(done.status!.completionTime);

    // Four more minutes, each Job finished before the next: only the newest two stay.
    for (let k = 2; k <= 5; k++) {
      await syncAt('tick', minute(created, k) + 1000);
      const name = `tick-${minute(created, k) / 60_000}`;
      await waitFor(async () => complete(await jobs.get(name, 'default')), 90_000, () => `${name} complete`, cm);
    }
    await syncAt('tick', minute(created, 5) + 2000);
    await waitFor(async () => (await jobsOf('tick')).length === 2, 60_000, () => 'history limit 2', cm);
    expect((await jobsOf('tick')).map((j) => j.metadata.name).sort()).toEqual([4, 5].map((k) => `tick-${minute(created, k) / 60_000}`));
    const events = () => c.client.events().list({ namespace: 'default', fieldSelector: 'involvedObject.name=tick' });
    await waitFor(async () => (await events()).items.filter((e) => e.reason === 'SuccessfulDelete').length >= 3, 30_000, () => 'SuccessfulDelete events');
    const items = (await events()).items;
    expect(items.filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(5);
    expect(items.filter((e) => e.reason === 'SuccessfulDelete')).toHaveLength(3);
  });

  it('a controller that missed hours of minutes starts only the latest one, with a TooManyMissedTimes warning', async () => {
    const cj = await cronJobs.create(cronJob('late', 'busybox:exit-0'));
    const at = minute(cj.metadata.creationTimestamp!, 180) + 5000;
    await syncAt('late', at);
    expect((await jobsOf('late')).map((j) => j.metadata.name)).toEqual([`late-${minute(cj.metadata.creationTimestamp!, 180) / 60_000}`]);
    await waitFor(async () => (await c.client.events().list({ namespace: 'default', fieldSelector: 'involvedObject.name=late' })).items
      .some((e) => e.reason === 'TooManyMissedTimes' && e.type === 'Warning'), 30_000, () => 'TooManyMissedTimes event');
  });

  it('Forbid holds the next run while one is active; suspend stops new runs', async () => {
    // exit-… never matches: `:broken` pods never become ready nor finish, so the Job stays active.
    const cj = await cronJobs.create(cronJob('solo', 'busybox:broken', { concurrencyPolicy: 'Forbid' }));
    const created = cj.metadata.creationTimestamp!;
    await syncAt('solo', minute(created, 1) + 1000);
    expect(await jobsOf('solo')).toHaveLength(1);
    await syncAt('solo', minute(created, 2) + 1000);
    expect(await jobsOf('solo')).toHaveLength(1);
    await waitFor(async () => (await c.client.events().list({ namespace: 'default', fieldSelector: 'involvedObject.name=solo' })).items
      .some((e) => e.reason === 'JobAlreadyActive'), 30_000, () => 'JobAlreadyActive event');

    const live = await cronJobs.get('solo', 'default');
    await cronJobs.update({ ...live, spec: { ...live.spec, suspend: true, concurrencyPolicy: 'Allow' } });
    const suspended = await syncAt('solo', minute(created, 3) + 1000);
    expect(suspended).toBeUndefined(); // no requeue while suspended
    expect(await jobsOf('solo')).toHaveLength(1);
    const again = await cronJobs.get('solo', 'default');
    await cronJobs.update({ ...again, spec: { ...again.spec, suspend: false } });
    await syncAt('solo', minute(created, 4) + 1000);
    expect(await jobsOf('solo')).toHaveLength(2); // Allow now: a second one beside the first
  });

  it('the controller-manager fires a "* * * * *" CronJob on the real clock', async () => {
    for (const name of ['tick', 'late', 'solo']) await cronJobs.delete(name, { namespace: 'default' });
    await c.stop(cm);
    cm = c.controllerManager(['--leader-elect=false']);
    await cronJobs.create(cronJob('real', 'busybox:exit-0'));
    // Within about a minute (the next minute boundary); generous deadline, no timing assertion.
    const job = await waitFor(async () => (await jobsOf('real'))[0], 150_000, () => 'a Job from the real clock', cm);
    expect(job.metadata.name).toMatch(/^real-\d+$/);
    await waitFor(async () => (await cronJobs.get('real', 'default')).status?.lastScheduleTime, 60_000, () => 'lastScheduleTime', cm);
  });

  it('a controller-manager killed with SIGKILL just before a minute boundary: the next one still starts that minute', async () => {
    // Just before the next boundary (the first Job is there, so the controller is in its wait).
    await waitFor(async () => (await jobsOf('real')).length > 0, 150_000, () => 'the first Job', cm);
    const boundary = (Math.floor(Date.now() / 60_000) + 1) * 60_000;
    await new Promise((r) => setTimeout(r, Math.max(0, boundary - 300 - Date.now())));
    await c.kill9(cm);
    cm = c.controllerManager(['--leader-elect=false']);
    const expected = `real-${boundary / 60_000}`;
    // Generous deadline, no timing assertion: the successor finds the missed minute and starts it, once.
    const job = await waitFor(async () => (await jobsOf('real')).find((j) => j.metadata.name === expected), 150_000, () => `Job ${expected}`, cm);
    expect(job.metadata.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]).toBe(new Date(boundary).toISOString().replace('.000Z', 'Z'));
    await waitFor(async () => Date.parse((await cronJobs.get('real', 'default')).status?.lastScheduleTime ?? '') >= boundary, 60_000, () => 'lastScheduleTime', cm);
  });
});
