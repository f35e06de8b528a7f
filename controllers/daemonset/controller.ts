// The DaemonSet loop (controller `daemonset`): informers on DaemonSets, pods, nodes and
// ControllerRevisions feed a work queue keyed by DaemonSet; each sync asks planDaemonSet what
// to do and does it — adopt/release, history (create, renumber, prune), pod creations and
// deletions (bridged by expectations until our watch sees them), then status. A node added,
// relabelled, retainted or removed re-plans the DaemonSets whose placement it changes; its
// status heartbeats do not.
import type { ControllerRevision, DaemonSet } from '../../api/apps/index.js';
import type { Node, Pod } from '../../api/core/index.js';
import { fromLabelSelector } from '../../api/labels.js';
import { EventRecorder, keyOf, RestClient, splitKey, WorkQueue, type ResourceClient } from '../../client/index.js';
import { applyPodClaims, controllerRefOf, resolveControllerRef } from '../controller-ref.js';
import { StatusWrites } from '../cache-freshness.js';
import { RevisionWrites } from '../history/history-writes.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { ControllerExpectations } from '../replicaset/expectations.js';
import { PodControl, SlowStartMemory } from '../pod-control.js';
import { ignoreNotFound, runWorkers, type SyncResult } from '../worker.js';
import { nodeShouldRunDaemonPod, nodeUpdateConcerns } from './placement.js';
import { planDaemonSet } from './planner.js';

export class DaemonSetController {
  readonly queue = new WorkQueue<string>({ name: 'daemonset' });
  readonly expectations = new ControllerExpectations();
  private readonly slowStart = new SlowStartMemory();
  private readonly statusWrites: StatusWrites<DaemonSet>;
  private readonly revisionWrites: RevisionWrites;
  private readonly dsInformer;
  private readonly podInformer;
  private readonly nodeInformer;
  private readonly revisionInformer;
  private readonly daemonSets: ResourceClient<DaemonSet>;
  private readonly podControl: PodControl;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory, private readonly recorder: EventRecorder) {
    this.daemonSets = client.resource<DaemonSet>('DaemonSet');
    this.statusWrites = new StatusWrites('DaemonSet', this.daemonSets);
    this.revisionWrites = new RevisionWrites(client.resource<ControllerRevision>('ControllerRevision'));
    this.podControl = new PodControl(() => client.pods(), recorder, this.expectations);
    this.dsInformer = informers.forKind<DaemonSet>('DaemonSet');
    this.podInformer = informers.pods();
    this.nodeInformer = informers.forKind<Node>('Node');
    this.revisionInformer = informers.forKind<ControllerRevision>('ControllerRevision');
    this.dsInformer.addEventHandler({
      onAdd: (ds) => this.queue.add(keyOf(ds)),
      onUpdate: (_o, ds) => this.queue.add(keyOf(ds)),
      onDelete: (ds) => { this.expectations.delete(keyOf(ds)); this.slowStart.forget(keyOf(ds)); this.statusWrites.forget(ds); },
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => {
        const key = this.ownerKey(pod);
        if (key) { this.expectations.creationObserved(key); this.queue.add(key); } else if (!controllerRefOf(pod)) this.enqueueMatching(pod);
      },
      onUpdate: (oldPod, pod) => {
        if (oldPod.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        const oldKey = this.ownerKey(oldPod), key = this.ownerKey(pod);
        if (oldKey && oldKey !== key) this.queue.add(oldKey);
        if (key) this.queue.add(key);
        else if (!controllerRefOf(pod)) this.enqueueMatching(pod);
      },
      onDelete: (pod) => {
        const key = this.ownerKey(pod);
        if (key) { this.expectations.deletionObserved(key, keyOf(pod)); this.queue.add(key); }
      },
    });
    // As addNode/updateNode: only the DaemonSets a node event concerns (a removed node, all:
    // its pods go).
    const each = (concerns: (ds: DaemonSet) => boolean) => { for (const ds of this.dsInformer.store.list()) if (concerns(ds)) this.queue.add(keyOf(ds)); };
    this.nodeInformer.addEventHandler({
      onAdd: (n) => each((ds) => nodeShouldRunDaemonPod(n, ds).shouldRun),
      onUpdate: (o, n) => { if (o.metadata.resourceVersion !== n.metadata.resourceVersion) each((ds) => nodeUpdateConcerns(o, n, ds)); },
      onDelete: () => each(() => true),
    });
    const revisionOwner = (r: ControllerRevision) => {
      const key = resolveControllerRef(r, 'DaemonSet', (k) => this.dsInformer.store.get(k));
      if (key) this.queue.add(key);
    };
    this.revisionInformer.addEventHandler({ onAdd: revisionOwner, onUpdate: (_o, r) => revisionOwner(r), onDelete: revisionOwner });
  }

  private ownerKey(pod: Pod): string | undefined {
    return resolveControllerRef(pod, 'DaemonSet', (key) => this.dsInformer.store.get(key));
  }

  private enqueueMatching(pod: Pod): void {
    for (const ds of this.dsInformer.store.byIndex('namespace', pod.metadata.namespace ?? '')) {
      if (fromLabelSelector(ds.spec.selector).matches(pod.metadata.labels ?? {})) this.queue.add(keyOf(ds));
    }
  }

  run(workers: number): Promise<void> {
    return runWorkers('daemonset-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<SyncResult | void> {
    const ds = this.dsInformer.store.get(key);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    if (this.statusWrites.isStale(ds)) return { requeueAfterMs: 1000 };
    const { namespace } = splitKey(key);
    const revisions = this.revisionInformer.store.byIndex('namespace', namespace ?? '').filter((r) => controllerRefOf(r)?.uid === ds.metadata.uid);
    const plan = planDaemonSet({
      ds, nodes: this.nodeInformer.store.list(), pods: this.podInformer.store.byIndex('namespace', namespace ?? ''), revisions,
      expectationsSatisfied: this.expectations.satisfied(key), now: new Date(),
    });
    const pods = this.client.pods();

    await applyPodClaims(ds, 'apps/v1', 'DaemonSet', plan, pods, () => this.daemonSets.get(ds.metadata.name!, namespace));
    await this.revisionWrites.record(plan.history, namespace);

    // A rolling update creates a wave of pods per sync: the slow start goes on from the last wave.
    const batches = this.slowStart.batches(key, plan.create.length);
    const createFailure = await this.podControl.create(ds, key, namespace, plan.create, batches);
    this.slowStart.record(key, batches, createFailure !== undefined);
    const deleteFailure = await this.podControl.delete(ds, key, namespace, plan.delete);
    const failure = createFailure ?? deleteFailure;
    for (const pod of plan.forceDelete) {
      const gone = await ignoreNotFound(pods.delete(pod.metadata.name!, { namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }));
      if (gone !== undefined) this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    }
    await this.revisionWrites.prune(plan.history, namespace);
    for (const e of plan.events) this.recorder.event(ds, e.type, e.reason, e.message);
    if (plan.status) await this.statusWrites.write(ds, plan.status);
    if (failure) throw failure.error;
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }
}
