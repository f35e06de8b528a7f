// Which processes `skiff up` runs, with which arguments, in which order. Pure: options and
// the ports already chosen in, a plan out; up.ts starts what the plan says and supervises it.
//
// Worked example: `skiff up --storage etcd --apiservers 2 --ha --nodes 1 --port 6443`,
// with etcd on client port 40001 / peer port 40002 and the API servers on 6443 and 6444:
//   etcd                  /usr/bin/etcd --name skiff-etcd --data-dir D/etcd
//                           --listen-client-urls http://127.0.0.1:40001 … --initial-cluster skiff-etcd=http://127.0.0.1:40002
//   apiserver             skiff apiserver --port 6443 --storage etcd --etcd-servers http://127.0.0.1:40001
//   apiserver-2           skiff apiserver --port 6444 --storage etcd --etcd-servers http://127.0.0.1:40001
//   controller-manager    skiff controller-manager --server http://127.0.0.1:6443,http://127.0.0.1:6444   (+ --identity at each start)
//   controller-manager-2  likewise
//   scheduler, scheduler-2
//   kubelet-node-1        skiff kubelet --server …6443,…6444 --node-name node-1 --runtime … --port 0 --root-dir D/nodes/node-1 --stop-pods-on-exit
// Start order is the order of the list (etcd, API servers, controllers, kubelets); shutdown
// goes the other way by role: kubelets (and their pods) first, etcd last.
import path from 'node:path';

export const STORAGES = ['embedded', 'etcd'] as const;
export type StorageKind = (typeof STORAGES)[number];

export type Role = 'etcd' | 'apiserver' | 'controller-manager' | 'scheduler' | 'kubelet';

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
}

export interface PlanInput {
  storage: StorageKind;
  nodes: number;
  runtime: string;
  nodePrefix: string;
  ha: boolean;
  /** Ports of the API servers, the first being --port. */
  apiserverPorts: number[];
  /** etcd's ports (storage etcd only). */
  etcd?: { bin: string; clientPort: number; peerPort: number };
  dirs: { root: string; apiserver: string; etcd: string; nodes: string };
  /** Extra controller-manager flags (leader-election timings). */
  controllerManagerArgs?: string[];
}

export interface Plan {
  processes: ProcessSpec[];
  /** Every API server URL, in the order components try them. */
  servers: string[];
  etcdUrl?: string;
}

export const ETCD_MEMBER_NAME = 'skiff-etcd';

export function nodeName(prefix: string, i: number): string {
  return `${prefix}${i}`;
}

const loopback = (port: number) => `http://127.0.0.1:${port}`;

/** etcd's flags for a private single-member cluster on loopback (see shared/reference/etcd-notes.md). */
export function etcdArgs(dataDir: string, clientPort: number, peerPort: number): string[] {
  const client = loopback(clientPort);
  const peer = loopback(peerPort);
  return [
    '--name', ETCD_MEMBER_NAME,
    '--data-dir', dataDir,
    '--listen-client-urls', client,
    '--advertise-client-urls', client,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    // Ignored once the data dir holds a member: a restart on other ports keeps the data.
    '--initial-cluster', `${ETCD_MEMBER_NAME}=${peer}`,
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', 'skiff-up',
    '--logger', 'zap',
    '--log-outputs', 'stderr',
    // One member on loopback: no peer to wait for, so short raft timings are safe.
    '--heartbeat-interval', '50',
    '--election-timeout', '500',
  ];
}

export function planCluster(p: PlanInput): Plan {
  if (p.storage === 'embedded' && p.apiserverPorts.length !== 1) {
    throw new Error('the embedded store serves one API server per data dir');
  }
  if (p.storage === 'etcd' && !p.etcd) throw new Error('storage etcd needs etcd ports');
  const processes: ProcessSpec[] = [];
  let etcdUrl: string | undefined;
  if (p.storage === 'etcd' && p.etcd) {
    etcdUrl = loopback(p.etcd.clientPort);
    processes.push({ name: 'etcd', role: 'etcd', executable: p.etcd.bin, args: etcdArgs(p.dirs.etcd, p.etcd.clientPort, p.etcd.peerPort), url: etcdUrl });
  }
  const servers = p.apiserverPorts.map(loopback);
  p.apiserverPorts.forEach((port, i) => {
    const storageArgs = p.storage === 'etcd' ? ['--storage', 'etcd', '--etcd-servers', etcdUrl!] : ['--data-dir', p.dirs.apiserver];
    processes.push({ name: numbered('apiserver', i), role: 'apiserver', args: ['apiserver', '--port', String(port), ...storageArgs], url: servers[i] });
  });
  const serverFlag = ['--server', servers.join(',')];
  const replicas = p.ha ? 2 : 1;
  for (let i = 0; i < replicas; i++) {
    const name = numbered('controller-manager', i);
    processes.push({ name, role: 'controller-manager', args: ['controller-manager', ...serverFlag, ...(p.controllerManagerArgs ?? [])], identityPrefix: name });
  }
  for (let i = 0; i < replicas; i++) {
    const name = numbered('scheduler', i);
    processes.push({ name, role: 'scheduler', args: ['scheduler', ...serverFlag], identityPrefix: name });
  }
  for (let i = 1; i <= p.nodes; i++) {
    const n = nodeName(p.nodePrefix, i);
    processes.push({
      name: `kubelet-${n}`,
      role: 'kubelet',
      // --port 0: the kubelet takes a free port at every start and reports it on its Node.
      args: ['kubelet', ...serverFlag, '--node-name', n, '--runtime', p.runtime, '--port', '0', '--root-dir', path.join(p.dirs.nodes, n), '--stop-pods-on-exit'],
    });
  }
  return { processes, servers, etcdUrl };
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
 * etcd's ports: the ones remembered from the last run when both are still free (a member's
 * data dir keeps its peer URL; with one member nobody dials it, so new ports are safe too),
 * else fresh ones. `avoid` are ports already promised to the API servers.
 */
export async function chooseEtcdPorts(
  remembered: { clientPort: number; peerPort: number } | undefined,
  avoid: number[],
  isFree: (port: number) => Promise<boolean>,
  anyFree: () => Promise<number>,
): Promise<{ clientPort: number; peerPort: number; reused: boolean }> {
  if (
    remembered &&
    remembered.clientPort !== remembered.peerPort &&
    !avoid.includes(remembered.clientPort) &&
    !avoid.includes(remembered.peerPort) &&
    (await isFree(remembered.clientPort)) &&
    (await isFree(remembered.peerPort))
  ) {
    return { ...remembered, reused: true };
  }
  const taken = new Set(avoid);
  const pick = async () => {
    let p = await anyFree();
    while (taken.has(p)) p = await anyFree();
    taken.add(p);
    return p;
  };
  const clientPort = await pick();
  const peerPort = await pick();
  return { clientPort, peerPort, reused: false };
}

/** Where shutdown stops each role: kubelets (and their pods) first, etcd last. */
export const SHUTDOWN_ORDER: { roles: Role[]; graceMs: number }[] = [
  { roles: ['kubelet'], graceMs: 45_000 },
  { roles: ['controller-manager', 'scheduler'], graceMs: 10_000 },
  { roles: ['apiserver'], graceMs: 15_000 },
  { roles: ['etcd'], graceMs: 15_000 },
];
