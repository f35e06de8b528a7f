// The EndpointSlice mirroring controller loop: Services, Endpoints and the slices it made feed
// a work queue keyed by namespace/name; each sync asks planMirroredSlices and writes.
import type { Endpoints, Service } from '../../api/core/index.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, type EndpointSlice } from '../../api/discovery/index.js';
import { isStatusError } from '../../api/errors.js';
import { keyOf, RestClient, splitKey, WorkQueue } from '../../client/index.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers } from '../worker.js';
import { MIRRORING_CONTROLLER_NAME, planMirroredSlices } from './planner.js';

export class EndpointSliceMirroringController {
  readonly queue = new WorkQueue<string>({ name: 'endpointslicemirroring' });
  private readonly services;
  private readonly endpoints;
  private readonly slices;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory) {
    this.services = informers.forKind<Service>('Service');
    this.endpoints = informers.forKind<Endpoints>('Endpoints');
    this.slices = informers.forKind<EndpointSlice>('EndpointSlice');
    const add = (o: Service | Endpoints) => this.queue.add(keyOf(o));
    this.services.addEventHandler({ onAdd: add, onUpdate: (_o, s) => add(s), onDelete: add });
    this.endpoints.addEventHandler({ onAdd: add, onUpdate: (_o, e) => add(e), onDelete: add });
    const onSlice = (s: EndpointSlice) => {
      const name = s.metadata.labels?.[LABEL_SERVICE_NAME];
      if (name && s.metadata.labels?.[LABEL_MANAGED_BY] === MIRRORING_CONTROLLER_NAME) this.queue.add(`${s.metadata.namespace}/${name}`);
    };
    this.slices.addEventHandler({ onAdd: onSlice, onUpdate: (_o, s) => onSlice(s), onDelete: onSlice });
  }

  run(workers: number): Promise<void> {
    return runWorkers('endpointslicemirroring-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ns = namespace ?? '';
    const actions = planMirroredSlices({
      endpoints: this.endpoints.store.get(key),
      service: this.services.store.get(key),
      name,
      slices: this.slices.store.byIndex('namespace', ns).filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === name),
    });
    const api = this.client.resource<EndpointSlice>('EndpointSlice');
    for (const a of actions) {
      try {
        if (a.type === 'create') await api.create(a.slice, { namespace: ns });
        else if (a.type === 'update') await api.update(a.slice);
        else await api.delete(a.name, { namespace: ns });
      } catch (e) {
        if (isStatusError(e, 'NotFound')) continue;
        throw e;
      }
    }
  }
}
