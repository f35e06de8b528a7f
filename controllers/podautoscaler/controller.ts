// The HorizontalPodAutoscaler loop (controller `horizontalpodautoscaling`, Kubernetes'
// pkg/controller/podautoscaler/horizontal.go): every HPA is synced once per sync period
// (--horizontal-pod-autoscaler-sync-period, 15 s) and when its spec changes. A sync reads the
// target's scale subresource (whatever kind serves one), the pods its selector matches (from
// the shared informer) and their PodMetrics (one list of the namespace's, shared by the HPAs
// synced close together: pod-metrics-lister.ts), lets reconcileAutoscaler decide, writes the
// new replica count through the scale subresource, then the status, and records events.
// The recommendations and rescale history behind stabilization windows and policies are
// kept in memory per HPA, as upstream keeps them.
import type { HorizontalPodAutoscaler, Scale } from '../../api/autoscaling/index.js';
import type { Pod } from '../../api/core/index.js';
import { isStatusError } from '../../api/errors.js';
import type { PodMetrics } from '../../api/metrics/index.js';
import { deepEqual } from '../../api/patch/merge.js';
import { RESOURCES, apiVersionOf } from '../../api/resources.js';
import { EventRecorder, keyOf, RestClient, WorkQueue, type ResourceClient } from '../../client/index.js';
import { WrittenVersions } from '../cache-freshness.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers, type SyncResult } from '../worker.js';
import { emptyHistory, recordScaleEvent, type ScalingHistory } from './behavior.js';
import { PodMetricsLister } from './pod-metrics-lister.js';
import { reconcileAutoscaler, rescaleFailed, scaleSelector, type HPAEvent, type ReconcileOptions } from './planner.js';

export const DEFAULT_SYNC_PERIOD_MS = 15_000;

export interface HorizontalPodAutoscalerControllerOptions extends ReconcileOptions {
  /** --horizontal-pod-autoscaler-sync-period. */
  syncPeriodMs?: number;
  clock?: () => number;
}

export class HorizontalPodAutoscalerController {
  readonly queue = new WorkQueue<string>({ name: 'horizontalpodautoscaler' });
  private readonly hpaInformer;
  private readonly podInformer;
  private readonly hpas: ResourceClient<HorizontalPodAutoscaler>;
  private readonly written = new WrittenVersions();
  private readonly histories = new Map<string, ScalingHistory>();
  private readonly syncPeriodMs: number;
  private readonly clock: () => number;
  private readonly metrics: PodMetricsLister;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory, private readonly recorder: EventRecorder, private readonly opts: HorizontalPodAutoscalerControllerOptions = {}) {
    this.syncPeriodMs = opts.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS;
    this.clock = opts.clock ?? Date.now;
    this.metrics = new PodMetricsLister(client, this.syncPeriodMs / 2, this.clock);
    this.hpas = client.resource<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    this.hpaInformer = informers.forKind<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    this.podInformer = informers.pods();
    this.hpaInformer.addEventHandler({
      onAdd: (h) => this.queue.add(keyOf(h)),
      // Our own status writes come back as updates: only a spec change is worth an early sync.
      onUpdate: (o, h) => { if (o.metadata.generation !== h.metadata.generation) this.queue.add(keyOf(h)); },
      onDelete: (h) => {
        this.histories.delete(keyOf(h));
        this.written.forget('HorizontalPodAutoscaler', h);
      },
    });
  }

  run(workers: number): Promise<void> {
    return runWorkers('horizontal-pod-autoscaler', this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<SyncResult | void> {
    const hpa = this.hpaInformer.store.get(key);
    if (!hpa) return;
    const next = { requeueAfterMs: this.syncPeriodMs };
    if (this.written.isStale('HorizontalPodAutoscaler', hpa)) return { requeueAfterMs: Math.min(1000, this.syncPeriodMs) };
    const namespace = hpa.metadata.namespace ?? 'default';

    const scale = await this.getScale(hpa);
    let pods: Pod[] = [];
    let podMetrics: { items: PodMetrics[] } | { error: string } = { items: [] };
    if ('scale' in scale) {
      const sel = scaleSelector(scale.scale);
      if ('selector' in sel) {
        pods = this.podInformer.store.byIndex('namespace', namespace).filter((p) => sel.selector.matches(p.metadata.labels ?? {}));
        podMetrics = await this.metrics.forPods(namespace, new Set(pods.map((p) => p.metadata.name!)));
      }
    }
    const now = this.clock();
    const history = this.histories.get(key) ?? emptyHistory();
    const plan = reconcileAutoscaler({ hpa, scale, pods, podMetrics, history, now, options: this.opts });
    this.histories.set(key, plan.history);

    let status = plan.status;
    let events: HPAEvent[] = plan.events;
    let failure: unknown;
    if (plan.rescale && 'scale' in scale) {
      try {
        await this.updateScale(hpa, scale.scale, plan.rescale.replicas);
        this.histories.set(key, recordScaleEvent(hpa.spec.behavior, plan.history, plan.rescale.currentReplicas, plan.rescale.replicas, now));
      } catch (e) {
        failure = e;
        ({ status, events } = rescaleFailed(hpa, plan, (e as Error).message, now));
      }
    }
    for (const e of events) this.recorder.event(hpa, e.type, e.reason, e.message);
    // updateStatusIfNeeded: a sync that changes nothing writes nothing.
    if (!deepEqual(status, hpa.status ?? {})) {
      try {
        this.written.wrote('HorizontalPodAutoscaler', await this.hpas.updateStatus({ ...structuredClone(hpa), status }));
      } catch (e) {
        if (isStatusError(e, 'NotFound')) return;
        throw e;
      }
    }
    if (failure) throw failure;
    return next;
  }

  /** The target's scale through its scale subresource, whatever kind serves one. */
  private async getScale(hpa: HorizontalPodAutoscaler): Promise<{ scale: Scale } | { error: string }> {
    const ref = hpa.spec.scaleTargetRef;
    const info = RESOURCES.find((r) => r.kind === ref.kind && (!ref.apiVersion || apiVersionOf(r) === ref.apiVersion) && r.subresources.includes('scale'));
    if (!info) {
      const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0] : '';
      return { error: `unable to determine resource for scale target reference: no matches for kind "${ref.kind}" in group "${group}"` };
    }
    try {
      return { scale: await this.client.resource(info).getScale(ref.name, hpa.metadata.namespace) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }

  private async updateScale(hpa: HorizontalPodAutoscaler, scale: Scale, replicas: number): Promise<void> {
    const ref = hpa.spec.scaleTargetRef;
    const info = RESOURCES.find((r) => r.kind === ref.kind && (!ref.apiVersion || apiVersionOf(r) === ref.apiVersion) && r.subresources.includes('scale'))!;
    // The resourceVersion read is kept: a target changed since is a conflict, and the next sync re-decides.
    await this.client.resource(info).updateScale(ref.name, { ...scale, spec: { ...scale.spec, replicas } }, hpa.metadata.namespace);
  }
}
