// Issue 21's report, as a user meets it: a one-shot pod (manifests/hello-pod.yaml) finishes,
// the whole cluster is stopped and started again, and the pod must still read Completed with
// its exit code — never `waiting: ContainerCreating` (which the restarted kubelet used to
// write back over the finished pod).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, ROOT, sleep, until } from './cluster.js';
import path from 'node:path';

interface PodView { status?: { phase?: string; containerStatuses?: { state?: { terminated?: { exitCode: number; finishedAt?: string }; waiting?: unknown } }[] } }

describe('a finished pod across a whole-cluster restart (process runtime)', () => {
  const cluster = new Cluster({ nodes: 1, runtime: 'process' });
  beforeAll(() => cluster.up(), 180_000);
  afterAll(() => cluster.destroy());

  const hello = async (): Promise<PodView> => JSON.parse(await cluster.ok(['get', 'pod', 'hello', '-o', 'json']));

  it('keeps phase Succeeded and the container terminated with exit code 0', async () => {
    await cluster.ok(['apply', '-f', path.join(ROOT, 'manifests/hello-pod.yaml')]);
    const before = await until('hello Succeeded with a terminated container', async () => {
      const p = await hello();
      return p.status?.phase === 'Succeeded' && p.status.containerStatuses?.[0]?.state?.terminated ? p : undefined;
    });
    expect(await cluster.ok(['logs', 'hello'])).toMatch(/^Hello from hello on /);
    expect(await cluster.down()).toBe(0);
    await cluster.up();
    // Let the restarted kubelet register and sync its pods a few times before looking.
    await until('the node Ready again', async () => (await cluster.ok(['get', 'nodes'])).includes(' Ready'));
    await sleep(5_000);
    const after = await hello();
    expect(after.status?.phase).toBe('Succeeded');
    expect(after.status?.containerStatuses?.[0]?.state?.waiting).toBeUndefined();
    expect(after.status?.containerStatuses?.[0]?.state?.terminated).toEqual(before.status!.containerStatuses![0]!.state!.terminated);
    expect(await cluster.ok(['get', 'pod', 'hello'])).toMatch(/hello\s+0\/1\s+Completed/);
    // The finished container's log is a file in the node's data dir: the restart keeps it.
    expect(await cluster.ok(['logs', 'hello'])).toMatch(/^Hello from hello on /);
  });
});
