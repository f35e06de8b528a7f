// The proxy's rules as data: Services and their endpoints in, the nftables ruleset that
// implements them out (kube-proxy's nftables mode, in the same shape). Pure; the transaction
// writer (transaction.ts) turns two rulesets into the nft script that moves the kernel from one
// to the other.
//
// Packet path, for a Service web (10.96.0.20:80 → pods 10.244.1.2:8080, 10.244.2.3:8080):
//   nat-prerouting / nat-output ─▶ services: ip daddr . l4proto . dport vmap @service-ips
//        10.96.0.20 . tcp . 80 ─▶ service-H-default/web/tcp/http
//            masquerade unless from the pod network, then goto cluster-H-default/web/tcp/http
//        cluster-…: numgen random mod 2 vmap { 0: goto endpoint-…__10.244.1.2/8080, 1: goto endpoint-…__10.244.2.3/8080 }
//        endpoint-…: a pod reaching itself (hairpin) is masqueraded; dnat to 10.244.1.2:8080
//   NodePort: services: fib daddr type local ─▶ vmap @service-nodeports (tcp . 30080) ─▶ external-H-…
//   nat-postrouting ─▶ masquerading: packets marked 0x4000 leave with the node's address.
//   filter hooks (new connections) ─▶ endpoints-check: a Service with no usable endpoint is
//        in @no-endpoint-services / @no-endpoint-nodeports ─▶ reject (connection refused).
import { createHash } from 'node:crypto';
import type { EndpointInfo } from '../endpoints.js';
import { usableEndpoints } from '../endpoints.js';
import type { ServicePortInfo } from '../service-ports.js';

export interface RulesetConfig {
  /** The nftables table (family ip) the proxy owns; nothing outside it is ever touched. */
  table: string;
  /** The pod network: ClusterIP traffic from outside it is masqueraded (kube-proxy's --cluster-cidr). */
  clusterCIDR?: string;
  /** Masquerade every Service connection (when replies could bypass the node, e.g. no br_netfilter). */
  masqueradeAll: boolean;
  /** Is an endpoint on this host? (Its node is one of the nodes this proxy serves.) */
  isLocal(nodeName?: string): boolean;
}

export const MAP_NAMES = ['service-ips', 'service-nodeports', 'no-endpoint-services', 'no-endpoint-nodeports'] as const;
export type MapName = (typeof MAP_NAMES)[number];

/** The parts of the table that change with Services and endpoints. */
export interface Ruleset {
  /** Regular (non-base) chains: name → rules. */
  chains: Map<string, string[]>;
  /** Sets: name → declaration body (the session-affinity sets; a name always has one body). */
  sets: Map<string, string>;
  /** Verdict-map elements: map → key → verdict. */
  maps: Record<MapName, Map<string, string>>;
}

export const MASQ_MARK = '0x4000';
const REJECT_CHAIN = 'reject-chain';

/** The fixed part of the table: base chains hooked into netfilter, helper chains, the maps' types. */
export function skeleton(): string {
  return [
    'map service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }',
    'map service-nodeports { type inet_proto . inet_service : verdict ; }',
    'map no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; }',
    'map no-endpoint-nodeports { type inet_proto . inet_service : verdict ; }',
    `chain mark-for-masquerade { meta mark set meta mark | ${MASQ_MARK} ; }`,
    `chain masquerading { meta mark & ${MASQ_MARK} == 0 return ; meta mark set meta mark ^ ${MASQ_MARK} ; masquerade fully-random ; }`,
    'chain services { ip daddr . meta l4proto . th dport vmap @service-ips ; fib daddr type local meta l4proto . th dport vmap @service-nodeports ; }',
    `chain ${REJECT_CHAIN} { reject ; }`,
    'chain endpoints-check { ip daddr . meta l4proto . th dport vmap @no-endpoint-services ; fib daddr type local meta l4proto . th dport vmap @no-endpoint-nodeports ; }',
    'chain nat-prerouting { type nat hook prerouting priority dstnat ; policy accept ; jump services ; }',
    'chain nat-output { type nat hook output priority -100 ; policy accept ; jump services ; }',
    'chain nat-postrouting { type nat hook postrouting priority srcnat ; policy accept ; jump masquerading ; }',
    'chain filter-forward { type filter hook forward priority -110 ; policy accept ; ct state new jump endpoints-check ; }',
    'chain filter-output { type filter hook output priority -110 ; policy accept ; ct state new jump endpoints-check ; }',
    // NodePorts on 127.0.0.1 need route_localnet; this keeps its known hazard shut (as
    // kube-proxy's KUBE-FIREWALL does): nothing from outside reaches 127/8 unless DNATed here.
    'chain filter-input { type filter hook input priority -110 ; policy accept ; iifname != "lo" ip daddr 127.0.0.0/8 ct status & dnat == 0 drop ; ct state new jump endpoints-check ; }',
  ].join('\n');
}

/** Short stable hash that keeps chain names unique however the readable part is cut. */
function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8).toUpperCase();
}

export const chainNames = {
  service: (sp: ServicePortInfo) => `service-${hash(sp.key)}-${sp.key}`,
  cluster: (sp: ServicePortInfo) => `cluster-${hash(sp.key)}-${sp.key}`,
  local: (sp: ServicePortInfo) => `local-${hash(sp.key)}-${sp.key}`,
  external: (sp: ServicePortInfo) => `external-${hash(sp.key)}-${sp.key}`,
  endpoint: (sp: ServicePortInfo, ep: EndpointInfo) => `endpoint-${hash(sp.key + ep.ip + ep.port)}-${sp.key}__${ep.ip}/${ep.port}`,
  // The timeout is part of the set's identity: a new timeout is a new set (sets are never altered in place).
  affinity: (sp: ServicePortInfo, ep: EndpointInfo) => `affinity-${hash(`${sp.key}${ep.ip}${ep.port}/${sp.affinitySeconds}`)}-${sp.key}__${ep.ip}/${ep.port}`,
};

export function emptyRuleset(): Ruleset {
  return { chains: new Map(), sets: new Map(), maps: { 'service-ips': new Map(), 'service-nodeports': new Map(), 'no-endpoint-services': new Map(), 'no-endpoint-nodeports': new Map() } };
}

export function buildRuleset(servicePorts: Iterable<ServicePortInfo>, endpoints: Map<string, EndpointInfo[]>, cfg: RulesetConfig): Ruleset {
  const rs = emptyRuleset();
  for (const sp of servicePorts) addServicePort(rs, sp, endpoints.get(sp.key) ?? [], cfg);
  return rs;
}

function addServicePort(rs: Ruleset, sp: ServicePortInfo, all: EndpointInfo[], cfg: RulesetConfig): void {
  const { cluster, local } = usableEndpoints(all, cfg.isLocal);
  const ipKeys = [...sp.clusterIPs, ...sp.externalIPs].map((ip) => `${ip} . ${sp.protocol} . ${sp.port}`);
  const nodePortKey = sp.nodePort ? `${sp.protocol} . ${sp.nodePort}` : undefined;
  if (cluster.length === 0) {
    // Nothing can answer: refuse new connections rather than let them time out.
    for (const k of ipKeys) rs.maps['no-endpoint-services'].set(k, `goto ${REJECT_CHAIN}`);
    if (nodePortKey) rs.maps['no-endpoint-nodeports'].set(nodePortKey, `goto ${REJECT_CHAIN}`);
    return;
  }

  const needsLocal = sp.internalLocal || sp.externalLocal;
  const balancer = (name: string, eps: EndpointInfo[]) => rs.chains.set(name, balanceRules(sp, eps));
  balancer(chainNames.cluster(sp), cluster);
  if (needsLocal && local.length > 0) balancer(chainNames.local(sp), local);
  for (const ep of needsLocal ? uniqueEndpoints([...cluster, ...local]) : cluster) addEndpoint(rs, sp, ep);

  // Traffic to the cluster IP.
  const svc = chainNames.service(sp);
  const masq = cfg.masqueradeAll
    ? sp.clusterIPs.map((ip) => `ip daddr ${ip} th dport ${sp.port} jump mark-for-masquerade`)
    : cfg.clusterCIDR
      ? sp.clusterIPs.map((ip) => `ip daddr ${ip} th dport ${sp.port} ip saddr != ${cfg.clusterCIDR} jump mark-for-masquerade`)
      : [];
  const internalTarget = !sp.internalLocal ? `goto ${chainNames.cluster(sp)}` : local.length > 0 ? `goto ${chainNames.local(sp)}` : 'drop';
  rs.chains.set(svc, [...masq, internalTarget]);
  for (const ip of sp.clusterIPs) rs.maps['service-ips'].set(`${ip} . ${sp.protocol} . ${sp.port}`, `goto ${svc}`);

  // Traffic from outside: NodePorts and externalIPs.
  if (!nodePortKey && sp.externalIPs.length === 0) return;
  const ext = chainNames.external(sp);
  const extRules: string[] = [];
  if (!sp.externalLocal) {
    extRules.push('jump mark-for-masquerade', `goto ${chainNames.cluster(sp)}`);
  } else {
    // Local: the client's address is kept (no masquerade) so only local endpoints can answer it;
    // pods and the node itself may still use every endpoint, as in kube-proxy.
    if (cfg.clusterCIDR) extRules.push(`ip saddr ${cfg.clusterCIDR} goto ${chainNames.cluster(sp)}`);
    extRules.push('fib saddr type local jump mark-for-masquerade', `fib saddr type local goto ${chainNames.cluster(sp)}`);
    extRules.push(local.length > 0 ? `goto ${chainNames.local(sp)}` : 'drop');
  }
  rs.chains.set(ext, extRules);
  if (nodePortKey) rs.maps['service-nodeports'].set(nodePortKey, `goto ${ext}`);
  for (const ip of sp.externalIPs) rs.maps['service-ips'].set(`${ip} . ${sp.protocol} . ${sp.port}`, `goto ${ext}`);
}

function uniqueEndpoints(eps: EndpointInfo[]): EndpointInfo[] {
  const seen = new Map<string, EndpointInfo>();
  for (const e of eps) seen.set(`${e.ip}:${e.port}`, e);
  return [...seen.values()];
}

/** A random pick among endpoints (with sticky clients first, under session affinity). */
function balanceRules(sp: ServicePortInfo, eps: EndpointInfo[]): string[] {
  const rules: string[] = [];
  if (sp.affinitySeconds !== undefined) {
    for (const ep of eps) rules.push(`ip saddr @${chainNames.affinity(sp, ep)} goto ${chainNames.endpoint(sp, ep)}`);
  }
  const arms = eps.map((ep, i) => `${i} : goto ${chainNames.endpoint(sp, ep)}`).join(' , ');
  rules.push(`numgen random mod ${eps.length} vmap { ${arms} }`);
  return rules;
}

function addEndpoint(rs: Ruleset, sp: ServicePortInfo, ep: EndpointInfo): void {
  const rules = [`ip saddr ${ep.ip} jump mark-for-masquerade`];
  if (sp.affinitySeconds !== undefined) {
    const set = chainNames.affinity(sp, ep);
    rs.sets.set(set, `type ipv4_addr ; flags dynamic,timeout ; timeout ${sp.affinitySeconds}s ;`);
    rules.push(`update @${set} { ip saddr }`);
  }
  rules.push(`meta l4proto ${sp.protocol} dnat to ${ep.ip}:${ep.port}`);
  rs.chains.set(chainNames.endpoint(sp, ep), rules);
}
