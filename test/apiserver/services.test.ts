// Services in the API server: cluster IP and node port allocation through storage (unique
// under concurrent creates and across restarts, released on delete), requested values
// checked, the `kubernetes` Service at boot, and the table columns kubectl prints.
// (Skiff has no service proxy: these are API objects only.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStorage } from '../../apiserver/storage/embedded.js';
import { openEtcdStorage } from '../../apiserver/storage/etcd.js';
import { EtcdServer, findEtcd } from './storage/etcd-server.js';
import {
  NODE_PORT_PREFIX, parseCIDR, pickFree, SERVICE_IP_PREFIX, serviceClaims,
} from '../../apiserver/registry/services.js';
import { toTable } from '../../apiserver/printers.js';
import { resourceByKind } from '../../api/resources.js';
import { call, startTestServer, type TestServer } from './harness.js';
import { createApiServer } from '../../apiserver/server.js';

const SVCS = '/api/v1/namespaces/default/services';
const svc = (name: string, spec: Record<string, unknown> = {}): any => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});
const ipNumber = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

const servers: TestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
async function server(opts: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(opts);
  servers.push(s);
  return s;
}
async function claimKeys(s: TestServer, prefix: string): Promise<string[]> {
  return (await s.storage.range(prefix)).kvs.map((kv) => kv.key.slice(prefix.length));
}

describe('allocation helpers', () => {
  it('parseCIDR normalizes the network address and rejects bad ranges', () => {
    expect(parseCIDR('10.96.0.0/12')).toEqual({ cidr: '10.96.0.0/12', base: ipNumber('10.96.0.0'), size: 2 ** 20 });
    expect(parseCIDR('192.168.7.9/24').cidr).toBe('192.168.7.0/24');
    expect(() => parseCIDR('10.96.0.0')).toThrow();
    expect(() => parseCIDR('fd00::/108')).toThrow();
    expect(() => parseCIDR('10.0.0.0/31')).toThrow();
  });
  it('pickFree walks forward from the start, wrapping, and reports a full range', () => {
    expect(pickFree(10, (o) => o !== 3 && o !== 4, 3)).toBe(5);
    expect(pickFree(10, (o) => o === 1, 7)).toBe(1);
    expect(pickFree(10, () => false, 0)).toBeUndefined();
  });
  it('a service claims its cluster IP and each node port once; headless and ExternalName claim no IP', () => {
    const meta = { name: 'a', namespace: 'default', uid: 'u1' };
    const keys = (spec: any) => serviceClaims({ metadata: meta, spec } as any).map((c) => c.key);
    expect(keys({ type: 'NodePort', clusterIP: '10.96.0.9', ports: [{ port: 53, protocol: 'TCP', nodePort: 30053 }, { port: 53, protocol: 'UDP', nodePort: 30053 }] }))
      .toEqual([SERVICE_IP_PREFIX + '10.96.0.9', NODE_PORT_PREFIX + '30053']);
    expect(keys({ type: 'ClusterIP', clusterIP: 'None' })).toEqual([]);
    expect(keys({ type: 'ExternalName', externalName: 'x.example' })).toEqual([]);
    expect(JSON.parse(serviceClaims({ metadata: meta, spec: { clusterIP: '10.96.0.9' } } as any)[0]!.value)).toEqual({ kind: 'Service', namespace: 'default', name: 'a', uid: 'u1' });
  });
});

describe('Services over HTTP', () => {
  it('the kubernetes Service exists at boot: first IP of the range, 443 → the server port, labels', async () => {
    const s = await server();
    const r = await call(s.url, 'GET', `${SVCS}/kubernetes`);
    expect(r.status).toBe(200);
    expect(r.body.metadata.labels).toEqual({ component: 'apiserver', provider: 'kubernetes' });
    expect(r.body.spec).toMatchObject({ type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'] });
    expect(r.body.spec.ports).toEqual([{ name: 'https', protocol: 'TCP', port: 443, targetPort: Number(new URL(s.url).port) }]);
    expect(await claimKeys(s, SERVICE_IP_PREFIX)).toEqual(['10.96.0.1']);
  });

  it('a deleted kubernetes Service comes back (bootstrap controller), with the first IP again', async () => {
    const s = await server({ kubernetesServiceIntervalMs: 100 });
    const old = (await call(s.url, 'GET', `${SVCS}/kubernetes`)).body;
    expect((await call(s.url, 'DELETE', `${SVCS}/kubernetes`)).status).toBe(200);
    // The delete released the old Service's claim (the bootstrap loop may already hold a new one).
    const holders = (await s.storage.range(SERVICE_IP_PREFIX)).kvs.map((kv) => JSON.parse(kv.value).uid);
    expect(holders).not.toContain(old.metadata.uid);
    const deadline = Date.now() + 30_000;
    let r = await call(s.url, 'GET', `${SVCS}/kubernetes`);
    while (r.status !== 200 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 50));
      r = await call(s.url, 'GET', `${SVCS}/kubernetes`);
    }
    expect(r.status).toBe(200);
    expect(r.body.spec.clusterIP).toBe('10.96.0.1');
  });

  it('40 concurrent creates get 40 distinct IPs in the range, each held by one claim key', async () => {
    const s = await server({ serviceClusterIPRange: '10.0.0.0/16' });
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => call(s.url, 'POST', SVCS, svc(`s${i}`))));
    expect(rs.map((r) => r.status)).toEqual(Array(40).fill(201));
    const ips = rs.map((r) => r.body.spec.clusterIP as string);
    expect(new Set(ips).size).toBe(40);
    for (const ip of ips) {
      expect(ipNumber(ip)).toBeGreaterThan(ipNumber('10.0.0.1'));
      expect(ipNumber(ip)).toBeLessThan(ipNumber('10.0.255.255'));
    }
    expect((await claimKeys(s, SERVICE_IP_PREFIX)).sort()).toEqual([...ips, '10.0.0.1'].sort());
  });

  it('a tiny range under concurrent creates: every free IP is handed out once, the rest are refused', async () => {
    // 10.1.0.0/29: .1 is the kubernetes Service's, .2–.6 are free (.0 and .7 are not usable).
    const s = await server({ serviceClusterIPRange: '10.1.0.0/29' });
    const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => call(s.url, 'POST', SVCS, svc(`t${i}`))));
    const ok = rs.filter((r) => r.status === 201);
    expect(ok.map((r) => r.body.spec.clusterIP).sort()).toEqual(['10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5', '10.1.0.6']);
    const refused = rs.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect(r.status).toBe(422);
      expect(r.body.message).toContain('range is full');
    }
    // A delete frees one; the next create gets exactly it.
    const gone = ok[0]!.body;
    expect((await call(s.url, 'DELETE', `${SVCS}/${gone.metadata.name}`)).status).toBe(200);
    const again = await call(s.url, 'POST', SVCS, svc('again'));
    expect(again.status).toBe(201);
    expect(again.body.spec.clusterIP).toBe(gone.spec.clusterIP);
  });

  it('requested IPs: in range and free is granted, taken or outside is 422, None is headless; delete releases', async () => {
    const s = await server();
    const a = await call(s.url, 'POST', SVCS, svc('a', { clusterIP: '10.96.5.5' }));
    expect(a.status).toBe(201);
    expect(a.body.spec.clusterIPs).toEqual(['10.96.5.5']);
    const taken = await call(s.url, 'POST', SVCS, svc('b', { clusterIP: '10.96.5.5' }));
    expect(taken.status).toBe(422);
    expect(taken.body.details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: 'Invalid value: ["10.96.5.5"]: failed to allocate IP 10.96.5.5: provided IP is already allocated' }]);
    const kubeIP = await call(s.url, 'POST', SVCS, svc('c', { clusterIP: '10.96.0.1' }));
    expect(kubeIP.status).toBe(422);
    const outside = await call(s.url, 'POST', SVCS, svc('d', { clusterIP: '10.200.0.1' }));
    expect(outside.status).toBe(422);
    expect(outside.body.message).toContain('the provided IP (10.200.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12');
    const headless = await call(s.url, 'POST', SVCS, svc('h', { clusterIP: 'None' }));
    expect(headless.status).toBe(201);
    expect(headless.body.spec.clusterIPs).toEqual(['None']);
    expect((await claimKeys(s, SERVICE_IP_PREFIX)).sort()).toEqual(['10.96.0.1', '10.96.5.5']);
    // Immutable, and kept when an update leaves it out (a replace of the original manifest).
    const cur = (await call(s.url, 'GET', `${SVCS}/a`)).body;
    const moved = await call(s.url, 'PUT', `${SVCS}/a`, { ...cur, spec: { ...cur.spec, clusterIP: '10.96.5.6', clusterIPs: ['10.96.5.6'] } });
    expect(moved.status).toBe(422);
    expect(moved.body.message).toContain('spec.clusterIP: Invalid value: "10.96.5.6": field is immutable');
    const patched = await call(s.url, 'PATCH', `${SVCS}/a`, { spec: { clusterIP: '10.96.5.7' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(patched.status).toBe(422);
    expect(patched.body.details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.clusterIP', message: 'Invalid value: "10.96.5.7": field is immutable' }]);
    const { clusterIP: _ip, clusterIPs: _ips, ...rest } = cur.spec;
    const replaced = await call(s.url, 'PUT', `${SVCS}/a`, { ...cur, spec: { ...rest, ports: [{ port: 8080 }] } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.spec.clusterIP).toBe('10.96.5.5');
    expect((await call(s.url, 'DELETE', `${SVCS}/a`)).status).toBe(200);
    expect(await claimKeys(s, SERVICE_IP_PREFIX)).toEqual(['10.96.0.1']);
    expect((await call(s.url, 'POST', SVCS, svc('b', { clusterIP: '10.96.5.5' }))).status).toBe(201);
  });

  it('invalid specs are 422 Invalid with every field: port range, duplicate names, bad targetPort name, nodePort out of range', async () => {
    const s = await server();
    const bad = await call(s.url, 'POST', SVCS, svc('bad', {
      type: 'NodePort',
      ports: [
        { name: 'a', port: 0 },
        { name: 'a', port: 81, targetPort: 'Bad_Name' },
        { name: 'c', port: 82, nodePort: 70000 },
      ],
    }));
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe('Invalid');
    expect(bad.body.details).toMatchObject({ name: 'bad', kind: 'Service' });
    expect(bad.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.ports[0].port', message: 'Invalid value: 0: must be between 1 and 65535, inclusive' },
      // The targetPort defaults to the port, so it is 0 too (kube-apiserver says both).
      { reason: 'FieldValueInvalid', field: 'spec.ports[0].targetPort', message: 'Invalid value: 0: must be between 1 and 65535, inclusive' },
      { reason: 'FieldValueDuplicate', field: 'spec.ports[1].name', message: 'Duplicate value: "a"' },
      { reason: 'FieldValueInvalid', field: 'spec.ports[1].targetPort', message: 'Invalid value: "Bad_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)' },
      { reason: 'FieldValueInvalid', field: 'spec.ports[2].nodePort', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' },
    ]);
    const outside = await call(s.url, 'POST', SVCS, svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 29999 }] }));
    expect(outside.status).toBe(422);
    expect(outside.body.details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.ports[0].nodePort', message: 'Invalid value: 29999: provided port is not in the valid range. The range of valid ports is 30000-32767' }]);
  });

  it('node ports: allocated in range for NodePort, requested ones checked, released when the type drops them', async () => {
    const s = await server({ serviceNodePortRange: '31000-31009' });
    const np = await call(s.url, 'POST', SVCS, svc('np', { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 443, nodePort: 31005 }] }));
    expect(np.status).toBe(201);
    const [p0, p1] = np.body.spec.ports;
    expect(p0.nodePort).toBeGreaterThanOrEqual(31000);
    expect(p0.nodePort).toBeLessThanOrEqual(31009);
    expect(p0.nodePort).not.toBe(31005);
    expect(p1.nodePort).toBe(31005);
    const clash = await call(s.url, 'POST', SVCS, svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 31005 }] }));
    expect(clash.status).toBe(422);
    expect(clash.body.message).toContain('spec.ports[0].nodePort: Invalid value: 31005: provided port is already allocated');
    const outside = await call(s.url, 'POST', SVCS, svc('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] }));
    expect(outside.status).toBe(422);
    expect(outside.body.message).toContain('provided port is not in the valid range. The range of valid ports is 31000-31009');
    expect((await claimKeys(s, NODE_PORT_PREFIX)).sort()).toEqual([String(p0.nodePort), '31005'].sort());
    // NodePort → ClusterIP: the node ports go (released in the same write), the IP stays.
    const patched = await call(s.url, 'PATCH', `${SVCS}/np`, { spec: { type: 'ClusterIP', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 443 }] } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    expect(patched.body.spec.ports.map((p: any) => p.nodePort)).toEqual([undefined, undefined]);
    expect(patched.body.spec.clusterIP).toBe(np.body.spec.clusterIP);
    // …and the externalTrafficPolicy it no longer needs (dropTypeDependentFields).
    expect(np.body.spec.externalTrafficPolicy).toBe('Cluster');
    expect(patched.body.spec.externalTrafficPolicy).toBeUndefined();
    const local = await call(s.url, 'PATCH', `${SVCS}/np`, { spec: { externalTrafficPolicy: 'Local' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(local.status).toBe(422);
    expect(local.body.details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.externalTrafficPolicy', message: 'Invalid value: "Local": may only be set for externally-accessible services' }]);
    expect(await claimKeys(s, NODE_PORT_PREFIX)).toEqual([]);
    // And back: new node ports are allocated by the update.
    const back = await call(s.url, 'PATCH', `${SVCS}/np`, { spec: { type: 'NodePort' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(back.status).toBe(200);
    expect(back.body.spec.ports.every((p: any) => p.nodePort >= 31000 && p.nodePort <= 31009)).toBe(true);
    expect(await claimKeys(s, NODE_PORT_PREFIX)).toHaveLength(2);
  });

  it('server-side apply owns ports by port+protocol: the UDP and TCP ports of one number are separate elements', async () => {
    const s = await server();
    const apply = (ports: unknown[]) => call(s.url, 'PATCH', `${SVCS}/dns?fieldManager=me`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns' }, spec: { selector: { app: 'dns' }, ports } }, { 'Content-Type': 'application/apply-patch+yaml' });
    const both = await apply([{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }]);
    expect(both.status).toBe(201);
    const fields = both.body.metadata.managedFields[0].fieldsV1['f:spec']['f:ports'];
    expect(Object.keys(fields).sort()).toEqual(['k:{"port":53,"protocol":"TCP"}', 'k:{"port":53,"protocol":"UDP"}']);
    // Dropping the UDP port removes exactly it; the TCP one takes the new targetPort.
    const tcp = await apply([{ name: 'dns-tcp', port: 53, targetPort: 5353 }]);
    expect(tcp.status).toBe(200);
    expect(tcp.body.spec.ports).toEqual([{ name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 5353 }]);
    // A strategic merge patch naming protocol UDP adds a UDP port beside the TCP one.
    const smp = await call(s.url, 'PATCH', `${SVCS}/dns`, { spec: { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expect(smp.status).toBe(200);
    expect(smp.body.spec.ports.map((p: any) => `${p.name}:${p.port}/${p.protocol}`).sort()).toEqual(['dns-tcp:53/TCP', 'dns:53/UDP']);
  });

  it('allocations survive a restart: the claims are in the store with the services', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-svc-'));
    dirs.push(dir);
    const range = '10.2.0.0/28'; // .2–.14 free: 13 IPs
    let s = await server({ storage: await openEmbeddedStorage({ dataDir: dir }), serviceClusterIPRange: range });
    const first = await Promise.all(Array.from({ length: 6 }, (_, i) => call(s.url, 'POST', SVCS, svc(`r${i}`))));
    await call(s.url, 'DELETE', `${SVCS}/r0`);
    servers.splice(servers.indexOf(s), 1);
    await s.close();
    s = await server({ storage: await openEmbeddedStorage({ dataDir: dir }), serviceClusterIPRange: range });
    const second = await Promise.all(Array.from({ length: 8 }, (_, i) => call(s.url, 'POST', SVCS, svc(`q${i}`))));
    expect(second.map((r) => r.status)).toEqual(Array(8).fill(201));
    const live = [...first.slice(1), ...second].map((r) => r.body.spec.clusterIP);
    expect(new Set(live).size).toBe(13);
    expect((await call(s.url, 'POST', SVCS, svc('full'))).status).toBe(422);
    expect((await call(s.url, 'GET', `${SVCS}/kubernetes`)).body.spec.ports[0].targetPort).toBe(Number(new URL(s.url).port));
  });
});

const etcd = findEtcd();
describe.skipIf(!etcd.bin)('Services on two API servers over one etcd', () => {
  let etcdServer: EtcdServer | undefined;
  afterEach(async () => {
    // The API servers first (the outer hook runs after this one), then their etcd.
    for (const s of servers.splice(0)) await s.close();
    await etcdServer?.destroy();
    etcdServer = undefined;
  });
  it('concurrent creates through both servers never share a cluster IP (the etcd transaction decides)', async () => {
    etcdServer = await EtcdServer.start(etcd.bin!);
    const range = '10.3.0.0/27'; // .2–.30 free: 29 IPs
    const a = await server({ storage: await openEtcdStorage({ endpoints: [etcdServer.url] }), serviceClusterIPRange: range });
    const b = await server({ storage: await openEtcdStorage({ endpoints: [etcdServer.url] }), serviceClusterIPRange: range });
    const rs = await Promise.all(Array.from({ length: 32 }, (_, i) => call(i % 2 ? a.url : b.url, 'POST', SVCS, svc(`e${i}`))));
    const ok = rs.filter((r) => r.status === 201).map((r) => r.body.spec.clusterIP);
    expect(ok).toHaveLength(29);
    expect(new Set(ok).size).toBe(29);
    expect(rs.filter((r) => r.status === 422)).toHaveLength(3);
    expect((await claimKeys(a, SERVICE_IP_PREFIX)).sort()).toEqual([...ok, '10.3.0.1'].sort());
  }, 60_000);
});

describe('service table', () => {
  const info = resourceByKind('Service')!;
  it('NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, wide SELECTOR', () => {
    const t = toTable(info, [
      { metadata: { name: 'kubernetes', creationTimestamp: '2026-01-01T11:00:00Z' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ port: 443, protocol: 'TCP' }] } },
      { metadata: { name: 'np', creationTimestamp: '2026-01-01T11:59:00Z' }, spec: { type: 'NodePort', clusterIP: '10.96.3.4', selector: { b: '2', a: '1' }, ports: [{ port: 443, protocol: 'TCP', nodePort: 30080 }, { port: 53, protocol: 'UDP' }] } },
      { metadata: { name: 'lb', creationTimestamp: '2026-01-01T11:59:00Z' }, spec: { type: 'LoadBalancer', clusterIP: '10.96.3.5', ports: [{ port: 80, nodePort: 31000 }] }, status: { loadBalancer: {} } },
      { metadata: { name: 'ext', creationTimestamp: '2026-01-01T11:59:00Z' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } },
      { metadata: { name: 'h', creationTimestamp: '2026-01-01T11:59:00Z' }, spec: { type: 'ClusterIP', clusterIP: 'None' } },
    ] as any, { now: Date.parse('2026-01-01T12:00:00Z') });
    expect(t.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0], ['Type', 0], ['Cluster-IP', 0], ['External-IP', 0], ['Port(s)', 0], ['Age', 0], ['Selector', 1],
    ]);
    expect(t.rows.map((r) => r.cells)).toEqual([
      ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', '60m', '<none>'],
      ['np', 'NodePort', '10.96.3.4', '<none>', '443:30080/TCP,53/UDP', '60s', 'a=1,b=2'],
      ['lb', 'LoadBalancer', '10.96.3.5', '<pending>', '80:31000/TCP', '60s', '<none>'],
      ['ext', 'ExternalName', '<none>', 'db.example.com', '<none>', '60s', '<none>'],
      ['h', 'ClusterIP', 'None', '<none>', '<none>', '60s', '<none>'],
    ]);
  });
});

describe.skipIf(!etcd.bin)('the kubernetes Service with several API servers on one etcd', () => {
  let etcdServer: EtcdServer | undefined;
  afterEach(async () => {
    await etcdServer?.destroy();
    etcdServer = undefined;
  });

  it('two API servers booting at once both come up, with one kubernetes Service', async () => {
    // Both read "not found" and both create; the loser's cluster-IP claim fails before the
    // AlreadyExists check, and its bootstrap must carry on with the winner's Service.
    for (let round = 0; round < 5; round++) {
      etcdServer = await EtcdServer.start(etcd.bin!);
      const stores = [await openEtcdStorage({ endpoints: [etcdServer.url] }), await openEtcdStorage({ endpoints: [etcdServer.url] })];
      const apis = stores.map((storage) => createApiServer({ compactionIntervalMs: 0, storage }));
      try {
        await Promise.all(apis.map((a) => a.listen(0, '127.0.0.1')));
        const keys = (await stores[0]!.range('/registry/services/')).kvs.map((kv) => kv.key);
        expect(keys).toEqual(['/registry/services/default/kubernetes']);
      } finally {
        await Promise.allSettled(apis.map((a) => a.close()));
        await Promise.allSettled(stores.map((s) => s.close()));
        await etcdServer.destroy();
        etcdServer = undefined;
      }
    }
  });
});
