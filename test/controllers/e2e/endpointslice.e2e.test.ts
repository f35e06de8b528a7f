// The EndpointSlice controller over a real API server and controller-manager: a Service's
// slice follows its pods' IPs and readiness, and goes when the Service goes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, Pod, Service } from '../../../api/core/index.js';
import type { EndpointSlice } from '../../../api/discovery/index.js';
import { Cluster, waitFor } from './cluster.js';

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
});
