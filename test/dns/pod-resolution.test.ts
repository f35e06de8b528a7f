// End to end as root, without a node proxy: the kubelet (process runtime) points pods'
// resolv.conf at `skiff dns` listening on port 53 of the node's bridge gateway, and a pod
// resolves Services with the host's own glibc resolver (`getent hosts`) by `svc`, `svc.ns`,
// FQDN and a headless pod's hostname — the search path and ndots doing what they do in Kubernetes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod, Service } from '../../api/core/index.js';
import type { EndpointSlice } from '../../api/discovery/index.js';
import type { RestClient } from '../../client/rest.js';
import { SkiffProcesses } from '../support/processes.js';
import { client, isRoot, podManifest, readStream, removeDir, startApiServer, startKubelet, suffix, tempDir, waitFor, type KubeletProc, type Proc } from '../kubelet/harness.js';
import { service, slice } from './fixtures.js';
import { startUpstream } from './upstream.js';

const node = `dnsres-${suffix()}`;

describe.skipIf(!isRoot)('a pod resolves Services through skiff dns (process runtime, root)', () => {
  const procs = new SkiffProcesses();
  let api: { proc: Proc; url: string; dir: string } | undefined;
  let kubelet: KubeletProc | undefined;
  let rootDir: string | undefined;
  let c: RestClient | undefined;
  let gateway = '';
  let upstream: Awaited<ReturnType<typeof startUpstream>> | undefined;

  beforeAll(async () => {
    api = await startApiServer();
    rootDir = tempDir(node);
    c = client(api.url);
    // The kubelet picks a free pod CIDR; its gateway is where the DNS server will listen.
    const first = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
    const cidr = await waitFor('node podCIDR', async () => (await c!.nodes().get(node) as Node).spec?.podCIDR);
    gateway = cidr.replace(/\.0\/\d+$/, '.1');
    await first.stop('SIGTERM');
    kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit', '--cluster-dns', gateway]);
    // A first pod brings the node's bridge (and so the gateway address) up.
    await c.pods().create(podManifest('warm', node, { containers: [{ name: 'c', image: 'host', command: ['/bin/sh', '-c', 'sleep 1000'] }] }));
    await waitFor('warm running', async () => (await c!.pods().get('warm', 'default')).status?.phase === 'Running');
    // Names the search path tries outside the zone get a quick NXDOMAIN from here.
    upstream = await startUpstream();
    await procs.startReady(['dns', '--server', api.url, '--port', '53', '--bind-address', gateway, '--upstream', `127.0.0.1:${upstream.port}`, '--register=false'], /serving cluster\.local/);
  });

  afterAll(async () => {
    try {
      await procs.stopAll();
      upstream?.close();
      await kubelet?.stop('SIGTERM');
    } finally {
      c?.close();
      await api?.proc.stop();
      removeDir(rootDir);
      removeDir(api?.dir);
    }
  });

  it('finds a Service by svc, svc.ns and FQDN, and a headless pod by hostname.subdomain', async () => {
    const web = await c!.resource<Service>('Service').create(service('default', 'web', { ports: [{ port: 80 }] }));
    await c!.resource<Service>('Service').create(service('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }));
    await c!.resource<EndpointSlice>('EndpointSlice').create(slice('default', 'db', 'db-x', [{ ip: '10.250.7.7', hostname: 'db-0' }], [{ name: 'pg', port: 5432 }]));
    const names = ['web', 'web.default', 'web.default.svc', 'web.default.svc.cluster.local', 'db-0.db'];
    await c!.pods().create(podManifest('resolver', node, {
      containers: [{ name: 'c', image: 'host', command: ['/bin/sh', '-c', `for n in ${names.join(' ')}; do getent hosts $n || echo "FAIL $n"; done; echo DONE; sleep 1000`] }],
    }) as Pod);
    const out = await waitFor('resolver printed', async () => {
      const t = await readStream(await c!.podLogs('default', 'resolver', {})).catch(() => '');
      return t.includes('DONE') && t;
    });
    const ip = web.spec!.clusterIP!;
    expect(out).not.toContain('FAIL');
    expect(out.match(new RegExp(`^${ip.replace(/\./g, '\\.')}\\s+web\\.default\\.svc\\.cluster\\.local`, 'gm'))).toHaveLength(4);
    expect(out).toMatch(/^10\.250\.7\.7\s+db-0\.db\.default\.svc\.cluster\.local/m);
  });
});
