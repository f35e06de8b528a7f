// The Job controller loop: informers on Jobs and pods feed a work queue keyed by Job; each
// sync reads the caches, asks planJob what to do, and writes through the API in the order
// that keeps counting crash-safe — status first (it records finished pods as uncounted),
// then the pods' tracking finalizers, then creations and deletions. Expectations bridge the
// gap between our pod writes and our watch.
//
// A pod that still holds the tracking finalizer but whose Job is gone (deleted with
// propagation Background: the GC deletes the pods after the Job) would be stuck
// Terminating; such pods are queued under `orphan-pod/<ns>/<name>` and let go.
import type { Pod } from '../../api/core/index.js';
import type { Job } from '../../api/batch/index.js';
import { JOB_TRACKING_FINALIZER } from '../../api/batch/index.js';
import { fromLabelSelector } from '../../api/labels.js';
import { EventRecorder, keyOf, RestClient, splitKey, WorkQueue, type ResourceClient } from '../../client/index.js';
import { applyPodClaims, controllerRefOf, resolveControllerRef } from '../controller-ref.js';
import { StatusWrites } from '../cache-freshness.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { ControllerExpectations } from '../replicaset/expectations.js';
import { PodControl, SlowStartMemory } from '../pod-control.js';
import { ignoreNotFound, runWorkers, type SyncResult } from '../worker.js';
import { DEFAULT_BACKOFF_BASE_MS } from './backoff.js';
import { countReleased, planJob } from './planner.js';

const ORPHAN_POD = 'orphan-pod/';

export interface JobControllerOptions {
  /** The first back-off delay after a failed pod (default 10 s; SKIFF_JOB_BACKOFF_BASE_MS). */
  backoffBaseMs?: number;
}

export class JobController {
  readonly queue = new WorkQueue<string>({ name: 'job' });
  readonly expectations = new ControllerExpectations();
  private readonly slowStart = new SlowStartMemory();
  private readonly statusWrites: StatusWrites<Job>;
  private readonly jobInformer;
  private readonly podInformer;
  private readonly jobs: ResourceClient<Job>;
  private readonly podControl: PodControl;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory, private readonly recorder: EventRecorder, private readonly opts: JobControllerOptions = {}) {
    this.jobs = client.resource<Job>('Job');
    this.statusWrites = new StatusWrites('Job', this.jobs);
    this.podControl = new PodControl(() => client.pods(), recorder, this.expectations);
    this.jobInformer = informers.jobs();
    this.podInformer = informers.pods();
    this.jobInformer.addEventHandler({
      onAdd: (job) => this.queue.add(keyOf(job)),
      onUpdate: (_o, job) => this.queue.add(keyOf(job)),
      onDelete: (job) => { this.expectations.delete(keyOf(job)); this.slowStart.forget(keyOf(job)); this.statusWrites.forget(job); this.queue.add(keyOf(job)); },
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (oldPod, pod) => this.onPodUpdate(oldPod, pod),
      onDelete: (pod) => this.onPodDelete(pod),
    });
  }

  private ownerKey(pod: Pod): string | undefined {
    return resolveControllerRef(pod, 'Job', (key) => this.jobInformer.store.get(key));
  }

  /** Our finalizer on a pod whose Job is not (or no longer) there. */
  private checkOrphan(pod: Pod): void {
    const ref = controllerRefOf(pod);
    if (ref?.kind === 'Job' && (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER) && !this.ownerKey(pod)) {
      this.queue.add(ORPHAN_POD + keyOf(pod));
    }
  }

  private enqueueMatching(pod: Pod): void {
    for (const job of this.jobInformer.store.byIndex('namespace', pod.metadata.namespace ?? '')) {
      if (job.spec.selector && fromLabelSelector(job.spec.selector).matches(pod.metadata.labels ?? {})) this.queue.add(keyOf(job));
    }
  }

  private onPodAdd(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) this.onPodDelete(pod);
    const key = this.ownerKey(pod);
    if (key) {
      this.expectations.creationObserved(key);
      this.queue.add(key);
    } else if (!controllerRefOf(pod)) this.enqueueMatching(pod);
    else this.checkOrphan(pod);
  }

  private onPodUpdate(oldPod: Pod, pod: Pod): void {
    if (oldPod.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    if (pod.metadata.deletionTimestamp && !oldPod.metadata.deletionTimestamp) this.onPodDelete(pod);
    const oldKey = this.ownerKey(oldPod);
    const key = this.ownerKey(pod);
    if (oldKey && oldKey !== key) this.queue.add(oldKey);
    if (key) this.queue.add(key);
    else if (!controllerRefOf(pod)) this.enqueueMatching(pod);
    else this.checkOrphan(pod);
  }

  private onPodDelete(pod: Pod): void {
    const key = this.ownerKey(pod);
    if (!key) return;
    this.expectations.deletionObserved(key, keyOf(pod));
    this.queue.add(key);
  }

  run(workers: number): Promise<void> {
    return runWorkers('job-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<SyncResult | void> {
    if (key.startsWith(ORPHAN_POD)) return this.releaseOrphan(key.slice(ORPHAN_POD.length));
    const job = this.jobInformer.store.get(key);
    if (!job) {
      this.expectations.delete(key);
      return;
    }
    if (this.statusWrites.isStale(job)) return { requeueAfterMs: 1000 };
    const { namespace } = splitKey(key);
    const pods = this.podInformer.store.byIndex('namespace', namespace ?? '');
    const plan = planJob({
      job, pods, expectationsSatisfied: this.expectations.satisfied(key), now: new Date(),
      backoffBaseMs: this.opts.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS,
    });
    const podClient = this.client.pods();

    await applyPodClaims(job, 'batch/v1', 'Job', plan, podClient, () => this.jobs.get(job.metadata.name!, job.metadata.namespace));

    // Two chains at once, so counting finished pods never waits for the replacements' slow
    // start (nor the other way round): status, then finalizers — a pod may lose its finalizer
    // only once status names it; and the creations and deletions manageJob decided, which
    // depend on neither (pods are created holding the finalizer, so nothing is counted early).
    const counting = (async () => {
      let written: Job | undefined = job;
      if (plan.status) written = await this.statusWrites.write(job, plan.status);
      if (!written) return; // the Job is gone: nothing more to do
      if (!plan.removeFinalizers.length) return;
      await Promise.all(plan.removeFinalizers.map((pod) => this.removeFinalizer(pod)));
      // As Kubernetes does, count what was just let go in the same sync, on the Job as written.
      const flushed = countReleased(written.status, new Set(plan.removeFinalizers.map((p) => p.metadata.uid!)), new Date());
      if (flushed && (await this.statusWrites.write(written, flushed.status)) && flushed.completed) {
        this.recorder.event(job, 'Normal', 'Completed', 'Job completed');
      }
    })();
    const managing = (async () => {
      const batches = this.slowStart.batches(key, plan.create.length);
      const createFailure = await this.podControl.create(job, key, namespace, plan.create, batches);
      this.slowStart.record(key, batches, createFailure !== undefined);
      const deleteFailure = await this.podControl.delete(job, key, namespace, plan.delete);
      return createFailure ?? deleteFailure;
    })();
    // Both settle before the sync ends (a conflict on status must not leave creates in flight unseen).
    const [counted, managed] = await Promise.allSettled([counting, managing]);
    if (counted.status === 'rejected') throw counted.reason;
    if (managed.status === 'rejected') throw managed.reason;
    const failure = managed.value;
    for (const e of plan.events) this.recorder.event(job, e.type, e.reason, e.message);
    if (failure) throw failure.error;
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  /** Drop our finalizer alone (a strategic-merge delete from the list, so others' finalizers stay). */
  private async removeFinalizer(pod: Pod): Promise<void> {
    await ignoreNotFound(this.client.pods().patch(pod.metadata.name!, {
      metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] },
    }, 'strategic', { namespace: pod.metadata.namespace }));
  }

  /** A pod of a Job that no longer exists: nothing will count it, so let it go. */
  private async releaseOrphan(podKey: string): Promise<void> {
    const pod = this.podInformer.store.get(podKey);
    if (!pod || !(pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) return;
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'Job') return;
    // The cache may merely be behind: ask the API server before letting go.
    const live = await ignoreNotFound(this.jobs.get(ref.name, pod.metadata.namespace));
    if (live && live.metadata.uid === ref.uid) {
      this.queue.add(keyOf(live));
      return;
    }
    await this.removeFinalizer(pod);
  }
}
