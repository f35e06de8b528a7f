// HorizontalPodAutoscaler reaction time (issue 17): from a load change — a Deployment's pods
// replaced by ones whose `skiff.dev/fake-usage` annotation says 200m of their 100m request,
// against a 50% target — to the HPA's scale written (the Deployment's spec.replicas moving
// off 1) and to the new pods Ready, and from the load going to the scale back at 1 with a
// 30 s scale-down stabilization window, over several runs, printed beside the configured floor: the HPA sync period plus
// the metric resolution (a new pod's cpu rate needs two scrapes, so expect about one more
// resolution on top). Real processes: API server scraping every second, a fake-runtime
// kubelet simulating two nodes, the scheduler, the controller-manager (ReplicaSet, Deployment
// and HPA controllers, 1 s sync period).
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/hpa.bench.ts
//   SKIFF_BENCH_HPA_RUNS=8 (default)
//
// The scale is observed by polling every 25 ms (so figures carry up to 25 ms of that).
// Prints figures only; never asserts on timing.
import { afterAll, describe, it } from 'vitest';
import type { Deployment } from '../../api/apps/index.js';
import type { HorizontalPodAutoscaler } from '../../api/autoscaling/index.js';
import type { Node } from '../../api/core/index.js';
import { Cluster, waitFor, webDeployment } from '../controllers/e2e/cluster.js';
import { waitFor as poll } from '../support/wait.js';
import { fmt, report, summarize } from './report.js';

const RUNS = Number(process.env.SKIFF_BENCH_HPA_RUNS ?? 8);
const SYNC_PERIOD_S = 1;
const RESOLUTION_S = 1;
const NS = 'default';
const WINDOW_S = 30;
const DOWN_RUNS = Math.min(RUNS, 3);
const usage = (cpu: string) => ({ 'skiff.dev/fake-usage': JSON.stringify({ cpu }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HorizontalPodAutoscaler', () => {
  const c = new Cluster();
  afterAll(() => c.stopAll());

  it(`reaction time from a load change to the scale written, ${RUNS} runs`, async () => {
    const url = await c.apiserver(['--metric-resolution', `${RESOLUTION_S}s`]);
    c.start(['kubelet', '--server', url, '--runtime', 'fake', '--nodes', '2', '--node-name-prefix', 'bench-hpa-', '--port', '0', '--root-dir', c.tempDir()]);
    c.start(['scheduler', '--server', url]);
    c.controllerManager(['--leader-elect=false', '--controllers', 'replicaset,deployment,horizontalpodautoscaling', '--horizontal-pod-autoscaler-sync-period', `${SYNC_PERIOD_S}s`]);
    await waitFor(async () => ((await c.client.resource<Node>('Node').list()).items.length === 2 ? true : undefined), 60_000, () => 'two hollow nodes');
    const hpas = c.client.resource<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    const samples: number[] = [];
    const toReady: number[] = [];
    const toDown: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const name = `load-${i}`;
      const d: Deployment = webDeployment(name, 1, 'web:1');
      d.spec.template.metadata!.annotations = usage('40m'); // 40% of the request: under the 50% target
      d.spec.template.spec.containers[0]!.resources = { requests: { cpu: '100m' } };
      await c.client.deployments().create(d, { namespace: NS });
      await hpas.create({
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name, namespace: NS },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 1, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
          behavior: { scaleDown: { stabilizationWindowSeconds: WINDOW_S } },
        },
      }, { namespace: NS });
      // Steady state: the HPA measures the idle pod and leaves it at one replica.
      await waitFor(async () => {
        const h = await hpas.get(name, NS);
        return h.status?.currentMetrics?.[0]?.resource?.current.averageUtilization === 40 ? true : undefined;
      }, 60_000, () => `${name} measured at 40%`);
      // Land the change at a random point of the sync and scrape cycles.
      await sleep(Math.random() * 1000);
      const t0 = performance.now();
      await c.client.deployments().patch(name, { spec: { template: { metadata: { annotations: usage('200m') } } } }, 'merge', { namespace: NS });
      await poll(`${name} scaled up`, async () => (await c.client.deployments().get(name, NS)).spec.replicas! > 1, 60_000, { everyMs: 25 });
      samples.push(performance.now() - t0);
      await poll(`${name}'s new pods Ready`, async () => {
        const d = await c.client.deployments().get(name, NS);
        return d.spec.replicas! > 1 && d.status?.readyReplicas === d.spec.replicas;
      }, 60_000, { everyMs: 25 });
      toReady.push(performance.now() - t0);
      if (i < DOWN_RUNS) {
        // Load off: the pods idle again; the scale-down waits out the 30 s window.
        const t1 = performance.now();
        await c.client.deployments().patch(name, { spec: { template: { metadata: { annotations: usage('10m') } } } }, 'merge', { namespace: NS });
        await poll(`${name} scaled down`, async () => (await c.client.deployments().get(name, NS)).spec.replicas === 1, 180_000, { everyMs: 100 });
        toDown.push(performance.now() - t1);
      }
      await hpas.delete(name, { namespace: NS });
      await c.client.deployments().delete(name, { namespace: NS });
    }
    const s = summarize(samples);
    report(`HPA reaction time: fake-runtime pods, sync period ${SYNC_PERIOD_S} s, metric resolution ${RESOLUTION_S} s, ${RUNS} runs`, [
      { measure: 'load change → scale written, p50 / p99', value: `${fmt(s.p50 / 1000, 2)} / ${fmt(s.p99 / 1000, 2)} s`, baseline: `${SYNC_PERIOD_S + RESOLUTION_S} s floor (sync period + resolution)`, goal: `≤ 2 scrape intervals (${2 * RESOLUTION_S} s), issue 17` },
      { measure: 'fastest / slowest run', value: `${fmt(Math.min(...samples) / 1000, 2)} / ${fmt(s.max / 1000, 2)} s` },
      { measure: 'load change → new pods Ready, p50 / p99', value: `${fmt(summarize(toReady).p50 / 1000, 2)} / ${fmt(summarize(toReady).p99 / 1000, 2)} s`, baseline: 'fake runtime: Ready at once' },
      { measure: `load stop → scaled back to 1 (${DOWN_RUNS} runs), p50 / max`, value: `${fmt(summarize(toDown).p50 / 1000, 1)} / ${fmt(summarize(toDown).max / 1000, 1)} s`, baseline: `${WINDOW_S} s stabilization window + ${SYNC_PERIOD_S + RESOLUTION_S} s floor` },
    ]);
  });
});
