// The ServiceAccounts loop: a namespace appearing, or its `default` ServiceAccount going,
// enqueues the namespace; a sync creates what planServiceAccounts says is missing.
import type { Namespace, ServiceAccount } from '../../api/core/index.js';
import { isStatusError } from '../../api/errors.js';
import { RestClient, WorkQueue } from '../../client/index.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers } from '../worker.js';
import { planServiceAccounts } from './planner.js';

export class ServiceAccountsController {
  readonly queue = new WorkQueue<string>({ name: 'serviceaccount' });
  private readonly namespaces;
  private readonly serviceAccounts;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory) {
    this.namespaces = informers.forKind<Namespace>('Namespace');
    this.serviceAccounts = informers.forKind<ServiceAccount>('ServiceAccount');
    this.namespaces.addEventHandler({ onAdd: (n) => this.queue.add(n.metadata.name!), onUpdate: (_o, n) => this.queue.add(n.metadata.name!) });
    this.serviceAccounts.addEventHandler({ onDelete: (s) => this.queue.add(s.metadata.namespace!) });
  }

  run(workers: number): Promise<void> {
    return runWorkers('serviceaccount-controller', this.queue, workers, (ns) => this.sync(ns));
  }

  async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.store.get(namespace);
    const existing = this.serviceAccounts.store.byIndex('namespace', namespace);
    for (const sa of planServiceAccounts(ns, existing)) {
      try {
        await this.client.resource<ServiceAccount>('ServiceAccount').create(sa, { namespace });
      } catch (e) {
        // Made meanwhile, or the namespace began terminating: nothing to do.
        if (!isStatusError(e, 'AlreadyExists') && !isStatusError(e, 'Forbidden') && !isStatusError(e, 'NotFound')) throw e;
      }
    }
  }
}
