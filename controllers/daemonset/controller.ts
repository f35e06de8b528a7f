// The DaemonSet loop (controller `daemonset`): informers on DaemonSets, pods, nodes and
// ControllerRevisions feed a work queue keyed by DaemonSet; each sync asks planDaemonSet what
// to do and does it — adopt/release, history (create, renumber, prune), pod creations and
// deletions (bridged by expectations until our watch sees them), then status. Any node
// change re-plans every DaemonSet: a node added, relabelled, tainted or removed can change
// where pods belong.
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from '../../api/apps/index.js';
import type { Node, Pod } from '../../api/core/index.js';
import { isStatusError } from '../../api/errors.js';
import { fromLabelSelector } from '../../api/labels.js';
import { EventRecorder, keyOf, RestClient, splitKey, WorkQueue, type ResourceClient } from '../../client/index.js';
import { canAdopt, controllerRefOf, newControllerRef, resolveControllerRef, withControllerRef, withoutOwnerRefs } from '../controller-ref.js';
import { WrittenVersions } from '../cache-freshness.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { ControllerExpectations } from '../replicaset/expectations.js';
import { PodControl } from '../pod-control.js';
import { runWorkers, type SyncResult } from '../worker.js';
import { planDaemonSet } from './planner.js';

export class DaemonSetController {
  readonly queue = new WorkQueue<string>({ name: 'daemonset' });
  readonly expectations = new ControllerExpectations();
  private readonly written = new WrittenVersions();
  private readonly dsInformer;
  private readonly podInformer;
  private readonly nodeInformer;
  private readonly revisionInformer;
  private readonly daemonSets: ResourceClient<DaemonSet>;
  private readonly revisions: ResourceClient<ControllerRevision>;
  private readonly podControl: PodControl;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory, private readonly recorder: EventRecorder) {
    this.daemonSets = client.resource<DaemonSet>('DaemonSet');
    this.revisions = client.resource<ControllerRevision>('ControllerRevision');
    this.podControl = new PodControl(() => client.pods(), recorder, this.expectations);
    this.dsInformer = informers.forKind<DaemonSet>('DaemonSet');
    this.podInformer = informers.pods();
    this.nodeInformer = informers.forKind<Node>('Node');
    this.revisionInformer = informers.forKind<ControllerRevision>('ControllerRevision');
    this.dsInformer.addEventHandler({
      onAdd: (ds) => this.queue.add(keyOf(ds)),
      onUpdate: (_o, ds) => this.queue.add(keyOf(ds)),
      onDelete: (ds) => { this.expectations.delete(keyOf(ds)); this.written.forget('DaemonSet', ds); },
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
    const all = () => { for (const ds of this.dsInformer.store.list()) this.queue.add(keyOf(ds)); };
    this.nodeInformer.addEventHandler({
      onAdd: all,
      onUpdate: (o, n) => { if (o.metadata.resourceVersion !== n.metadata.resourceVersion) all(); },
      onDelete: all,
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
    if (this.written.isStale('DaemonSet', ds)) return { requeueAfterMs: 1000 };
    const { namespace } = splitKey(key);
    const revisions = this.revisionInformer.store.byIndex('namespace', namespace ?? '').filter((r) => controllerRefOf(r)?.uid === ds.metadata.uid);
    const plan = planDaemonSet({
      ds, nodes: this.nodeInformer.store.list(), pods: this.podInformer.store.byIndex('namespace', namespace ?? ''), revisions,
      expectationsSatisfied: this.expectations.satisfied(key), now: new Date(),
    });
    const pods = this.client.pods();

    if (plan.adopt.length > 0 && (await canAdopt(ds, () => this.daemonSets.get(ds.metadata.name!, namespace)))) {
      const ref = newControllerRef(ds, 'apps/v1', 'DaemonSet');
      for (const pod of plan.adopt) await ignoreNotFound(pods.update(withControllerRef(structuredClone(pod), ref)));
    }
    for (const pod of plan.release) await ignoreNotFound(pods.update(withoutOwnerRefs(structuredClone(pod), new Set([ds.metadata.uid!]))));

    const h = plan.history;
    if (h?.create) {
      try {
        await this.revisions.create(h.create, { namespace });
      } catch (e) {
        if (!isStatusError(e, 'AlreadyExists')) throw e; // ours from a sync whose watch event is still coming
      }
    }
    if (h?.renumber) await this.revisions.update(h.renumber);

    const createFailure = await this.podControl.create(ds, key, namespace, plan.create);
    const deleteFailure = await this.podControl.delete(ds, key, namespace, plan.delete);
    const failure = createFailure ?? deleteFailure;
    for (const pod of plan.forceDelete) {
      const gone = await ignoreNotFound(pods.delete(pod.metadata.name!, { namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }));
      if (gone !== undefined) this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    }
    for (const r of h?.delete ?? []) await ignoreNotFound(this.revisions.delete(r.metadata.name!, { namespace, preconditions: { uid: r.metadata.uid } }));
    for (const e of plan.events) this.recorder.event(ds, e.type, e.reason, e.message);
    if (plan.status) await this.writeStatus(ds, plan.status);
    if (failure) throw failure.error;
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  private async writeStatus(ds: DaemonSet, status: DaemonSetStatus): Promise<void> {
    try {
      this.written.wrote('DaemonSet', await this.daemonSets.updateStatus({ ...structuredClone(ds), status }));
    } catch (e) {
      if (!isStatusError(e, 'NotFound')) throw e;
    }
  }
}

async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isStatusError(e, 'NotFound')) return undefined;
    throw e;
  }
}
