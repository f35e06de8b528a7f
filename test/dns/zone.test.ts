// The cluster zone's answers, from plain Services and EndpointSlices: no sockets, no API server.
import { describe, expect, it } from 'vitest';
import type { Answer, RecordType } from 'dns-packet';
import { answerQuestion, inZone, type ZoneConfig } from '../../dns/zone.js';
import { service, slice, zoneData } from './fixtures.js';

const cfg: ZoneConfig = { domain: 'cluster.local', ttl: 5, serial: 1733400000 };

const data = zoneData(
  [
    service('default', 'web', { type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }, { port: 7000, protocol: 'UDP' }] }),
    service('default', 'nginx', { type: 'ClusterIP', clusterIP: 'None', ports: [{ name: 'web', port: 80 }] }),
    service('default', 'empty', { type: 'ClusterIP', clusterIP: 'None' }),
    service('default', 'ext', { type: 'ExternalName', externalName: 'db.example.com' }),
    service('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }),
    service('kube-system', 'kube-dns', { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
  ],
  [
    slice('default', 'nginx', 'nginx-a', [
      { ip: '10.244.0.5', hostname: 'web-0' },
      { ip: '10.244.0.6', hostname: 'web-1' },
      { ip: '10.244.0.7', ready: false },
      { ip: '10.244.0.8', ready: false, terminating: true },
      { ip: '10.244.0.9' },
    ], [{ name: 'web', port: 8080 }]),
    // the same address in a second slice (during a rewrite) is answered once
    slice('default', 'nginx', 'nginx-b', [{ ip: '10.244.0.9' }], [{ name: 'web', port: 8080 }]),
    slice('default', 'empty', 'empty-a', [{ ip: '10.244.1.1', ready: false }]),
    slice('default', 'web', 'web-a', [{ ip: '10.244.2.1' }], [{ name: 'http', port: 8080 }]),
  ],
);

const ask = (name: string, type: RecordType = 'A') => answerQuestion({ name, type, class: 'IN' }, data, cfg);
const datas = (rrs: Answer[]) => rrs.map((a) => (a as { data: unknown }).data);

describe('cluster zone answers', () => {
  it('answers a ClusterIP Service with its cluster IP, by FQDN, with or without the root dot, in any case', () => {
    for (const name of ['web.default.svc.cluster.local', 'web.default.svc.cluster.local.', 'WEB.Default.SVC.cluster.LOCAL']) {
      const a = ask(name);
      expect(a.rcode).toBe('NOERROR');
      expect(a.answers).toEqual([{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN', ttl: 5, data: '10.96.0.20' }]);
      expect(a.authorities).toEqual([]);
    }
  });

  it('answers AAAA for an IPv4-only Service with no data and the SOA (NODATA), not NXDOMAIN', () => {
    const a = ask('web.default.svc.cluster.local', 'AAAA');
    expect(a.rcode).toBe('NOERROR');
    expect(a.answers).toEqual([]);
    expect(a.authorities).toEqual([{
      name: 'cluster.local', type: 'SOA', class: 'IN', ttl: 5,
      data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1733400000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
    }]);
    expect(ask('web.default.svc.cluster.local', 'TXT')).toMatchObject({ rcode: 'NOERROR', answers: [] });
  });

  it('answers NXDOMAIN with the SOA for names that do not exist in the zone', () => {
    for (const name of ['nope.default.svc.cluster.local', 'web.other.svc.cluster.local', 'x.web.default.svc.cluster.local', 'foo.cluster.local', 'a.b.c.d.e.web.default.svc.cluster.local', 'other.ns.svc.cluster.local']) {
      const a = ask(name);
      expect(a.rcode, name).toBe('NXDOMAIN');
      expect(a.answers, name).toEqual([]);
      expect(a.authorities[0]).toMatchObject({ type: 'SOA', name: 'cluster.local' });
    }
  });

  it('treats svc.ZONE and a namespace with Services as existing names with no data', () => {
    expect(ask('svc.cluster.local')).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(ask('default.svc.cluster.local')).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(ask('nothing-here.svc.cluster.local').rcode).toBe('NXDOMAIN');
  });

  it('answers a headless Service with every ready endpoint IP, leaving out not-ready and terminating ones', () => {
    const a = ask('nginx.default.svc.cluster.local');
    expect(a.rcode).toBe('NOERROR');
    expect(datas(a.answers).sort()).toEqual(['10.244.0.5', '10.244.0.6', '10.244.0.9']);
    expect(a.answers.every((r) => r.name === 'nginx.default.svc.cluster.local' && r.type === 'A')).toBe(true);
  });

  it('answers a headless Service with no ready endpoint NXDOMAIN', () => {
    expect(ask('empty.default.svc.cluster.local').rcode).toBe('NXDOMAIN');
  });

  it('answers StatefulSet-style hostname records, and dashed-IP names for endpoints without a hostname', () => {
    expect(datas(ask('web-0.nginx.default.svc.cluster.local').answers)).toEqual(['10.244.0.5']);
    expect(datas(ask('web-1.nginx.default.svc.cluster.local').answers)).toEqual(['10.244.0.6']);
    expect(datas(ask('10-244-0-9.nginx.default.svc.cluster.local').answers)).toEqual(['10.244.0.9']);
    expect(ask('10-244-0-7.nginx.default.svc.cluster.local').rcode).toBe('NXDOMAIN'); // not ready
    expect(ask('web-2.nginx.default.svc.cluster.local').rcode).toBe('NXDOMAIN');
  });

  it('answers an ExternalName Service with a CNAME to its external name', () => {
    const a = ask('ext.default.svc.cluster.local');
    expect(a.rcode).toBe('NOERROR');
    expect(a.answers).toEqual([{ name: 'ext.default.svc.cluster.local', type: 'CNAME', class: 'IN', ttl: 5, data: 'db.example.com' }]);
  });

  it('answers SRV for a named port of a ClusterIP Service: the Service name and port, its address as additional', () => {
    const a = ask('_http._tcp.web.default.svc.cluster.local', 'SRV');
    expect(a.rcode).toBe('NOERROR');
    expect(a.answers).toEqual([{ name: '_http._tcp.web.default.svc.cluster.local', type: 'SRV', class: 'IN', ttl: 5, data: { priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' } }]);
    expect(a.additionals).toEqual([{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN', ttl: 5, data: '10.96.0.20' }]);
    expect(ask('_HTTP._TCP.web.default.svc.cluster.local', 'SRV').answers).toHaveLength(1);
  });

  it('answers NXDOMAIN for an SRV name whose port or protocol does not match', () => {
    expect(ask('_http._udp.web.default.svc.cluster.local', 'SRV').rcode).toBe('NXDOMAIN');
    expect(ask('_grpc._tcp.web.default.svc.cluster.local', 'SRV').rcode).toBe('NXDOMAIN');
    expect(ask('_http._xyz.web.default.svc.cluster.local', 'SRV').rcode).toBe('NXDOMAIN');
  });

  it('answers SRV on the Service name with every named port (unnamed ports have no SRV)', () => {
    const a = ask('web.default.svc.cluster.local', 'SRV');
    expect(a.answers.map((r) => (r as { data: { port: number; weight: number } }).data)).toEqual([
      expect.objectContaining({ port: 80, weight: 50 }), expect.objectContaining({ port: 9090, weight: 50 }),
    ]);
  });

  it('answers SRV for a headless Service with one record per ready endpoint: its name and the endpoint port', () => {
    const a = ask('_web._tcp.nginx.default.svc.cluster.local', 'SRV');
    const srv = a.answers.map((r) => (r as { data: { target: string; port: number } }).data);
    expect(srv.map((s) => `${s.target}:${s.port}`).sort()).toEqual([
      '10-244-0-9.nginx.default.svc.cluster.local:8080',
      'web-0.nginx.default.svc.cluster.local:8080',
      'web-1.nginx.default.svc.cluster.local:8080',
    ]);
    expect(a.additionals.map((r) => `${r.name}=${(r as { data: string }).data}`).sort()).toEqual([
      '10-244-0-9.nginx.default.svc.cluster.local=10.244.0.9',
      'web-0.nginx.default.svc.cluster.local=10.244.0.5',
      'web-1.nginx.default.svc.cluster.local=10.244.0.6',
    ]);
  });

  it('answers pod A records from dashed IPs, and NXDOMAIN for a label that is no IPv4 address', () => {
    expect(ask('10-244-0-5.default.pod.cluster.local').answers).toEqual([{ name: '10-244-0-5.default.pod.cluster.local', type: 'A', class: 'IN', ttl: 5, data: '10.244.0.5' }]);
    expect(ask('10-244-0-5.default.pod.cluster.local', 'AAAA')).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(ask('300-1-1-1.default.pod.cluster.local').rcode).toBe('NXDOMAIN');
    expect(ask('web.default.pod.cluster.local').rcode).toBe('NXDOMAIN');
  });

  it('answers the apex SOA and NS, and ns.dns.ZONE with the kube-dns Service IP', () => {
    expect(ask('cluster.local', 'SOA').answers[0]).toMatchObject({ type: 'SOA', name: 'cluster.local' });
    const ns = ask('cluster.local', 'NS');
    expect(ns.answers).toEqual([{ name: 'cluster.local', type: 'NS', class: 'IN', ttl: 5, data: 'ns.dns.cluster.local' }]);
    expect(ns.additionals).toEqual([{ name: 'ns.dns.cluster.local', type: 'A', class: 'IN', ttl: 5, data: '10.96.0.10' }]);
    expect(datas(ask('ns.dns.cluster.local').answers)).toEqual(['10.96.0.10']);
    expect(ask('cluster.local', 'A')).toMatchObject({ rcode: 'NOERROR', answers: [] });
  });

  it('honours another cluster domain and refuses names outside it', () => {
    const other = { ...cfg, domain: 'corp.internal' };
    expect(datas(answerQuestion({ name: 'web.default.svc.corp.internal', type: 'A', class: 'IN' }, data, other).answers)).toEqual(['10.96.0.20']);
    expect(answerQuestion({ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN' }, data, other).rcode).toBe('REFUSED');
    expect(inZone('example.com', 'cluster.local')).toBe(false);
    expect(inZone('notcluster.local', 'cluster.local')).toBe(false);
    expect(inZone('a.cluster.local.', 'cluster.local')).toBe(true);
  });

  it('refuses classes other than IN', () => {
    expect(answerQuestion({ name: 'web.default.svc.cluster.local', type: 'A', class: 'CH' }, data, cfg).rcode).toBe('REFUSED');
  });
});
