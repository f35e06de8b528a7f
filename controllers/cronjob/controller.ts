// The CronJob loop (controller `cronjob`): informers on CronJobs and Jobs feed a work queue
// keyed by CronJob; each sync asks planCronJob what to do and does it — Replace deletions,
// the new Job, history deletions, then status — and requeues itself for just after the next
// schedule time. The clock is injectable so tests can walk through hours of schedules.
//
// A Job named in status.active but missing from our cache is asked for live before it is
// dropped (the cache may merely be behind), as Kubernetes' MissingJob check does.
import type { CronJob, CronJobStatus, Job } from '../../api/batch/index.js';
import { isStatusError } from '../../api/errors.js';
import { EventRecorder, keyOf, RestClient, splitKey, WorkQueue, type ResourceClient } from '../../client/index.js';
import { controllerRefOf, resolveControllerRef } from '../controller-ref.js';
import { StatusWrites } from '../cache-freshness.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { ignoreNotFound, runWorkers, type SyncResult } from '../worker.js';
import { jobRef, planCronJob } from './planner.js';

export interface CronJobControllerOptions {
  /** The controller's idea of now (tests drive a fake clock). */
  clock?: () => Date;
}

export class CronJobController {
  readonly queue = new WorkQueue<string>({ name: 'cronjob' });
  private readonly statusWrites: StatusWrites<CronJob>;
  private readonly cronJobInformer;
  private readonly jobInformer;
  private readonly cronJobs: ResourceClient<CronJob>;
  private readonly jobs: ResourceClient<Job>;
  private readonly clock: () => Date;

  constructor(client: RestClient, informers: SharedInformerFactory, private readonly recorder: EventRecorder, opts: CronJobControllerOptions = {}) {
    this.clock = opts.clock ?? (() => new Date());
    this.cronJobs = client.resource<CronJob>('CronJob');
    this.jobs = client.resource<Job>('Job');
    this.statusWrites = new StatusWrites('CronJob', this.cronJobs);
    this.cronJobInformer = informers.cronJobs();
    this.jobInformer = informers.jobs();
    this.cronJobInformer.addEventHandler({
      onAdd: (cj) => this.queue.add(keyOf(cj)),
      onUpdate: (_o, cj) => this.queue.add(keyOf(cj)),
      onDelete: (cj) => this.statusWrites.forget(cj),
    });
    const enqueueOwner = (job: Job) => {
      const key = resolveControllerRef(job, 'CronJob', (k) => this.cronJobInformer.store.get(k));
      if (key) this.queue.add(key);
    };
    this.jobInformer.addEventHandler({
      onAdd: enqueueOwner,
      onUpdate: (oldJob, job) => {
        if (oldJob.metadata.resourceVersion === job.metadata.resourceVersion) return;
        if (controllerRefOf(oldJob)?.uid !== controllerRefOf(job)?.uid) enqueueOwner(oldJob);
        enqueueOwner(job);
      },
      onDelete: enqueueOwner,
    });
  }

  run(workers: number): Promise<void> {
    return runWorkers('cronjob-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<SyncResult | void> {
    const cronJob = this.cronJobInformer.store.get(key);
    if (!cronJob) return;
    if (this.statusWrites.isStale(cronJob)) return { requeueAfterMs: 1000 };
    const { namespace } = splitKey(key);
    const jobs = this.jobInformer.store.byIndex('namespace', namespace ?? '');
    let plan = planCronJob({ cronJob, jobs, now: this.clock() });
    if (plan.checkMissing.length > 0) {
      const gone = new Set<string>();
      for (const ref of plan.checkMissing) {
        const live = await ignoreNotFound(this.jobs.get(ref.name!, ref.namespace ?? namespace));
        if (!live || live.metadata.uid !== ref.uid) gone.add(ref.uid ?? '');
      }
      // Found live but not yet in our cache: wait for the watch rather than guess.
      if (gone.size < plan.checkMissing.length) return { requeueAfterMs: 1000 };
      plan = planCronJob({ cronJob, jobs, now: this.clock(), confirmedMissing: gone });
    }

    let firstError: unknown;
    const deleteJob = async (d: { namespace: string; name: string; uid?: string }) => {
      try {
        await this.jobs.delete(d.name, { namespace: d.namespace, propagationPolicy: 'Background', ...(d.uid ? { preconditions: { uid: d.uid } } : {}) });
      } catch (e) {
        if (isStatusError(e, 'NotFound') || isStatusError(e, 'Conflict')) return;
        firstError ??= e;
        this.recorder.event(cronJob, 'Warning', 'FailedDelete', `Deleted job: ${(e as Error).message}`);
      }
    };
    for (const d of plan.replace) await deleteJob(d);
    let status: CronJobStatus | undefined = plan.status;
    if (plan.create && !firstError) {
      const created = await this.createJob(cronJob, plan.create.job);
      if (created) {
        status = structuredClone(status ?? cronJob.status ?? {});
        if (!(status.active ?? []).some((r) => r.uid === created.metadata.uid)) (status.active ??= []).push(jobRef(created));
        status.lastScheduleTime = plan.create.scheduledTime;
      }
    }
    await Promise.all(plan.deleteFinished.map(deleteJob));
    for (const e of plan.events) this.recorder.event(cronJob, e.type, e.reason, e.message);
    if (status && !(await this.statusWrites.write(cronJob, status))) return; // the CronJob is gone
    if (firstError) throw firstError;
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  /**
   * POST the Job; a Job of that name already there and ours (we created it and died before
   * writing status) counts as created. Any other failure is recorded and thrown, so the
   * sync is retried with back-off.
   */
  private async createJob(cronJob: CronJob, job: Job): Promise<Job | undefined> {
    try {
      const created = await this.jobs.create(job, { namespace: job.metadata.namespace });
      this.recorder.event(cronJob, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
      return created;
    } catch (e) {
      if (isStatusError(e, 'AlreadyExists')) {
        const existing = await ignoreNotFound(this.jobs.get(job.metadata.name!, job.metadata.namespace));
        if (existing && controllerRefOf(existing)?.uid === cronJob.metadata.uid) return existing;
      }
      this.recorder.event(cronJob, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
      throw e;
    }
  }
}
