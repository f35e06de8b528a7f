// Pod networking for the process runtime (root only): one network namespace per pod,
//   ip netns add skiff-<id>          the pod's namespace, joined by every container of the pod
//   veth sv<id> ⇄ eth0 (in the pod)  host end enslaved to this node's bridge
//   bridge sk<hash(node)>            one bridge PER NODE carrying the gateway <podCIDR>.1,
//                                    its MAC pinned (ensureBridge)
// so several kubelets on one machine never share (or tear down) each other's bridge; each
// needs its own pod CIDR (10.244.N.0/24, picked free at first start, kept in the root dir and
// claimed machine-wide: pod-cidr-claims.ts).
// Pod IPs are <podCIDR>.2 upwards. No NAT: pods reach each other and the node, not the internet.
// Each pod's eth0 gets a MAC derived from its IP (0a:58:<ip>, as OVN-Kubernetes does), so a
// pod IP reused moments after its pod went keeps the MAC that neighbour caches remember.
import { createHash } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { RunResult } from './spawner.js';

export interface Cidr {
  base: number; // network address as a 32-bit unsigned int
  prefix: number;
}

export function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`bad IPv4 address ${ip}`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): Cidr {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (!ip || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new Error(`bad pod CIDR ${cidr} (want IPv4 a.b.c.d/8..30)`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ipToInt(ip) & mask) >>> 0, prefix };
}

export function gatewayOf(c: Cidr): string {
  return intToIp(c.base + 1);
}

/** The lowest free pod address (.2 upwards, never the broadcast address). */
export function allocateIp(c: Cidr, used: Set<string>): string {
  const size = 2 ** (32 - c.prefix);
  for (let i = 2; i < size - 1; i++) {
    const ip = intToIp(c.base + i);
    if (!used.has(ip)) return ip;
  }
  throw new Error(`pod CIDR ${intToIp(c.base)}/${c.prefix} is exhausted`);
}

/**
 * Every IPv4 address on this machine and the interface holding it, down interfaces included.
 * Not os.networkInterfaces(): it leaves out an interface that is not running, such as the
 * bridge of a kubelet that was killed, left with no ports — and that bridge still routes its
 * CIDR to itself, ahead of any bridge given the same CIDR later.
 */
export function machineIPv4Addresses(): { iface: string; address: string }[] {
  const links = JSON.parse(execFileSync('ip', ['-j', '-4', 'addr', 'show'], { encoding: 'utf8' }) || '[]') as { ifname: string; addr_info?: { local?: string }[] }[];
  return links.flatMap((l) => (l.addr_info ?? []).flatMap((a) => (a.local ? [{ iface: l.ifname, address: a.local }] : [])));
}

/**
 * Pick 10.244.N.0/24 whose gateway no interface on this machine already holds and that no
 * other Node has been given (`inUse`: the podCIDRs of the cluster's Nodes).
 */
export function pickFreePodCidr(inUse: Iterable<string> = []): string {
  const taken = new Set<string>(machineIPv4Addresses().map((a) => a.address));
  for (const cidr of inUse) {
    try {
      taken.add(gatewayOf(parseCidr(cidr)));
    } catch {
      /* not IPv4 */
    }
  }
  const start = 1 + Math.floor(Math.random() * 250);
  for (let k = 0; k < 250; k++) {
    const n = ((start + k) % 250) + 1;
    if (!taken.has(`10.244.${n}.1`)) return `10.244.${n}.0/24`;
  }
  throw new Error('no free 10.244.N.0/24 pod CIDR on this machine; pass --pod-cidr');
}

/**
 * The MAC for a pod address: 0a:58 (locally administered, unicast) then the IPv4 bytes. Pod IPs
 * are reused as soon as a pod is gone; with a fresh random MAC each time, the node's and other
 * pods' ARP entries for the address point at the departed pod's MAC, and traffic to the new
 * pod is dropped until the entry expires (≈40 s: reachable 30 s, then stale probing).
 */
export function podMac(ip: string): string {
  const n = ipToInt(ip);
  return ['0a', '58', ...[24, 16, 8, 0].map((s) => ((n >>> s) & 0xff).toString(16).padStart(2, '0'))].join(':');
}

/** The machine's IPv4 addresses inside `c`, with the interface holding each. */
export function addressesInCidr(c: Cidr): { iface: string; address: string }[] {
  const size = 2 ** (32 - c.prefix);
  return machineIPv4Addresses().filter((a) => {
    const n = ipToInt(a.address);
    return n >= c.base && n < c.base + size;
  });
}

export function bridgeName(nodeName: string): string {
  return 'sk' + createHash('sha256').update(nodeName).digest('hex').slice(0, 10);
}

export function netnsName(sandboxId: string): string {
  return `skiff-${sandboxId.slice(0, 12)}`;
}

export function vethName(sandboxId: string): string {
  return `sv${sandboxId.slice(0, 12)}`;
}

export function netnsPath(name: string): string {
  return `/var/run/netns/${name}`;
}

/** How `ip` is run: argv and its stdin in, its output and exit out (the runtime's spawn helper, or execFile). */
export type CommandRunner = (argv: string[], input?: string) => Promise<RunResult>;

/** execFile straight from this process: for one-off uses (tests, `stop-pods`) that have no spawn helper. */
export const execFileRunner: CommandRunner = (argv, input) =>
  new Promise((resolve) => {
    const child = execFile(argv[0]!, argv.slice(1), { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, signal: (err?.signal as NodeJS.Signals | undefined) ?? null, stdout, stderr: stderr || (err && typeof err.code !== 'number' ? err.message : '') });
    });
    // An `ip` that fails before reading its batch closes the pipe: its exit status says so, not an EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });

/**
 * The host side of pod network ends, as `ip -batch` input: each pod's namespace, a veth pair
 * with eth0 inside it, the host end on the node's bridge and up, in hairpin mode (the kubelet's
 * hairpin-veth mode: a pod reaching itself through its Service is DNATed back to its own
 * address, and with br_netfilter the bridge forwards that frame to the port it came in on —
 * which a bridge refuses unless the port is in hairpin mode).
 */
export function hostSideBatch(bridge: string, sandboxIds: string[]): string {
  const lines: string[] = [];
  for (const id of sandboxIds) {
    const ns = netnsName(id);
    const veth = vethName(id);
    lines.push(`netns add ${ns}`, `link add ${veth} type veth peer name eth0 netns ${ns}`, `link set ${veth} master ${bridge} up`, `link set ${veth} type bridge_slave hairpin on`);
  }
  return lines.join('\n') + '\n';
}

/** The pod's side, as `ip -n NS -batch` input: eth0's MAC (from its IP), address, up; lo up; the default route. */
export function podSideBatch(podIp: string, prefix: number, gateway: string): string {
  return [`link set eth0 address ${podMac(podIp)}`, `addr add ${podIp}/${prefix} dev eth0`, 'link set eth0 up', 'link set lo up', `route add default via ${gateway}`].join('\n') + '\n';
}

/** `ip -batch` input removing what of these sandboxes' namespaces and veths exists ('' when nothing does). */
export function tearDownBatch(sandboxIds: string[], netnsExists: (ns: string) => boolean, vethExists: (veth: string) => boolean): string {
  const lines: string[] = [];
  for (const id of sandboxIds) {
    if (netnsExists(netnsName(id))) lines.push(`netns del ${netnsName(id)}`);
    else if (vethExists(vethName(id))) lines.push(`link del ${vethName(id)}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

export class PodNetwork {
  readonly cidr: Cidr;
  readonly bridge: string;
  readonly gateway: string;

  constructor(nodeName: string, podCidr: string, private readonly runner: CommandRunner = execFileRunner) {
    this.cidr = parseCidr(podCidr);
    this.bridge = bridgeName(nodeName);
    this.gateway = gatewayOf(this.cidr);
  }

  /** `ip ARGS` (a batch when `input` is given); rejects with ip's own words. */
  private async ip(args: string[], input?: string): Promise<string> {
    const r = await this.runner(['ip', ...args], input);
    if (r.code !== 0) throw new Error(`ip ${input === undefined ? args.join(' ') : `${args.join(' ')} (${input.trim().split('\n').join('; ')})`}: ${r.stderr.trim() || `exit ${r.code ?? r.signal}`}`);
    return r.stdout;
  }

  async ensureBridge(): Promise<void> {
    const exists = existsSync(`/sys/class/net/${this.bridge}`);
    if (!exists) await this.ip(['link', 'add', this.bridge, 'type', 'bridge']).catch((e) => { if (!existsSync(`/sys/class/net/${this.bridge}`)) throw e; });
    const mine = `${this.gateway}/${this.cidr.prefix}`;
    const held = [...(await this.ip(['-4', '-o', 'addr', 'show', 'dev', this.bridge])).matchAll(/ inet (\S+)/g)].map((m) => m[1]!);
    // An address from a CIDR this node had before would keep routing that CIDR here.
    const batch = held.filter((a) => a !== mine).map((a) => `addr del ${a} dev ${this.bridge}`);
    if (!held.includes(mine)) batch.push(`addr add ${mine} dev ${this.bridge}`);
    // The MAC it has now, set as its own (new: the kernel's random one; resumed: the one its pods
    // resolved their gateway to). A bridge whose address was never set takes the lowest MAC among
    // its ports and changes it whenever a lower one joins — the netns pool adds ends right after
    // pod starts. Pods keep sending to the old MAC, another port's own address: the bridge passes
    // those frames up as meant for another host, IP drops them, and br_netfilter confirms their
    // conntrack entry on the way (un-NATed), so a connection to a Service IP retried after that
    // misses the proxy's DNAT until TCP gives up (127 s). (Docker sets docker0's MAC explicitly too.)
    const mac = readFileSync(`/sys/class/net/${this.bridge}/address`, 'utf8').trim();
    batch.push(`link set ${this.bridge} address ${mac}`, `link set ${this.bridge} up`);
    await this.ip(['-batch', '-'], batch.join('\n') + '\n');
    const clash = addressesInCidr(this.cidr).find((a) => a.iface !== this.bridge);
    if (clash) throw new Error(`pod CIDR ${intToIp(this.cidr.base)}/${this.cidr.prefix} clashes with ${clash.address} on interface ${clash.iface}: pods on this node would be unreachable; give the node another pod CIDR`);
  }

  /**
   * The host sides of several ends in one `ip -batch`; on failure all of them are torn down
   * again. Calls made while a batch runs are coalesced into the next one (group commit, as the
   * storage's fsync): under a burst of sandboxes that is one `ip` process for many of them
   * instead of one each, with no waiting when there is no burst. Running them side by side
   * gained little anyway: creating and enslaving links serializes on the kernel's RTNL lock.
   */
  addHostSides(sandboxIds: string[]): Promise<void> {
    if (!sandboxIds.length) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.hostQueue.push({ ids: sandboxIds, resolve, reject });
      if (!this.hostRunning) void this.runHostBatches();
    });
  }

  private readonly hostQueue: { ids: string[]; resolve: () => void; reject: (err: Error) => void }[] = [];
  private hostRunning = false;

  private async runHostBatches(): Promise<void> {
    this.hostRunning = true;
    while (this.hostQueue.length) {
      const group = this.hostQueue.splice(0);
      const ids = group.flatMap((g) => g.ids);
      try {
        await this.ip(['-b', '-'], hostSideBatch(this.bridge, ids));
        for (const g of group) g.resolve();
      } catch (err) {
        await this.tearDownMany(ids);
        for (const g of group) g.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    this.hostRunning = false;
  }

  /** The pod's side of one end whose host side exists; on failure the end is torn down. */
  async addPodSide(sandboxId: string, ip: string): Promise<void> {
    try {
      await this.ip(['-n', netnsName(sandboxId), '-b', '-'], podSideBatch(ip, this.cidr.prefix, this.gateway));
    } catch (err) {
      await this.tearDown(sandboxId);
      throw err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Remove the namespace (which takes the veth pair with it); idempotent. */
  async tearDown(sandboxId: string): Promise<void> {
    await this.tearDownMany([sandboxId]);
  }

  /** Remove several pods' namespaces (and veths a namespace held by a process kept) in one `ip -batch`; idempotent. */
  async tearDownMany(sandboxIds: string[]): Promise<void> {
    const lines = tearDownBatch(sandboxIds, (ns) => existsSync(netnsPath(ns)), (veth) => existsSync(`/sys/class/net/${veth}`));
    // -force: go on past a line that fails (gone meanwhile), as the separate commands did.
    if (lines) await this.ip(['-force', '-b', '-'], lines).catch(() => undefined);
    // A veth outlives its namespace's name while a process still holds the namespace.
    const left = tearDownBatch(sandboxIds, () => false, (veth) => existsSync(`/sys/class/net/${veth}`));
    if (left) await this.ip(['-force', '-b', '-'], left).catch(() => undefined);
  }

  /** Remove the node's bridge (when the node shuts down with no pods left). */
  async removeBridge(): Promise<void> {
    if (existsSync(`/sys/class/net/${this.bridge}`)) await this.ip(['link', 'del', this.bridge]).catch(() => undefined);
  }
}
