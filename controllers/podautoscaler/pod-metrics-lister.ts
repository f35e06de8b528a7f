// PodMetrics for the HPA controller: one list of a namespace's PodMetrics serves every HPA in
// that namespace synced within `ttlMs` (concurrent asks share one request), each HPA picking
// its own pods' metrics by name. With 1,000 HPAs in a namespace a pass makes one or two metrics
// lists instead of 1,000 (upstream lists per HPA by selector). The controller reuses a list for
// half its sync period: an HPA already acts on a metric change up to a whole period late, and
// the metrics themselves change only once per scrape resolution.
import type { KubeList } from '../../api/meta.js';
import type { PodMetrics } from '../../api/metrics/index.js';
import type { RestClient } from '../../client/index.js';

type Listed = { items: PodMetrics[] } | { error: string };
type Indexed = { byName: Map<string, PodMetrics> } | { error: string };

export class PodMetricsLister {
  private readonly lists = new Map<string, { at: number; result: Promise<Indexed> }>();

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
    if ('error' in listed) return listed;
    const items: PodMetrics[] = [];
    for (const name of podNames) {
      const m = listed.byName.get(name);
      if (m) items.push(m);
    }
    return { items };
  }

  private async list(namespace: string): Promise<Indexed> {
    try {
      const list = await this.client.request<KubeList<PodMetrics>>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`);
      return { byName: new Map(list.items.map((m) => [m.metadata.name ?? '', m])) };
    } catch (e) {
      // A failed list is not kept: the next HPA asks again.
      this.lists.delete(namespace);
      return { error: (e as Error).message };
    }
  }
}
