// The proxy against the real kernel, in private network namespaces so the host is untouched:
//   ns C (the "node": its nftables table, clients)  10.77.X.1 ⇄ veth ⇄  ns S (the "pods")
//                                                   10.77.X.2 and 10.77.X.3, an HTTP server on each :8080
// An in-process Proxier follows a real API server (Services and EndpointSlices created through
// it) and writes its table into C with nft; clients in C connect to ClusterIPs and NodePorts.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
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

const isRoot = process.getuid?.() === 0;
const hasNft = (() => {
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const id = Math.random().toString(36).slice(2, 8);
const NS_C = `skp-c-${id}`;
const NS_S = `skp-s-${id}`;
const X = 100 + Math.floor(Math.random() * 150);
const NODE_IP = `10.77.${X}.1`;
const POD_A = `10.77.${X}.2`;
const POD_B = `10.77.${X}.3`;
const TABLE = `skiff-test-${id}`;

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const inC = (args: string[]) => sh('ip', ['netns', 'exec', NS_C, ...args]);

// A one-shot HTTP client for inside a namespace: prints the body, or the error's code (ECONNREFUSED…).
const HTTP_GET = `require('node:http').get(process.argv[1], { timeout: 3000 }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log(b)); })
  .on('timeout', function () { console.log('error: ETIMEDOUT'); this.destroy(); }).on('error', (e) => console.log('error: ' + (e.code || e.message)));`;

/** One HTTP GET from inside ns C: the body, or "error: ECONNREFUSED" and the like. */
function getFromC(url: string): string {
  return inC([process.execPath, '-e', HTTP_GET, url]).trim();
}

describe.skipIf(!isRoot || !hasNft)('proxy: nftables rules in the kernel', () => {
  let api: TestServer;
  let client: RestClient;
  let proxier: Proxier;
  let plane: NftablesDataPlane;
  let servers: ChildProcess | undefined;
  const syncs: SyncResult[] = [];

  beforeAll(async () => {
    sh('ip', ['netns', 'add', NS_C]);
    sh('ip', ['netns', 'add', NS_S]);
    sh('ip', ['link', 'add', `vc${id}`, 'netns', NS_C, 'type', 'veth', 'peer', 'name', `vs${id}`, 'netns', NS_S]);
    for (const [ns, cmds] of [
      [NS_C, [`addr add ${NODE_IP}/24 dev vc${id}`, `link set vc${id} up`, 'link set lo up', `route add 10.96.0.0/12 dev vc${id}`]],
      [NS_S, [`addr add ${POD_A}/24 dev vs${id}`, `addr add ${POD_B}/24 dev vs${id}`, `link set vs${id} up`, 'link set lo up']],
    ] as const) for (const c of cmds) sh('ip', ['-n', ns, ...c.split(' ')]);
    inC(['sysctl', '-qw', 'net.ipv4.conf.all.route_localnet=1']);
    // Each server answers with the address it was reached on, so a test sees which endpoint served.
    servers = spawn('ip', ['netns', 'exec', NS_S, process.execPath, '-e', `
      const http = require('node:http');
      for (const ip of ['${POD_A}', '${POD_B}']) http.createServer((q, s) => s.end(ip + ' from ' + q.socket.remoteAddress)).listen(8080, ip);
      setInterval(() => {}, 1e6);`], { stdio: 'ignore' });
    await waitFor('servers listening', () => getFromC(`http://${POD_B}:8080/`).startsWith(POD_B));

    api = await startTestServer();
    client = new RestClient({ server: api.url, credentials: testPki().credentials, userAgent: 'proxy-test' });
    plane = new NftablesDataPlane(new Nft(NS_C), { table: TABLE, clusterCIDR: `10.77.${X}.0/24`, masqueradeAll: false, isLocal: (n) => n === 'node-1' });
    proxier = new Proxier({ client, dataPlane: plane, fullSyncPeriodMs: 0, onSync: (r) => syncs.push(r) });
    await proxier.start();
  });

  afterAll(async () => {
    proxier?.stop();
    servers?.kill('SIGKILL');
    client?.close();
    await api?.close();
    for (const ns of [NS_C, NS_S]) try { sh('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
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
    expect(getFromC(`http://${NODE_IP}:${nodePort}/`)).toMatch(/^10\.77\.\d+\.[23] from /);
    // From 127.0.0.1 the connection is masqueraded: the pod sees the node's address.
    expect(getFromC(`http://127.0.0.1:${nodePort}/`)).toMatch(new RegExp(`^10\\.77\\.\\d+\\.[23] from ${NODE_IP.replaceAll('.', '\\.')}$`));
  });

  it('an endpoint that stops being ready gets no more traffic; the rules change in place', async () => {
    const before = syncs.length;
    await setEndpoints([{ ip: POD_A }, { ip: POD_B, ready: false, serving: false }]);
    await waitFor('one endpoint', async () => {
      for (let i = 0; i < 10; i++) if (!getFromC(clusterURL()).startsWith(POD_A)) return false;
      return true;
    });
    const later = syncs.slice(before);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((r) => !r.full && !r.error)).toBe(true);
  });

  it('the Service deleted: no rule of it is left in the table', async () => {
    await client.resource<Service>('Service').delete('web', 'default');
    await waitFor('rules gone', async () => !(await new Nft(NS_C).list(TABLE)).includes('default/web/'));
    const table = await new Nft(NS_C).list(TABLE);
    expect(table).not.toContain(svc.spec!.clusterIP!);
    expect(table).not.toContain(POD_A);
  });

  it('cleanup removes the whole table', async () => {
    proxier.stop();
    await plane.cleanup();
    expect(inC(['nft', 'list', 'tables'])).not.toContain(TABLE);
  });
});
