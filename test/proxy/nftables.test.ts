// The proxy against the real kernel, in private network namespaces so the host is untouched:
//   ns C (the "node": its nftables table, clients)  10.77.X.1 ⇄ veth ⇄  ns S (the "pods")
//                                                   10.77.X.2 and 10.77.X.3, an HTTP server on each :8080
// An in-process Proxier follows a real API server (Services and EndpointSlices created through
// it) and writes its table into C with nft; clients in C connect to ClusterIPs and NodePorts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestClient } from '../../client/index.js';
import type { Service } from '../../api/core/index.js';
import type { EndpointSlice } from '../../api/discovery/index.js';
import { Nft } from '../../proxy/nftables/nft.js';
import { NftablesDataPlane, Proxier, type SyncResult } from '../../proxy/proxier.js';
import { startTestServer, type TestServer } from '../apiserver/harness.js';
import { testPki } from '../support/tls.js';
import { waitFor } from '../support/wait.js';
import { service, slice, type Ep } from './fixtures.js';
import { canProgramKernel, NetnsPair } from './netns.js';

describe.skipIf(!canProgramKernel)('proxy: nftables rules in the kernel', () => {
  let api: TestServer;
  let client: RestClient;
  let proxier: Proxier;
  let plane: NftablesDataPlane;
  const syncs: SyncResult[] = [];

  let net: NetnsPair;
  let POD_A: string;
  let POD_B: string;
  const TABLE = `skiff-test-${Math.random().toString(36).slice(2, 8)}`;
  const getFromC = (url: string) => net.get(url);

  beforeAll(async () => {
    net = new NetnsPair(2);
    [POD_A, POD_B] = net.podIPs as [string, string];
    net.serveHttp();
    await waitFor('servers listening', () => getFromC(`http://${POD_B}:8080/`).startsWith(POD_B));

    api = await startTestServer();
    client = new RestClient({ server: api.url, credentials: testPki().credentials, userAgent: 'proxy-test' });
    plane = new NftablesDataPlane(new Nft(net.client), { table: TABLE, clusterCIDR: net.subnet, masqueradeAll: false, isLocal: (n) => n === 'node-1' });
    proxier = new Proxier({ client, dataPlane: plane, fullSyncPeriodMs: 0, onSync: (r) => syncs.push(r) });
    await proxier.start();
  });

  afterAll(async () => {
    proxier?.stop();
    client?.close();
    await api?.close();
    net?.destroy();
  });

  let svc: Service;
  const slices = () => client.resource<EndpointSlice>('EndpointSlice');
  async function setEndpoints(eps: Ep[]): Promise<void> {
    const want = slice('web', eps);
    const cur = await slices().get('web-abc', 'default').catch(() => undefined);
    if (cur) await slices().update({ ...want, metadata: { ...cur.metadata } });
    else await slices().create(want, { namespace: 'default' });
  }
  const clusterURL = () => `http://${svc.spec!.clusterIP}:80/`;

  it('a ClusterIP with no endpoints refuses connections', async () => {
    svc = await client.resource<Service>('Service').create(service('web', { type: 'NodePort', clusterIP: undefined, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }), { namespace: 'default' });
    await waitFor('refused', () => getFromC(clusterURL()) === 'error: ECONNREFUSED');
  });

  it('with endpoints, the ClusterIP answers from every one of them, at random', async () => {
    await setEndpoints([{ ip: POD_A }, { ip: POD_B }]);
    await waitFor('answers', () => getFromC(clusterURL()).startsWith('10.77.'));
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) seen.add(getFromC(clusterURL()).split(' ')[0]!);
    expect(seen).toEqual(new Set([POD_A, POD_B]));
  });

  it('the NodePort answers on the node\'s own address and on 127.0.0.1', async () => {
    const nodePort = svc.spec!.ports![0]!.nodePort!;
    expect(getFromC(`http://${net.nodeIP}:${nodePort}/`)).toMatch(/^10\.77\.\d+\.[23] from /);
    // From 127.0.0.1 the connection is masqueraded: the pod sees the node's address.
    expect(getFromC(`http://127.0.0.1:${nodePort}/`)).toMatch(new RegExp(`^10\\.77\\.\\d+\\.[23] from ${net.nodeIP.replaceAll('.', '\\.')}$`));
  });

  it('an endpoint that stops being ready gets no more traffic; the rules change in place', async () => {
    const before = syncs.length;
    await setEndpoints([{ ip: POD_A }, { ip: POD_B, ready: false, serving: false }]);
    await waitFor('one endpoint', async () => {
      for (let i = 0; i < 10; i++) if (!getFromC(clusterURL()).startsWith(POD_A)) return false;
      return true;
    });
    // The clients above block this process while the kernel already has the new rules: the
    // proxier hears nft finish a moment later.
    const later = await waitFor('the sync recorded', () => syncs.length > before && syncs.slice(before));
    expect(later.every((r) => !r.full && !r.error)).toBe(true);
  });

  it('the Service deleted: no rule of it is left in the table', async () => {
    await client.resource<Service>('Service').delete('web', { namespace: 'default' });
    await waitFor('rules gone', async () => !(await new Nft(net.client).list(TABLE)).includes('default/web/'));
    const table = await new Nft(net.client).list(TABLE);
    expect(table).not.toContain(svc.spec!.clusterIP!);
    expect(table).not.toContain(POD_A);
  });

  it('cleanup removes the whole table', async () => {
    proxier.stop();
    await plane.cleanup();
    expect(net.inClient(['nft', 'list', 'tables'])).not.toContain(TABLE);
  });
});
