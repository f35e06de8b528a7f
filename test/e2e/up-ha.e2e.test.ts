// `skiff up --storage etcd --apiservers 2 --ha` end to end (issue 8), as a user runs it: one
// real `skiff up` process (fake runtime, temp data dir and HOME, random ports) that starts a
// private etcd, two API servers, two controller-managers, two schedulers and two kubelets.
//   - a Deployment applied through API server 1 becomes available, and both API servers serve it;
//   - kill -9 the leading controller-manager (found from Lease kube-system/skiff-controller-manager
//     and the identities skiff up records in components.json): leadership moves to another
//     live identity and a scale still converges;
//   - kill -9 API server 1: the components keep working through API server 2 (a scale made
//     there converges), and the supervisor brings API server 1 back;
//   - SIGTERM stops everything, etcd included, with no process left;
//   - `skiff up` again on the same data dir finds the Deployment (from etcd's data dir).
// Skipped, with the reason printed, when etcd is not installed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '../../api/apps/index.js';
import type { Lease } from '../../api/coordination/index.js';
import { RestClient } from '../../client/index.js';
import { alive, Cluster, killGroup, until } from './cluster.js';
import { SeenProcesses } from '../support/leftovers.js';

const ETCD = process.env.ETCD_BIN || '/usr/bin/etcd';
const etcdMissing = fs.existsSync(ETCD) ? undefined : `${ETCD} is not installed (apt-get install etcd-server)`;
if (etcdMissing) console.warn(`SKIPPING the skiff up HA end-to-end test: ${etcdMissing}`);

const NS = 'default';
const NAME = 'up-ha-web';
const UP_ARGS = [
  '--storage', 'etcd', '--apiservers', '2', '--ha',
  // Short controller-manager leases: the standby takes over within seconds.
  '--leader-elect-lease-duration', '4s', '--leader-elect-renew-deadline', '3s', '--leader-elect-retry-period', '1s',
];

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${NAME}
spec:
  replicas: 2
  selector:
    matchLabels: { app: ${NAME} }
  template:
    metadata:
      labels: { app: ${NAME} }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: web:v1
`;

interface Recorded { name: string; pid: number; identity?: string; startTime?: string }

describe.skipIf(!!etcdMissing)('skiff up --storage etcd --apiservers 2 --ha', () => {
  const cluster = new Cluster({ nodes: 2, runtime: 'fake' });
  const clients: RestClient[] = [];
  const seen = new SeenProcesses();
  let servers: string[] = [];

  const components = (): Recorded[] => {
    try {
      const list = JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'components.json'), 'utf8')) as Recorded[];
      for (const c of list) seen.add(c.pid, c.startTime);
      return list;
    } catch {
      return [];
    }
  };
  const client = (server: string) => {
    const c = new RestClient({ server, credentials: cluster.credentials(), userAgent: 'up-ha-e2e', retries: 0, timeoutMs: 5000 });
    clients.push(c);
    return c;
  };
  const available = async (c: RestClient, replicas: number) => {
    const d = (await c.deployments().get(NAME, NS)) as Deployment;
    const s = d.status;
    return (
      d.spec.replicas === replicas && (s?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) &&
      s?.replicas === replicas && s?.updatedReplicas === replicas && s?.availableReplicas === replicas
    );
  };
  const runningPods = async (c: RestClient) =>
    (await c.pods().list({ namespace: NS, labelSelector: `app=${NAME}` })).items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running').length;
  const holder = async (c: RestClient) => ((await c.leases().get('skiff-controller-manager', 'kube-system')) as Lease).spec?.holderIdentity ?? undefined;
  /** Processes whose command line names the data dir (etcd, API servers, kubelets all do). */
  const processesOfDataDir = (): number[] => {
    const pids: number[] = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(cluster.dataDir)) pids.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return pids;
  };

  beforeAll(async () => {
    await cluster.up(UP_ARGS);
    const m = cluster.output.match(/Skiff is up\. API servers: (\S+), (\S+)/);
    if (!m) throw new Error(`no API server URLs in:\n${cluster.output}`);
    servers = [m[1]!, m[2]!];
    components();
  }, 180_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const pid of [...seen.running().map((p) => p.pid), ...processesOfDataDir()]) if (alive(pid)) killGroup(pid, 'SIGKILL');
    await cluster.destroy();
  }, 180_000);

  it('prints its topology and records every process, etcd first', () => {
    expect(cluster.output).toContain('etcd storage, 2 API servers, HA controllers');
    expect(servers[0]).toBe(cluster.server);
    const names = components().map((c) => c.name);
    expect(names[0]).toBe('etcd');
    expect(names).toEqual(expect.arrayContaining(['apiserver', 'apiserver-2', 'controller-manager', 'controller-manager-2', 'scheduler', 'scheduler-2']));
    const ids = components().filter((c) => c.identity).map((c) => c.identity);
    expect(new Set(ids).size).toBe(4);
    // The kubeconfig names API server 1.
    expect(fs.readFileSync(path.join(cluster.dataDir, 'kubeconfig'), 'utf8')).toContain(servers[0]);
  });

  it('a Deployment applied through API server 1 becomes available and both API servers serve it', async () => {
    await cluster.ok(['--server', servers[0]!, 'apply', '-f', '-'], { input: MANIFEST });
    const [one, two] = servers.map(client);
    await until('the Deployment available through API server 1', () => available(one!, 2), 120_000);
    await until('the Deployment available through API server 2', () => available(two!, 2), 60_000);
    const fromTwo = await cluster.ok(['--server', servers[1]!, 'get', 'deployment', NAME, '-o', 'jsonpath={.status.availableReplicas}']);
    expect(fromTwo.trim()).toBe('2');
  }, 180_000);

  it('kill -9 of the leading controller-manager: another takes the Lease and a scale converges', async () => {
    const c = client(servers[1]!);
    const leader = await until('a controller-manager leader', () => holder(c), 60_000);
    const proc = components().find((p) => p.identity === leader);
    expect(proc, `leader ${leader} among ${JSON.stringify(components())}`).toBeDefined();
    expect(proc!.name).toMatch(/^controller-manager/);
    process.kill(proc!.pid, 'SIGKILL');
    await until('the killed controller-manager gone', async () => !alive(proc!.pid), 30_000);

    const next = await until('a new controller-manager leader', async () => {
      const h = await holder(c);
      return h && h !== leader ? h : undefined;
    }, 120_000);
    // The new leader is a live process skiff up runs (the standby, or the restarted one under a fresh identity).
    const nextProc = await until('the new leader recorded', async () => components().find((p) => p.identity === next), 30_000);
    expect(alive(nextProc.pid)).toBe(true);
    console.log(`controller-manager leader ${leader} (pid ${proc!.pid}) killed; ${next} (${nextProc.name}, pid ${nextProc.pid}) took over`);

    await cluster.ok(['--server', servers[1]!, 'scale', `deployment/${NAME}`, '--replicas', '4']);
    await until('4 available replicas under the new leader', async () => (await available(c, 4)) && (await runningPods(c)) === 4, 120_000);
    // The supervisor restarted the killed one: two controller-managers run again.
    await until('two controller-managers running', async () => components().filter((p) => p.name.startsWith('controller-manager') && alive(p.pid)).length === 2, 60_000);
  }, 300_000);

  it('kill -9 of API server 1: the components keep working through API server 2', async () => {
    const api1 = components().find((p) => p.name === 'apiserver')!;
    const two = client(servers[1]!);
    const one = client(servers[0]!);
    process.kill(api1.pid, 'SIGKILL');
    await until('API server 1 gone', async () => !alive(api1.pid), 30_000);
    // Right away, while API server 1 is down (the supervisor restarts it after a backoff).
    await cluster.ok(['--server', servers[1]!, 'scale', `deployment/${NAME}`, '--replicas', '3']);
    await until('3 available replicas through API server 2', async () => (await available(two, 3)) && (await runningPods(two)) === 3, 120_000);
    // The supervisor brought API server 1 back on its port, serving the same data.
    await until('API server 1 restarted', async () => {
      const p = components().find((x) => x.name === 'apiserver');
      return p && p.pid !== api1.pid && alive(p.pid);
    }, 60_000);
    await until('API server 1 serves the scaled Deployment', () => available(one, 3), 60_000);
    // The nodes kept heartbeating through it all.
    const nodes = (await two.nodes().list()).items.filter((n) => n.metadata.name!.startsWith(cluster.nodePrefix));
    expect(nodes.map((n) => n.status?.conditions?.find((x) => x.type === 'Ready')?.status)).toEqual(['True', 'True']);
  }, 300_000);

  it('SIGTERM stops everything, etcd included; skiff up again on the data dir finds the Deployment', async () => {
    const before = components();
    expect(before.map((c) => c.name)).toContain('etcd');
    const code = await cluster.down();
    expect(code).toBe(0);
    expect(cluster.output).toContain('etcd stopped');
    expect(before.filter((c) => alive(c.pid)).map((c) => c.name)).toEqual([]);
    expect(processesOfDataDir()).toEqual([]);
    expect(cluster.recordedPids()).toEqual([]);

    await cluster.up(UP_ARGS);
    expect(cluster.output).toMatch(/^Resuming a Skiff cluster/m);
    components();
    const one = client(servers[0]!);
    const d = (await until('the Deployment back', () => one.deployments().get(NAME, NS), 60_000)) as Deployment;
    expect(d.spec.replicas).toBe(3);
    await until('3 available replicas after the restart', async () => (await available(one, 3)) && (await runningPods(one)) === 3, 120_000);
  }, 300_000);
});

// --etcd-members 3: kill -9 the member API server 1 lists first; writes keep being
// acknowledged (the supervisor restarts the member, which catches up from its peers), the
// cluster stops cleanly and resumes on its remembered peer ports.
describe.skipIf(!!etcdMissing)('skiff up --storage etcd --etcd-members 3 --apiservers 2', () => {
  const cluster = new Cluster({ nodes: 1, runtime: 'fake' });
  const clients: RestClient[] = [];
  const seen = new SeenProcesses();
  const args = ['--storage', 'etcd', '--etcd-members', '3', '--apiservers', '2'];
  const components = (): Recorded[] => {
    try {
      const list = JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'components.json'), 'utf8')) as Recorded[];
      for (const c of list) seen.add(c.pid, c.startTime);
      return list;
    } catch {
      return [];
    }
  };

  beforeAll(async () => {
    await cluster.up(args);
    components();
  }, 180_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const { pid } of seen.running()) killGroup(pid, 'SIGKILL');
    await cluster.destroy();
  }, 180_000);

  it('survives kill -9 of an etcd member, stops cleanly and resumes', async () => {
    expect(cluster.output).toContain('etcd storage (3 members)');
    expect(components().filter((c) => c.name.startsWith('etcd')).map((c) => c.name)).toEqual(['etcd', 'etcd-2', 'etcd-3']);
    const one = new RestClient({ server: cluster.server, credentials: cluster.credentials(), userAgent: 'up-ha-e2e', timeoutMs: 10_000 });
    clients.push(one);
    const first = components().find((c) => c.name === 'etcd')!;
    process.kill(first.pid, 'SIGKILL');
    await until('etcd member 1 gone', async () => !alive(first.pid), 30_000);
    // Writes go on through the surviving majority.
    for (const name of ['after-kill-1', 'after-kill-2']) {
      await until(`namespace ${name} created`, async () => {
        await one.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as never).catch((e: { code?: number }) => {
          if (e.code !== 409) throw e;
        });
        return true;
      }, 60_000);
    }
    // The supervisor restarts the member.
    await until('etcd member 1 restarted', async () => {
      const p = components().find((c) => c.name === 'etcd');
      return p && p.pid !== first.pid && alive(p.pid);
    }, 60_000);

    const before = components();
    expect(await cluster.down()).toBe(0);
    expect(before.filter((c) => alive(c.pid)).map((c) => c.name)).toEqual([]);

    await cluster.up(args);
    expect(cluster.output).toMatch(/^Resuming a Skiff cluster/m);
    components();
    const again = new RestClient({ server: cluster.server, credentials: cluster.credentials(), userAgent: 'up-ha-e2e', timeoutMs: 10_000 });
    clients.push(again);
    const names = (await again.namespaces().list()).items.map((n) => n.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['after-kill-1', 'after-kill-2']));
  }, 300_000);
});
