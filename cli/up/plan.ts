// Which processes `skiff up` runs, with which arguments, in which order. Pure: options and
// the ports already chosen in, a plan out; up.ts starts what the plan says and supervises it.
//
// Worked example: `skiff up --storage etcd --apiservers 2 --ha --nodes 1 --port 6443`,
// with etcd on client port 40001 / peer port 40002 and the API servers on 6443 and 6444:
//   etcd                  /usr/bin/etcd --name skiff-etcd --data-dir D/etcd
//                           --listen-client-urls http://127.0.0.1:40001 … --initial-cluster skiff-etcd=http://127.0.0.1:40002
//   apiserver             skiff apiserver --port 6443 --storage etcd --etcd-servers http://127.0.0.1:40001
//                           --tls-cert-file D/pki/apiserver.crt … --client-ca-file D/pki/ca.crt --kubelet-client-certificate …
//   apiserver-2           skiff apiserver --port 6444 --storage etcd --etcd-servers http://127.0.0.1:40001 (same certificates)
//   controller-manager    skiff controller-manager --server https://127.0.0.1:6443,https://127.0.0.1:6444
//                           --kubeconfig D/kubeconfigs/controller-manager.conf   (+ --identity at each start)
//                           --cluster-signing-cert-file D/pki/ca.crt --cluster-signing-key-file D/pki/ca.key
//   controller-manager-2  likewise
//   scheduler, scheduler-2
//   registry              /usr/bin/docker-registry serve D/registry/config.yml   (with --registry; up/registry.ts)
//   kubelet-node-1        skiff kubelet --server …6443,…6444 --kubeconfig D/kubeconfigs/kubelet-node-1.conf --node-name node-1
//                           --runtime … --port 0 --root-dir D/nodes/node-1 --stop-pods-on-exit
//                           --tls-cert-file D/pki/kubelet-node-1-serving.crt … --client-ca-file D/pki/ca.crt
// Certificates and kubeconfigs: up/certificates.ts.
// With --etcd-members 3 there are three members (etcd, etcd-2, etcd-3 in D/etcd, D/etcd-2,
// D/etcd-3) and each API server lists all of them, starting at a different one.
// Start order is the order of the list (etcd, API servers, controllers, kubelets); shutdown
// goes the other way by role: kubelets (and their pods) first, etcd last.
import path from 'node:path';
import { APISERVER_CERT, APISERVER_KUBELET_CLIENT_CERT, componentKubeconfig, FRONT_PROXY_CA, FRONT_PROXY_CLIENT, kubeletServingCert } from './certificates.js';
import { encryptionConfigPath } from './encryption-config.js';
import { registryConfigPath } from './registry.js';

export const STORAGES = ['embedded', 'etcd'] as const;
export type StorageKind = (typeof STORAGES)[number];

export const ROLES = ['etcd', 'apiserver', 'controller-manager', 'scheduler', 'kubelet', 'proxy', 'dns', 'registry'] as const;
export type Role = (typeof ROLES)[number];

export interface ProcessSpec {
  /** Unique in the cluster; names the log file (<data-dir>/logs/<name>.log). */
  name: string;
  role: Role;
  /** An executable to run directly (etcd); absent: `node skiff.js <args>`. */
  executable?: string;
  args: string[];
  /**
   * Leader-elected components get `--identity <prefix>_<random>` added at every (re)start:
   * a restarted leader must not inherit its dead predecessor's Lease (it would skip the
   * election the standby is waiting on). Recorded in components.json and visible in `ps`.
   */
  identityPrefix?: string;
  /** What it serves (etcd client URL, API server URL). */
  url?: string;
  /**
   * `skiff <cleanup>` at shutdown when the process did not stop cleanly (down between two
   * restarts, killed starting up): a kubelet's pods are stopped for it.
   */
  cleanup?: string[];
}

export interface PlanInput {
  storage: StorageKind;
  nodes: number;
  /** The nodes' names when they are not prefix1..prefixN (a node group that grew and shrank). */
  nodeNames?: string[];
  runtime: string;
  nodePrefix: string;
  ha: boolean;
  /** Ports of the API servers, the first being --port. */
  apiserverPorts: number[];
  /** etcd's members' ports (storage etcd only); one member unless asked for more. */
  etcd?: { bin: string; members: EtcdPorts[] };
  /** `etcd` is the first member's data dir; member i (from 0) uses etcdDataDir(dirs.etcd, i). */
  dirs: { root: string; apiserver: string; etcd: string; nodes: string; pki: string; kubeconfigs: string };
  /** Extra controller-manager flags (leader-election timings). */
  controllerManagerArgs?: string[];
  /** Where Service cluster IPs come from, and the NodePort range (the API server's flags). */
  serviceCidr: string;
  nodePortRange: string;
  /** The nftables table the node proxy owns (one per data dir, so clusters on one host never share). */
  proxyTable: string;
  /**
   * The host address pods reach the API servers on: they then listen on every interface and
   * publish it as the `kubernetes` Service's endpoint. Absent (no network): loopback only.
   */
  advertiseAddress?: string | undefined;
  /** --registry: the Distribution registry's binary and loopback port. */
  registry?: { bin: string; port: number };
  /** Flags every kubelet gets besides its own (image GC thresholds, passed through). */
  kubeletArgs?: string[];
}

export interface Plan {
  processes: ProcessSpec[];
  /** Every API server URL, in the order components try them. */
  servers: string[];
  /** Every etcd member's client URL. */
  etcdUrls: string[];
}

export interface EtcdPorts {
  clientPort: number;
  peerPort: number;
}

export const ETCD_MEMBER_NAME = 'skiff-etcd';

/** Member i (from 0): 'skiff-etcd', 'skiff-etcd-2', … */
export function etcdMemberName(i: number): string {
  return numbered(ETCD_MEMBER_NAME, i);
}

/** Member i's data dir: <data-dir>/etcd, <data-dir>/etcd-2, … (one member keeps the plain name). */
export function etcdDataDir(first: string, i: number): string {
  return numbered(first, i);
}

export function nodeName(prefix: string, i: number): string {
  return `${prefix}${i}`;
}

const loopback = (port: number) => `http://127.0.0.1:${port}`;
const secureLoopback = (port: number) => `https://127.0.0.1:${port}`;

/**
 * etcd's flags for member `i` of a private cluster on loopback (see
 * shared/reference/etcd-notes.md). The --initial-* flags only matter on a member's first
 * start; later starts read the membership from the data dir.
 */
export function etcdArgs(dataDirOfFirst: string, members: EtcdPorts[], i: number): string[] {
  const client = loopback(members[i]!.clientPort);
  const peer = loopback(members[i]!.peerPort);
  const initialCluster = members.map((m, j) => `${etcdMemberName(j)}=${loopback(m.peerPort)}`).join(',');
  // One member has no peer to wait for: short raft timings. Several share a (possibly loaded)
  // machine: roomier ones, or elections flap.
  const [heartbeat, election] = members.length === 1 ? [50, 500] : [100, 1000];
  return [
    '--name', etcdMemberName(i),
    '--data-dir', etcdDataDir(dataDirOfFirst, i),
    '--listen-client-urls', client,
    '--advertise-client-urls', client,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', initialCluster,
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', 'skiff-up',
    '--logger', 'zap',
    '--log-outputs', 'stderr',
    '--heartbeat-interval', String(heartbeat),
    '--election-timeout', String(election),
  ];
}

export function planCluster(p: PlanInput): Plan {
  if (p.storage === 'embedded' && p.apiserverPorts.length !== 1) {
    throw new Error('the embedded store serves one API server per data dir');
  }
  if (p.storage === 'etcd' && !p.etcd?.members.length) throw new Error('storage etcd needs etcd ports');
  const processes: ProcessSpec[] = [];
  const members = p.storage === 'etcd' ? p.etcd!.members : [];
  const etcdUrls = members.map((m) => loopback(m.clientPort));
  members.forEach((_, i) => {
    processes.push({ name: numbered('etcd', i), role: 'etcd', executable: p.etcd!.bin, args: etcdArgs(p.dirs.etcd, members, i), url: etcdUrls[i] });
  });
  // The registry (--registry) goes before the nodes, so their first pulls find it.
  if (p.registry) {
    processes.push({ name: 'registry', role: 'registry', executable: p.registry.bin, args: ['serve', registryConfigPath(p.dirs.root)], url: loopback(p.registry.port) });
  }
  const servers = p.apiserverPorts.map(secureLoopback);
  const file = (name: string, ext: 'crt' | 'key') => path.join(p.dirs.pki, `${name}.${ext}`);
  const caFile = path.join(p.dirs.pki, 'ca.crt');
  const apiserverTLS = [
    '--tls-cert-file', file(APISERVER_CERT, 'crt'), '--tls-private-key-file', file(APISERVER_CERT, 'key'), '--client-ca-file', caFile,
    '--kubelet-client-certificate', file(APISERVER_KUBELET_CLIENT_CERT, 'crt'), '--kubelet-client-key', file(APISERVER_KUBELET_CLIENT_CERT, 'key'),
    '--kubelet-certificate-authority', caFile,
    // Request-header authentication from the separate front-proxy CA, with kubeadm's flags.
    '--requestheader-client-ca-file', path.join(p.dirs.pki, `${FRONT_PROXY_CA}.crt`), '--requestheader-allowed-names', FRONT_PROXY_CLIENT.want.subject.commonName,
    '--requestheader-username-headers', 'X-Remote-User', '--requestheader-group-headers', 'X-Remote-Group', '--requestheader-extra-headers-prefix', 'X-Remote-Extra-',
    // One ServiceAccount signing key for every API server (made by the first, kept in the PKI dir).
    '--service-account-signing-key-file', path.join(p.dirs.pki, 'sa.key'),
    // Secrets encrypted at rest with the key `skiff up` keeps in the PKI dir (up/encryption-config.ts).
    '--encryption-provider-config', encryptionConfigPath(p.dirs.pki),
    '--service-cluster-ip-range', p.serviceCidr, '--service-node-port-range', p.nodePortRange,
    ...(p.advertiseAddress ? ['--bind-address', '0.0.0.0', '--advertise-address', p.advertiseAddress] : []),
  ];
  const kubeconfig = (component: string) => ['--kubeconfig', componentKubeconfig(p.dirs.kubeconfigs, component)];
  p.apiserverPorts.forEach((port, i) => {
    // Each API server starts at a different member, so the load spreads and no single
    // member's loss sends every API server to its second choice at once.
    const rotated = etcdUrls.map((_, j) => etcdUrls[(i + j) % etcdUrls.length]!);
    const storageArgs = p.storage === 'etcd' ? ['--storage', 'etcd', '--etcd-servers', rotated.join(',')] : ['--data-dir', p.dirs.apiserver];
    processes.push({ name: numbered('apiserver', i), role: 'apiserver', args: ['apiserver', '--port', String(port), ...storageArgs, ...apiserverTLS], url: servers[i] });
  });
  const serverFlag = ['--server', servers.join(',')];
  const replicas = p.ha ? 2 : 1;
  for (let i = 0; i < replicas; i++) {
    const name = numbered('controller-manager', i);
    // The cluster CA signs approved CSRs (skiff join, skiff kubeconfig create).
    const signing = ['--cluster-signing-cert-file', caFile, '--cluster-signing-key-file', path.join(p.dirs.pki, 'ca.key'), '--root-ca-file', caFile];
    processes.push({ name, role: 'controller-manager', args: ['controller-manager', ...serverFlag, ...kubeconfig('controller-manager'), ...signing, ...(p.controllerManagerArgs ?? [])], identityPrefix: name });
  }
  for (let i = 0; i < replicas; i++) {
    const name = numbered('scheduler', i);
    processes.push({ name, role: 'scheduler', args: ['scheduler', ...serverFlag, ...kubeconfig('scheduler')], identityPrefix: name });
  }
  const nodes = p.nodeNames ?? Array.from({ length: p.nodes }, (_, i) => nodeName(p.nodePrefix, i + 1));
  for (const n of nodes) processes.push(kubeletSpec(p, servers, n));
  // One node proxy for the host (all of this cluster's nodes run here): Services in the kernel.
  processes.push({
    name: 'proxy',
    role: 'proxy',
    args: ['proxy', ...serverFlag, ...kubeconfig('proxy'), '--hostname-override', nodes.join(','), '--nft-table', p.proxyTable, '--cluster-cidr', POD_NETWORK],
  });
  // Cluster DNS on a free port of this host, registered as kube-system/kube-dns at the Service
  // CIDR's 10th address (10.96.0.10 by default), which the proxy routes to it.
  processes.push({
    name: 'dns',
    role: 'dns',
    args: ['dns', ...serverFlag, ...kubeconfig('dns'), '--port', '0', '--service-ip', serviceIP(p.serviceCidr, DNS_SERVICE_IP_INDEX)],
  });
  return { processes, servers, etcdUrls };
}

/** Node `n`'s kubelet: at start-up, or added later by the node group (cluster autoscaler). */
export function kubeletSpec(p: Pick<PlanInput, 'dirs' | 'runtime' | 'serviceCidr' | 'kubeletArgs'>, servers: string[], n: string): ProcessSpec {
  const file = (name: string, ext: 'crt' | 'key') => path.join(p.dirs.pki, `${name}.${ext}`);
  return {
    name: `kubelet-${n}`,
    role: 'kubelet',
    // --port 0: the kubelet takes a free port at every start and reports it on its Node.
    args: [
      'kubelet', '--server', servers.join(','), '--kubeconfig', componentKubeconfig(p.dirs.kubeconfigs, `kubelet-${n}`), '--node-name', n, '--runtime', p.runtime, '--port', '0', '--root-dir', path.join(p.dirs.nodes, n), '--stop-pods-on-exit',
      '--cluster-dns', serviceIP(p.serviceCidr, DNS_SERVICE_IP_INDEX),
      '--tls-cert-file', file(kubeletServingCert(n), 'crt'), '--tls-private-key-file', file(kubeletServingCert(n), 'key'), '--client-ca-file', path.join(p.dirs.pki, 'ca.crt'),
      // Renewed through CSRs before they expire, as a joined node's are (the next start reissues them anyway).
      '--rotate-certificates', '--rotate-server-certificates',
      // One registries.yaml for every node of the cluster (k3s's /etc/rancher/k3s/registries.yaml).
      '--registry-config', path.join(p.dirs.root, 'registries.yaml'),
      ...(p.kubeletArgs ?? []),
    ],
    // Only the process runtime keeps a node's pods in its root dir, where no API is needed to stop them.
    ...(p.runtime === 'process' ? { cleanup: ['kubelet', 'stop-pods', '--node-name', n, '--root-dir', path.join(p.dirs.nodes, n)] } : {}),
  };
}

/** Cluster DNS is the Service CIDR's 10th address, as kubeadm's 10.96.0.10. */
export const DNS_SERVICE_IP_INDEX = 10;

/** Every node's pod CIDR (10.244.N.0/24, kubelet/runtime/process/pod-network.ts) lies in this range. */
export const POD_NETWORK = '10.244.0.0/16';

/** The proxy's nftables table for a data dir: `skiff-` and a short hash of the path. Pure. */
export function proxyTableName(dataDir: string): string {
  let h = 0x811c9dc5;
  for (const ch of dataDir) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `skiff-${h.toString(16).padStart(8, '0')}`;
}

/** The n-th address of a Service CIDR (1: the kubernetes Service, 10: cluster DNS). Pure. */
export function serviceIP(cidr: string, n: number): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid Service CIDR ${JSON.stringify(cidr)}`);
  const base = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const v = (base + n) >>> 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

/** 'apiserver', 'apiserver-2', 'apiserver-3' … (the first keeps the plain name, as before). */
function numbered(base: string, i: number): string {
  return i === 0 ? base : `${base}-${i + 1}`;
}

/**
 * Ports for `count` API servers: the first is `first` (the user's --port, which must be
 * free); the others are the next consecutive ports when free, else any free port.
 */
export async function chooseApiserverPorts(
  first: number,
  count: number,
  isFree: (port: number) => Promise<boolean>,
  anyFree: () => Promise<number>,
): Promise<number[]> {
  const ports = [first];
  let next = first + 1;
  while (ports.length < count) {
    if (next <= 65535 && (await isFree(next))) ports.push(next);
    else {
      let p = await anyFree();
      while (ports.includes(p)) p = await anyFree();
      ports.push(p);
    }
    next++;
  }
  return ports;
}

/**
 * Ports for `count` etcd members. The ones remembered from the last run are reused when
 * free. A member's data dir keeps its peer URL in the cluster's membership: with one member
 * nobody dials it, so new ports are safe; with several, the peers dial each other at the
 * remembered peer URLs, so an existing cluster must get its peer ports back (client ports
 * may still move). `avoid` are ports already promised to the API servers.
 * Returns the ports, or a plain reason they cannot be had.
 */
export async function chooseEtcdPorts(
  remembered: EtcdPorts[] | undefined,
  count: number,
  hasData: boolean,
  avoid: number[],
  isFree: (port: number) => Promise<boolean>,
  anyFree: () => Promise<number>,
): Promise<{ members: EtcdPorts[]; reused: boolean } | { error: string }> {
  if (hasData && remembered && remembered.length !== count) {
    return { error: `this data dir's etcd has ${remembered.length} member(s); run with --etcd-members ${remembered.length} (skiff up does not change the size of an existing etcd cluster)` };
  }
  const taken = new Set(avoid);
  const usable = async (p: number) => !taken.has(p) && (await isFree(p));
  if (remembered && remembered.length === count) {
    const all = remembered.flatMap((m) => [m.clientPort, m.peerPort]);
    let ok = new Set(all).size === all.length;
    for (const p of all) ok = ok && (await usable(p));
    if (ok) return { members: remembered.map((m) => ({ ...m })), reused: true };
  }
  const pick = async () => {
    let p = await anyFree();
    while (taken.has(p)) p = await anyFree();
    taken.add(p);
    return p;
  };
  if (hasData && count > 1 && !remembered) {
    return { error: `this data dir holds a ${count}-member etcd but not its ports (etcd.json); its members cannot find each other on new ones` };
  }
  if (hasData && count > 1 && remembered) {
    for (const m of remembered) {
      if (!(await usable(m.peerPort))) {
        return { error: `etcd peer port ${m.peerPort} (remembered in the data dir) is in use; a ${count}-member etcd needs its peer ports back — free it and run skiff up again` };
      }
      taken.add(m.peerPort);
    }
    const members: EtcdPorts[] = [];
    for (const m of remembered) members.push({ clientPort: (await usable(m.clientPort)) ? (taken.add(m.clientPort), m.clientPort) : await pick(), peerPort: m.peerPort });
    return { members, reused: false };
  }
  const members: EtcdPorts[] = [];
  for (let i = 0; i < count; i++) members.push({ clientPort: await pick(), peerPort: await pick() });
  return { members, reused: false };
}

/**
 * Where shutdown stops each role: kubelets (and their pods) first, etcd last. etcd members go
 * one at a time: a stopping leader hands leadership to a live peer first, and when every peer
 * is stopping at once that hand-over waits out its whole timeout (≈7 s) instead.
 */
export const SHUTDOWN_ORDER: { roles: Role[]; graceMs: number; oneAtATime?: boolean }[] = [
  { roles: ['kubelet'], graceMs: 45_000 },
  { roles: ['controller-manager', 'scheduler', 'proxy', 'dns', 'registry'], graceMs: 10_000 },
  { roles: ['apiserver'], graceMs: 15_000 },
  { roles: ['etcd'], graceMs: 15_000, oneAtATime: true },
];
