// The ClusterRole aggregation loop: any ClusterRole change enqueues every aggregated role
// (a label change can add or remove a source); a sync plans and writes the rules.
import type { ClusterRole } from '../../api/rbac/index.js';
import { isStatusError } from '../../api/errors.js';
import { RestClient, WorkQueue } from '../../client/index.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers } from '../worker.js';
import { planAggregation } from './planner.js';

export class ClusterRoleAggregationController {
  readonly queue = new WorkQueue<string>({ name: 'clusterrole-aggregation' });
  private readonly roles;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory) {
    this.roles = informers.forKind<ClusterRole>('ClusterRole');
    const enqueueAggregated = () => {
      for (const r of this.roles.store.list()) if (r.aggregationRule) this.queue.add(r.metadata.name!);
    };
    this.roles.addEventHandler({ onAdd: enqueueAggregated, onUpdate: enqueueAggregated, onDelete: enqueueAggregated });
  }

  run(workers: number): Promise<void> {
    return runWorkers('clusterrole-aggregation-controller', this.queue, workers, (name) => this.sync(name));
  }

  async sync(name: string): Promise<void> {
    const role = this.roles.store.get(name);
    if (!role) return;
    const rules = planAggregation(role, this.roles.store.list());
    if (!rules) return;
    try {
      await this.client.resource<ClusterRole>('ClusterRole').update({ ...role, rules });
    } catch (e) {
      if (!isStatusError(e, 'NotFound')) throw e;
    }
  }
}
