// The ReplicaSet controller loop: informers on ReplicaSets and pods feed a work queue keyed
// by ReplicaSet; each sync reads the caches, asks planReplicaSet what to do, and writes
// through the API. Expectations bridge the gap between our writes and our watch.
import type { Pod } from '../../api/core/index.js';
import type { ReplicaSet } from '../../api/apps/index.js';
import { isStatusError } from '../../api/errors.js';
import { fromLabelSelector } from '../../api/labels.js';
import { EventRecorder, keyOf, RestClient, splitKey, WorkQueue } from '../../client/index.js';
import { applyPodClaims, controllerRefOf, resolveControllerRef } from '../controller-ref.js';
import { WrittenVersions } from '../cache-freshness.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers, type SyncResult } from '../worker.js';
import { ControllerExpectations } from './expectations.js';
import { PodControl } from '../pod-control.js';
import { computeReplicaSetStatus, planReplicaSet, podFromTemplate, withReplicaFailure } from './planner.js';

export class ReplicaSetController {
  readonly queue = new WorkQueue<string>({ name: 'replicaset' });
  readonly expectations = new ControllerExpectations();
  private readonly written = new WrittenVersions();
  private readonly rsInformer;
  private readonly podInformer;
  private readonly podControl: PodControl;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory, private readonly recorder: EventRecorder) {
    this.podControl = new PodControl(() => client.pods(), recorder, this.expectations);
    this.rsInformer = informers.replicaSets();
    this.podInformer = informers.pods();
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.queue.add(keyOf(rs)),
      onUpdate: (_o, rs) => this.queue.add(keyOf(rs)),
      onDelete: (rs) => { this.expectations.delete(keyOf(rs)); this.written.forget('ReplicaSet', rs); this.queue.add(keyOf(rs)); },
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (oldPod, pod) => this.onPodUpdate(oldPod, pod),
      onDelete: (pod) => this.onPodDelete(pod),
    });
  }

  /** The ReplicaSet a controllerRef names, if it is in our cache with that uid. */
  private ownerKey(pod: Pod): string | undefined {
    return resolveControllerRef(pod, 'ReplicaSet', (key) => this.rsInformer.store.get(key));
  }

  /** An orphan may be adopted by any ReplicaSet whose selector matches it. */
  private enqueueMatching(pod: Pod): void {
    for (const rs of this.rsInformer.store.byIndex('namespace', pod.metadata.namespace ?? '')) {
      if (fromLabelSelector(rs.spec.selector).matches(pod.metadata.labels ?? {})) this.queue.add(keyOf(rs));
    }
  }

  private onPodAdd(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) return this.onPodDelete(pod);
    const key = this.ownerKey(pod);
    if (key) {
      this.expectations.creationObserved(key);
      this.queue.add(key);
    } else if (!controllerRefOf(pod)) this.enqueueMatching(pod);
  }

  private onPodUpdate(oldPod: Pod, pod: Pod): void {
    if (oldPod.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    if (pod.metadata.deletionTimestamp && !oldPod.metadata.deletionTimestamp) {
      // Graceful deletion: count it as observed now, the final delete will not count twice.
      this.onPodDelete(pod);
    }
    const oldKey = this.ownerKey(oldPod);
    const key = this.ownerKey(pod);
    if (oldKey && oldKey !== key) this.queue.add(oldKey);
    if (key) this.queue.add(key);
    else if (!controllerRefOf(pod)) this.enqueueMatching(pod);
  }

  private onPodDelete(pod: Pod): void {
    const key = this.ownerKey(pod);
    if (!key) return;
    this.expectations.deletionObserved(key, keyOf(pod));
    this.queue.add(key);
  }

  run(workers: number): Promise<void> {
    return runWorkers('replicaset-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<SyncResult | void> {
    const rs = this.rsInformer.store.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    if (this.written.isStale('ReplicaSet', rs)) return { requeueAfterMs: 1000 };
    const { namespace } = splitKey(key);
    const pods = this.podInformer.store.byIndex('namespace', namespace ?? '');
    const plan = planReplicaSet({ rs, pods, expectationsSatisfied: this.expectations.satisfied(key), now: new Date() });
    const podClient = this.client.pods();

    await applyPodClaims(rs, 'apps/v1', 'ReplicaSet', plan, podClient, () => this.client.replicaSets().get(rs.metadata.name!, rs.metadata.namespace));

    const template = plan.create > 0 ? podFromTemplate(rs) : undefined;
    const newPods = Array.from({ length: plan.create }, () => structuredClone(template!));
    const createFailure = await this.podControl.create(rs, key, namespace, newPods, plan.createBatches);
    const deleteFailure = await this.podControl.delete(rs, key, namespace, plan.delete);
    const failure = createFailure ?? deleteFailure;
    // ReplicaFailure reflects this sync's create/delete outcome (only when it managed replicas).
    const managed = plan.create > 0 || plan.delete.length > 0;
    const hadFailure = (rs.status?.conditions ?? []).some((c) => c.type === 'ReplicaFailure');
    if (plan.status || failure || (managed && hadFailure)) {
      const base = plan.status ?? rs.status ?? computeReplicaSetStatus(rs, [], new Date());
      const status = managed || failure ? withReplicaFailure(base, failure && { reason: failure.reason, message: (failure.error as Error).message }, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')) : base;
      if (JSON.stringify(status) !== JSON.stringify(rs.status)) await this.writeStatus(rs, status);
    }
    if (failure) throw failure.error;
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  private async writeStatus(rs: ReplicaSet, status: NonNullable<ReplicaSet['status']>): Promise<void> {
    const rsClient = this.client.replicaSets();
    try {
      this.written.wrote('ReplicaSet', await rsClient.updateStatus({ ...structuredClone(rs), status }));
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return;
      if (!isStatusError(e, 'Conflict')) throw e;
      // Our cache was behind: write the same counts onto the latest object once.
      const fresh = await rsClient.get(rs.metadata.name!, rs.metadata.namespace);
      if (fresh.metadata.uid !== rs.metadata.uid) return;
      this.written.wrote('ReplicaSet', await rsClient.updateStatus({ ...fresh, status: { ...status, observedGeneration: Math.min(status.observedGeneration ?? 0, fresh.metadata.generation ?? 0) } }));
    }
  }
}
