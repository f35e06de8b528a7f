// The root CA publisher loop: namespaces appearing and the kube-root-ca.crt ConfigMaps
// changing enqueue their namespace; a sync writes what planRootCA says.
import type { ConfigMap, Namespace } from '../../api/core/index.js';
import { isStatusError } from '../../api/errors.js';
import { RestClient, WorkQueue } from '../../client/index.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers } from '../worker.js';
import { planRootCA, ROOT_CA_CONFIGMAP } from './planner.js';

export class RootCAPublisher {
  readonly queue = new WorkQueue<string>({ name: 'root-ca-cert-publisher' });
  private readonly namespaces;
  private readonly configMaps;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory, private readonly caPem: string) {
    this.namespaces = informers.forKind<Namespace>('Namespace');
    this.configMaps = informers.forKind<ConfigMap>('ConfigMap');
    this.namespaces.addEventHandler({ onAdd: (n) => this.queue.add(n.metadata.name!), onUpdate: (_o, n) => this.queue.add(n.metadata.name!) });
    const mine = (c: ConfigMap) => { if (c.metadata.name === ROOT_CA_CONFIGMAP) this.queue.add(c.metadata.namespace!); };
    this.configMaps.addEventHandler({ onUpdate: (_o, c) => mine(c), onDelete: mine });
  }

  run(workers: number): Promise<void> {
    return runWorkers('root-ca-cert-publisher', this.queue, workers, (ns) => this.sync(ns));
  }

  async sync(namespace: string): Promise<void> {
    const a = planRootCA(this.namespaces.store.get(namespace), this.configMaps.store.get(`${namespace}/${ROOT_CA_CONFIGMAP}`), this.caPem);
    if (!a) return;
    const api = this.client.resource<ConfigMap>('ConfigMap');
    try {
      if (a.type === 'create') await api.create(a.configMap, { namespace });
      else await api.update(a.configMap);
    } catch (e) {
      if (!isStatusError(e, 'AlreadyExists') && !isStatusError(e, 'Forbidden') && !isStatusError(e, 'NotFound') && !isStatusError(e, 'Conflict')) throw e;
    }
  }
}
