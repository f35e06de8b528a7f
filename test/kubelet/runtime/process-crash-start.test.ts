// A kubelet killed between spawning a container's shim and saving that it did (the chaos soak
// kills kubelets at any moment): the next kubelet must find the running container — not take
// it for one never started, replace it and run it twice (a Never pod's command once more, the
// first copy left unowned). Real shims and containers; as root with namespaces and cgroups.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findShims, ProcessRuntime } from '../../../kubelet/runtime/process/process-runtime.js';
import { LABEL_POD_UID } from '../../../kubelet/runtime/interface.js';
import { TempDirs } from '../../support/temp.js';
import { leftoverCgroups, leftoverProcesses } from '../../support/leftovers.js';

const temps = new TempDirs();
const runtimes: ProcessRuntime[] = [];
afterEach(async () => {
  for (const rt of runtimes.splice(0)) {
    for (const s of await rt.listPodSandboxes()) await rt.removePodSandbox(s.id);
    await rt.tearDownNode();
    await rt.close();
  }
  temps.removeAll();
});

const open = async (rootDir: string, nodeName: string) => {
  const rt = new ProcessRuntime({ rootDir, nodeName });
  await rt.init();
  runtimes.push(rt);
  return rt;
};

describe('process runtime: a start interrupted by the kubelet dying', () => {
  it('adopts the container whose shim was spawned but not recorded, and stops it', async () => {
    const root = temps.make('skiff-crash-start-');
    const node = `crash-${Math.random().toString(36).slice(2, 8)}`;
    const first = await open(root, node);
    const labels = { [LABEL_POD_UID]: 'uid-1', 'io.kubernetes.container.name': 'sleeper' };
    const sb = await first.runPodSandbox({ podUid: 'uid-1', namespace: 'default', name: 'p', hostname: 'p', hostNetwork: true, portMappings: [], labels });
    const id = await first.createContainer(sb.id, { name: 'sleeper', image: 'host', command: ['sleep', '3600'], args: [], env: {}, mounts: [], limits: {}, labels, hostname: 'p' });
    await first.startContainer(id);
    // On disk as the kubelet left it if killed right after the spawn: no startedAt, no shim pid.
    const file = join(root, 'containers', id, 'container.json');
    const rec = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    delete rec.startedAt;
    delete rec.shimPid;
    delete rec.shimStart;
    writeFileSync(file, JSON.stringify(rec));
    await first.close();
    runtimes.splice(runtimes.indexOf(first), 1);
    const shim = findShims(join(root, 'containers')).get(id);
    expect(shim).toBeDefined();

    const second = await open(root, node);
    const [c] = await second.listContainers();
    expect(c).toMatchObject({ id, state: 'running' });
    await second.stopContainer(id, 1);
    expect((await second.listContainers())[0]).toMatchObject({ id, state: 'exited' });
    expect(findShims(join(root, 'containers')).size).toBe(0);
    expect(leftoverProcesses(root)).toEqual([]);
    await second.removeContainer(id);
    expect(leftoverCgroups([node]).filter((l) => !l.includes("the node's parent"))).toEqual([]);
  });

  it('leaves a container whose shim never ran "created", to be replaced', async () => {
    const root = temps.make('skiff-crash-start-');
    const node = `crash-${Math.random().toString(36).slice(2, 8)}`;
    const first = await open(root, node);
    const labels = { [LABEL_POD_UID]: 'uid-2', 'io.kubernetes.container.name': 'c' };
    const sb = await first.runPodSandbox({ podUid: 'uid-2', namespace: 'default', name: 'q', hostname: 'q', hostNetwork: true, portMappings: [], labels });
    const id = await first.createContainer(sb.id, { name: 'c', image: 'host', command: ['true'], args: [], env: {}, mounts: [], limits: {}, labels, hostname: 'q' });
    // Killed after saving the intent, before the spawn.
    const file = join(root, 'containers', id, 'container.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), startingAt: new Date().toISOString() }));
    await first.close();
    runtimes.splice(runtimes.indexOf(first), 1);
    const second = await open(root, node);
    expect((await second.listContainers())[0]).toMatchObject({ id, state: 'created' });
  });
});
