// The Deployment controller loop: informers on Deployments, ReplicaSets and pods; a work
// queue keyed by Deployment; each sync claims ReplicaSets (adopt/release), plans one step
// with planDeployment and performs the planned writes in order. A write that conflicts
// (409: our cache was behind) aborts the sync and requeues it; the next sync plans again
// from fresher caches — level-triggered, so a restart at any point is harmless.
import type { Pod } from '../../api/core/index.js';
import type { Deployment, ReplicaSet } from '../../api/apps/index.js';
import { isStatusError } from '../../api/errors.js';
import { fromLabelSelector } from '../../api/labels.js';
import { EventRecorder, keyOf, RestClient, splitKey, WorkQueue } from '../../client/index.js';
import { canAdopt, controllerRefOf, newControllerRef, resolveControllerRef, planClaims, withControllerRef, withoutOwnerRefs } from '../controller-ref.js';
import { WrittenVersions } from '../cache-freshness.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { ignoreNotFound, runWorkers, type SyncResult } from '../worker.js';
import { equalIgnoreHash } from './pod-template-hash.js';
import { planDeployment, type DeploymentAction } from './planner.js';

export class DeploymentController {
  readonly queue = new WorkQueue<string>({ name: 'deployment' });
  private readonly written = new WrittenVersions();
  private readonly dInformer;
  private readonly rsInformer;
  private readonly podInformer;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory, private readonly recorder: EventRecorder) {
    this.dInformer = informers.deployments();
    this.rsInformer = informers.replicaSets();
    this.podInformer = informers.pods();
    this.dInformer.addEventHandler({
      onAdd: (d) => this.queue.add(keyOf(d)),
      onUpdate: (_o, d) => this.queue.add(keyOf(d)),
      onDelete: (d) => { this.written.forget('Deployment', d); this.queue.add(keyOf(d)); },
    });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.enqueueForReplicaSet(rs),
      onUpdate: (oldRS, rs) => {
        if (oldRS.metadata.resourceVersion === rs.metadata.resourceVersion) return;
        const o = this.ownerKey(oldRS), n = this.ownerKey(rs);
        if (o && o !== n) this.queue.add(o);
        this.enqueueForReplicaSet(rs);
      },
      onDelete: (rs) => { this.written.forget('ReplicaSet', rs); const k = this.ownerKey(rs); if (k) this.queue.add(k); },
    });
    // Recreate waits for old pods to be gone: their deletion is what moves it on.
    this.podInformer.addEventHandler({
      onDelete: (pod) => this.enqueueForPod(pod),
    });
  }

  private ownerKey(rs: ReplicaSet): string | undefined {
    return resolveControllerRef(rs, 'Deployment', (key) => this.dInformer.store.get(key));
  }

  private enqueueForReplicaSet(rs: ReplicaSet): void {
    const key = this.ownerKey(rs);
    if (key) return this.queue.add(key);
    if (controllerRefOf(rs)) return;
    for (const d of this.dInformer.store.byIndex('namespace', rs.metadata.namespace ?? '')) {
      if (fromLabelSelector(d.spec.selector).matches(rs.metadata.labels ?? {})) this.queue.add(keyOf(d));
    }
  }

  private enqueueForPod(pod: Pod): void {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.rsInformer.store.get(`${pod.metadata.namespace}/${ref.name}`);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const key = this.ownerKey(rs);
    if (key && this.dInformer.store.get(key)?.spec.strategy?.type === 'Recreate') this.queue.add(key);
  }

  run(workers: number): Promise<void> {
    return runWorkers('deployment-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<SyncResult | void> {
    const cached = this.dInformer.store.get(key);
    if (!cached) return;
    const { namespace } = splitKey(key);
    const rsClient = this.client.replicaSets();

    // Claim ReplicaSets: adopt matching orphans, release those that stopped matching.
    const candidates = this.rsInformer.store.byIndex('namespace', namespace ?? '');
    const claims = planClaims(cached, cached.spec.selector, candidates);
    const owned: ReplicaSet[] = claims.claimed.filter((rs) => !claims.adopt.includes(rs));
    if (claims.adopt.length > 0 && (await canAdopt(cached, () => this.client.deployments().get(cached.metadata.name!, cached.metadata.namespace)))) {
      const ref = newControllerRef(cached, 'apps/v1', 'Deployment');
      for (const rs of claims.adopt) {
        const updated = await ignoreNotFound(rsClient.update(withControllerRef(structuredClone(rs), ref)));
        if (updated) owned.push(updated);
      }
    }
    for (const rs of claims.release) {
      await ignoreNotFound(rsClient.update(withoutOwnerRefs(structuredClone(rs), new Set([cached.metadata.uid!]))));
    }

    const podsByReplicaSet = new Map<string, Pod[]>();
    if (cached.spec.strategy?.type === 'Recreate') {
      for (const rs of owned) podsByReplicaSet.set(rs.metadata.uid!, this.podInformer.store.byIndex('ownerUID', rs.metadata.uid!));
    }
    // Plan only on a cache that has caught up with our own last writes.
    if (this.written.isStale('Deployment', cached) || owned.some((rs) => this.written.isStale('ReplicaSet', rs))) {
      return { requeueAfterMs: 1000 };
    }
    const plan = planDeployment({ deployment: cached, replicaSets: owned, podsByReplicaSet, now: new Date() });
    await this.execute(cached, plan.actions);
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  /** Perform planned writes in order, carrying resourceVersions from one write to the next. */
  private async execute(d: Deployment, actions: readonly DeploymentAction[]): Promise<void> {
    const rsClient = this.client.replicaSets();
    const dClient = this.client.deployments();
    const ns = d.metadata.namespace;
    const rsVersion = new Map<string, string>();
    let dVersion = d.metadata.resourceVersion;
    let latestD: Deployment = d;
    for (const a of actions) {
      switch (a.type) {
        case 'createReplicaSet': {
          const rs = a.replicaSet;
          try {
            const created = await rsClient.create(rs, { namespace: ns });
            rsVersion.set(created.metadata.name!, created.metadata.resourceVersion!);
            this.written.wrote('ReplicaSet', created);
          } catch (e) {
            if (!isStatusError(e, 'AlreadyExists')) throw e;
            const existing = await rsClient.get(rs.metadata.name!, ns);
            const ref = controllerRefOf(existing);
            if (ref?.uid === d.metadata.uid && equalIgnoreHash(existing.spec.template, d.spec.template)) {
              // Ours, and our cache had not seen it yet: plan again once it has.
              throw new Error(`replica set ${rs.metadata.name} exists but is not in the cache yet`);
            }
            // A hash collision: another template owns the name. Bump collisionCount so the
            // next sync computes a different hash.
            const fresh = await dClient.get(d.metadata.name!, ns);
            fresh.status = { ...(fresh.status ?? {}), collisionCount: (fresh.status?.collisionCount ?? 0) + 1 };
            await dClient.updateStatus(fresh);
            throw new Error(`hash collision on replica set ${rs.metadata.name}; collisionCount raised`);
          }
          break;
        }
        case 'updateReplicaSet': {
          const rs = structuredClone(a.replicaSet);
          const rv = rsVersion.get(rs.metadata.name!);
          if (rv) rs.metadata.resourceVersion = rv;
          const updated = await rsClient.update(rs);
          rsVersion.set(updated.metadata.name!, updated.metadata.resourceVersion!);
          this.written.wrote('ReplicaSet', updated);
          break;
        }
        case 'deleteReplicaSet':
          await ignoreNotFound(rsClient.delete(a.replicaSet.metadata.name!, { namespace: ns, preconditions: { uid: a.replicaSet.metadata.uid } }));
          break;
        case 'updateDeployment':
        case 'updateDeploymentStatus': {
          // Each write carries the resourceVersion of our previous one, so a sync's writes chain.
          const next = structuredClone(a.deployment);
          next.metadata.resourceVersion = dVersion;
          latestD = a.type === 'updateDeployment' ? await dClient.update(next) : await dClient.updateStatus(next);
          dVersion = latestD.metadata.resourceVersion;
          this.written.wrote('Deployment', latestD);
          break;
        }
        case 'event':
          this.recorder.event(latestD, a.eventType, a.reason, a.message);
          break;
      }
    }
  }

}
