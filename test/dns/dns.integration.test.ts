// `skiff dns` as a real process (dist/) against a real API server, running as the user
// system:kube-dns with only its bootstrap role: it registers kube-system/kube-dns, answers
// cluster names over UDP and TCP from Services and EndpointSlices created through the API
// (and follows their changes), forwards other names to an upstream this test runs (through its
// cache), answers garbage with SERVFAIL and keeps going, and removes its slice on SIGTERM.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dnsPacket from 'dns-packet';
import type { Service } from '../../api/core/index.js';
import type { EndpointSlice } from '../../api/discovery/index.js';
import { isStatusError } from '../../api/errors.js';
import { RestClient } from '../../client/index.js';
import { encodeQuery, exchangeTcp, exchangeUdp } from '../../dns/transport.js';
import { issueCertificate, loadCertificateAuthority } from '../../pki/index.js';
import { SkiffProcesses, requireDist, waitWhileRunning, type SkiffProcess } from '../support/processes.js';
import { TempDirs } from '../support/temp.js';
import { testPki } from '../support/tls.js';
import { service, slice } from './fixtures.js';
import { startUpstream } from './upstream.js';

type Reply = dnsPacket.DecodedPacket & { rcode: string };

describe('skiff dns (process) against a real API server', () => {
  const procs = new SkiffProcesses();
  const temp = new TempDirs();
  let client: RestClient;
  let dns: SkiffProcess;
  let port = 0;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const server = () => ({ host: '127.0.0.1', port });
  const udp = async (name: string, type: dnsPacket.RecordType = 'A', id = 1000) => dnsPacket.decode(await exchangeUdp(server(), encodeQuery(name, type, id))) as Reply;
  const tcp = async (name: string, type: dnsPacket.RecordType = 'A', id = 2000) => dnsPacket.decode(await exchangeTcp(server(), encodeQuery(name, type, id))) as Reply;
  const ips = (r: Reply) => (r.answers ?? []).filter((a) => a.type === 'A').map((a) => (a as { data: string }).data).sort();
  const poll = <T>(what: string, fn: () => Promise<T | undefined | false>) => waitWhileRunning(fn, 60_000, () => what, dns);

  beforeAll(async () => {
    requireDist();
    const { url } = await procs.apiserver(temp.make('skiff-dns-api-'));
    client = new RestClient({ server: url, credentials: testPki().credentials, userAgent: 'dns-test' });
    upstream = await startUpstream();
    // The DNS server's own identity, with nothing but the bootstrap role system:kube-dns.
    const pki = testPki();
    const ca = await loadCertificateAuthority({ cert: pki.caFile, key: pki.caFile.replace(/\.crt$/, '.key') });
    const cert = await issueCertificate(ca, { subject: { commonName: 'system:kube-dns' }, usages: ['digital signature', 'client auth'] });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const kubeconfig = path.join(temp.make('skiff-dns-kc-'), 'dns.kubeconfig');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: dns',
      'clusters:', '- name: c', '  cluster:', `    server: ${url}`, `    certificate-authority-data: ${b64(pki.caPem)}`,
      'contexts:', '- name: dns', '  context: { cluster: c, user: dns }',
      'users:', '- name: dns', '  user:', `    client-certificate-data: ${b64(cert.certPem)}`, `    client-key-data: ${b64(cert.keyPem)}`, '',
    ].join('\n'), { mode: 0o600 });
    const started = await procs.startReady(
      ['dns', '--kubeconfig', kubeconfig, '--port', '0', '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--upstream', `127.0.0.1:${upstream.port}`, '--identity', 'test-node'],
      /registered in kube-system\/kube-dns as 127\.0\.0\.1:(\d+)/,
    );
    dns = started.proc;
    port = Number(started.match[1]);
  });

  afterAll(async () => {
    client?.close();
    await procs.stopAll();
    upstream?.close();
    temp.removeAll();
  });

  it('registers the kube-dns Service at 10.96.0.10 and its own EndpointSlice with the real port', async () => {
    const svc = await client.resource<Service>('Service').get('kube-dns', 'kube-system');
    expect(svc.metadata.labels).toMatchObject({ 'k8s-app': 'kube-dns' });
    expect(svc.spec).toMatchObject({ clusterIP: '10.96.0.10', ports: [
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: port },
      { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: port },
    ] });
    const slices = await client.resource<EndpointSlice>('EndpointSlice').list({ namespace: 'kube-system', labelSelector: 'kubernetes.io/service-name=kube-dns' });
    expect(slices.items).toHaveLength(1);
    const s = slices.items[0]!;
    expect(s.metadata.labels).toMatchObject({ 'endpointslice.kubernetes.io/managed-by': 'skiff-dns' });
    expect(s.endpoints).toEqual([{ addresses: ['127.0.0.1'], conditions: { ready: true, serving: true, terminating: false } }]);
    expect(s.ports?.map((p) => `${p.name}/${p.protocol}:${p.port}`)).toEqual([`dns/UDP:${port}`, `dns-tcp/TCP:${port}`]);
    // and it answers for itself
    expect(ips(await poll('kube-dns in the zone', async () => {
      const r = await udp('kube-dns.kube-system.svc.cluster.local');
      return r.answers?.length ? r : undefined;
    }))).toEqual(['10.96.0.10']);
  });

  it('answers a Service created through the API over UDP and TCP, and NXDOMAIN with the SOA for an unknown one', async () => {
    const created = await client.resource<Service>('Service').create(service('default', 'web', { ports: [{ name: 'http', port: 80 }] }));
    const ip = created.spec!.clusterIP!;
    const r = await poll('web resolves over UDP', async () => {
      const x = await udp('web.default.svc.cluster.local', 'A', 4321);
      return x.rcode === 'NOERROR' && x.answers?.length ? x : undefined;
    });
    expect(r).toMatchObject({ id: 4321, flag_aa: true });
    expect(ips(r)).toEqual([ip]);
    expect(ips(await tcp('web.default.svc.cluster.local'))).toEqual([ip]);
    const srv = await tcp('_http._tcp.web.default.svc.cluster.local', 'SRV');
    expect(srv.answers?.[0]).toMatchObject({ type: 'SRV', data: { port: 80, target: 'web.default.svc.cluster.local' } });
    const nx = await udp('nothing.default.svc.cluster.local');
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.authorities?.[0]).toMatchObject({ type: 'SOA', name: 'cluster.local' });
  });

  it('follows a headless Service\'s EndpointSlice as endpoints appear and become ready', async () => {
    await client.resource<Service>('Service').create(service('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }));
    const slices = client.resource<EndpointSlice>('EndpointSlice');
    await slices.create(slice('default', 'db', 'db-manual', [{ ip: '10.244.9.1', hostname: 'db-0' }, { ip: '10.244.9.2', hostname: 'db-1', ready: false }], [{ name: 'pg', port: 5432 }]));
    expect(ips(await poll('db-0 only', async () => {
      const x = await udp('db.default.svc.cluster.local');
      return x.answers?.length ? x : undefined;
    }))).toEqual(['10.244.9.1']);
    const stored = await slices.get('db-manual', 'default');
    await slices.update({ ...stored, endpoints: [
      ...stored.endpoints!.slice(0, 1),
      { addresses: ['10.244.9.2'], hostname: 'db-1', conditions: { ready: true } },
      { addresses: ['10.244.9.3'], hostname: 'db-2', conditions: { ready: true } },
    ] });
    await poll('all three db endpoints', async () => ips(await udp('db.default.svc.cluster.local')).join() === '10.244.9.1,10.244.9.2,10.244.9.3');
    expect(ips(await tcp('db-2.db.default.svc.cluster.local'))).toEqual(['10.244.9.3']);
  });

  it('forwards names outside the zone to its upstream and answers the repeat from its cache', async () => {
    const first = await udp('example.test', 'A', 11);
    expect(first).toMatchObject({ id: 11, rcode: 'NOERROR', flag_aa: false });
    expect(ips(first)).toEqual(['192.0.2.7']);
    const second = await udp('example.test', 'A', 12);
    expect(ips(second)).toEqual(['192.0.2.7']);
    expect((second.answers![0] as { ttl: number }).ttl).toBeLessThanOrEqual(60);
    expect(upstream.asked.get('example.test')).toBe(1);
    // a negative answer is cached too (for the SOA minimum)
    expect((await tcp('missing.test')).rcode).toBe('NXDOMAIN');
    expect((await udp('missing.test')).rcode).toBe('NXDOMAIN');
    expect(upstream.asked.get('missing.test')).toBe(1);
  });

  it('answers garbage with SERVFAIL over UDP and TCP and goes on answering', async () => {
    const garbage = Buffer.concat([Buffer.from([0xbe, 0xef, 0x01, 0x00, 0x00, 0x01]), Buffer.alloc(6), Buffer.from('\xff\xff\xff\xff not dns', 'latin1')]);
    const r = dnsPacket.decode(await exchangeUdp(server(), garbage)) as Reply;
    expect(r).toMatchObject({ id: 0xbeef, rcode: 'SERVFAIL', type: 'response' });
    const t = dnsPacket.decode(await exchangeTcp(server(), garbage)) as Reply;
    expect(t).toMatchObject({ id: 0xbeef, rcode: 'SERVFAIL' });
    expect(dns.running()).toBe(true);
    expect((await udp('web.default.svc.cluster.local')).rcode).toBe('NOERROR');
  });

  it('refuses bad flags with a message and exit code 2', async () => {
    for (const [args, msg] of [
      [['--port', 'x'], '--port must be a port number'],
      [['--service-ip', '10.96.0'], '--service-ip must be an IPv4 address'],
      [['--cluster-domain', 'bad_domain'], '--cluster-domain must be a DNS name'],
      [['--bind-address', 'localhost'], '--bind-address must be an IP address'],
    ] as const) {
      const p = procs.start(['dns', '--server', 'https://127.0.0.1:1', ...args]);
      expect(await p.exited).toBe(2);
      expect(p.output()).toContain(msg);
    }
  });

  it('removes its EndpointSlice on SIGTERM and exits 0, leaving the Service', async () => {
    const code = await procs.stop(dns);
    expect(code).toBe(0);
    const slices = await client.resource<EndpointSlice>('EndpointSlice').list({ namespace: 'kube-system', labelSelector: 'kubernetes.io/service-name=kube-dns' });
    expect(slices.items).toEqual([]);
    await expect(client.resource<Service>('Service').get('kube-dns', 'kube-system')).resolves.toMatchObject({ spec: { clusterIP: '10.96.0.10' } });
    expect(await client.resource<EndpointSlice>('EndpointSlice').get('kube-dns-test-node', 'kube-system').catch((e) => isStatusError(e, 'NotFound'))).toBe(true);
  });
});
