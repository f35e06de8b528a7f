// The TTL-after-finished loop: Jobs with ttlSecondsAfterFinished are queued when they change
// and again when their time is up; an expired Job is read fresh from the API server (a user
// may have changed the TTL since our cache saw it) and deleted with propagation Foreground
// and a uid precondition, so its pods go first and a new Job of the same name is never hit.
import type { Job } from '../../api/batch/index.js';
import { isStatusError } from '../../api/errors.js';
import { keyOf, RestClient, splitKey, WorkQueue, type ResourceClient } from '../../client/index.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers, type SyncResult } from '../worker.js';
import { planTTL } from './planner.js';

export class TTLAfterFinishedController {
  readonly queue = new WorkQueue<string>({ name: 'ttl-after-finished' });
  private readonly jobInformer;
  private readonly jobs: ResourceClient<Job>;

  constructor(client: RestClient, informers: SharedInformerFactory) {
    this.jobs = client.resource<Job>('Job');
    this.jobInformer = informers.jobs();
    const enqueue = (job: Job) => { if (job.spec.ttlSecondsAfterFinished !== undefined && !job.metadata.deletionTimestamp) this.queue.add(keyOf(job)); };
    this.jobInformer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, job) => enqueue(job) });
  }

  run(workers: number): Promise<void> {
    return runWorkers('ttl-after-finished-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<SyncResult | void> {
    const cached = this.jobInformer.store.get(key);
    if (!cached) return;
    const first = planTTL(cached, new Date());
    if (first.action === 'none') return;
    if (first.action === 'wait') return { requeueAfterMs: first.afterMs };
    const { namespace, name } = splitKey(key);
    let fresh: Job;
    try {
      fresh = await this.jobs.get(name, namespace);
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return;
      throw e;
    }
    const decision = planTTL(fresh, new Date());
    if (decision.action === 'wait') return { requeueAfterMs: decision.afterMs };
    if (decision.action === 'none') return;
    try {
      await this.jobs.delete(name, { namespace, propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata.uid } });
    } catch (e) {
      if (!isStatusError(e, 'NotFound') && !isStatusError(e, 'Conflict')) throw e;
    }
  }
}
