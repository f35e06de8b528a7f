// The cluster zone, as CoreDNS's kubernetes plugin answers it: given the Services and
// EndpointSlices a cache holds and one question, the answer (rcode, answer records, the
// zone's SOA in authority when there is no data). Pure: no I/O, no clock — the serial comes in.
//
// Names the zone answers (zone = --cluster-domain, default cluster.local):
//   SVC.NS.svc.ZONE                 A/AAAA: a ClusterIP Service's cluster IPs; a headless
//                                   Service's ready endpoint IPs; ExternalName: a CNAME
//   _PORT._PROTO.SVC.NS.svc.ZONE    SRV for a named port (ClusterIP: the Service's port on its
//                                   own name; headless: each ready endpoint's port on its name)
//   SVC.NS.svc.ZONE SRV             every named port's SRV
//   EP.SVC.NS.svc.ZONE              A of one endpoint, EP = its hostname (StatefulSet pods with a
//                                   governing Service) or its IP with dashes (10-1-2-3)
//   A-B-C-D.NS.pod.ZONE             A A.B.C.D (CoreDNS's "pods insecure": the IP is not checked)
//   ns.dns.ZONE                     A of the kube-dns Service (the zone's name server)
//   ZONE SOA / NS                   the zone's SOA / NS
// Partial names (`svc`, `svc.ns`) are not in the zone: the pod's resolver expands them with its
// search list (NS.svc.ZONE svc.ZONE ZONE), as with CoreDNS, which forwards them upstream.
// A name that exists but has no record of the asked type gets NOERROR with no answers and the
// SOA (NODATA); a name that does not exist gets NXDOMAIN with the SOA; both let resolvers
// cache the negative answer for the SOA's minimum (the record TTL, 5 s).
import type { Answer, Question, SrvAnswer } from 'dns-packet';
import type { Service } from '../api/core/index.js';
import type { EndpointSlice, Endpoint } from '../api/discovery/index.js';

/** What the zone reads: the record cache (records.ts) in the process, plain maps in tests. */
export interface ZoneData {
  service(namespace: string, name: string): Service | undefined;
  /** Every EndpointSlice labelled kubernetes.io/service-name=name in the namespace. */
  slices(namespace: string, name: string): EndpointSlice[];
  /** Whether the namespace holds any Service (ns.svc.ZONE then exists, with no data). */
  hasServices(namespace: string): boolean;
}

export interface ZoneConfig {
  /** The cluster domain without a trailing dot, lower case (cluster.local). */
  domain: string;
  /** TTL of every record and the SOA minimum (CoreDNS's default 5 s). */
  ttl: number;
  /** The SOA serial: when the cache last changed, in seconds. */
  serial: number;
}

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'FORMERR' | 'NOTIMP';

export interface ZoneAnswer {
  rcode: Rcode;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** CoreDNS's kubernetes plugin default TTL. */
export const DEFAULT_TTL = 5;

/** Lower case, no trailing dot: the form names are compared in. */
export function canonicalName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

export function inZone(name: string, domain: string): boolean {
  const n = canonicalName(name);
  return n === domain || n.endsWith('.' + domain);
}

export function soaRecord(cfg: ZoneConfig): Answer {
  return {
    name: cfg.domain, type: 'SOA', class: 'IN', ttl: cfg.ttl,
    data: { mname: `ns.dns.${cfg.domain}`, rname: `hostmaster.${cfg.domain}`, serial: cfg.serial >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: cfg.ttl },
  };
}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);
const DASHED_IPV4 = /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$/;

/** The answer for one question whose name is in the zone (inZone). */
export function answerQuestion(q: Question, data: ZoneData, cfg: ZoneConfig): ZoneAnswer {
  const name = canonicalName(q.name);
  const soa = soaRecord(cfg);
  const nodata = (): ZoneAnswer => ({ rcode: 'NOERROR', answers: [], authorities: [soa], additionals: [] });
  const nxdomain = (): ZoneAnswer => ({ rcode: 'NXDOMAIN', answers: [], authorities: [soa], additionals: [] });
  const found = (answers: Answer[], additionals: Answer[] = []): ZoneAnswer =>
    answers.length ? { rcode: 'NOERROR', answers, authorities: [], additionals } : nodata();
  if (q.class !== undefined && q.class !== 'IN') return { rcode: 'REFUSED', answers: [], authorities: [], additionals: [] };
  if (!inZone(name, cfg.domain)) return { rcode: 'REFUSED', answers: [], authorities: [], additionals: [] };

  const labels = name === cfg.domain ? [] : name.slice(0, -(cfg.domain.length + 1)).split('.');
  const rr = (type: 'A' | 'AAAA' | 'CNAME' | 'NS', owner: string, value: string): Answer => ({ name: owner, type, class: 'IN', ttl: cfg.ttl, data: value });

  if (labels.length === 0) {
    if (q.type === 'SOA') return found([soa]);
    if (q.type === 'NS') return found([rr('NS', cfg.domain, `ns.dns.${cfg.domain}`)], nameServerAddresses(data, cfg));
    return nodata();
  }
  const kind = labels[labels.length - 1];
  if (kind === 'dns') {
    if (labels.length === 1) return nodata();
    if (labels.length === 2 && labels[0] === 'ns') {
      const addrs = nameServerAddresses(data, cfg);
      return addrs.length ? found(addrs.filter((a) => a.type === q.type)) : nxdomain();
    }
    return nxdomain();
  }
  if (kind === 'pod') {
    if (labels.length === 1) return nodata();
    if (labels.length === 2) return nodata(); // NS.pod.ZONE: an empty non-terminal
    if (labels.length !== 3) return nxdomain();
    const ip = dashedIPv4(labels[0]!);
    if (!ip) return nxdomain();
    return q.type === 'A' ? found([rr('A', name, ip)]) : nodata();
  }
  if (kind !== 'svc') return nxdomain();
  if (labels.length === 1) return nodata();
  if (labels.length === 2) return data.hasServices(labels[0]!) ? nodata() : nxdomain();

  // labels: [...prefix, svcName, ns, 'svc']
  const ns = labels[labels.length - 2]!;
  const svcName = labels[labels.length - 3]!;
  const prefix = labels.slice(0, -3);
  const svc = data.service(ns, svcName);
  if (!svc) return nxdomain();
  const svcFqdn = `${svcName}.${ns}.svc.${cfg.domain}`;
  const spec = svc.spec ?? {};

  if (spec.type === 'ExternalName') {
    if (prefix.length) return nxdomain();
    const target = canonicalName(spec.externalName ?? '');
    if (!target) return nxdomain();
    return found([rr('CNAME', name, target)]);
  }
  const headless = spec.clusterIP === 'None';
  const endpoints = readyEndpoints(data.slices(ns, svcName));

  if (prefix.length === 0) {
    if (q.type === 'SRV') return found(...srvRecords(svc, endpoints, headless, name, svcFqdn, undefined, cfg));
    if (headless) {
      if (endpoints.length === 0) return nxdomain();
      return found(addressRecords(endpoints.map((e) => e.address), q.type, name, cfg));
    }
    const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
    return found(addressRecords(ips, q.type, name, cfg));
  }
  if (prefix.length === 1) {
    const ep = endpoints.filter((e) => e.name === prefix[0]);
    if (ep.length === 0) return nxdomain();
    return found(addressRecords(ep.map((e) => e.address), q.type, name, cfg));
  }
  if (prefix.length === 2 && prefix[0]!.startsWith('_') && prefix[1]!.startsWith('_')) {
    const port = prefix[0]!.slice(1);
    const proto = prefix[1]!.slice(1);
    if (!PROTOCOLS.has(proto)) return nxdomain();
    const [answers, additionals] = srvRecords(svc, endpoints, headless, name, svcFqdn, { port, proto }, cfg);
    if (answers.length === 0) return nxdomain();
    return q.type === 'SRV' ? found(answers, additionals) : nodata();
  }
  return nxdomain();
}

/** One ready endpoint address with its DNS name: its hostname, else its IP with dashes. */
interface ReadyEndpoint {
  name: string;
  address: string;
  /** Port name → port number, from the endpoint's slice. */
  ports: { name: string; protocol: string; port: number }[];
}

/**
 * Ready, not terminating, addresses from every slice, each address once. A slice written for
 * publishNotReadyAddresses already says ready=true; ready unset means ready (the API's rule).
 */
export function readyEndpoints(slices: EndpointSlice[]): ReadyEndpoint[] {
  const out: ReadyEndpoint[] = [];
  const seen = new Set<string>();
  for (const s of slices) {
    if (s.addressType !== 'IPv4' && s.addressType !== 'IPv6') continue;
    const ports = (s.ports ?? []).filter((p) => typeof p.port === 'number').map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port! }));
    for (const e of s.endpoints ?? []) {
      if (!isReady(e)) continue;
      for (const address of e.addresses) {
        if (seen.has(address)) continue;
        seen.add(address);
        out.push({ name: (e.hostname || address.replace(/[.:]/g, '-')).toLowerCase(), address, ports });
      }
    }
  }
  return out;
}

function isReady(e: Endpoint): boolean {
  return e.conditions?.ready !== false && e.conditions?.terminating !== true;
}

function addressRecords(ips: string[], qtype: string, owner: string, cfg: ZoneConfig): Answer[] {
  const want = qtype === 'A' ? 'A' : qtype === 'AAAA' ? 'AAAA' : undefined;
  if (!want) return [];
  return ips
    .filter((ip) => (want === 'A' ? !ip.includes(':') : ip.includes(':')))
    .map((ip) => ({ name: owner, type: want, class: 'IN' as const, ttl: cfg.ttl, data: ip }));
}

/**
 * SRV records (and their targets' addresses as additionals) for the Service's named ports,
 * or only the one named `only`. ClusterIP: target the Service's name, port the Service port.
 * Headless: one per ready endpoint with that port, target the endpoint's name, port the
 * endpoint's. Weights split 100 among the records, as CoreDNS does.
 */
function srvRecords(svc: Service, endpoints: ReadyEndpoint[], headless: boolean, owner: string, svcFqdn: string, only: { port: string; proto: string } | undefined, cfg: ZoneConfig): [Answer[], Answer[]] {
  const matches = (name: string, proto: string) => name !== '' && (!only || (name === only.port && proto === only.proto));
  const srv: { target: string; port: number }[] = [];
  const extra: Answer[] = [];
  if (headless) {
    for (const e of endpoints) {
      const target = `${e.name}.${svcFqdn}`;
      let used = false;
      for (const p of e.ports) {
        if (!matches(p.name, p.protocol)) continue;
        srv.push({ target, port: p.port });
        used = true;
      }
      if (used) extra.push(...addressRecords([e.address], e.address.includes(':') ? 'AAAA' : 'A', target, cfg));
    }
  } else {
    for (const p of svc.spec?.ports ?? []) {
      if (!matches((p.name ?? '').toLowerCase(), (p.protocol ?? 'TCP').toLowerCase())) continue;
      srv.push({ target: svcFqdn, port: p.port });
    }
    if (srv.length) {
      const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
      extra.push(...addressRecords(ips, 'A', svcFqdn, cfg), ...addressRecords(ips, 'AAAA', svcFqdn, cfg));
    }
  }
  const weight = srv.length ? Math.max(1, Math.floor(100 / srv.length)) : 0;
  const answers: SrvAnswer[] = srv.map((s) => ({ name: owner, type: 'SRV', class: 'IN', ttl: cfg.ttl, data: { priority: 0, weight, port: s.port, target: s.target } }));
  return [answers, extra];
}

/** ns.dns.ZONE: the kube-dns Service's cluster IPs, if it is registered. */
function nameServerAddresses(data: ZoneData, cfg: ZoneConfig): Answer[] {
  const svc = data.service('kube-system', 'kube-dns');
  const ips = svc?.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc?.spec?.clusterIP && svc.spec.clusterIP !== 'None' ? [svc.spec.clusterIP] : [];
  const owner = `ns.dns.${cfg.domain}`;
  return [...addressRecords(ips, 'A', owner, cfg), ...addressRecords(ips, 'AAAA', owner, cfg)];
}

function dashedIPv4(label: string): string | undefined {
  const m = DASHED_IPV4.exec(label);
  if (!m) return undefined;
  const parts = m.slice(1, 5).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.join('.');
}
