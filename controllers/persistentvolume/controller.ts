// The PV binder loop (controller `persistentvolume-binder`): claims and volumes from the
// shared informers → planClaim / planVolume → writes in order. Spec writes (claimRef,
// volumeName) are PUTs with the cached resourceVersion, so two claims racing for one volume
// cannot both win (the loser gets a 409 and re-plans); status writes are merge patches of
// the status subresource. Pending claims are looked at again every 15 s, as Kubernetes'
// binder resyncs, so a volume created meanwhile is found even without an event.
import type { Node, PersistentVolume, PersistentVolumeClaim } from '../../api/core/index.js';
import { isStatusError } from '../../api/errors.js';
import type { StorageClass } from '../../api/storage/index.js';
import { EventRecorder, keyOf, RestClient, WorkQueue, type ResourceClient } from '../../client/index.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers, type SyncResult } from '../worker.js';
import { planClaim, planVolume, type BinderPlan, type BinderState } from './planner.js';
import { LOCAL_PATH_PROVISIONER } from '../local-path-provisioner/planner.js';

const RESYNC_MS = 15_000;

/** A status for a merge patch: cleared fields as null (absent keys would leave them). */
function statusPatch(status: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(status ?? {})) out[k] = v === undefined ? null : v;
  return out;
}

export class PersistentVolumeBinder {
  readonly queue = new WorkQueue<string>({ name: 'persistentvolume-binder' });
  private readonly pvInformer;
  private readonly pvcInformer;
  private readonly scInformer;
  private readonly nodeInformer;
  private readonly pvs: ResourceClient<PersistentVolume>;
  private readonly pvcs: ResourceClient<PersistentVolumeClaim>;

  constructor(client: RestClient, informers: SharedInformerFactory, private readonly recorder: EventRecorder) {
    this.pvs = client.resource<PersistentVolume>('PersistentVolume');
    this.pvcs = client.resource<PersistentVolumeClaim>('PersistentVolumeClaim');
    this.pvInformer = informers.forKind<PersistentVolume>('PersistentVolume');
    this.pvcInformer = informers.forKind<PersistentVolumeClaim>('PersistentVolumeClaim');
    this.scInformer = informers.forKind<StorageClass>('StorageClass');
    this.nodeInformer = informers.forKind<Node>('Node');
    const onVolume = (v: PersistentVolume) => {
      this.queue.add(`volume/${v.metadata.name}`);
      const ref = v.spec?.claimRef;
      if (ref?.name && ref.namespace) this.queue.add(`claim/${ref.namespace}/${ref.name}`);
      // A volume that became Available may be what a pending claim waits for.
      if (!ref) for (const c of this.pvcInformer.store.list()) if (!c.spec?.volumeName) this.queue.add(`claim/${keyOf(c)}`);
    };
    const onClaim = (c: PersistentVolumeClaim) => {
      this.queue.add(`claim/${keyOf(c)}`);
      if (c.spec?.volumeName) this.queue.add(`volume/${c.spec.volumeName}`);
    };
    this.pvInformer.addEventHandler({ onAdd: onVolume, onUpdate: (_o, v) => onVolume(v), onDelete: onVolume });
    this.pvcInformer.addEventHandler({
      onAdd: onClaim,
      onUpdate: (_o, c) => onClaim(c),
      // A deleted claim releases its volume.
      onDelete: (c) => { if (c.spec?.volumeName) this.queue.add(`volume/${c.spec.volumeName}`); },
    });
    this.scInformer.addEventHandler({ onAdd: () => { for (const c of this.pvcInformer.store.list()) if (!c.spec?.volumeName) this.queue.add(`claim/${keyOf(c)}`); } });
  }

  run(workers: number): Promise<void> {
    return runWorkers('persistentvolume-binder', this.queue, workers, (key) => this.sync(key));
  }

  private state(): BinderState {
    return {
      volumes: this.pvInformer.store.list(),
      classes: new Map(this.scInformer.store.list().map((c) => [c.metadata.name!, c])),
      nodes: new Map(this.nodeInformer.store.list().map((n) => [n.metadata.name!, n])),
      deleters: new Set([LOCAL_PATH_PROVISIONER]),
      now: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
  }

  async sync(key: string): Promise<SyncResult | void> {
    const [kind, ...rest] = key.split('/');
    if (kind === 'claim') {
      const claim = this.pvcInformer.store.get(rest.join('/'));
      if (!claim) return;
      await this.execute(planClaim(claim, this.state()), claim, undefined);
      return claim.spec?.volumeName ? undefined : { requeueAfterMs: RESYNC_MS };
    }
    const volume = this.pvInformer.store.get(rest.join('/'));
    if (!volume) return;
    const ref = volume.spec?.claimRef;
    let claim = ref?.name && ref.namespace ? this.pvcInformer.store.get(`${ref.namespace}/${ref.name}`) : undefined;
    if (ref?.uid && ref.name && ref.namespace && (!claim || claim.metadata.uid !== ref.uid)) {
      // The cache says the claim is gone: ask the API server before releasing anything.
      claim = await this.pvcs.get(ref.name, ref.namespace).catch((e) => {
        if (isStatusError(e, 'NotFound')) return undefined;
        throw e;
      });
    }
    await this.execute(planVolume(volume, claim, this.state()), undefined, volume);
  }

  private async execute(plan: BinderPlan, claim: PersistentVolumeClaim | undefined, volume: PersistentVolume | undefined): Promise<void> {
    for (const w of plan.writes) {
      switch (w.kind) {
        case 'volume':
          await this.pvs.update(w.object);
          break;
        case 'volumeStatus':
          await this.pvs.patch(w.object.metadata.name!, { status: statusPatch(w.object.status) }, 'merge', { subresource: 'status' });
          break;
        case 'claim':
          await this.pvcs.update(w.object);
          break;
        case 'claimStatus':
          await this.pvcs.patch(w.object.metadata.name!, { status: statusPatch(w.object.status) }, 'merge', { namespace: w.object.metadata.namespace, subresource: 'status' });
          break;
        case 'deleteVolume':
          await this.pvs.delete(w.name, { preconditions: { uid: w.uid } }).catch((e) => {
            if (!isStatusError(e, 'NotFound') && !isStatusError(e, 'Conflict')) throw e;
          });
          break;
      }
    }
    for (const ev of plan.events) {
      const target = ev.on === 'claim' ? claim : volume;
      if (target) this.recorder.event(target, ev.type, ev.reason, ev.message);
    }
  }
}
