// PodMetrics for the HPA controller: one list of a namespace's PodMetrics serves every HPA in
// that namespace synced within `ttlMs` (concurrent asks share one request), each HPA keeping
// the metrics of its own pods. With 1,000 HPAs in a namespace a pass makes one metrics list
// instead of 1,000 (upstream lists per HPA by selector). The metrics themselves change once per
// scrape resolution, so a list reused for a fraction of the sync period is no staler than that.
import type { KubeList } from '../../api/meta.js';
import type { PodMetrics } from '../../api/metrics/index.js';
import type { RestClient } from '../../client/index.js';

type Listed = { items: PodMetrics[] } | { error: string };

export class PodMetricsLister {
  private readonly lists = new Map<string, { at: number; result: Promise<Listed> }>();

  constructor(
    private readonly client: RestClient,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The PodMetrics of `podNames` in `namespace` (those the metrics API has). */
  async forPods(namespace: string, podNames: ReadonlySet<string>): Promise<Listed> {
    const now = this.clock();
    let entry = this.lists.get(namespace);
    if (!entry || now - entry.at >= this.ttlMs) {
      entry = { at: now, result: this.list(namespace) };
      this.lists.set(namespace, entry);
    }
    const listed = await entry.result;
    return 'error' in listed ? listed : { items: listed.items.filter((m) => podNames.has(m.metadata.name ?? '')) };
  }

  private async list(namespace: string): Promise<Listed> {
    try {
      const list = await this.client.request<KubeList<PodMetrics>>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`);
      return { items: list.items };
    } catch (e) {
      // A failed list is not kept: the next HPA asks again.
      this.lists.delete(namespace);
      return { error: (e as Error).message };
    }
  }
}
