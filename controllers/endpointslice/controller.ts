// The EndpointSlice controller loop: Services, pods and slices feed a work queue keyed by
// Service; each sync reads the caches, asks planEndpointSlices, and writes the slices.
import type { Service } from '../../api/core/index.js';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../../api/discovery/index.js';
import { isStatusError } from '../../api/errors.js';
import { keyOf, RestClient, splitKey, WorkQueue } from '../../client/index.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { enqueueSelectingServices } from '../service-pods.js';
import { runWorkers } from '../worker.js';
import { planEndpointSlices } from './planner.js';

export class EndpointSliceController {
  readonly queue = new WorkQueue<string>({ name: 'endpointslice' });
  private readonly services;
  private readonly pods;
  private readonly slices;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory) {
    this.services = informers.forKind<Service>('Service');
    this.pods = informers.pods();
    this.slices = informers.forKind<EndpointSlice>('EndpointSlice');
    const svcKey = (s: Service) => this.queue.add(keyOf(s));
    this.services.addEventHandler({ onAdd: svcKey, onUpdate: (_o, s) => svcKey(s), onDelete: svcKey });
    enqueueSelectingServices(this.pods, this.services, svcKey);
    const onSlice = (s: EndpointSlice) => {
      const name = s.metadata.labels?.[LABEL_SERVICE_NAME];
      if (name) this.queue.add(`${s.metadata.namespace}/${name}`);
    };
    this.slices.addEventHandler({ onAdd: onSlice, onUpdate: (_o, s) => onSlice(s), onDelete: onSlice });
  }

  run(workers: number): Promise<void> {
    return runWorkers('endpointslice-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ns = namespace ?? '';
    const actions = planEndpointSlices({
      service: this.services.store.get(key),
      serviceName: name,
      pods: this.pods.store.byIndex('namespace', ns),
      slices: this.slices.store.byIndex('namespace', ns).filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === name),
    });
    const api = this.client.resource<EndpointSlice>('EndpointSlice');
    for (const a of actions) {
      try {
        if (a.type === 'create') await api.create(a.slice, { namespace: ns });
        else if (a.type === 'update') await api.update(a.slice);
        else await api.delete(a.name, { namespace: ns });
      } catch (e) {
        // Already gone (a delete) or the namespace is terminating: nothing left to do for it.
        if (isStatusError(e, 'NotFound')) continue;
        throw e;
      }
    }
  }
}
