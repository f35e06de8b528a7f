// The StatefulSet loop (controller `statefulset`): informers on StatefulSets, pods, claims and
// ControllerRevisions feed a work queue keyed by set; each sync asks planStatefulSet what to
// do and does it in Kubernetes' order — adopt/release, history, claim owners, claims, pods
// created, pods deleted, old revisions pruned, then status. No expectations are needed: a
// pod's name is its ordinal, so a create from a stale cache is refused by the API server
// (AlreadyExists) instead of making a second pod, and the watch event requeues the set.
import type { ControllerRevision, StatefulSet } from '../../api/apps/index.js';
import type { PersistentVolumeClaim, Pod } from '../../api/core/index.js';
import { isStatusError } from '../../api/errors.js';
import { fromLabelSelector } from '../../api/labels.js';
import { EventRecorder, keyOf, RestClient, splitKey, WorkQueue, type ResourceClient } from '../../client/index.js';
import { applyPodClaims, controllerRefOf, resolveControllerRef } from '../controller-ref.js';
import { StatusWrites } from '../cache-freshness.js';
import { RevisionWrites } from '../history/history-writes.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { ignoreNotFound, runWorkers, type SyncResult } from '../worker.js';
import { planStatefulSet } from './planner.js';

export class StatefulSetController {
  readonly queue = new WorkQueue<string>({ name: 'statefulset' });
  private readonly statusWrites: StatusWrites<StatefulSet>;
  private readonly revisionWrites: RevisionWrites;
  private readonly setInformer;
  private readonly podInformer;
  private readonly claimInformer;
  private readonly revisionInformer;
  private readonly sets: ResourceClient<StatefulSet>;
  private readonly claims: ResourceClient<PersistentVolumeClaim>;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory, private readonly recorder: EventRecorder) {
    this.sets = client.resource<StatefulSet>('StatefulSet');
    this.statusWrites = new StatusWrites('StatefulSet', this.sets);
    this.revisionWrites = new RevisionWrites(client.resource<ControllerRevision>('ControllerRevision'));
    this.claims = client.resource<PersistentVolumeClaim>('PersistentVolumeClaim');
    this.setInformer = informers.forKind<StatefulSet>('StatefulSet');
    this.podInformer = informers.pods();
    this.claimInformer = informers.forKind<PersistentVolumeClaim>('PersistentVolumeClaim');
    this.revisionInformer = informers.forKind<ControllerRevision>('ControllerRevision');
    this.setInformer.addEventHandler({
      onAdd: (s) => this.queue.add(keyOf(s)),
      onUpdate: (_o, s) => this.queue.add(keyOf(s)),
      onDelete: (s) => this.statusWrites.forget(s),
    });
    const podChanged = (pod: Pod) => {
      const key = resolveControllerRef(pod, 'StatefulSet', (k) => this.setInformer.store.get(k));
      if (key) this.queue.add(key);
      else if (!controllerRefOf(pod)) this.enqueueMatching(pod);
    };
    this.podInformer.addEventHandler({
      onAdd: podChanged,
      onUpdate: (oldPod, pod) => {
        if (oldPod.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        const oldKey = resolveControllerRef(oldPod, 'StatefulSet', (k) => this.setInformer.store.get(k));
        if (oldKey) this.queue.add(oldKey);
        podChanged(pod);
      },
      onDelete: podChanged,
    });
    const revisionOwner = (r: ControllerRevision) => {
      const key = resolveControllerRef(r, 'StatefulSet', (k) => this.setInformer.store.get(k));
      if (key) this.queue.add(key);
    };
    this.revisionInformer.addEventHandler({ onAdd: revisionOwner, onUpdate: (_o, r) => revisionOwner(r), onDelete: revisionOwner });
    // A claim deleted under a live pod is recreated; its owner refs are ours to keep right.
    const claimChanged = (c: PersistentVolumeClaim) => {
      for (const s of this.setInformer.store.byIndex('namespace', c.metadata.namespace ?? '')) {
        if ((s.spec.volumeClaimTemplates ?? []).some((t) => c.metadata.name?.startsWith(`${t.metadata.name}-${s.metadata.name}-`))) this.queue.add(keyOf(s));
      }
    };
    this.claimInformer.addEventHandler({ onAdd: claimChanged, onUpdate: (_o, c) => claimChanged(c), onDelete: claimChanged });
  }

  private enqueueMatching(pod: Pod): void {
    for (const s of this.setInformer.store.byIndex('namespace', pod.metadata.namespace ?? '')) {
      if (fromLabelSelector(s.spec.selector).matches(pod.metadata.labels ?? {})) this.queue.add(keyOf(s));
    }
  }

  run(workers: number): Promise<void> {
    return runWorkers('statefulset-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<SyncResult | void> {
    const set = this.setInformer.store.get(key);
    if (!set) return;
    if (this.statusWrites.isStale(set)) return { requeueAfterMs: 1000 };
    const { namespace } = splitKey(key);
    const ns = namespace ?? '';
    const plan = planStatefulSet({
      set,
      pods: this.podInformer.store.byIndex('namespace', ns),
      claims: this.claimInformer.store.byIndex('namespace', ns),
      revisions: this.revisionInformer.store.byIndex('namespace', ns).filter((r) => controllerRefOf(r)?.uid === set.metadata.uid),
      now: new Date(),
    });
    const pods = this.client.pods();

    await applyPodClaims(set, 'apps/v1', 'StatefulSet', plan, pods, () => this.sets.get(set.metadata.name!, namespace));
    await this.revisionWrites.record(plan.history, namespace);

    for (const { claim, ownerReferences } of plan.claimOwners) {
      await ignoreNotFound(this.claims.update({ ...structuredClone(claim), metadata: { ...structuredClone(claim.metadata), ownerReferences } }));
    }
    for (const claim of plan.createClaims) {
      try {
        await this.claims.create(claim, { namespace });
      } catch (e) {
        if (isStatusError(e, 'AlreadyExists')) continue;
        this.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claim.metadata.name} for StatefulSet ${set.metadata.name} failed error: ${(e as Error).message}`);
        throw e;
      }
      this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${claimPodName(set, claim)} in StatefulSet ${set.metadata.name} success`);
    }
    const created = await Promise.allSettled(plan.create.map((pod) => pods.create(pod, { namespace })));
    let firstError: unknown;
    created.forEach((r, i) => {
      const name = plan.create[i]!.metadata.name;
      if (r.status === 'fulfilled') this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`);
      else if (!isStatusError(r.reason, 'AlreadyExists')) {
        firstError ??= r.reason;
        this.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${(r.reason as Error).message}`);
      }
    });
    for (const pod of plan.delete) {
      try {
        await pods.delete(pod.metadata.name!, { namespace, preconditions: { uid: pod.metadata.uid } });
        this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
      } catch (e) {
        // Gone already, or a newer pod under the name (the uid precondition): nothing to do.
        if (isStatusError(e, 'NotFound') || isStatusError(e, 'Conflict')) continue;
        firstError ??= e;
        this.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(e as Error).message}`);
      }
    }
    await this.revisionWrites.prune(plan.history, namespace);
    for (const e of plan.events) this.recorder.event(set, e.type, e.reason, e.message);
    if (plan.status) await this.statusWrites.write(set, plan.status);
    if (firstError) throw firstError;
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }
}

/** Claim `data-web-1` of template `data` → pod `web-1` (for the event message). */
function claimPodName(set: StatefulSet, claim: PersistentVolumeClaim): string {
  const name = claim.metadata.name ?? '';
  const t = (set.spec.volumeClaimTemplates ?? []).find((c) => name.startsWith(`${c.metadata.name}-${set.metadata.name}-`));
  return t ? name.slice(t.metadata.name!.length + 1) : name;
}
