// The HorizontalPodAutoscaler end to end with real processes: an API server scraping every
// second, a fake-runtime kubelet simulating two nodes whose pods use what their
// `skiff.dev/fake-usage` annotation says, the scheduler, and the controller-manager running
// the ReplicaSet, Deployment and HPA controllers (1 s sync period). `kctl autoscale` makes
// the HPA; load (200m used of 100m requested, against a 50% target) scales the Deployment up
// to maxReplicas; dropping the load (a new template annotation: 10m) scales it back down once
// the HPA's short scale-down window passes — with events and conditions, `kctl get hpa`,
// `kubectl get hpa` and `kctl describe hpa` along the way. Bad input is a 422 at the field.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet, StatefulSet } from '../../../api/apps/index.js';
import type { HorizontalPodAutoscaler } from '../../../api/autoscaling/index.js';
import type { Event, Node } from '../../../api/core/index.js';
import type { StatusError } from '../../../api/errors.js';
import type { ResourceClient } from '../../../client/index.js';
import { testPki } from '../../support/tls.js';
import { ROOT as ROOT_DIR } from '../../support/processes.js';
import { Cluster, waitFor, webDeployment } from './cluster.js';

const run = promisify(execFile);
const KCTL = join(ROOT_DIR, 'dist', 'cli', 'kctl.js');
const NS = 'default';
const usage = (cpu: string) => ({ 'skiff.dev/fake-usage': JSON.stringify({ cpu, memory: '32Mi' }) });

const KUBELET = (url: string, root: string) => ['kubelet', '--server', url, '--runtime', 'fake', '--nodes', '2', '--node-name-prefix', 'hpa-node-', '--port', '0', '--root-dir', root];
const CONTROLLER_MANAGER = ['--leader-elect=false', '--controllers', 'replicaset,deployment,statefulset,horizontalpodautoscaling', '--horizontal-pod-autoscaler-sync-period', '1s'];

describe('HorizontalPodAutoscaler over fake-runtime nodes', () => {
  const c = new Cluster();
  let kubelet: ReturnType<Cluster['start']>;
  let cm: ReturnType<Cluster['start']>;
  let hpas: ResourceClient<HorizontalPodAutoscaler>;
  let kubeconfig: string;

  async function kctl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    try {
      return { ...(await run(process.execPath, [KCTL, '--kubeconfig', kubeconfig, ...args])), code: 0 };
    } catch (e) {
      const x = e as { stdout: string; stderr: string; code: number };
      return { stdout: x.stdout, stderr: x.stderr, code: x.code };
    }
  }
  const replicas = async (name: string) => (await c.client.deployments().get(name, NS)).spec.replicas;
  const events = async (name: string) => (await c.client.events().list({ namespace: NS, fieldSelector: `involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=${name}` })).items as Event[];
  const cond = (h: HorizontalPodAutoscaler, type: string) => h.status?.conditions?.find((x) => x.type === type);

  beforeAll(async () => {
    const url = await c.apiserver(['--metric-resolution', '1s']);
    kubeconfig = testPki().writeKubeconfig(join(c.tempDir(), 'kubeconfig'), url, NS);
    kubelet = c.start(KUBELET(url, c.tempDir()));
    c.start(['scheduler', '--server', url]);
    cm = c.controllerManager(CONTROLLER_MANAGER);
    hpas = c.client.resource<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    await waitFor(async () => ((await c.client.resource<Node>('Node').list()).items.length === 2 ? true : undefined), 60_000, () => 'two hollow nodes');
  });
  afterAll(() => c.stopAll());

  it('is served as autoscaling/v2 with the hpa short name, and its controller may read and write scales', async () => {
    const list = await c.client.request<{ resources: { name: string; shortNames?: string[] }[] }>('GET', '/apis/autoscaling/v2');
    expect(list.resources.map((r) => r.name)).toEqual(['horizontalpodautoscalers', 'horizontalpodautoscalers/status']);
    expect(list.resources[0]!.shortNames).toEqual(['hpa']);
    const review = await c.client.request<{ status: { allowed: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'system:kube-controller-manager', resourceAttributes: { verb: 'update', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: NS } } },
    });
    expect(review.status.allowed).toBe(true);
    if (existsSync('/usr/bin/kubectl')) {
      const res = await run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'api-resources', '--api-group=autoscaling']);
      expect(res.stdout).toMatch(/^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler\s*$/m);
    }
  });

  it('scales a Deployment up under load and back down after the window, with events and conditions', async () => {
    const d: Deployment = webDeployment('web', 1, 'web:1');
    d.spec.template.metadata!.annotations = usage('200m');
    d.spec.template.spec.containers[0]!.resources = { requests: { cpu: '100m', memory: '64Mi' } };
    await c.client.deployments().create(d, { namespace: NS });

    const made = await kctl('autoscale', 'deployment/web', '--min', '1', '--max', '4', '--cpu-percent', '50');
    expect(made).toMatchObject({ code: 0, stdout: 'horizontalpodautoscaler.autoscaling/web autoscaled\n' });
    // A short scale-down window so the test sees the way down too.
    await hpas.patch('web', { spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 2 } } } }, 'merge', { namespace: NS });
    const stored = await hpas.get('web', NS);
    expect(stored.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 4,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
        scaleDown: { stabilizationWindowSeconds: 2, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      },
    });

    await waitFor(async () => ((await replicas('web')) === 4 ? true : undefined), 90_000, () => 'scale up to 4');
    const up = await waitFor(async () => {
      const h = await hpas.get('web', NS);
      // Once all four are measured they ask for 16: held at maxReplicas.
      return h.status?.currentReplicas === 4 && h.status.currentMetrics?.[0]?.resource?.current.averageUtilization === 200 && cond(h, 'ScalingLimited')?.status === 'True' ? h : undefined;
    }, 90_000, () => 'status after the scale-up');
    expect(up.status?.lastScaleTime).toBeTruthy();
    expect(cond(up, 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
    expect(cond(up, 'AbleToScale')).toMatchObject({ status: 'True' });
    expect(cond(up, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' });
    const upEvents = await events('web');
    expect(upEvents.some((e) => e.reason === 'SuccessfulRescale' && /^New size: [2-4]; reason: cpu resource utilization \(percentage of request\) above target$/.test(e.message ?? ''))).toBe(true);

    const get = await kctl('get', 'hpa');
    expect(get.stdout.split('\n')[0]).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/);
    expect(get.stdout).toMatch(/^web\s+Deployment\/web\s+cpu: 200%\/50%\s+1\s+4\s+4\s+\S+$/m);
    if (existsSync('/usr/bin/kubectl')) {
      const real = await run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'get', 'hpa']);
      expect(real.stdout).toMatch(/^web\s+Deployment\/web\s+cpu: 200%\/50%\s+1\s+4\s+4\s+\S+\s*$/m);
      const realDescribe = await run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'describe', 'hpa', 'web']);
      expect(realDescribe.stdout).toMatch(/^Reference:\s+Deployment\/web$/m);
      expect(realDescribe.stdout).toMatch(/resource cpu on pods {2}\(as a percentage of request\):\s+200% \(200m\) \/ 50%/);
      expect(realDescribe.stdout).toMatch(/SuccessfulRescale/);
    }
    const described = await kctl('describe', 'hpa', 'web');
    expect(described.stdout).toMatch(/^Reference:\s+Deployment\/web$/m);
    expect(described.stdout).toMatch(/^ {2}resource cpu on pods {2}\(as a percentage of request\):\s+200% \(200m\) \/ 50%$/m);
    expect(described.stdout).toMatch(/^Deployment pods:\s+4 current \/ 4 desired$/m);
    expect(described.stdout).toMatch(/^ {2}ScalingLimited\s+True\s+TooManyReplicas\s+/m);
    expect(described.stdout).toMatch(/Normal\s+SuccessfulRescale\s+.*New size: \d; reason: cpu resource utilization/);

    // The load drops: new pods that use 10m of their 100m.
    await c.client.deployments().patch('web', { spec: { template: { metadata: { annotations: usage('10m') } } } }, 'merge', { namespace: NS });
    await waitFor(async () => ((await replicas('web')) === 1 ? true : undefined), 120_000, () => 'scale down to 1');
    const downEvents = await waitFor(async () => {
      const es = await events('web');
      return es.some((e) => e.reason === 'SuccessfulRescale' && e.message === 'New size: 1; reason: All metrics below target') ? es : undefined;
    }, 30_000, () => 'the scale-down event');
    expect(downEvents.filter((e) => e.type === 'Warning' && e.reason === 'FailedRescale')).toEqual([]);
    const down = await waitFor(async () => {
      const h = await hpas.get('web', NS);
      return h.status?.currentReplicas === 1 ? h : undefined;
    }, 30_000, () => 'status after the scale-down');
    expect(down.status?.currentMetrics?.[0]?.resource?.current.averageUtilization).toBeLessThan(50);
  });

  it('autoscaling/v1 is a view of the same objects: the real kubectl autoscale, v1 reads and writes', async () => {
    const d: Deployment = webDeployment('api', 1, 'api:1');
    d.spec.template.spec.containers[0]!.resources = { requests: { cpu: '100m' } };
    await c.client.deployments().create(d, { namespace: NS });
    const group = await c.client.request<{ versions: { version: string }[]; preferredVersion: { version: string } }>('GET', '/apis/autoscaling');
    expect(group.versions.map((v) => v.version)).toEqual(['v2', 'v1']);
    expect(group.preferredVersion.version).toBe('v2');
    const v1List = await c.client.request<{ resources: { name: string; verbs: string[] }[] }>('GET', '/apis/autoscaling/v1');
    expect(v1List.resources).toMatchObject([{ name: 'horizontalpodautoscalers', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'] }]);
    if (existsSync('/usr/bin/kubectl')) {
      // kubectl 1.32 creates autoscaling/v1 objects.
      const made = await run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'autoscale', 'deployment/api', '--min', '1', '--max', '3', '--cpu-percent', '60']);
      expect(made.stdout).toBe('horizontalpodautoscaler.autoscaling/api autoscaled\n');
    } else {
      await c.client.request('POST', `/apis/autoscaling/v1/namespaces/${NS}/horizontalpodautoscalers`, { body: { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'api' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 60 } } });
    }
    const v2 = await hpas.get('api', NS);
    expect(v2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    type V1 = { apiVersion: string; metadata: { resourceVersion: string }; spec: { targetCPUUtilizationPercentage?: number; maxReplicas: number } };
    const path = `/apis/autoscaling/v1/namespaces/${NS}/horizontalpodautoscalers/api`;
    const v1 = await c.client.request<V1>('GET', path);
    expect(v1).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 60, maxReplicas: 3 } });
    const patched = await c.client.request<V1>('PATCH', path, { body: { spec: { maxReplicas: 5 } }, contentType: 'application/merge-patch+json' });
    expect(patched.spec.maxReplicas).toBe(5);
    expect((await hpas.get('api', NS)).spec.maxReplicas).toBe(5);
    const bad = await c.client.request('PATCH', path, { body: { spec: { maxReplicas: 0 } }, contentType: 'application/merge-patch+json' }).catch((e: unknown) => e) as StatusError;
    expect(bad.status?.code).toBe(422);
    const list = await c.client.request<{ kind: string; items: V1[] }>('GET', `/apis/autoscaling/v1/namespaces/${NS}/horizontalpodautoscalers`);
    expect(list.kind).toBe('HorizontalPodAutoscalerList');
    expect(list.items.every((i) => i.apiVersion === 'autoscaling/v1')).toBe(true);
    const watch = await c.client.request('GET', `/apis/autoscaling/v1/namespaces/${NS}/horizontalpodautoscalers`, { query: { watch: 'true' } }).catch((e: unknown) => e) as StatusError;
    expect(watch.status?.code).toBe(405);
    await c.client.request('DELETE', path);
    await waitFor(async () => (await hpas.get('api', NS).then(() => undefined, () => true)), 30_000, () => 'the v1 delete');
  });

  it('drives whatever serves a scale subresource: a ReplicaSet and a StatefulSet', async () => {
    const template = (app: string) => ({
      metadata: { labels: { app }, annotations: usage('200m') },
      spec: { containers: [{ name: 'main', image: `${app}:1`, resources: { requests: { cpu: '100m' } } }] },
    });
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs-web', namespace: NS }, spec: { replicas: 1, selector: { matchLabels: { app: 'rs-web' } }, template: template('rs-web') } } as ReplicaSet;
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'sts-web', namespace: NS }, spec: { replicas: 1, serviceName: 'sts-web', selector: { matchLabels: { app: 'sts-web' } }, template: template('sts-web') } } as StatefulSet;
    await c.client.replicaSets().create(rs, { namespace: NS });
    await c.client.resource<StatefulSet>('StatefulSet').create(sts, { namespace: NS });
    for (const [kind, name] of [['ReplicaSet', 'rs-web'], ['StatefulSet', 'sts-web']] as const) {
      await hpas.create({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name, namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind, name }, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] } }, { namespace: NS });
    }
    await waitFor(async () => ((await c.client.replicaSets().get('rs-web', NS)).spec.replicas === 3 ? true : undefined), 90_000, () => 'the ReplicaSet scaled to 3');
    await waitFor(async () => ((await c.client.resource<StatefulSet>('StatefulSet').get('sts-web', NS)).spec.replicas === 3 ? true : undefined), 90_000, () => 'the StatefulSet scaled to 3');
  });

  it('a target that does not exist is a condition, not a crash', async () => {
    await hpas.create({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'ghost', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nope' }, maxReplicas: 3 } }, { namespace: NS });
    const h = await waitFor(async () => {
      const x = await hpas.get('ghost', NS);
      return cond(x, 'AbleToScale') ? x : undefined;
    }, 30_000, () => 'the ghost HPA\'s condition');
    expect(cond(h, 'AbleToScale')).toMatchObject({ status: 'False', reason: 'FailedGetScale' });
    expect(cond(h, 'AbleToScale')!.message).toMatch(/^the HPA controller was unable to get the target's current scale: .*"nope" not found/);
  });

  it('bad input is a 422 at the field', async () => {
    const invalid = async (spec: Record<string, unknown>) => {
      const e = (await hpas.create({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'bad', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3, ...spec } } as HorizontalPodAutoscaler, { namespace: NS }).catch((x: unknown) => x)) as StatusError;
      expect(e.status?.code).toBe(422);
      expect(e.status?.reason).toBe('Invalid');
      return e.status?.details?.causes?.map((x) => [x.field, x.message]);
    };
    expect(await invalid({ minReplicas: 5, maxReplicas: 2 })).toEqual([['spec.maxReplicas', 'Invalid value: 2: must be greater than or equal to `minReplicas`']]);
    expect(await invalid({ minReplicas: 0 })).toEqual([['spec.minReplicas', 'Invalid value: 0: must be greater than or equal to 1']]);
    expect(await invalid({ scaleTargetRef: { apiVersion: 'v1', kind: 'Pod', name: 'x' } })).toEqual([['spec.scaleTargetRef.kind', 'Unsupported value: "Pod": supported values: "ReplicaSet", "Deployment", "StatefulSet"']]);
    expect(await invalid({ metrics: [{ type: 'Pods' }] })).toEqual([['spec.metrics[0].type', 'Unsupported value: "Pods": supported values: "Resource"']]);
    expect(await invalid({ behavior: { scaleDown: { selectPolicy: 'Fastest', policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } } })).toEqual([
      ['spec.behavior.scaleDown.selectPolicy', 'Unsupported value: "Fastest": supported values: "Disabled", "Max", "Min"'],
      ['spec.behavior.scaleDown.policies[0].value', 'Invalid value: 0: must be greater than zero'],
    ]);
    const bad = await kctl('autoscale', 'deployment/web', '--max', '0');
    expect(bad).toMatchObject({ code: 1, stderr: 'error: --max=MAXPODS is required and must be at least 1, max: 0\n' });
  });

  it('a controller-manager killed mid-rescale: its successor goes on from the count decided, never back; missing metrics never scale down', async () => {
    const d: Deployment = webDeployment('steady', 1, 'web:1');
    d.spec.template.metadata!.annotations = usage('200m');
    d.spec.template.spec.containers[0]!.resources = { requests: { cpu: '100m', memory: '64Mi' } };
    await c.client.deployments().create(d, { namespace: NS });
    await hpas.create({
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'steady', namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'steady' }, minReplicas: 1, maxReplicas: 4,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
        // No window and a policy of one pod per second up: several rescales in a row, and nothing holding a scale-down back.
        behavior: { scaleDown: { stabilizationWindowSeconds: 0 }, scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 1 }] } },
      },
    }, { namespace: NS });
    // The first rescale written: kill -9 in the middle of the climb, start a successor.
    await waitFor(async () => ((await replicas('steady'))! > 1 ? true : undefined), 60_000, () => 'the first rescale', cm);
    await c.kill9(cm);
    const seen: number[] = [(await replicas('steady'))!];
    cm = c.controllerManager(CONTROLLER_MANAGER);
    await waitFor(async () => {
      seen.push((await replicas('steady'))!);
      return seen[seen.length - 1] === 4 ? true : undefined;
    }, 60_000, () => `steady at 4 (seen ${seen.join(' ')})`, cm);
    // Never a step back on the way up.
    expect(seen.every((n, i) => i === 0 || n >= seen[i - 1]!)).toBe(true);

    // Metrics gone (the nodes' kubelet down): the HPA says why and keeps the count.
    await c.kill9(kubelet);
    const h = await waitFor(async () => {
      const x = await hpas.get('steady', NS);
      return cond(x, 'ScalingActive')?.status === 'False' ? x : undefined;
    }, 90_000, () => 'ScalingActive False without metrics', cm);
    expect(cond(h, 'ScalingActive')!.reason).toBe('FailedGetResourceMetric');
    for (let i = 0; i < 10; i++) {
      expect(await replicas('steady')).toBe(4);
      await new Promise((r) => setTimeout(r, 500));
    }
    kubelet = c.start(KUBELET(c.url, c.tempDir()));
  });
});
