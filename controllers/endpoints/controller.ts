// The Endpoints controller loop: Services, pods and Endpoints feed a work queue keyed by
// Service; each sync asks planEndpoints and writes the legacy Endpoints object.
import type { Endpoints, Service } from '../../api/core/index.js';
import { isStatusError } from '../../api/errors.js';
import { keyOf, RestClient, splitKey, WorkQueue } from '../../client/index.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { enqueueSelectingServices } from '../service-pods.js';
import { runWorkers } from '../worker.js';
import { planEndpoints } from './planner.js';

export class EndpointsController {
  readonly queue = new WorkQueue<string>({ name: 'endpoints' });
  private readonly services;
  private readonly pods;
  private readonly endpoints;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory) {
    this.services = informers.forKind<Service>('Service');
    this.pods = informers.pods();
    this.endpoints = informers.forKind<Endpoints>('Endpoints');
    const add = (o: Service | Endpoints) => this.queue.add(keyOf(o));
    this.services.addEventHandler({ onAdd: add, onUpdate: (_o, s) => add(s), onDelete: add });
    this.endpoints.addEventHandler({ onUpdate: (_o, e) => add(e), onDelete: add });
    enqueueSelectingServices(this.pods, this.services, add);
  }

  run(workers: number): Promise<void> {
    return runWorkers('endpoints-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ns = namespace ?? '';
    const a = planEndpoints(this.services.store.get(key), name, this.pods.store.byIndex('namespace', ns), this.endpoints.store.get(key));
    const api = this.client.resource<Endpoints>('Endpoints');
    try {
      if (a.type === 'create') await api.create(a.endpoints, { namespace: ns });
      else if (a.type === 'update') await api.update(a.endpoints);
      else if (a.type === 'delete') await api.delete(a.name, { namespace: ns });
    } catch (e) {
      if (!isStatusError(e, 'NotFound')) throw e;
    }
  }
}
