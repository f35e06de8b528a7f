// The namespace controller loop: a namespace with a deletionTimestamp is marked Terminating,
// emptied resource by resource, and finalized through PUT /api/v1/namespaces/NAME/finalize
// once nothing is left (then the API server removes it).
import type { Namespace } from '../../api/core/index.js';
import { isStatusError } from '../../api/errors.js';
import { RESOURCES } from '../../api/resources.js';
import { RestClient, WorkQueue } from '../../client/index.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers, type SyncResult } from '../worker.js';
import { KUBERNETES_FINALIZER, planNamespace } from './planner.js';

export class NamespaceController {
  readonly queue = new WorkQueue<string>({ name: 'namespace' });
  private readonly nsInformer;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory) {
    this.nsInformer = informers.namespaces();
    this.nsInformer.addEventHandler({
      onAdd: (ns) => { if (ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name!); },
      onUpdate: (_o, ns) => { if (ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name!); },
    });
  }

  run(workers: number): Promise<void> {
    return runWorkers('namespace-controller', this.queue, workers, (key) => this.sync(key));
  }

  async sync(name: string): Promise<SyncResult | void> {
    const ns = this.nsInformer.store.get(name);
    if (!ns || !ns.metadata.deletionTimestamp) return;
    // Only stored resources: a review (LocalSubjectAccessReview) is never listed or deleted.
    const namespaced = RESOURCES.filter((r) => r.namespaced && !r.verbs);
    const remaining: Record<string, number> = {};
    for (const r of namespaced) {
      const list = await this.client.resource(r).list({ namespace: name, limit: 1 });
      remaining[r.plural] = list.items.length + (list.metadata.remainingItemCount ?? 0);
    }
    const plan = planNamespace(ns, remaining);
    const nsClient = this.client.namespaces();
    for (const a of plan.actions) {
      switch (a.type) {
        case 'markTerminating':
          try {
            const fresh = await nsClient.get(name);
            if (fresh.status?.phase !== 'Terminating') await nsClient.updateStatus({ ...fresh, status: { ...(fresh.status ?? {}), phase: 'Terminating' } });
          } catch (e) {
            if (!isStatusError(e, 'NotFound')) throw e;
          }
          break;
        case 'deleteAll':
          for (const plural of a.resources) {
            const r = namespaced.find((x) => x.plural === plural)!;
            await this.client.resource(r).deleteCollection({ namespace: name, propagationPolicy: 'Background' });
          }
          break;
        case 'finalize': {
          const fresh = await nsClient.get(name);
          const next: Namespace = { ...fresh, spec: { ...(fresh.spec ?? {}), finalizers: (fresh.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER) } };
          try {
            await this.client.request('PUT', `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, { body: next });
          } catch (e) {
            if (isStatusError(e, 'NotFound')) return;
            throw e;
          }
          break;
        }
      }
    }
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }
}
