// The data dir of a local cluster and what lives in it:
//   <data-dir>/apiserver/          the API server's embedded store (objects survive restarts)
//   <data-dir>/etcd/               the private etcd's data dir (--storage etcd); with
//                                  --etcd-members 3 also etcd-2/ and etcd-3/
//   <data-dir>/etcd.json           the members' client and peer ports, reused by the next run
//   <data-dir>/nodes/<node>/       each kubelet's root dir (pod state, logs)
//   <data-dir>/logs/<component>.log
//   <data-dir>/kubeconfig          a kubeconfig for this cluster alone (the admin's certificate)
//   <data-dir>/pki/                the cluster CA and every certificate (keys 0600): up/certificates.ts
//   <data-dir>/kubeconfigs/        each component's kubeconfig with its own certificate
//   <data-dir>/skiff-up.pid        the running `skiff up` (one per data dir)
//   <data-dir>/components.json     its children: name, role, pid and start time (and leader-election
//                                  identities), so a killed run's leftovers are found (up/recovery.ts)
//                                  and a leader can be told apart
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ROLES } from './plan.js';
import { isSkiffProcess } from './supervisor.js';

export interface Layout {
  root: string;
  apiserver: string;
  etcd: string;
  etcdState: string;
  nodes: string;
  logs: string;
  kubeconfig: string;
  pki: string;
  kubeconfigs: string;
  pidFile: string;
  componentsFile: string;
}

export function expandHome(p: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || os.homedir();
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return path.resolve(p);
}

export function layout(root: string): Layout {
  return {
    root,
    apiserver: path.join(root, 'apiserver'),
    etcd: path.join(root, 'etcd'),
    etcdState: path.join(root, 'etcd.json'),
    nodes: path.join(root, 'nodes'),
    logs: path.join(root, 'logs'),
    kubeconfig: path.join(root, 'kubeconfig'),
    pki: path.join(root, 'pki'),
    kubeconfigs: path.join(root, 'kubeconfigs'),
    pidFile: path.join(root, 'skiff-up.pid'),
    componentsFile: path.join(root, 'components.json'),
  };
}

export function prepare(l: Layout): void {
  for (const d of [l.root, l.apiserver, l.nodes, l.logs]) fs.mkdirSync(d, { recursive: true });
}

/**
 * Take the data dir for this process; throws a plain message if a live `skiff up` holds it.
 * Returns the pid of a previous `skiff up` that died holding it (it never unlocked), if any.
 */
export function lockDataDir(l: Layout): number | undefined {
  let previous: number | undefined;
  try {
    const pid = Number(fs.readFileSync(l.pidFile, 'utf8').trim());
    if (pid && pid !== process.pid && isSkiffProcess(pid)) {
      throw new Error(`a cluster is already running from ${l.root} (skiff up, pid ${pid}); stop it first (Ctrl-C in its terminal, or kill ${pid})`);
    }
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) previous = pid;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  fs.writeFileSync(l.pidFile, `${process.pid}\n`);
  return previous;
}

export function unlockDataDir(l: Layout): void {
  try {
    if (Number(fs.readFileSync(l.pidFile, 'utf8').trim()) === process.pid) fs.rmSync(l.pidFile);
  } catch {
    // already gone
  }
}

/** One line of components.json. */
export const RecordedComponentSchema = z.object({
  name: z.string(),
  /** Absent in files of older versions: then told by the name (recovery.roleOf). */
  role: z.enum(ROLES).optional(),
  pid: z.number().int().positive(),
  /** processStartTime(pid) when it started: a live pid with another start time is someone else. */
  startTime: z.string().optional(),
  /** Leader-elected components: the identity they hold Leases under. */
  identity: z.string().optional(),
});
export type RecordedComponent = z.infer<typeof RecordedComponentSchema>;

/** What the last `skiff up` on this data dir recorded: [] after a clean stop, or when unreadable. */
export function readComponents(l: Layout): RecordedComponent[] {
  let text: string;
  try {
    text = fs.readFileSync(l.componentsFile, 'utf8');
  } catch {
    return [];
  }
  try {
    const parsed = z.array(RecordedComponentSchema).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return []; // torn by a kill mid-write: nothing to go on
  }
}

export function recordComponents(l: Layout, comps: (Omit<RecordedComponent, 'pid'> & { pid: number | undefined })[]): void {
  const list: RecordedComponent[] = comps
    .filter((c) => c.pid)
    .map((c) => ({ name: c.name, ...(c.role ? { role: c.role } : {}), pid: c.pid!, ...(c.startTime ? { startTime: c.startTime } : {}), ...(c.identity ? { identity: c.identity } : {}) }));
  try {
    // Write and rename: a supervisor killed mid-write leaves the previous list, not half of one.
    const tmp = `${l.componentsFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(list) + '\n');
    fs.renameSync(tmp, l.componentsFile);
  } catch {
    // the data dir went away (tests cleaning up): nothing to record
  }
}

/** Is 127.0.0.1:port free to listen on? */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** A port the OS says is free right now. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The etcd members' ports of the last run, if remembered: { members: [{ clientPort, peerPort }, …] }. */
export function readEtcdPorts(l: Layout): { clientPort: number; peerPort: number }[] | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(l.etcdState, 'utf8')) as { members?: { clientPort?: unknown; peerPort?: unknown }[] };
    const ok = (p: unknown): p is number => Number.isInteger(p) && (p as number) > 0 && (p as number) < 65536;
    const members = v.members ?? [];
    if (members.length === 0 || !members.every((m) => ok(m.clientPort) && ok(m.peerPort))) return undefined;
    return members.map((m) => ({ clientPort: m.clientPort as number, peerPort: m.peerPort as number }));
  } catch {
    return undefined;
  }
}

export function writeEtcdPorts(l: Layout, members: { clientPort: number; peerPort: number }[]): void {
  fs.writeFileSync(l.etcdState, JSON.stringify({ members: members.map((m) => ({ clientPort: m.clientPort, peerPort: m.peerPort })) }) + '\n');
}

/** Does the data dir already hold cluster state for this storage (a resume rather than a first start)? */
export function hasState(l: Layout, storage: 'embedded' | 'etcd'): boolean {
  const dir = storage === 'etcd' ? path.join(l.etcd, 'member') : l.apiserver;
  try {
    return fs.readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}
