// The chaos soak's teardown failure (seed 620189308): a kubelet SIGKILLed shortly before
// `skiff up` is stopped is down (waiting out its restart delay) or still starting when the
// shutdown comes, so nothing stopped its node's pods and their containers outlived the
// cluster. skiff up must stop them for it (`skiff kubelet stop-pods`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { alive, Cluster, sleep, until } from './cluster.js';
import { leftoverBridges, leftoverCgroups, leftoverMounts, leftoverNetns, leftoverProcesses, removeLeftovers } from '../support/leftovers.js';

/** The node's pod network ends made ahead (kubelet/runtime/process/netns-pool.ts), by their markers. */
const poolEnds = (dataDir: string, node: string): string[] => {
  const dir = path.join(dataDir, 'nodes', node, 'netns-pool');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('skiff up stops a node whose kubelet is down at shutdown (process runtime)', () => {
  const cluster = new Cluster({ nodes: 1, runtime: 'process' });
  const node = `${cluster.nodePrefix}1`;
  beforeAll(() => cluster.up(), 180_000);
  afterAll(async () => {
    await cluster.down();
    await removeLeftovers(cluster.dataDir, [node], []);
    await cluster.destroy();
  });

  it('leaves no container, cgroup, bridge or volume mount behind', async () => {
    await cluster.ok(['run', 'sleeper', '--image', 'host', '--restart', 'Never', '--', 'sleep', '3600']);
    await until('sleeper Running', async () => (await cluster.ok(['get', 'pod', 'sleeper'])).match(/sleeper\s+1\/1\s+Running/));
    expect(leftoverProcesses(cluster.dataDir).some((p) => p.includes('skiff-shim'))).toBe(true); // what must go
    expect(leftoverMounts(cluster.dataDir).some((m) => m.includes('kube-api-access-'))).toBe(true); // its token volume's tmpfs
    const kubelet = (JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'components.json'), 'utf8')) as { name: string; pid: number }[]).find((c) => c.name === `kubelet-${node}`)!;
    process.kill(kubelet.pid, 'SIGKILL');
    while (alive(kubelet.pid)) await sleep(5);
    // Within its 1 s restart delay: no kubelet to stop the pod.
    expect(await cluster.down()).toBe(0);
    expect(leftoverProcesses(cluster.dataDir)).toEqual([]);
    expect(leftoverCgroups([node])).toEqual([]);
    expect(leftoverBridges([node])).toEqual([]);
    expect(leftoverMounts(cluster.dataDir)).toEqual([]); // seed 712409414: stop-pods left them
    expect(cluster.output).toContain(`kubelet-${node} did not stop cleanly`);
  });
});

// A clean stop: skiff up signals each kubelet's process group, which holds the kubelet's spawn
// helpers too; the kubelet's shutdown still runs ip through them (pods' and pool ends'
// namespaces, the bridge), so they must outlive the signal.
describe.skipIf(!isRoot)('skiff up stopped cleanly leaves no network namespace or bridge (process runtime)', () => {
  const cluster = new Cluster({ nodes: 1, runtime: 'process' });
  const node = `${cluster.nodePrefix}1`;
  beforeAll(() => cluster.up(), 180_000);
  afterAll(() => cluster.destroy());

  it('deletes its pool\'s namespaces and its bridge, right after the signal', async () => {
    // No pod to stop first: the kubelet's very first ip runs are its shutdown's own.
    const pool = await until('the netns pool filled', async () => { const ends = poolEnds(cluster.dataDir, node); return ends.length ? ends : undefined; });
    expect(leftoverNetns(pool).length).toBeGreaterThan(0); // what must go
    expect(leftoverBridges([node])).not.toEqual([]);
    expect(await cluster.down()).toBe(0);
    expect(leftoverNetns(pool)).toEqual([]);
    expect(leftoverBridges([node])).toEqual([]);
    expect(leftoverProcesses(cluster.dataDir)).toEqual([]);
  });
});
