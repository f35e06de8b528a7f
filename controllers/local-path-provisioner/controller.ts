// The local-path provisioner loop (controller `local-path-provisioner`): makes sure the
// default StorageClass `local-path` exists at start (created if missing, never overwritten:
// an admin may have changed its annotations), then provisions each claim handed to
// skiff.dev/local-path (planner.ts). Deleting is split by where the data is: the binder
// deletes a Released volume of ours with reclaim Delete (the PV object), and the kubelet of
// the volume's node removes the directory once the PV is gone (kubelet/volumes/local-path-cleaner.ts),
// since only that node can reach it.
import type { Node, PersistentVolume, PersistentVolumeClaim } from '../../api/core/index.js';
import { isStatusError } from '../../api/errors.js';
import type { StorageClass } from '../../api/storage/index.js';
import { EventRecorder, keyOf, RestClient, WorkQueue, type ResourceClient } from '../../client/index.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers, type SyncResult } from '../worker.js';
import { localPathStorageClass, planProvision } from './planner.js';

const RETRY_MS = 10_000;

export class LocalPathProvisioner {
  readonly queue = new WorkQueue<string>({ name: 'local-path-provisioner' });
  private readonly pvInformer;
  private readonly pvcInformer;
  private readonly scInformer;
  private readonly nodeInformer;
  private readonly pvs: ResourceClient<PersistentVolume>;
  private readonly classes: ResourceClient<StorageClass>;

  constructor(client: RestClient, informers: SharedInformerFactory, private readonly recorder: EventRecorder) {
    this.pvs = client.resource<PersistentVolume>('PersistentVolume');
    this.classes = client.resource<StorageClass>('StorageClass');
    this.pvInformer = informers.forKind<PersistentVolume>('PersistentVolume');
    this.pvcInformer = informers.forKind<PersistentVolumeClaim>('PersistentVolumeClaim');
    this.scInformer = informers.forKind<StorageClass>('StorageClass');
    this.nodeInformer = informers.forKind<Node>('Node');
    const enqueue = (c: PersistentVolumeClaim) => { if (!c.spec?.volumeName) this.queue.add(keyOf(c)); };
    this.pvcInformer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, c) => enqueue(c) });
  }

  async run(workers: number): Promise<void> {
    await this.ensureStorageClass();
    return runWorkers('local-path-provisioner', this.queue, workers, (key) => this.sync(key));
  }

  private async ensureStorageClass(): Promise<void> {
    try {
      await this.classes.create(localPathStorageClass());
    } catch (e) {
      if (!isStatusError(e, 'AlreadyExists')) console.error(`local-path-provisioner: creating StorageClass local-path: ${(e as Error).message}`);
    }
  }

  async sync(key: string): Promise<SyncResult | void> {
    const claim = this.pvcInformer.store.get(key);
    if (!claim) return;
    const cls = this.scInformer.store.get(claim.spec?.storageClassName ?? '');
    const nodes = new Map(this.nodeInformer.store.list().map((n) => [n.metadata.name!, n]));
    const existing = new Set(this.pvInformer.store.keys());
    const d = planProvision(claim, cls, nodes, existing);
    if (d.action === 'none') return;
    if (d.action === 'fail') {
      this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls?.metadata.name}": ${d.message}`);
      return { requeueAfterMs: RETRY_MS };
    }
    this.recorder.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    try {
      await this.pvs.create(d.volume);
    } catch (e) {
      if (!isStatusError(e, 'AlreadyExists')) throw e;
      return;
    }
    this.recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${d.volume.metadata.name}`);
  }
}
