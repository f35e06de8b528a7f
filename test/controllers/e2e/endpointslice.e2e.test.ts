// The EndpointSlice controller over a real API server and controller-manager: a Service's
// slice follows its pods' IPs and readiness, and goes when the Service goes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, Pod, Service } from '../../../api/core/index.js';
import type { EndpointSlice } from '../../../api/discovery/index.js';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
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

  it('mirrors the hand-written Endpoints of a Service without a selector into a slice, and drops it with the Service', async () => {
    await c.client.resource<Service>('Service').create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'extdb', namespace: 'default' }, spec: { ports: [{ name: 'pg', port: 5432 }] } });
    await c.client.resource<Endpoints>('Endpoints').create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'extdb', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], notReadyAddresses: [{ ip: '192.0.2.11' }], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }] });
    const mirrored = await waitFor(async () => {
      const [s] = await slicesOf('extdb');
      return s?.endpoints?.length === 2 ? s : undefined;
    }, 60_000, () => 'the mirrored slice');
    expect(mirrored.metadata.labels!['endpointslice.kubernetes.io/managed-by']).toBe('endpointslicemirroring-controller.k8s.io');
    expect(mirrored.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Endpoints', name: 'extdb', controller: true });
    expect(mirrored.endpoints!.map((e) => [e.addresses[0], e.conditions?.ready])).toEqual([['192.0.2.10', true], ['192.0.2.11', false]]);
    expect(mirrored.ports).toEqual([{ name: 'pg', port: 5432, protocol: 'TCP' }]);
    // The Endpoints stay the user's: the endpoints controller leaves a selector-less Service's alone.
    expect((await c.client.resource<Endpoints>('Endpoints').get('extdb', 'default')).subsets?.[0]?.addresses).toEqual([{ ip: '192.0.2.10' }]);
    await c.client.resource<Service>('Service').delete('extdb', { namespace: 'default' });
    await waitFor(async () => (await slicesOf('extdb')).length === 0, 60_000, () => 'mirrored slice gone with the Service');
  });

  it('kctl expose makes the Service; kctl get endpoints and describe svc show its endpoints', async () => {
    const kctl = (...args: string[]) => execFileSync(process.execPath, [path.join(ROOT, 'dist/cli/kctl.js'), '--server', c.url, '--kubeconfig', testPki().kubeconfig, ...args], { encoding: 'utf8' });
    const d: Deployment = webDeployment('shop', 0, 'img:A');
    d.spec.template.spec!.containers[0]!.ports = [{ name: 'http', containerPort: 8080 }];
    await c.client.resource<Deployment>('Deployment').create(d);
    expect(kctl('expose', 'deployment/shop', '--port', '80', '--target-port', 'http', '--type', 'NodePort')).toBe('service/shop exposed\n');
    const svc = await c.client.resource<Service>('Service').get('shop', 'default');
    expect(svc.spec).toMatchObject({ type: 'NodePort', selector: { app: 'shop' }, ports: [{ port: 80, targetPort: 'http' }] });
    // Without --port, the template's container port, as kubectl expose introspects it.
    expect(kctl('expose', 'deployment/shop', '--name', 'shop-auto')).toBe('service/shop-auto exposed\n');
    expect((await c.client.resource<Service>('Service').get('shop-auto', 'default')).spec?.ports).toEqual([{ port: 8080, targetPort: 8080, protocol: 'TCP' }]);
    const pods = c.client.resource<Pod>('Pod');
    await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shop-a', namespace: 'default', labels: { app: 'shop' } },
      spec: { containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] } });
    await pods.patch('shop-a', { status: { phase: 'Running', podIP: '10.244.0.20', conditions: [{ type: 'Ready', status: 'True' }] } }, 'merge', { namespace: 'default', subresource: 'status' });
    await waitFor(async () => /shop\s+10\.244\.0\.20:8080/.test(kctl('get', 'endpoints', 'shop')), 60_000, () => 'kctl get endpoints shows the pod');
    expect(kctl('get', 'endpointslices')).toMatch(/shop-\w+\s+IPv4\s+8080\s+10\.244\.0\.20/);
    expect(kctl('describe', 'svc', 'shop')).toMatch(/Endpoints:\s+10\.244\.0\.20:8080/);
  });

  // The real kubectl: expose with a named target port and NodePort, then get svc, get
  // endpoints, get endpointslices and describe svc (which reads the slices) show the pod.
  it.skipIf(!fs.existsSync('/usr/bin/kubectl'))('kubectl expose, get svc, get endpoints, get endpointslices and describe svc', async () => {
    const dir = c.tempDir('skiff-kubectl-');
    const kubeconfig = testPki().writeKubeconfig(path.join(dir, 'kubeconfig'), c.url);
    const kubectl = (...args: string[]) => {
      const r = spawnSync('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      return r.stdout;
    };
    const d: Deployment = webDeployment('kshop', 0, 'img:A');
    d.spec.template.spec!.containers[0]!.ports = [{ name: 'http', containerPort: 8080 }];
    await c.client.resource<Deployment>('Deployment').create(d);
    expect(kubectl('expose', 'deployment/kshop', '--port', '80', '--target-port', 'http', '--type', 'NodePort', '--name', 'kweb')).toBe('service/kweb exposed\n');
    const svc = await c.client.resource<Service>('Service').get('kweb', 'default');
    expect(svc.spec).toMatchObject({ type: 'NodePort', selector: { app: 'kshop' }, ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] });
    const nodePort = svc.spec!.ports![0]!.nodePort!;
    expect(kubectl('get', 'svc', 'kweb')).toMatch(new RegExp(`^NAME\\s+TYPE\\s+CLUSTER-IP\\s+EXTERNAL-IP\\s+PORT\\(S\\)\\s+AGE\\nkweb\\s+NodePort\\s+${svc.spec!.clusterIP!.replace(/\./g, '\\.')}\\s+<none>\\s+80:${nodePort}/TCP\\s+\\d+s\\n$`));

    const pods = c.client.resource<Pod>('Pod');
    await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kshop-a', namespace: 'default', labels: { app: 'kshop' } },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] } });
    await pods.patch('kshop-a', { status: { phase: 'Running', podIP: '10.244.0.30', conditions: [{ type: 'Ready', status: 'True' }] } }, 'merge', { namespace: 'default', subresource: 'status' });
    await waitFor(async () => /^kweb\s+10\.244\.0\.30:8080\s+/m.test(kubectl('get', 'endpoints', 'kweb')), 60_000, () => 'kubectl get endpoints shows the pod');
    const slices = kubectl('get', 'endpointslices', '-l', 'kubernetes.io/service-name=kweb');
    expect(slices).toMatch(/^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\n/);
    expect(slices).toMatch(/^kweb-\w+\s+IPv4\s+8080\s+10\.244\.0\.30\s+/m);
    const described = kubectl('describe', 'svc', 'kweb');
    expect(described).toMatch(/^Selector:\s+app=kshop$/m);
    expect(described).toMatch(/^TargetPort:\s+http\/TCP$/m);
    expect(described).toMatch(new RegExp(`^NodePort:\\s+<unset>\\s+${nodePort}/TCP$`, 'm'));
    expect(described).toMatch(/^Endpoints:\s+10\.244\.0\.30:8080$/m);
  });
});
