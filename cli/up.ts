// `skiff up [--nodes 2] [--runtime process|fake|docker] [--port 6443] [--data-dir ~/.skiff]
//           [--storage embedded|etcd] [--apiservers N] [--ha]`:
// a whole local cluster from one command. Starts (with --storage etcd) a private etcd, the
// API server(s), controller-manager(s), scheduler(s) and one kubelet per node as supervised
// child processes, waits until the API answers and the nodes are Ready, writes kubeconfigs,
// then supervises: a crashed component is reported and restarted with backoff; Ctrl-C /
// SIGTERM stops the kubelets first (they stop their pods), then the controllers, then the
// API servers, then etcd. State lives in the data dir, so the next `skiff up` on it resumes.
// If `skiff up` itself is killed, its components stop on their own (up/liveness-pipe.ts; the
// nodes' containers keep running), and the next `skiff up` stops any that did not (up/recovery.ts).
// Which processes run with which flags is decided by the pure planCluster (up/plan.ts).
// Every connection is TLS with a certificate per component, made (or reused) in the data dir
// before anything starts (up/certificates.ts).
import { isIP } from 'node:net';
import crypto from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  expandHome, freePort, hasState, layout, lockDataDir, portFree, prepare, readEtcdPorts, recordComponents, unlockDataDir, writeEtcdPorts, type Layout,
} from './up/data-dir.js';
import { CONTEXT_NAME, writeKubeconfigs } from './up/kubeconfig.js';
import { ensureClusterCertificates } from './up/certificates.js';
import { primaryIPv4 } from '../host/addresses.js';
import { ensureEncryptionConfig } from './up/encryption-config.js';
import { chooseApiserverPorts, chooseEtcdPorts, etcdDataDir, kubeletSpec, planCluster, proxyTableName, serviceIP, SHUTDOWN_ORDER, STORAGES, type ProcessSpec, type Role, type StorageKind } from './up/plan.js';
import { Progress } from './up/progress.js';
import { recoverPreviousRun } from './up/recovery.js';
import { Component, signalGroup, type SupervisorEvents } from './up/supervisor.js';
import { DEFAULT_REGISTRY_BIN, DEFAULT_REGISTRY_PORT, registryDir, registryHost, writeRegistryConfig } from './up/registry.js';
import { initialMembers, parseAutoscaleRange, readNodeGroup, SkiffUpNodeGroup, writeNodeGroup, type AutoscaleRange } from './up/node-group.js';
import { DEFAULT_AUTOSCALER_OPTIONS } from '../cluster-autoscaler/options.js';
import { parseDuration } from '../api/duration.js';
import type { ClientCredentials } from '../client/credentials.js';

export { nodeName } from './up/plan.js';

const USAGE = `Usage: skiff up [flags]

Start a local Skiff cluster: API server, controller-manager, scheduler and N kubelets
(and, with --storage etcd, a private etcd), supervised until Ctrl-C.

Flags:
  --nodes N          number of nodes (kubelets) (default 2)
  --runtime R        container runtime for the nodes: process (default), fake or docker
  --port N           (first) API server port on 127.0.0.1 (default 6443)
  --data-dir DIR     where the cluster keeps its state (default ~/.skiff); reused to resume
  --node-prefix P    node names are P1, P2, … (default node-); give two clusters on one
                     machine different prefixes (node names also name each node's pod bridge)
  --storage S        embedded (default): the API server's own store in DIR/apiserver;
                     etcd: a private etcd (Debian's etcd-server, /usr/bin/etcd or $ETCD_BIN)
                     with its data in DIR/etcd
  --etcd-members N   etcd members for --storage etcd: 1 (default), 3 or 5, on loopback
                     (data in DIR/etcd, DIR/etcd-2, …); an existing cluster keeps its size
  --apiservers N     API servers to run (default 1); more than 1 needs --storage etcd. They
                     listen on --port, --port+1, … (or a free port when one is taken), and
                     every component is given all of them (--server URL1,URL2) to fail over
  --ha               two controller-managers and two schedulers; leader election picks the
                     active one and a standby takes over when it dies
  --leader-elect-lease-duration D   controller-manager lease timings, e.g. 15s (default 15s),
  --leader-elect-renew-deadline D   10s and 2s; shorter ones hand over faster under --ha
  --leader-elect-retry-period D
  --service-cidr CIDR        Service cluster IPs (default 10.96.0.0/12; DNS is its 10th address)
  --service-node-port-range A-B   NodePorts (default 30000-32767)
  --bind-address 0.0.0.0|127.0.0.1  where the API servers listen: every interface (default; pods and
                             other machines reach them at --advertise-address) or loopback only
  --advertise-address IP     the address pods and joining machines use (default: the host's
                             primary address); the kubernetes Service's endpoint, in the certificate
  --autoscale-nodes MIN:MAX  run a cluster autoscaler: add a node (up to MAX) when pods stay
                             Unschedulable for lack of room, remove an underused one (down to MIN)
  --scale-down-unneeded-time D     how long a node must be unneeded before it goes (default 10m)
  --scale-down-delay-after-add D   no scale-down this long after a scale-up (default 10m)
  --scan-interval D          how often the autoscaler looks (default 10s)
  --registry [PORT]          also run a local image registry (CNCF Distribution, Debian's
                             docker-registry) on 127.0.0.1:PORT (default 5000), data in DIR/registry;
                             push to localhost:PORT/NAME (skopeo copy, docker push), run image
                             localhost:PORT/NAME:TAG (plain HTTP, as Docker treats localhost)
  --image-gc-high-threshold PERCENT  the kubelets' image GC thresholds and minimum image age
  --image-gc-low-threshold PERCENT   (passed to every kubelet; see skiff kubelet --help)
  --minimum-image-ttl-duration D
  -h, --help         this help

Examples:
  skiff up                                         one API server on the embedded store
  skiff up --storage etcd --apiservers 2 --ha      etcd, two API servers, standby controllers
  skiff up --registry                              and a registry at localhost:5000`;

export const RUNTIMES = ['process', 'fake', 'docker'] as const;
export const DEFAULT_ETCD_BIN = '/usr/bin/etcd';

export interface UpOptions {
  nodes: number;
  runtime: (typeof RUNTIMES)[number];
  port: number;
  dataDir: string;
  nodePrefix: string;
  storage: StorageKind;
  apiservers: number;
  etcdMembers: number;
  ha: boolean;
  /** Extra controller-manager flags (its leader-election timings), as given. */
  controllerManagerArgs: string[];
  etcdBin: string;
  serviceCidr: string;
  nodePortRange: string;
  bindAddress: '0.0.0.0' | '127.0.0.1';
  /** Given by flag; otherwise the host's primary address when bound to every interface. */
  advertiseAddress?: string;
  /** --autoscale-nodes and the autoscaler's timings. */
  autoscale?: AutoscaleRange & { unneededMs: number; delayAfterAddMs: number; scanIntervalMs: number };
  /** --registry [PORT]: the local registry's port, and its binary ($SKIFF_REGISTRY_BIN or Debian's). */
  registry?: { port: number; bin: string };
  /** --image-gc-* and --minimum-image-ttl-duration, as kubelet flags. */
  kubeletArgs?: string[];
}

const LEASE_FLAGS = ['leader-elect-lease-duration', 'leader-elect-renew-deadline', 'leader-elect-retry-period'] as const;

/** Flags → options, with a plain message for anything wrong. Pure (apart from HOME). */
export function parseUpFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): UpOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: registryValue(argv),
      options: {
        nodes: { type: 'string', default: '2' },
        runtime: { type: 'string', default: 'process' },
        port: { type: 'string', default: '6443' },
        'data-dir': { type: 'string', default: '~/.skiff' },
        'node-prefix': { type: 'string', default: 'node-' },
        storage: { type: 'string', default: 'embedded' },
        apiservers: { type: 'string', default: '1' },
        'etcd-members': { type: 'string' },
        ha: { type: 'boolean', default: false },
        'leader-elect-lease-duration': { type: 'string' },
        'leader-elect-renew-deadline': { type: 'string' },
        'leader-elect-retry-period': { type: 'string' },
        'service-cidr': { type: 'string', default: '10.96.0.0/12' },
        'bind-address': { type: 'string', default: '0.0.0.0' },
        'advertise-address': { type: 'string' },
        'service-node-port-range': { type: 'string', default: '30000-32767' },
        'autoscale-nodes': { type: 'string' },
        'scale-down-unneeded-time': { type: 'string' },
        'scale-down-delay-after-add': { type: 'string' },
        'scan-interval': { type: 'string' },
        registry: { type: 'string' },
        'image-gc-high-threshold': { type: 'string' },
        'image-gc-low-threshold': { type: 'string' },
        'minimum-image-ttl-duration': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return 'help';
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 500) throw new Error(`--nodes must be a whole number from 1 to 500, got "${values.nodes}"`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be a port number (1-65535), got "${values.port}"`);
  const runtime = String(values.runtime);
  if (!(RUNTIMES as readonly string[]).includes(runtime)) throw new Error(`--runtime must be one of ${RUNTIMES.join(', ')}, got "${runtime}"`);
  const nodePrefix = String(values['node-prefix']);
  if (!/^[a-z0-9]([a-z0-9-]{0,40})$/.test(nodePrefix)) throw new Error(`--node-prefix must be lowercase letters, digits and '-', got "${nodePrefix}"`);
  const storage = String(values.storage);
  if (!(STORAGES as readonly string[]).includes(storage)) throw new Error(`--storage must be embedded or etcd, got "${storage}"`);
  const apiservers = Number(values.apiservers);
  if (!Number.isInteger(apiservers) || apiservers < 1 || apiservers > 9) throw new Error(`--apiservers must be a whole number from 1 to 9, got "${values.apiservers}"`);
  if (storage === 'embedded' && apiservers > 1) {
    throw new Error(
      `--apiservers ${apiservers} needs --storage etcd: the embedded store allows one API server per data dir. Run: skiff up --storage etcd --apiservers ${apiservers}`,
    );
  }
  const etcdMembers = Number(values['etcd-members'] ?? 1);
  if (values['etcd-members'] !== undefined && storage !== 'etcd') throw new Error('--etcd-members needs --storage etcd');
  if (![1, 3, 5].includes(etcdMembers)) throw new Error(`--etcd-members must be 1, 3 or 5 (an odd number keeps a majority), got "${values['etcd-members']}"`);
  const controllerManagerArgs: string[] = [];
  for (const flag of LEASE_FLAGS) {
    const v = values[flag];
    if (v === undefined) continue;
    if (!/^\d+(\.\d+)?(ms|s|m)$/.test(String(v))) throw new Error(`--${flag} must be a duration like 15s, 500ms or 1m, got "${v}"`);
    controllerManagerArgs.push(`--${flag}`, String(v));
  }
  const serviceCidr = String(values['service-cidr']);
  const cidr = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(serviceCidr);
  if (!cidr || cidr.slice(1, 5).some((o) => Number(o) > 255) || Number(cidr[5]) < 8 || Number(cidr[5]) > 27) {
    throw new Error(`--service-cidr must be an IPv4 CIDR from /8 to /27 like 10.96.0.0/12, got "${serviceCidr}"`);
  }
  const nodePortRange = String(values['service-node-port-range']);
  const range = /^(\d+)-(\d+)$/.exec(nodePortRange);
  if (!range || Number(range[1]) < 1 || Number(range[2]) > 65535 || Number(range[1]) > Number(range[2])) {
    throw new Error(`--service-node-port-range must be like 30000-32767, got "${nodePortRange}"`);
  }
  const bindAddress = String(values['bind-address']);
  if (bindAddress !== '0.0.0.0' && bindAddress !== '127.0.0.1') {
    throw new Error(`--bind-address must be 0.0.0.0 (every interface) or 127.0.0.1 (loopback only), got "${bindAddress}"`);
  }
  const advertise = values['advertise-address'] as string | undefined;
  if (advertise !== undefined && !isIP(advertise)) throw new Error(`--advertise-address must be an IP address, got "${advertise}"`);
  if (advertise !== undefined && bindAddress === '127.0.0.1') throw new Error('--advertise-address needs --bind-address 0.0.0.0: on loopback only nothing else can reach the API server');
  let autoscale: UpOptions['autoscale'];
  const timing = (flag: string, dflt: number) => {
    const v = values[flag] as string | undefined;
    if (v === undefined) return dflt;
    if (values['autoscale-nodes'] === undefined) throw new Error(`--${flag} needs --autoscale-nodes`);
    try {
      return parseDuration(v);
    } catch {
      throw new Error(`--${flag} must be a duration like 30s or 10m, got "${v}"`);
    }
  };
  const unneededMs = timing('scale-down-unneeded-time', DEFAULT_AUTOSCALER_OPTIONS.scaleDownUnneededTimeMs);
  const delayAfterAddMs = timing('scale-down-delay-after-add', DEFAULT_AUTOSCALER_OPTIONS.scaleDownDelayAfterAddMs);
  const scanIntervalMs = timing('scan-interval', DEFAULT_AUTOSCALER_OPTIONS.scanIntervalMs);
  if (values['autoscale-nodes'] !== undefined) autoscale = { ...parseAutoscaleRange(String(values['autoscale-nodes'])), unneededMs, delayAfterAddMs, scanIntervalMs };
  let registry: UpOptions['registry'];
  if (values.registry !== undefined) {
    const v = String(values.registry);
    const rport = v === '' ? DEFAULT_REGISTRY_PORT : Number(v);
    if (!/^\d*$/.test(v) || !Number.isInteger(rport) || rport < 1 || rport > 65535) throw new Error(`--registry takes a port number (1-65535), got "${v}"`);
    if (rport === port) throw new Error(`--registry ${rport} is the API server's --port; choose another`);
    registry = { port: rport, bin: env.SKIFF_REGISTRY_BIN || DEFAULT_REGISTRY_BIN };
  }
  const kubeletArgs = imageGCFlags(values);
  return {
    ...(autoscale ? { autoscale } : {}),
    ...(registry ? { registry } : {}),
    ...(kubeletArgs.length ? { kubeletArgs } : {}),
    bindAddress, ...(advertise ? { advertiseAddress: advertise } : {}),
    nodes, port, runtime: runtime as UpOptions['runtime'], dataDir: expandHome(String(values['data-dir']), env), nodePrefix,
    storage: storage as StorageKind, apiservers, etcdMembers, ha: !!values.ha, controllerManagerArgs, etcdBin: env.ETCD_BIN || DEFAULT_ETCD_BIN,
    serviceCidr, nodePortRange,
  };
}

/**
 * `--registry` takes an optional port (`--registry`, `--registry 5001`, `--registry=5001`), which
 * parseArgs cannot express: a bare one becomes `--registry=` (the default port). Pure.
 */
export function registryValue(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--registry') out.push(argv[i]!);
    else if (argv[i + 1] !== undefined && /^\d+$/.test(argv[i + 1]!)) out.push(`--registry=${argv[++i]}`);
    else out.push('--registry=');
  }
  return out;
}

/** The kubelets' image GC flags, checked here so a typo fails `skiff up` and not each kubelet. Pure. */
function imageGCFlags(values: Record<string, string | boolean | undefined>): string[] {
  const out: string[] = [];
  const percent = (flag: string) => {
    const v = values[flag];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(String(v)) || n > 100) throw new Error(`--${flag} must be a whole percentage from 0 to 100, got "${v}"`);
    out.push(`--${flag}`, String(n));
    return n;
  };
  const high = percent('image-gc-high-threshold');
  const low = percent('image-gc-low-threshold');
  if (high !== undefined && low !== undefined && low > high) throw new Error(`--image-gc-low-threshold (${low}) must not be above --image-gc-high-threshold (${high})`);
  const ttl = values['minimum-image-ttl-duration'];
  if (ttl !== undefined) {
    if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^0$/.test(String(ttl))) throw new Error(`--minimum-image-ttl-duration must be a duration like 2m0s, 30s or 0s, got "${ttl}"`);
    out.push('--minimum-image-ttl-duration', String(ttl));
  }
  return out;
}

/** One line naming the topology, e.g. "etcd storage, 2 API servers, HA controllers". Pure. */
export function describeTopology(o: Pick<UpOptions, 'storage' | 'apiservers' | 'ha'> & { etcdMembers?: number }): string {
  return [
    o.storage === 'etcd' ? ((o.etcdMembers ?? 1) > 1 ? `etcd storage (${o.etcdMembers} members)` : 'etcd storage') : 'embedded storage',
    o.apiservers === 1 ? '1 API server' : `${o.apiservers} API servers`,
    o.ha ? 'HA controllers (2 controller-managers, 2 schedulers)' : '1 controller-manager, 1 scheduler',
  ].join(', ');
}

/** The value of `--identity` in a component's arguments. Pure. */
export function identityOf(args: string[]): string | undefined {
  const i = args.indexOf('--identity');
  return i >= 0 ? args[i + 1] : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `      ${l}`).join('\n');
  } catch {
    return '';
  }
}

/** TLS for `skiff up`'s own requests (readiness): the cluster CA and the admin's certificate. */
let agent: import('node:https').Agent | undefined;

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const mod = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { timeout: 2000, agent: url.startsWith('https:') ? agent : undefined, headers: { Accept: 'application/json', 'User-Agent': 'skiff-up' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Wait for `ready()` while `comp` stays up; false if the component died first or time ran out. */
async function waitFor(ready: () => Promise<boolean>, comps: Component[], timeoutMs: number): Promise<'ready' | 'died' | 'timeout'> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (comps.some((c) => !c.running)) return 'died';
    try {
      if (await ready()) return 'ready';
    } catch {
      // not yet
    }
    await sleep(150);
  }
  return 'timeout';
}

interface NodeList {
  items?: { metadata: { name?: string }; status?: { conditions?: { type: string; status: string; lastHeartbeatTime?: string | null }[] } }[];
}

/**
 * Nodes whose kubelet of THIS run reported Ready: on a resumed cluster the Node objects
 * still say Ready from the last run, so a heartbeat older than our start does not count. Pure.
 */
export function freshlyReadyNodes(list: NodeList, names: string[], sinceMs: number): string[] {
  return (list.items ?? [])
    .filter((n) => names.includes(n.metadata.name ?? ''))
    .filter((n) =>
      n.status?.conditions?.some(
        (c) => c.type === 'Ready' && c.status === 'True' && Date.parse(c.lastHeartbeatTime ?? '') >= Math.floor(sinceMs / 1000) * 1000,
      ),
    )
    .map((n) => n.metadata.name!);
}

export async function main(argv: string[]): Promise<void> {
  const parsed = parseUpFlags(argv);
  if (parsed === 'help') {
    console.log(USAGE);
    return;
  }
  const opts = parsed;
  if (opts.storage === 'etcd' && !isExecutable(opts.etcdBin)) {
    throw new Error(
      `--storage etcd runs etcd from ${opts.etcdBin}, which is not there. Install it with: sudo apt-get install etcd-server` +
        (opts.etcdBin === DEFAULT_ETCD_BIN ? ' (or point ETCD_BIN at an etcd binary)' : ''),
    );
  }
  if (opts.registry && !isExecutable(opts.registry.bin)) {
    throw new Error(
      `--registry runs the CNCF Distribution registry from ${opts.registry.bin}, which is not there. Install it with: sudo apt-get install docker-registry` +
        (opts.registry.bin === DEFAULT_REGISTRY_BIN ? ' (or point SKIFF_REGISTRY_BIN at a registry binary)' : ''),
    );
  }
  const out = (s: string) => void process.stdout.write(s);
  const progress = new Progress(out, !!process.stdout.isTTY);
  const l: Layout = layout(opts.dataDir);
  const resuming = hasState(l, opts.storage);
  const otherStorage: StorageKind = opts.storage === 'etcd' ? 'embedded' : 'etcd';
  const strandedState = !resuming && hasState(l, otherStorage);
  prepare(l);
  const previousSupervisor = lockDataDir(l);
  await recoverPreviousRun(l, previousSupervisor, (line) => progress.note('!', line));
  if (!(await portFree(opts.port))) {
    unlockDataDir(l);
    throw new Error(
      `port ${opts.port} on 127.0.0.1 is already in use (another skiff up or Kubernetes API server?). Stop it, or choose another port: skiff up --port ${opts.port + (opts.apiservers > 1 ? opts.apiservers : 1)}`,
    );
  }
  if (opts.registry && !(await portFree(opts.registry.port))) {
    unlockDataDir(l);
    throw new Error(`--registry: port ${opts.registry.port} on 127.0.0.1 is already in use (another registry?). Stop it, or choose another port: skiff up --registry ${opts.registry.port + 1}`);
  }
  const apiserverPorts = await chooseApiserverPorts(opts.port, opts.apiservers, (p) => portFree(p), () => freePort());
  let etcd: { bin: string; members: { clientPort: number; peerPort: number }[]; reused: boolean } | undefined;
  if (opts.storage === 'etcd') {
    const chosen = await chooseEtcdPorts(readEtcdPorts(l), opts.etcdMembers, resuming, apiserverPorts, (p) => portFree(p), () => freePort());
    if ('error' in chosen) {
      unlockDataDir(l);
      throw new Error(chosen.error);
    }
    writeEtcdPorts(l, chosen.members);
    etcd = { bin: opts.etcdBin, ...chosen };
  }
  // Pods reach the API servers at the host's primary address (the `kubernetes` Service's endpoints).
  const advertiseAddress = opts.bindAddress === '127.0.0.1' ? undefined : opts.advertiseAddress ?? primaryIPv4();
  // Under --autoscale-nodes the nodes are the group's members, remembered across restarts.
  const members = opts.autoscale ? initialMembers(readNodeGroup(l.root), opts.nodes, opts.autoscale, opts.nodePrefix) : undefined;
  if (members) writeNodeGroup(l.root, members);
  const nodeCount = members?.length ?? opts.nodes;
  const dirs = { root: l.root, apiserver: l.apiserver, etcd: l.etcd, nodes: l.nodes, pki: l.pki, kubeconfigs: l.kubeconfigs };
  const plan = planCluster({
    advertiseAddress, nodeNames: members,
    storage: opts.storage, nodes: nodeCount, runtime: opts.runtime, nodePrefix: opts.nodePrefix, ha: opts.ha, apiserverPorts, etcd,
    dirs, controllerManagerArgs: opts.controllerManagerArgs,
    serviceCidr: opts.serviceCidr, nodePortRange: opts.nodePortRange, proxyTable: proxyTableName(l.root),
    ...(opts.registry ? { registry: opts.registry } : {}), ...(opts.kubeletArgs ? { kubeletArgs: opts.kubeletArgs } : {}),
  });
  const servers = plan.servers;
  const server = servers[0]!;
  const skiffBin = fileURLToPath(new URL('./skiff.js', import.meta.url));
  const comps: Component[] = [];
  const roles = new Map<Component, Role>();
  const record = () =>
    recordComponents(l, comps.map((c) => ({ name: c.spec.name, role: roles.get(c), pid: c.pid, startTime: c.startTime, identity: identityOf(c.args) })));
  let up = false;
  const events: SupervisorEvents = {
    onCrash: (name, code, signal, delay) =>
      progress.note('!', `${name} exited (${signal ?? `code ${code}`}); restarting in ${Math.round(delay / 1000)}s — log: ${path.join(l.logs, `${name}.log`)}`),
    onRestart: (name, pid) => {
      if (up) progress.note('↻', `${name} restarted (pid ${pid})`);
    },
  };
  const component = (spec: ProcessSpec) => {
    const args = async () =>
      // A fresh identity at every start: a restarted leader must win the election anew.
      spec.identityPrefix ? [...spec.args, '--identity', `${spec.identityPrefix}_${crypto.randomBytes(3).toString('hex')}`] : spec.args;
    const logFile = path.join(l.logs, `${spec.name}.log`);
    const cleanUp = spec.cleanup && (async () => {
      progress.note('!', `${spec.name} did not stop cleanly: stopping what it left running (skiff ${spec.cleanup!.slice(0, 2).join(' ')})`);
      const code = await runLogged(process.execPath, [skiffBin, ...spec.cleanup!], logFile, 60_000);
      if (code !== 0) progress.note('✗', `skiff ${spec.cleanup!.slice(0, 2).join(' ')} for ${spec.name} failed (exit ${code}) — log: ${logFile}`);
    });
    const c = new Component({ name: spec.name, args, logFile, executable: spec.executable, ...(cleanUp ? { cleanUp } : {}) }, skiffBin, events, record);
    comps.push(c);
    roles.set(c, spec.role);
    return c;
  };
  const specsOf = (role: Role) => plan.processes.filter((p) => p.role === role);

  let autoscaler: { stop(): Promise<void> } | undefined;
  // Shutdown: kubelets (and their pods) first, then controllers, then the API servers, then etcd.
  let stopping = false;
  const shutdown = async (why: string, code: number) => {
    if (stopping) {
      // A second Ctrl-C: stop waiting.
      for (const c of comps) if (c.pid) signalGroup(c.pid, 'SIGKILL');
      unlockDataDir(l);
      process.exit(130);
    }
    stopping = true;
    out(`\n${why}: stopping the cluster (Ctrl-C again to force)…\n`);
    // First the autoscaler, so it neither adds nor removes a node while the cluster goes.
    await autoscaler?.stop().catch(() => undefined);
    for (const stage of SHUTDOWN_ORDER) {
      const group = comps.filter((c) => stage.roles.includes(roles.get(c)!));
      if (stage.oneAtATime) for (const c of group) await c.stop(stage.graceMs);
      else await Promise.all(group.map((c) => c.stop(stage.graceMs)));
      if (stage.roles.includes('kubelet') && group.length) progress.note('✓', `${group.length} node(s) stopped (their pods too)`);
      if (stage.roles.includes('proxy') && group.some((c) => roles.get(c) === 'proxy')) removeProxyRules();
      if (stage.roles.includes('apiserver') && group.length) progress.note('✓', 'control plane stopped');
      if (stage.roles.includes('etcd') && group.length) progress.note('✓', 'etcd stopped');
    }
    recordComponents(l, []);
    unlockDataDir(l);
    const again = ['skiff up', ...(opts.dataDir === expandHome('~/.skiff') ? [] : ['--data-dir', l.root]), ...(opts.storage === 'etcd' ? ['--storage etcd'] : []), ...(opts.etcdMembers > 1 ? [`--etcd-members ${opts.etcdMembers}`] : []), ...(opts.apiservers > 1 ? [`--apiservers ${opts.apiservers}`] : []), ...(opts.ha ? ['--ha'] : []), ...(opts.registry ? [`--registry ${opts.registry.port}`] : [])].join(' ');
    out(`State is kept in ${l.root}; run ${again} to resume.\n`);
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => void shutdown(sig === 'SIGINT' ? 'Interrupted' : `Got ${sig}`, 0));
  }
  // The proxy leaves its rules serving when it stops (a restart swaps them in one step); a clean
  // stop of the whole cluster takes them out of the kernel.
  const removeProxyRules = () => {
    const table = plan.processes.find((p) => p.role === 'proxy')!.args;
    const r = spawnSync(process.execPath, [skiffBin, 'proxy', '--cleanup', '--nft-table', table[table.indexOf('--nft-table') + 1]!], { encoding: 'utf8' });
    if (r.status === 0) progress.note('✓', 'Service rules removed from the kernel');
    else if (process.getuid?.() === 0) progress.note('!', `could not remove the Service rules: ${r.stderr.trim()}`);
  };
  const fail = async (message: string) => {
    progress.note('✗', message);
    await shutdown('Start-up failed', 1);
  };

  // The cluster autoscaler runs here: this supervisor is its node-group provider (up/node-group.ts).
  const startAutoscaler = async (range: NonNullable<UpOptions['autoscale']>, initial: string[], credentials: ClientCredentials) => {
    const { RestClient } = await import('../client/rest.js');
    const { ClusterAutoscaler } = await import('../cluster-autoscaler/autoscaler.js');
    const client = new RestClient({ server: servers, credentials, userAgent: 'cluster-autoscaler', retries: 3 });
    const logFile = path.join(l.logs, 'cluster-autoscaler.log');
    const log = (line: string) => fs.appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    const group: SkiffUpNodeGroup = new SkiffUpNodeGroup(range.min, range.max, initial, opts.nodePrefix, l.root,
      async (name) => {
        await ensureClusterCertificates(l.pki, l.kubeconfigs, group.nodeNames(), server, serviceIP(opts.serviceCidr, 1), advertiseAddress);
        const spec = kubeletSpec({ dirs, runtime: opts.runtime, serviceCidr: opts.serviceCidr, kubeletArgs: opts.kubeletArgs }, servers, name);
        fs.mkdirSync(path.join(l.nodes, name), { recursive: true });
        const pid = await component(spec).start();
        progress.note('+', `node ${name} added by the cluster autoscaler (kubelet pid ${pid})`);
      },
      async (name) => {
        const c = comps.find((x) => x.spec.name === `kubelet-${name}`);
        if (!c) return;
        await c.stop(SHUTDOWN_ORDER[0]!.graceMs);
        comps.splice(comps.indexOf(c), 1);
        roles.delete(c);
        record();
        progress.note('-', `node ${name} removed by the cluster autoscaler`);
      },
    );
    const ca = new ClusterAutoscaler(client, group, { scanIntervalMs: range.scanIntervalMs, scaleDownUnneededTimeMs: range.unneededMs, scaleDownDelayAfterAddMs: range.delayAfterAddMs }, log);
    await ca.start();
    return { stop: async () => { await ca.stop(); client.close(); } };
  };

  out(
    `${resuming ? 'Resuming' : 'Starting'} a Skiff cluster: ${nodeCount} node(s), ${opts.runtime} runtime, ${describeTopology(opts)}, state in ${l.root}\n`,
  );
  if (strandedState) {
    progress.note(
      '!',
      opts.storage === 'etcd'
        ? `this data dir holds objects of an embedded-store cluster (${l.apiserver}); etcd starts empty — run without --storage etcd to get them back`
        : `this data dir holds objects of an etcd cluster (${l.etcd}); the embedded store starts empty — run with --storage etcd to get them back`,
    );
  }

  // 1. etcd (storage etcd): started first (all members at once: each waits for a majority), stopped last.
  const etcdSpecs = specsOf('etcd');
  if (etcdSpecs.length) {
    const step = progress.step(etcdSpecs.length > 1 ? `etcd (${etcdSpecs.length} members)` : 'etcd', 'starting');
    const members = etcdSpecs.map((spec) => ({ spec, c: component(spec) }));
    for (const { c } of members) await c.start();
    for (const { spec, c } of members) {
      const ready = await waitFor(async () => {
        const r = await getJson(`${spec.url}/health`);
        return (r.body as { health?: string } | undefined)?.health === 'true';
      }, [c], 60_000);
      if (ready !== 'ready') {
        step.fail(`${spec.name} ${ready === 'died' ? 'exited while starting' : 'not healthy within 60s'}`);
        const t = tail(c.spec.logFile);
        if (t) out(`${t}\n`);
        return fail(`etcd did not come up — log: ${c.spec.logFile}`);
      }
    }
    const dirs = [l.etcd, ...etcdSpecs.slice(1).map((_, i) => path.basename(etcdDataDir(l.etcd, i + 1)))].join(', ');
    step.done(`${plan.etcdUrls.join(', ')} (data in ${dirs}${etcd?.reused === false && resuming ? '; earlier client ports were taken, new ones chosen' : ''})`);
  }

  // 1b. The local registry (--registry): the nodes' first pulls may come straight away.
  for (const spec of specsOf('registry')) {
    const step = progress.step('registry', 'starting');
    writeRegistryConfig(l.root, opts.registry!.port);
    const c = component(spec);
    await c.start();
    // Distribution answers /v2/ with 200 when it runs without auth.
    const ready = await waitFor(async () => (await getJson(`${spec.url}/v2/`)).status === 200, [c], 30_000);
    if (ready !== 'ready') {
      step.fail(`${ready === 'died' ? 'exited while starting' : 'did not answer within 30s'} — log: ${c.spec.logFile}`);
      const t = tail(c.spec.logFile);
      if (t) out(`${t}\n`);
      return fail(`the registry on ${spec.url} did not come up`);
    }
    step.done(`${registryHost(opts.registry!.port)} (pid ${c.pid}, data in ${registryDir(l.root)})`);
  }

  // 2. Certificates (the CA, each component's) and the components' kubeconfigs.
  const certStep = progress.step('certificates', 'checking');
  let certs: Awaited<ReturnType<typeof ensureClusterCertificates>>;
  try {
    const nodeNames = specsOf('kubelet').map((s) => s.args[s.args.indexOf('--node-name') + 1]!);
    certs = await ensureClusterCertificates(l.pki, l.kubeconfigs, nodeNames, server, serviceIP(opts.serviceCidr, 1), advertiseAddress);
    const https = await import('node:https');
    agent = new https.Agent({ keepAlive: true, ca: certs.caPem, cert: certs.admin.certPem, key: certs.admin.keyPem });
    const newEncryptionKey = ensureEncryptionConfig(l.pki);
    certStep.done(`${certs.createdCA ? 'new cluster CA' : 'cluster CA reused'}; ${certs.issued.length ? `issued ${certs.issued.join(', ')}` : 'all certificates reused'}; ${newEncryptionKey ? 'new' : 'kept the'} Secret encryption key (in ${l.pki})`);
  } catch (e) {
    certStep.fail(`could not make the certificates: ${(e as Error).message}`);
    return fail('certificates');
  }

  // 3. API server(s), all at once; each must answer.
  const apiStep = progress.step(servers.length > 1 ? `${servers.length} API servers` : 'API server', 'starting');
  const apis = specsOf('apiserver').map((spec) => ({ spec, c: component(spec) }));
  for (const { c } of apis) await c.start();
  for (const { spec, c } of apis) {
    const ready = await waitFor(async () => (await getJson(`${spec.url}/version`)).status === 200, [c], 60_000);
    if (ready !== 'ready') {
      apiStep.fail(`${spec.name} ${ready === 'died' ? 'exited while starting' : 'did not answer within 60s'}`);
      const t = tail(c.spec.logFile);
      if (t) out(`${t}\n`);
      return fail(`the API server ${spec.url} did not come up — log: ${c.spec.logFile}`);
    }
  }
  apiStep.done(`${servers.join(', ')}${opts.storage === 'etcd' ? ' (on etcd)' : ''}`);

  // 4. Kubeconfigs (they name the first API server; the admin's certificate).
  const kcStep = progress.step('kubeconfig');
  let kubeconfigs: { own: string; user: string };
  try {
    kubeconfigs = writeKubeconfigs(l.kubeconfig, { server, caPem: certs.caPem, clientCertPem: certs.admin.certPem, clientKeyPem: certs.admin.keyPem });
    kcStep.done(`${l.kubeconfig}; context "${CONTEXT_NAME}" set in ${kubeconfigs.user}`);
  } catch (e) {
    kcStep.fail(`could not write a kubeconfig: ${(e as Error).message}`);
    return fail('kubeconfig');
  }

  // 5. Controllers, schedulers, the node proxy and cluster DNS.
  for (const spec of [...specsOf('controller-manager'), ...specsOf('scheduler'), ...specsOf('proxy'), ...specsOf('dns')]) {
    const step = progress.step(spec.name, 'starting');
    const c = component(spec);
    const pid = await c.start();
    // Give it a moment to fail fast on bad flags; it is supervised from here on.
    const early = await waitFor(async () => false, [c], 500);
    if (early === 'died') {
      step.fail(`exited at start — log: ${c.spec.logFile}`);
      const t = tail(c.spec.logFile);
      if (t) out(`${t}\n`);
    } else {
      step.done(`running (pid ${pid}${opts.ha ? `, identity ${identityOf(c.args)}` : ''})`);
    }
  }

  // 6. Kubelets, one per node; wait until the nodes are Ready.
  const kubeletSpecs = specsOf('kubelet');
  const names = kubeletSpecs.map((s) => s.args[s.args.indexOf('--node-name') + 1]!);
  const kubeletsStartedAt = Date.now();
  const nodeStep = progress.step(`${nodeCount} node(s)`, 'starting kubelets');
  for (const spec of kubeletSpecs) {
    fs.mkdirSync(spec.args[spec.args.indexOf('--root-dir') + 1]!, { recursive: true });
    await component(spec).start();
  }
  let readyNames: string[] = [];
  const kubelets = comps.filter((c) => roles.get(c) === 'kubelet');
  const deadline = Date.now() + 90_000;
  let ask = 0;
  while (Date.now() < deadline) {
    try {
      // Any API server will do; rotate so one that is restarting does not stall us.
      const res = await getJson(`${servers[ask++ % servers.length]}/api/v1/nodes`);
      readyNames = freshlyReadyNodes(res.body as NodeList, names, kubeletsStartedAt);
    } catch {
      // the API server may be restarting; keep waiting
    }
    nodeStep.update(`${readyNames.length}/${nodeCount} Ready`);
    if (readyNames.length === nodeCount) break;
    if (kubelets.every((k) => !k.running)) break;
    await sleep(250);
  }
  if (readyNames.length === nodeCount) nodeStep.done(`${names.join(', ')} Ready`);
  else {
    const missing = names.filter((n) => !readyNames.includes(n));
    nodeStep.fail(`${readyNames.length}/${nodeCount} Ready; not Ready: ${missing.join(', ')} — logs: ${l.logs}/kubelet-<node>.log`);
  }
  up = true;
  record();
  if (opts.autoscale && members) {
    try {
      autoscaler = await startAutoscaler(opts.autoscale, members, adminCredentials(certs));
    } catch (e) {
      progress.note('!', `the cluster autoscaler did not start: ${(e as Error).message}`);
    }
  }

  // What another machine needs to join: cluster-info in kube-public, and a join token (24 h).
  let join = '';
  let dashboard = '';
  try {
    const { RestClient } = await import('../client/rest.js');
    const { publishClusterInfo, joinCommand } = await import('./up/cluster-info.js');
    const { newBootstrapToken } = await import('./token/token.js');
    const admin = new RestClient({ server: servers, credentials: adminCredentials(certs), userAgent: 'skiff-up', retries: 3 });
    // Another machine dials the host's address, not loopback (the API server listens there too).
    const reachable = advertiseAddress ? `https://${advertiseAddress.includes(':') ? `[${advertiseAddress}]` : advertiseAddress}:${new URL(server).port}` : server;
    try {
      await publishClusterInfo(admin, reachable, certs.caPem);
      const { token, secret } = newBootstrapToken(24 * 3600_000, 'made by skiff up');
      await admin.resource('Secret').create(secret, { namespace: 'kube-system' });
      join = joinCommand(reachable, token, certs.caPem);
      const { dashboardLoginLink } = await import('./up/dashboard-login.js');
      dashboard = await dashboardLoginLink(admin, server).catch((e: unknown) => {
        out(`(could not make the dashboard's login link: ${(e as Error).message})\n`);
        return '';
      });
    } finally {
      admin.close();
    }
  } catch (e) {
    out(`(could not prepare joining: ${(e as Error).message})`);
  }

  out(
    [
      '',
      servers.length === 1 ? `Skiff is up. API server: ${server}` : `Skiff is up. API servers: ${servers.join(', ')}`,
      `  topology     ${describeTopology(opts)}`,
      ...(plan.etcdUrls.length ? [`  etcd         ${plan.etcdUrls.join(', ')}   (data in ${l.etcd}${plan.etcdUrls.length > 1 ? `, ${path.basename(l.etcd)}-2, …` : ''})`] : []),
      `  kubeconfig   ${kubeconfigs.own}   (context "${CONTEXT_NAME}" is current in ${kubeconfigs.user}; it names ${server})`,
      ...(servers.length > 1 ? [`  any API server works too: npx kctl --server ${servers[1]} get nodes`] : []),
      ...(opts.ha ? ['  leaders      npx kctl get lease -n kube-system   (skiff-controller-manager, skiff-scheduler)'] : []),
      `  processes    ${l.componentsFile}`,
      `  logs         ${l.logs}/`,
      ...(opts.registry
        ? [`  registry     ${registryHost(opts.registry.port)}   (data in ${registryDir(l.root)}; push: skopeo copy oci-archive:IMG.tar docker://${registryHost(opts.registry.port)}/NAME:TAG --dest-tls-verify=false)`]
        : []),
      ...(opts.autoscale ? [`  autoscaling  ${opts.autoscale.min} to ${opts.autoscale.max} nodes (an underused node goes after ${Math.round(opts.autoscale.unneededMs / 1000)} s; log: ${path.join(l.logs, 'cluster-autoscaler.log')})`] : []),
      ...(dashboard ? [`  dashboard    ${dashboard}   (signed in as the cluster admin for 1 h)`] : []),
      '',
      'Talk to it (in another terminal):',
      '  npx kctl get nodes',
      '  kubectl get nodes',
      '  npx kctl apply -f manifests/web.yaml && npx kctl get pods -w',
      ...(join ? ['', 'Add a machine as a node (the token lasts 24 h; skiff token create makes more):', `  ${join}`] : []),
      '',
      `Ctrl-C stops the cluster (pods too); skiff up again resumes it.`,
      '',
    ].join('\n'),
  );
  // From here on the supervisor's exit handlers and the signal handlers do the work.
  setInterval(() => undefined, 1 << 30);
  await new Promise<never>(() => undefined);
}

/** The cluster admin's client certificate (made by ensureClusterCertificates), for skiff up's own clients. */
function adminCredentials(certs: { caPem: string; admin: { certPem: string; keyPem: string } }): ClientCredentials {
  return { caData: certs.caPem, certData: certs.admin.certPem, keyData: certs.admin.keyPem };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Run a command with its output appended to `logFile`; its exit code (null: killed after `timeoutMs`). */
function runLogged(file: string, args: string[], logFile: string, timeoutMs: number): Promise<number | null> {
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n--- ${new Date().toISOString()} running: skiff ${args.slice(1).join(' ')}\n`);
  const child = spawn(file, args, { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const done = (code: number | null) => {
      clearTimeout(timer);
      resolve(code);
    };
    child.once('error', () => done(null));
    child.once('exit', (code) => done(code));
  });
}
