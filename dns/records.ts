// The record cache: Services and discovery.k8s.io/v1 EndpointSlices kept current by two
// informers (list + watch), read by the zone (zone.ts) on every query. Slices are indexed by
// their Service (the kubernetes.io/service-name label), so a query reads only its Service's.
import type { Service } from '../api/core/index.js';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../api/discovery/index.js';
import type { KubeObject } from '../api/meta.js';
import { Informer, type RestClient } from '../client/index.js';
import type { ZoneData } from './zone.js';

const BY_SERVICE = 'service';

/** Records do not need managedFields or annotations (last-applied copies can be large). */
function slim<T extends KubeObject>(o: T): T {
  if (o.metadata) {
    delete o.metadata.managedFields;
    delete o.metadata.annotations;
  }
  return o;
}

export class ClusterRecords implements ZoneData {
  readonly serviceInformer: Informer<Service>;
  readonly sliceInformer: Informer<EndpointSlice>;
  /** Seconds since the epoch of the last change seen: the zone's SOA serial, as CoreDNS's. */
  private lastChange: number;
  /** Counts every change: answers computed before a change are stale after it. */
  private changes = 0;

  constructor(client: RestClient, now: () => number = Date.now) {
    this.lastChange = Math.floor(now() / 1000);
    this.serviceInformer = new Informer<Service>(client.resource<Service>('Service'), { transform: slim });
    this.sliceInformer = new Informer<EndpointSlice>(client.resource<EndpointSlice>('EndpointSlice'), {
      transform: slim,
      indexers: {
        [BY_SERVICE]: (s) => {
          const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
          return svc && s.metadata.namespace ? [`${s.metadata.namespace}/${svc}`] : [];
        },
      },
    });
    const touch = () => {
      this.lastChange = Math.floor(now() / 1000);
      this.changes++;
    };
    for (const inf of [this.serviceInformer, this.sliceInformer] as Informer<KubeObject>[]) {
      inf.addEventHandler({ onAdd: touch, onUpdate: (a, b) => { if (a !== b) touch(); }, onDelete: touch });
    }
  }

  start(): void {
    this.serviceInformer.start();
    this.sliceInformer.start();
  }

  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([this.serviceInformer.waitForSync(signal), this.sliceInformer.waitForSync(signal)]);
  }

  hasSynced(): boolean {
    return this.serviceInformer.hasSynced() && this.sliceInformer.hasSynced();
  }

  stop(): void {
    this.serviceInformer.stop();
    this.sliceInformer.stop();
  }

  serial(): number {
    return this.lastChange;
  }

  generation(): number {
    return this.changes;
  }

  service(namespace: string, name: string): Service | undefined {
    return this.serviceInformer.store.get(`${namespace}/${name}`);
  }

  slices(namespace: string, name: string): EndpointSlice[] {
    return this.sliceInformer.store.byIndex(BY_SERVICE, `${namespace}/${name}`);
  }

  hasServices(namespace: string): boolean {
    return this.serviceInformer.store.indexValues('namespace').includes(namespace);
  }
}
