// The pvc-protection and pv-protection loops: when a protected object being deleted is no
// longer in use, its finalizer is removed with a JSON patch that tests the resourceVersion
// (so a pod added meanwhile, seen by a fresher cache, is never overlooked), and the API
// server completes the deletion. Claims are re-checked when a pod that used them changes
// or goes.
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../../api/core/index.js';
import { isStatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/meta.js';
import { keyOf, RestClient, WorkQueue, type ResourceClient } from '../../client/index.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers } from '../worker.js';
import { planClaimProtection, planVolumeProtection } from './planner.js';

function finalizerPatch(obj: KubeObject, finalizers: string[]): unknown[] {
  return [
    { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion },
    { op: 'replace', path: '/metadata/finalizers', value: finalizers },
  ];
}

async function removeFinalizer<T extends KubeObject>(client: ResourceClient<T>, obj: T, finalizers: string[]): Promise<void> {
  try {
    await client.patch(obj.metadata.name!, finalizerPatch(obj, finalizers), 'json', { namespace: obj.metadata.namespace });
  } catch (e) {
    if (!isStatusError(e, 'NotFound')) throw e;
  }
}

export class PVCProtectionController {
  readonly queue = new WorkQueue<string>({ name: 'pvc-protection' });
  private readonly pvcInformer;
  private readonly podInformer;
  private readonly pvcs: ResourceClient<PersistentVolumeClaim>;

  constructor(client: RestClient, informers: SharedInformerFactory) {
    this.pvcs = client.resource<PersistentVolumeClaim>('PersistentVolumeClaim');
    this.pvcInformer = informers.forKind<PersistentVolumeClaim>('PersistentVolumeClaim');
    this.podInformer = informers.pods();
    const onClaim = (c: PersistentVolumeClaim) => { if (c.metadata.deletionTimestamp) this.queue.add(keyOf(c)); };
    this.pvcInformer.addEventHandler({ onAdd: onClaim, onUpdate: (_o, c) => onClaim(c) });
    const onPod = (p: Pod) => {
      for (const v of p.spec.volumes ?? []) if (v.persistentVolumeClaim) this.queue.add(`${p.metadata.namespace ?? 'default'}/${v.persistentVolumeClaim.claimName}`);
    };
    this.podInformer.addEventHandler({ onUpdate: (_o, p) => onPod(p), onDelete: onPod });
  }

  run(workers: number): Promise<void> {
    return runWorkers('pvc-protection-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<void> {
    const claim = this.pvcInformer.store.get(key);
    if (!claim) return;
    const pods = this.podInformer.store.byIndex('namespace', claim.metadata.namespace ?? 'default');
    const finalizers = planClaimProtection(claim, pods);
    if (finalizers) await removeFinalizer(this.pvcs, claim, finalizers);
  }
}

export class PVProtectionController {
  readonly queue = new WorkQueue<string>({ name: 'pv-protection' });
  private readonly pvInformer;
  private readonly pvs: ResourceClient<PersistentVolume>;

  constructor(client: RestClient, informers: SharedInformerFactory) {
    this.pvs = client.resource<PersistentVolume>('PersistentVolume');
    this.pvInformer = informers.forKind<PersistentVolume>('PersistentVolume');
    const onVolume = (v: PersistentVolume) => { if (v.metadata.deletionTimestamp) this.queue.add(keyOf(v)); };
    this.pvInformer.addEventHandler({ onAdd: onVolume, onUpdate: (_o, v) => onVolume(v) });
  }

  run(workers: number): Promise<void> {
    return runWorkers('pv-protection-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<void> {
    const volume = this.pvInformer.store.get(key);
    if (!volume) return;
    const finalizers = planVolumeProtection(volume);
    if (finalizers) await removeFinalizer(this.pvs, volume, finalizers);
  }
}
