// What of a cluster is still on the host after its teardown: processes, mounts, network
// namespaces and cgroups. Each is described so that a soak failure says what was left (a
// container's shim, the container itself, a component) without anyone re-running it.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { addressesInCidr, bridgeName, gatewayOf, netnsName, parseCidr } from '../../kubelet/runtime/process/pod-network.js';
import { CLAIMS_DIR, type PodCidrClaim } from '../../kubelet/runtime/process/pod-cidr-claims.js';
import { processStartTime } from '../../cli/up/supervisor.js';

/**
 * A process seen once, by its pid and start time: over a long run pids are recycled, and a pid
 * alone would take (and kill) some other program's process for one of the cluster's.
 */
export interface SeenProcess {
  pid: number;
  startTime: string;
}

/** Records each process once, with its start time (components.json's, or read now). */
export class SeenProcesses {
  private readonly byKey = new Map<string, SeenProcess>();
  add(pid: number, startTime: string | undefined = processStartTime(pid)): void {
    if (startTime !== undefined) this.byKey.set(`${pid}@${startTime}`, { pid, startTime });
  }
  /** Those still running as the same process (same pid, same start time). */
  running(): SeenProcess[] {
    return [...this.byKey.values()].filter((p) => processStartTime(p.pid) === p.startTime);
  }
}

/**
 * /proc/PID/cmdline as a shell would show it (NULs to spaces), an inline script (the shim's
 * `sh -c '…'`) cut to its start, the whole cut to `max` characters.
 */
export function cmdlineText(raw: string, max = 400): string {
  const arg = (a: string) => (a.length > 60 ? `${a.slice(0, 40).replace(/\n/g, ' ')}…` : a);
  const s = raw.replace(/\0+$/, '').split('\0').map(arg).map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

const CONTAINER_DIR = /\/nodes\/([^/\s\0]+)\/containers\/([0-9a-f]{32})(?=[/\s\0]|$)/;

/**
 * Which container a leftover process belongs to, from the process runtime's state dir in its
 * argv (the shim gets it as $1) and the container record there, if it still exists: the pod,
 * the container's name and whether the record says it was started (a record without startedAt
 * for a running process is a kubelet that died between spawning the shim and saving the record).
 */
export function describeContainer(cmdline: string, dataDir: string): string | undefined {
  const m = CONTAINER_DIR.exec(cmdline);
  if (!m) return undefined;
  const [, node, id] = m;
  try {
    const rec = JSON.parse(fs.readFileSync(path.join(dataDir, 'nodes', node!, 'containers', id!, 'container.json'), 'utf8')) as {
      config?: { name?: string; labels?: Record<string, string> };
      startedAt?: string;
      shimPid?: number;
      finished?: unknown;
    };
    const l = rec.config?.labels ?? {};
    const pod = `${l['io.kubernetes.pod.namespace'] ?? '?'}/${l['io.kubernetes.pod.name'] ?? '?'}`;
    const state = rec.finished ? 'finished' : rec.startedAt ? `started ${rec.startedAt}, shim pid ${rec.shimPid}` : 'created, never recorded as started';
    return `container ${id!.slice(0, 12)} "${rec.config?.name}" of pod ${pod} on ${node} (record: ${state})`;
  } catch {
    return `container ${id!.slice(0, 12)} on ${node} (no record left)`;
  }
}

function stat(pid: string): { ppid: number; state: string } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, ppid: Number(f[1]) };
  } catch {
    return undefined;
  }
}

/** Live processes whose argv names the data dir, or that are still one of `seen`, described. */
export function leftoverProcesses(dataDir: string, seen?: SeenProcesses): string[] {
  const out = new Map<string, string>();
  const describe = (pid: string, raw: string) => {
    const st = stat(pid);
    if (!st || st.state === 'Z' || st.state === 'X') return;
    const cmd = cmdlineText(raw);
    const owner = describeContainer(raw.replace(/\0/g, ' '), dataDir);
    out.set(pid, `process ${pid} (parent ${st.ppid})${owner ? `, ${owner}` : ''}: ${cmd}`);
  };
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const raw = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (raw.includes(dataDir)) describe(e, raw);
    } catch {
      // gone meanwhile
    }
  }
  for (const { pid } of seen?.running() ?? []) {
    const e = String(pid);
    if (out.has(e)) continue;
    try {
      describe(e, fs.readFileSync(`/proc/${e}/cmdline`, 'utf8'));
    } catch {
      // gone
    }
  }
  return [...out.values()];
}

/** Mount points under the data dir. */
export function leftoverMounts(dataDir: string): string[] {
  return fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((m) => m.includes(dataDir)).map((m) => `mount ${m.split(' ')[1]}`);
}

/** Network namespaces of the sandboxes the cluster made (the process runtime names them skiff-<id prefix>). */
export function leftoverNetns(sandboxIds: Iterable<string>): string[] {
  const out: string[] = [];
  for (const id of sandboxIds) if (fs.existsSync(`/var/run/netns/${netnsName(id)}`)) out.push(`network namespace ${netnsName(id)}`);
  return out;
}

/**
 * Cgroups of the cluster's nodes under the cgroup root the process runtime uses: the per-node
 * parent skiff/<node> in every v1 controller hierarchy (or the v2 unified tree), and any
 * container cgroup below it. A clean stop removes both (kubelet --stop-pods-on-exit).
 */
export function leftoverCgroups(nodeNames: string[], root = '/sys/fs/cgroup'): string[] {
  const out: string[] = [];
  const hierarchies = fs.existsSync(path.join(root, 'cgroup.controllers')) ? [''] : ['memory', 'cpu', 'pids', 'cpuacct'];
  const seen = new Set<string>();
  for (const h of hierarchies) {
    for (const n of nodeNames) {
      const dir = path.join(root, h, 'skiff', n.replace(/[^A-Za-z0-9._-]/g, '_'));
      let real: string;
      try {
        real = fs.realpathSync(dir); // cpu and cpuacct are often one hierarchy under two names
      } catch {
        continue;
      }
      if (seen.has(real)) continue;
      seen.add(real);
      const kids = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
      for (const k of kids) out.push(`cgroup ${path.join(dir, k.name)}${procsText(path.join(dir, k.name))}`);
      if (!kids.length) out.push(`cgroup ${dir} (the node's parent, empty)`);
    }
  }
  return out;
}

function procsText(dir: string): string {
  try {
    const pids = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    return pids.length ? ` (processes ${pids.join(', ')})` : ' (empty)';
  } catch {
    return '';
  }
}

/** The nodes' pod bridges (a clean stop with no ready sandbox left removes them). */
export function leftoverBridges(nodeNames: string[]): string[] {
  return nodeNames.filter((n) => fs.existsSync(`/sys/class/net/${bridgeName(n)}`)).map((n) => `bridge ${bridgeName(n)} of node ${n}`);
}

/**
 * After the check: remove what was left, so a failing soak leaks nothing either — every
 * process in the nodes' cgroups or naming the data dir, then the cgroups, namespaces, bridges.
 */
export async function removeLeftovers(dataDir: string, nodeNames: string[], sandboxIds: Iterable<string>, root = '/sys/fs/cgroup'): Promise<void> {
  const cgroupDirs: string[] = [];
  for (const h of fs.existsSync(path.join(root, 'cgroup.controllers')) ? [''] : ['memory', 'cpu', 'pids', 'cpuacct']) {
    for (const n of nodeNames) {
      const dir = path.join(root, h, 'skiff', n.replace(/[^A-Za-z0-9._-]/g, '_'));
      if (!fs.existsSync(dir)) continue;
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) cgroupDirs.push(path.join(dir, e.name));
      cgroupDirs.push(dir);
    }
  }
  for (let round = 0; round < 20; round++) {
    const pids = new Set<number>();
    for (const d of cgroupDirs) {
      try {
        for (const p of fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n')) if (p) pids.add(Number(p));
      } catch {
        // gone
      }
    }
    for (const l of leftoverProcesses(dataDir)) pids.add(Number(/^process (\d+)/.exec(l)![1]));
    if (!pids.size) break;
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const d of cgroupDirs) {
    try {
      fs.rmdirSync(d); // children first: they were listed before their parent
    } catch {
      // gone, or still busy
    }
  }
  for (const id of sandboxIds) {
    if (fs.existsSync(`/var/run/netns/${netnsName(id)}`)) {
      try {
        execFileSync('ip', ['netns', 'delete', netnsName(id)], { stdio: 'ignore' });
      } catch {
        // gone meanwhile
      }
    }
  }
  for (const n of nodeNames) {
    if (fs.existsSync(`/sys/class/net/${bridgeName(n)}`)) {
      try {
        execFileSync('ip', ['link', 'del', bridgeName(n)], { stdio: 'ignore' });
      } catch {
        // gone meanwhile
      }
    }
  }
}

/**
 * Delete the bridges of the nodes whose kubelet root dirs are under `dir` (found through their
 * pod CIDR claims: a bridge holds its node's gateway). A kubelet stopped cleanly removes its own;
 * one killed, or stopped with a pod sandbox still up, leaves it. Before `dir` is removed.
 */
export function removeBridgesUnder(dir: string, claimsDir = CLAIMS_DIR): void {
  let files: string[];
  try {
    files = fs.readdirSync(claimsDir).filter((f) => !f.startsWith('.'));
  } catch {
    return; // no process-runtime kubelet has run as root here
  }
  for (const f of files) {
    try {
      const claim = JSON.parse(fs.readFileSync(path.join(claimsDir, f), 'utf8')) as PodCidrClaim;
      if (!path.resolve(claim.rootDir).startsWith(path.resolve(dir) + path.sep)) continue;
      const gateway = gatewayOf(parseCidr(claim.cidr));
      for (const a of addressesInCidr(parseCidr(claim.cidr))) {
        if (a.address === gateway && /^sk[0-9a-f]{10}$/.test(a.iface)) execFileSync('ip', ['link', 'del', a.iface], { stdio: 'ignore' });
      }
    } catch {
      // claim gone meanwhile, or the link
    }
  }
}
