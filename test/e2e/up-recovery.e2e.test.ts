// End to end: `skiff up` killed with SIGKILL (as the OOM killer or a dropped session would)
// leaves no orphans, and the next `skiff up` on the same data dir comes up without a manual
// step. With the process runtime the pods' containers outlive it all and are adopted by the
// new kubelets: the same containers (same pids), the same pod UIDs, no duplicates. And the
// variant where the old components are still running when the next `skiff up` starts (their
// watch of the supervisor disabled by the test hook, as with an older version): it stops them
// and comes up. The fake runtime: the same, with objects and pods back.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IGNORE_SUPERVISOR_EXIT_ENV } from '../../cli/up/liveness-pipe.js';
import { processStartTime } from '../../cli/up/supervisor.js';
import { alive, Cluster, killGroup, until } from './cluster.js';

interface Recorded {
  name: string;
  pid: number;
  startTime?: string;
}

const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sleeper
spec:
  replicas: 2
  selector:
    matchLabels:
      app: sleeper
  template:
    metadata:
      labels:
        app: sleeper
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: sleeper
          image: host
          command: [sleep, "3600"]
---
apiVersion: v1
kind: Namespace
metadata:
  name: kept
  labels:
    written: before-the-kill
`;

function recorded(cluster: Cluster): Recorded[] {
  try {
    return JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'components.json'), 'utf8')) as Recorded[];
  } catch {
    return [];
  }
}

/** Still the very process recorded (not exited, not a zombie, not a recycled pid). */
const running = (c: Recorded) => c.startTime !== undefined && processStartTime(c.pid) === c.startTime;

interface PodView {
  name: string;
  uid: string;
  ready: boolean;
  containerID: string;
  restartCount: number;
}

async function pods(cluster: Cluster): Promise<PodView[]> {
  const out = await cluster.ok(['get', 'pods', '-l', 'app=sleeper', '-o', 'json']);
  const list = JSON.parse(out) as {
    items: {
      metadata: { name: string; uid: string; deletionTimestamp?: string };
      status?: { conditions?: { type: string; status: string }[]; containerStatuses?: { containerID?: string; restartCount: number }[] };
    }[];
  };
  return list.items.map((p) => ({
    name: p.metadata.name,
    uid: p.metadata.uid,
    ready: !p.metadata.deletionTimestamp && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    containerID: p.status?.containerStatuses?.[0]?.containerID ?? '',
    restartCount: p.status?.containerStatuses?.[0]?.restartCount ?? 0,
  }));
}

const twoReady = (cluster: Cluster) =>
  until('2 Ready sleeper pods', async () => {
    const list = await pods(cluster);
    return list.length === 2 && list.every((p) => p.ready) ? list : undefined;
  }, 180_000);

/** The process runtime's running containers (a pid, no exit yet) on every node of the data dir (from the runtime's state). */
function runningContainers(cluster: Cluster): { id: string; pid: number }[] {
  const running: { id: string; pid: number }[] = [];
  const nodes = path.join(cluster.dataDir, 'nodes');
  for (const node of fs.readdirSync(nodes)) {
    const dir = path.join(nodes, node, 'containers');
    if (!fs.existsSync(dir)) continue;
    for (const id of fs.readdirSync(dir)) {
      const file = path.join(dir, id, 'pid');
      if (fs.existsSync(file) && !fs.existsSync(path.join(dir, id, 'exit'))) running.push({ id, pid: Number(fs.readFileSync(file, 'utf8').trim()) });
    }
  }
  return running;
}

/** The pids of those containers, sorted. */
const containerPids = (cluster: Cluster): number[] => runningContainers(cluster).map((c) => c.pid).sort((a, b) => a - b);

/**
 * A test cluster started in beforeAll and, in afterAll, stopped cleanly (the pods, their network
 * namespaces and cgroups too) before anything an earlier, failed step left behind is killed.
 */
function killableCluster(opts: { nodes: number; runtime: 'process' | 'fake' }, upArgs: string[] = []) {
  const cluster = new Cluster(opts);
  const seen: Recorded[] = [];
  /** Container pids a test saw (process runtime), for the cleanup. */
  const containers = new Set<number>();
  beforeAll(() => cluster.up(upArgs), 180_000);
  afterAll(async () => {
    await cluster.destroy();
    for (const c of seen) if (running(c)) killGroup(c.pid, 'SIGKILL');
    for (const pid of containers) if (alive(pid)) killGroup(pid, 'SIGKILL');
  }, 180_000);
  /** The components skiff up records now (kept for the cleanup). */
  const components = () => {
    const list = recorded(cluster);
    seen.push(...list);
    return list;
  };
  return { cluster, components, containers };
}

/** kill -9 skiff up and wait until none of `comps` runs; prints how long that took (the figure). */
async function killAndWaitGone(cluster: Cluster, comps: Recorded[], label: string): Promise<number> {
  const killed = await cluster.killSupervisor();
  const t0 = Date.now();
  await until(`no component left (${comps.map((c) => c.name).join(', ')})`, async () => !comps.some(running), 30_000, 100);
  console.log(`${label}: the last component of the killed skiff up exited ${Date.now() - t0} ms after the kill`);
  return killed;
}

/** After the restart: the same pods (no duplicates) and the objects written before the kill. */
async function expectSamePodsAndObjects(cluster: Cluster, before: PodView[]): Promise<PodView[]> {
  const after = await twoReady(cluster);
  expect(after.map((p) => p.uid).sort()).toEqual(before.map((p) => p.uid).sort());
  expect(await cluster.ok(['get', 'namespace', 'kept', '-o', 'jsonpath={.metadata.labels.written}'])).toBe('before-the-kill');
  return after;
}

describe('skiff up killed with SIGKILL, process runtime', () => {
  const { cluster, components, containers: seenContainers } = killableCluster({ nodes: 1, runtime: 'process' });
  let before: PodView[] = [];
  let containers: number[] = [];
  const containersNow = () => {
    const pids = containerPids(cluster);
    for (const pid of pids) seenContainers.add(pid);
    return pids;
  };

  it('its components stop on their own; the containers keep running', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: MANIFEST });
    before = await twoReady(cluster);
    containers = containersNow();
    expect(containers).toHaveLength(2);
    const comps = components();
    expect(comps.map((c) => c.name).sort()).toEqual(['apiserver', 'controller-manager', 'dns', `kubelet-${cluster.nodePrefix}1`, 'proxy', 'scheduler']);
    expect(comps.every(running)).toBe(true);

    await killAndWaitGone(cluster, comps, 'process runtime');
    expect(containers.filter(alive)).toEqual(containers);
    // The kubelet stopped the plain way, as across a kubelet restart (not stopping the pods).
    const kubeletLog = fs.readFileSync(path.join(cluster.dataDir, 'logs', `kubelet-${cluster.nodePrefix}1.log`), 'utf8');
    expect(kubeletLog).toContain('its supervisor is gone (the pipe from it closed); shutting down');
  }, 300_000);

  it('the next skiff up comes up and adopts the running containers: same pods, same containers, no duplicates', async () => {
    await cluster.up();
    expect(cluster.output).toMatch(/^ {2}! a previous skiff up \(pid \d+\) ended without stopping its cluster; its 6 processes had stopped on their own$/m);
    expect(cluster.output).toMatch(/^Resuming a Skiff cluster/m);
    components();
    const after = await expectSamePodsAndObjects(cluster, before);
    expect(after.map((p) => p.containerID).sort()).toEqual(before.map((p) => p.containerID).sort());
    expect(after.every((p) => p.restartCount === 0)).toBe(true);
    expect(containersNow()).toEqual(containers);
    expect(containers.filter(alive)).toEqual(containers);
  }, 300_000);

  it('components still running (their watch disabled) are stopped by the next skiff up, which comes up and adopts the containers', async () => {
    // A clean stop (the pods stop too), then a run whose components ignore the supervisor's death.
    expect(await cluster.down()).toBe(0);
    cluster.extraEnv = { [IGNORE_SUPERVISOR_EXIT_ENV]: '1' };
    await cluster.up();
    cluster.extraEnv = {};
    // Ready in the API is not enough here: after the clean stop the pods still show the stopped
    // containers until the new kubelets have synced them, so wait for statuses naming running ones.
    before = await until('2 Ready sleeper pods whose containers run', async () => {
      const list = await twoReady(cluster);
      const ids = new Set(runningContainers(cluster).map((c) => c.id));
      return list.every((p) => ids.has(p.containerID.replace(/^[a-z]+:\/\//, ''))) ? list : undefined;
    }, 180_000);
    containers = containersNow();
    expect(containers).toHaveLength(2);
    const comps = components();

    const killed = await cluster.killSupervisor();
    // They would stop within moments if they watched; they do not, and stay.
    await new Promise((r) => setTimeout(r, 3000));
    expect(comps.filter(running).map((c) => c.name)).toEqual(comps.map((c) => c.name));

    await cluster.up();
    expect(cluster.output).toContain(`! found a cluster left running by a previous skiff up (pid ${killed}): 6 processes (apiserver, controller-manager, scheduler, proxy, dns, kubelet-${cluster.nodePrefix}1); stopping them and starting afresh (the nodes' containers keep running for the new kubelets to adopt)`);
    expect(comps.filter(running)).toEqual([]);
    components();
    const after = await expectSamePodsAndObjects(cluster, before);
    expect(after.map((p) => p.containerID).sort()).toEqual(before.map((p) => p.containerID).sort());
    expect(containersNow()).toEqual(containers);
    expect(containers.filter(alive)).toEqual(containers);
  }, 300_000);
});

describe('skiff up killed with SIGKILL, fake runtime', () => {
  const { cluster, components } = killableCluster({ nodes: 2, runtime: 'fake' });

  it('no component is left, and the next skiff up comes up with the objects and the same pods', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: MANIFEST });
    const before = await twoReady(cluster);
    const comps = components();
    expect(comps).toHaveLength(7);

    const killed = await killAndWaitGone(cluster, comps, 'fake runtime');

    // A port taken by something that is not this data dir's cluster still gets the plain message.
    const foreign = net.createServer();
    await new Promise<void>((r) => foreign.listen(cluster.port, '127.0.0.1', r));
    try {
      const failed = await cluster.up().then(() => 'came up', (e: Error) => e.message);
      expect(failed).toContain(`! a previous skiff up (pid ${killed}) ended without stopping its cluster; its 7 processes had stopped on their own`);
      expect(failed).toContain(`port ${cluster.port} on 127.0.0.1 is already in use (another skiff up or Kubernetes API server?). Stop it, or choose another port`);
    } finally {
      await new Promise((r) => foreign.close(r));
    }

    // The failed start dealt with the leftovers already: nothing to report this time.
    await cluster.up();
    components();
    expect(cluster.output).not.toContain('previous skiff up');
    await expectSamePodsAndObjects(cluster, before);
    expect(await cluster.ok(['get', 'nodes', '-o', 'name'])).toBe(`node/${cluster.nodePrefix}1\nnode/${cluster.nodePrefix}2\n`);
  }, 300_000);
});

const ETCD = process.env.ETCD_BIN || '/usr/bin/etcd';

describe.skipIf(!fs.existsSync(ETCD))('skiff up --storage etcd killed with SIGKILL, fake runtime', () => {
  const { cluster, components } = killableCluster({ nodes: 1, runtime: 'fake' }, ['--storage', 'etcd']);

  it('etcd stops too (after the API server), and the next skiff up comes up with the objects', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: MANIFEST });
    const before = await twoReady(cluster);
    const comps = components();
    expect(comps.map((c) => c.name)).toContain('etcd');

    const killed = await killAndWaitGone(cluster, comps, 'etcd storage');
    // Asked to stop (by its guard), as in a clean stop; the API server stopped on its own.
    expect(fs.readFileSync(path.join(cluster.dataDir, 'logs', 'etcd.log'), 'utf8')).toMatch(/received signal; shutting down.*"signal":"terminated"/);
    expect(fs.readFileSync(path.join(cluster.dataDir, 'logs', 'apiserver.log'), 'utf8')).toContain('skiff apiserver: SIGHUP, shutting down');

    await cluster.up(['--storage', 'etcd']);
    components();
    expect(cluster.output).toContain(`! a previous skiff up (pid ${killed}) ended without stopping its cluster; its 7 processes had stopped on their own`);
    await expectSamePodsAndObjects(cluster, before);
  }, 300_000);
});
