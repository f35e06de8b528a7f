// The EndpointSlice controller over a real API server and controller-manager: a Service's
// slice follows its pods' IPs and readiness, and goes when the Service goes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, Pod, Service } from '../../../api/core/index.js';
import type { EndpointSlice } from '../../../api/discovery/index.js';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Deployment } from '../../../api/apps/index.js';
import { ROOT } from '../../support/processes.js';
import { Cluster, waitFor, webDeployment } from './cluster.js';
import { testPki } from '../../support/tls.js';

describe('EndpointSlice controller', () => {
  const c = new Cluster();
  beforeAll(async () => {
    await c.apiserver();
    c.controllerManager(['--leader-elect=false']);
  });
  afterAll(async () => {
    await c.stopAll();
  });

  const slicesOf = async (svc: string) =>
    (await c.client.resource<EndpointSlice>('EndpointSlice').list({ namespace: 'default', labelSelector: `kubernetes.io/service-name=${svc}` })).items;

  async function runningPod(name: string, ip: string, ready: boolean): Promise<void> {
    const pods = c.client.resource<Pod>('Pod');
    await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'echo' } },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] } });
    await pods.patch(name, { status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, 'merge', { namespace: 'default', subresource: 'status' });
  }

  it('lists the selected pods with resolved ports and readiness, then follows a pod becoming ready, and deletes with the Service', async () => {
    const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'default' },
      spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
    await c.client.resource<Service>('Service').create(svc);
    await runningPod('echo-a', '10.244.0.10', true);
    await runningPod('echo-b', '10.244.0.11', false);
    const summary = (s: EndpointSlice[]) => s.flatMap((x) => (x.endpoints ?? []).map((e) => `${e.addresses[0]}:${x.ports?.[0]?.port}:${e.conditions?.ready}`)).sort();
    await waitFor(async () => summary(await slicesOf('echo')).join() === '10.244.0.10:8080:true,10.244.0.11:8080:false', 60_000, () => 'slice with both pods');
    const [slice] = await slicesOf('echo');
    expect(slice!.metadata.labels!['endpointslice.kubernetes.io/managed-by']).toBe('endpointslice-controller.k8s.io');
    expect(slice!.metadata.ownerReferences?.[0]?.kind).toBe('Service');

    await c.client.resource<Pod>('Pod').patch('echo-b', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'merge', { namespace: 'default', subresource: 'status' });
    await waitFor(async () => summary(await slicesOf('echo')).join() === '10.244.0.10:8080:true,10.244.0.11:8080:true', 60_000, () => 'echo-b ready in the slice');

    const ep = await waitFor(async () => {
      const e = await c.client.resource<Endpoints>('Endpoints').get('echo', 'default').catch(() => undefined);
      return e?.subsets?.[0]?.addresses?.length === 2 ? e : undefined;
    }, 60_000, () => 'legacy Endpoints mirror both ready pods');
    expect(ep.subsets![0]!.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);

    await c.client.resource<Service>('Service').delete('echo', { namespace: 'default' });
    await waitFor(async () => (await slicesOf('echo')).length === 0, 60_000, () => 'slices gone with the Service');
  });

  it('kctl expose makes the Service; kctl get endpoints and describe svc show its endpoints', async () => {
    const kctl = (...args: string[]) => execFileSync(process.execPath, [path.join(ROOT, 'dist/cli/kctl.js'), '--server', c.url, '--kubeconfig', testPki().kubeconfig, ...args], { encoding: 'utf8' });
    const d: Deployment = webDeployment('shop', 0, 'img:A');
    d.spec.template.spec!.containers[0]!.ports = [{ name: 'http', containerPort: 8080 }];
    await c.client.resource<Deployment>('Deployment').create(d);
    expect(kctl('expose', 'deployment/shop', '--port', '80', '--target-port', 'http', '--type', 'NodePort')).toBe('service/shop exposed\n');
    const svc = await c.client.resource<Service>('Service').get('shop', 'default');
    expect(svc.spec).toMatchObject({ type: 'NodePort', selector: { app: 'shop' }, ports: [{ port: 80, targetPort: 'http' }] });
    const pods = c.client.resource<Pod>('Pod');
    await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shop-a', namespace: 'default', labels: { app: 'shop' } },
      spec: { containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] } });
    await pods.patch('shop-a', { status: { phase: 'Running', podIP: '10.244.0.20', conditions: [{ type: 'Ready', status: 'True' }] } }, 'merge', { namespace: 'default', subresource: 'status' });
    await waitFor(async () => /shop\s+10\.244\.0\.20:8080/.test(kctl('get', 'endpoints', 'shop')), 60_000, () => 'kctl get endpoints shows the pod');
    expect(kctl('get', 'endpointslices')).toMatch(/shop-\w+\s+IPv4\s+8080\s+10\.244\.0\.20/);
    expect(kctl('describe', 'svc', 'shop')).toMatch(/Endpoints:\s+10\.244\.0\.20:8080/);
  });
});
