// Pure: a pod's /etc/resolv.conf and /etc/hosts, as the kubelet's pkg/kubelet/network/dns and
// managedHostsFileContent make them.
//
// resolv.conf by dnsPolicy:
//   ClusterFirst (the default)    nameserver = --cluster-dns, search NS.svc.DOMAIN svc.DOMAIN
//                                 DOMAIN + the host's searches, options ndots:5. A hostNetwork
//                                 pod gets Default instead; with no --cluster-dns the kubelet
//                                 falls back to Default and says so (MissingClusterDNS).
//   ClusterFirstWithHostNet       the cluster's, even for a hostNetwork pod
//   Default                       the host's resolv.conf (the node's, not a cluster name server)
//   None                          nothing but spec.dnsConfig
// then spec.dnsConfig is merged in (nameservers and searches appended without duplicates,
// options by name with the pod's value winning), and the result cut to the resolver's limits:
// 3 nameservers, 32 search paths and 2048 characters of search line (each cut is reported).
import type { Pod } from '../api/core/index.js';

export interface DnsConfig {
  nameservers: string[];
  searches: string[];
  /** "name" or "name:value", as written on the options line. */
  options: string[];
}

export interface ClusterDnsSettings {
  /** --cluster-dns */
  clusterDNS: string[];
  /** --cluster-domain */
  clusterDomain: string;
  /** The host's resolv.conf (--resolv-conf, default /etc/resolv.conf), parsed. */
  host: DnsConfig;
}

export interface PodDnsResult {
  config: DnsConfig;
  /** Warning events for the pod: [reason, message]. */
  warnings: [string, string][];
}

export const MAX_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const CLUSTER_DEFAULT_OPTIONS = ['ndots:5'];

/** nameserver / search (or domain) / options lines of a resolv.conf; the last search or domain line wins, as glibc reads it. */
export function parseResolvConf(text: string): DnsConfig {
  const out: DnsConfig = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...fields] = line.split(/\s+/);
    if (key === 'nameserver' && fields[0]) out.nameservers.push(fields[0]);
    else if (key === 'search' || key === 'domain') out.searches = fields.map((f) => f.replace(/\.$/, '')).filter((f) => f !== '');
    else if (key === 'options') out.options.push(...fields);
  }
  return out;
}

export function formatResolvConf(c: DnsConfig): string {
  const lines: string[] = [];
  for (const n of c.nameservers) lines.push(`nameserver ${n}`);
  if (c.searches.length) lines.push(`search ${c.searches.join(' ')}`);
  if (c.options.length) lines.push(`options ${c.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

type DnsType = 'cluster' | 'host' | 'none';

function dnsType(pod: Pod): DnsType {
  switch (pod.spec.dnsPolicy ?? 'ClusterFirst') {
    case 'None': return 'none';
    case 'ClusterFirstWithHostNet': return 'cluster';
    case 'Default': return 'host';
    default: return pod.spec.hostNetwork ? 'host' : 'cluster';
  }
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Options merged by name: a later "ndots:2" replaces an earlier "ndots:5". */
function mergeOptions(base: string[], extra: { name?: string; value?: string }[]): string[] {
  const byName = new Map<string, string>();
  for (const o of base) byName.set(o.split(':')[0]!, o);
  for (const o of extra) {
    if (!o.name) continue;
    byName.set(o.name, o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name);
  }
  return [...byName.values()];
}

export function podDnsConfig(pod: Pod, s: ClusterDnsSettings): PodDnsResult {
  const warnings: [string, string][] = [];
  let type = dnsType(pod);
  if (type === 'cluster' && s.clusterDNS.length === 0) {
    warnings.push(['MissingClusterDNS', `pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})". kubelet does not have ClusterDNS IP configured and cannot create Pod using "${pod.spec.dnsPolicy ?? 'ClusterFirst'}" policy. Falling back to "Default" policy.`]);
    type = 'host';
  }
  let config: DnsConfig;
  if (type === 'cluster') {
    const ns = pod.metadata.namespace ?? 'default';
    const d = s.clusterDomain;
    const cluster = d ? [`${ns}.svc.${d}`, `svc.${d}`, d] : [];
    config = { nameservers: [...s.clusterDNS], searches: unique([...cluster, ...s.host.searches]), options: [...CLUSTER_DEFAULT_OPTIONS] };
  } else if (type === 'host') {
    config = { nameservers: [...s.host.nameservers], searches: [...s.host.searches], options: [...s.host.options] };
  } else {
    config = { nameservers: [], searches: [], options: [] };
  }
  const extra = pod.spec.dnsConfig;
  if (extra) {
    config = {
      nameservers: unique([...config.nameservers, ...(extra.nameservers ?? [])]),
      searches: unique([...config.searches, ...(extra.searches ?? []).map((x) => x.replace(/\.$/, ''))]),
      options: mergeOptions(config.options, extra.options ?? []),
    };
  }
  if (config.nameservers.length > MAX_NAMESERVERS) {
    config.nameservers = config.nameservers.slice(0, MAX_NAMESERVERS);
    warnings.push(['DNSConfigForming', `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${config.nameservers.join(' ')}`]);
  }
  const searches = fitSearches(config.searches);
  if (searches.length < config.searches.length) {
    config.searches = searches;
    warnings.push(['DNSConfigForming', `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}`]);
  }
  return { config, warnings };
}

/** The longest prefix of the search list within 32 entries and 2048 characters (with spaces). */
function fitSearches(searches: string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const s of searches.slice(0, MAX_DNS_SEARCH_PATHS)) {
    const next = chars + (out.length ? 1 : 0) + s.length;
    if (next > MAX_DNS_SEARCH_LIST_CHARS) break;
    out.push(s);
    chars = next;
  }
  return out;
}

/** The pod's hostname: spec.hostname, else its name, at most 63 characters, no trailing '-' or '.'. */
export function podHostname(pod: Pod): string {
  return (pod.spec.hostname || pod.metadata.name || 'pod').slice(0, 63).replace(/[-.]+$/, '');
}

/**
 * The kubelet-managed /etc/hosts of a pod with its own network: localhost lines, each pod IP
 * with the pod's hostname (first its FQDN HOSTNAME.SUBDOMAIN.NS.svc.DOMAIN when spec.subdomain
 * is set), then spec.hostAliases.
 */
export function podHostsFile(pod: Pod, podIPs: string[], clusterDomain: string): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const hostname = podHostname(pod);
  const sub = pod.spec.subdomain;
  const names = sub && clusterDomain ? `${hostname}.${sub}.${pod.metadata.namespace ?? 'default'}.svc.${clusterDomain}\t${hostname}` : hostname;
  for (const ip of podIPs) lines.push(`${ip}\t${names}`);
  const aliases = pod.spec.hostAliases ?? [];
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) if (a.hostnames?.length) lines.push(`${a.ip}\t${a.hostnames.join('\t')}`);
  }
  return lines.join('\n') + '\n';
}
