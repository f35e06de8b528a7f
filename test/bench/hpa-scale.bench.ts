// 1,000 HorizontalPodAutoscalers (issue 17): the HPA controller's time for one pass over all of
// them and the API requests a pass makes, beside the floor of a pass — the 1,000 reads of the
// targets' scale subresource every HPA must make — measured in the same run with the same
// concurrency. Goal: one PodMetrics list per namespace per pass, not one per HPA.
//
// Real processes: API server (scraping every second), a fake-runtime kubelet simulating 20
// nodes, the scheduler, the controller-manager (ReplicaSet and Deployment controllers). The HPA
// controller runs in this process, so a pass is timed exactly: every HPA synced once with 5
// workers (upstream's --concurrent-horizontal-pod-autoscaler-syncs), requests counted at its client.
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/hpa-scale.bench.ts
//   SKIFF_BENCH_HPAS=1000 (default)
//
// Prints figures only; never asserts on timing.
import { afterAll, describe, it } from 'vitest';
import type { HorizontalPodAutoscaler } from '../../api/autoscaling/index.js';
import type { Node, Pod } from '../../api/core/index.js';
import { EventRecorder, type RestClient } from '../../client/index.js';
import { SharedInformerFactory } from '../../controllers/informer-factory.js';
import { HorizontalPodAutoscalerController } from '../../controllers/podautoscaler/controller.js';
import { Cluster, waitFor, webDeployment } from '../controllers/e2e/cluster.js';
import { fmt, report, summarize } from './report.js';

const HPAS = Number(process.env.SKIFF_BENCH_HPAS ?? 1000);
const WORKERS = 5;
const PASSES = 5;
const NS = 'default';

/** Run `fn` over `items` with `n` at a time. */
async function pool<T>(items: readonly T[], n: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** Counts the client's requests by what they are, from here on. */
function countRequests(client: RestClient): { counts: Map<string, number>; reset(): void } {
  const counts = new Map<string, number>();
  const original = client.request.bind(client);
  (client as { request: RestClient['request'] }).request = ((verb: string, path: string, ...rest: unknown[]) => {
    const what = path.startsWith('/apis/metrics.k8s.io/') ? 'metrics list' : path.endsWith('/scale') ? `scale ${verb}` : `${verb} other`;
    counts.set(what, (counts.get(what) ?? 0) + 1);
    return (original as (...a: unknown[]) => unknown)(verb, path, ...rest);
  }) as RestClient['request'];
  return { counts, reset: () => counts.clear() };
}

describe('HorizontalPodAutoscaler at scale', () => {
  const c = new Cluster();
  afterAll(() => c.stopAll());

  it(`one pass over ${HPAS} HPAs: time and API requests`, async () => {
    const url = await c.apiserver(['--metric-resolution', '1s']);
    c.start(['kubelet', '--server', url, '--runtime', 'fake', '--nodes', '20', '--node-name-prefix', 'bench-hpas-', '--port', '0', '--root-dir', c.tempDir()]);
    c.start(['scheduler', '--server', url]);
    c.controllerManager(['--leader-elect=false', '--controllers', 'replicaset,deployment']);
    await waitFor(async () => ((await c.client.resource<Node>('Node').list()).items.length === 20 ? true : undefined), 60_000, () => '20 hollow nodes');
    const names = Array.from({ length: HPAS }, (_, i) => `app-${i}`);
    const hpas = c.client.resource<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    await pool(names, 16, async (name) => {
      const d = webDeployment(name, 1, 'web:1');
      d.spec.template.metadata!.annotations = { 'skiff.dev/fake-usage': JSON.stringify({ cpu: '4m' }) };
      d.spec.template.spec.containers[0]!.resources = { requests: { cpu: '10m' } };
      await c.client.deployments().create(d, { namespace: NS });
      await hpas.create({
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name, namespace: NS },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 1, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
      }, { namespace: NS });
    });
    await waitFor(async () => {
      const pods = (await c.client.pods().list({ namespace: NS })).items as Pod[];
      return pods.filter((p) => p.status?.phase === 'Running').length === HPAS ? true : undefined;
    }, 300_000, () => `${HPAS} pods Running`);
    await waitFor(async () => {
      const m = await c.client.request<{ items: unknown[] }>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods`);
      return m.items.length === HPAS ? true : undefined;
    }, 120_000, () => `metrics for ${HPAS} pods`);

    // The HPA controller, in process: its informers synced, then whole passes timed.
    const { counts, reset } = countRequests(c.client);
    const informers = new SharedInformerFactory(c.client);
    const recorder = new EventRecorder(c.client, { component: 'bench-hpa' });
    const controller = new HorizontalPodAutoscalerController(c.client, informers, recorder, { syncPeriodMs: 15_000 });
    informers.start();
    await informers.waitForSync();
    const keys = names.map((n) => `${NS}/${n}`);
    await pool(keys, WORKERS, (k) => controller.sync(k)); // first pass: statuses written
    await recorder.flush();
    const passMs: number[] = [];
    const perPass = new Map<string, number>();
    for (let i = 0; i < PASSES; i++) {
      await new Promise((r) => setTimeout(r, 7600)); // past the metrics list's reuse (half the 15 s sync period): each pass lists anew
      reset();
      const t0 = performance.now();
      await pool(keys, WORKERS, (k) => controller.sync(k));
      passMs.push(performance.now() - t0);
      for (const [k, v] of counts) perPass.set(k, (perPass.get(k) ?? 0) + v / PASSES);
    }
    // The floor: the scale reads alone, same concurrency, same run.
    const floorMs: number[] = [];
    for (let i = 0; i < PASSES; i++) {
      const t0 = performance.now();
      await pool(names, WORKERS, (n) => c.client.deployments().getScale(n, NS));
      floorMs.push(performance.now() - t0);
    }
    informers.stop();
    await recorder.close();
    const p = summarize(passMs);
    const f = summarize(floorMs);
    const requests = [...perPass].sort().map(([k, v]) => `${k} ${fmt(v, 0)}`).join(', ');
    report(`HPA controller at scale: ${HPAS} HPAs in one namespace over fake-runtime Deployments, ${WORKERS} workers, ${PASSES} passes`, [
      { measure: 'one pass over every HPA, p50 / max', value: `${fmt(p.p50, 0)} / ${fmt(p.max, 0)} ms`, baseline: `${fmt(f.p50, 0)} / ${fmt(f.max, 0)} ms (${HPAS} scale reads alone)` },
      { measure: 'per HPA sync, p50 pass / HPAs', value: `${fmt(p.p50 / HPAS, 2)} ms`, baseline: `${fmt(f.p50 / HPAS, 2)} ms` },
      { measure: 'API requests per pass', value: requests, goal: '1 metrics list per namespace per pass (issue 17)' },
    ]);
  }, 900_000);
});
