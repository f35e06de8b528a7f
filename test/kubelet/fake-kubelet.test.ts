// The fake runtime: many hollow nodes in one kubelet process, pods that go through their
// lifecycle instantly (Always → Running; Never/OnFailure → Succeeded), leases for every node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import type { RestClient } from '../../client/rest.js';
import { client, podManifest, removeDir, startApiServer, startSkiff, suffix, tempDir, waitFor, type Proc } from './harness.js';

const prefix = `hollow-${suffix()}-`;
const N = 25;
let api: { proc: Proc; url: string; dir: string };
let kubelet: Proc;
let hollowRoot: string | undefined;
let c: RestClient;

beforeAll(async () => {
  api = await startApiServer();
  c = client(api.url);
  hollowRoot = tempDir('hollow');
  ({ proc: kubelet } = await startSkiff(['kubelet', '--server', api.url, '--runtime', 'fake', '--nodes', String(N), '--node-name-prefix', prefix, '--port', '0', '--root-dir', hollowRoot], /hollow nodes ready/));
});

afterAll(async () => {
  await kubelet?.stop();
  c?.close();
  await api?.proc.stop();
  removeDir(api?.dir);
  removeDir(hollowRoot);
});

const get = (name: string) => c.pods().get(name, 'default');

describe('fake runtime, many nodes in one process', () => {
  it('registers every node Ready with its own lease', async () => {
    const nodes = await waitFor('all nodes', async () => {
      const list = (await c.nodes().list()).items.filter((n) => n.metadata.name!.startsWith(prefix));
      return list.length === N ? list : undefined;
    });
    for (const n of nodes) {
      expect(n.status?.conditions?.find((k) => k.type === 'Ready')?.status).toBe('True');
      expect(n.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^fake:\/\//);
    }
    const leases = await waitFor('all leases', async () => {
      const list = (await c.leases().list({ namespace: 'kube-node-lease' })).items.filter((l) => l.metadata.name!.startsWith(prefix));
      return list.length === N ? list : undefined;
    });
    expect(new Set(leases.map((l) => l.spec?.holderIdentity)).size).toBe(N);
  });

  it('runs pods on the node they are bound to: Always → Running, Never → Succeeded; delete completes', async () => {
    const pods: Pod[] = [];
    for (let i = 0; i < 10; i++) {
      pods.push(
        podManifest(`f-${i}`, `${prefix}${i % N}`, {
          restartPolicy: i % 2 ? 'Never' : 'Always',
          containers: [{ name: 'c', image: 'nginx:whatever' }],
        }),
      );
    }
    await Promise.all(pods.map((p) => c.pods().create(p)));
    for (let i = 0; i < 10; i++) {
      const want = i % 2 ? 'Succeeded' : 'Running';
      const p = await waitFor(`f-${i} ${want}`, async () => {
        const x = await get(`f-${i}`);
        return x.status?.phase === want ? x : undefined;
      });
      expect(p.status?.containerStatuses?.[0]?.image).toBe('nginx:whatever');
      if (want === 'Running') expect(p.status?.conditions?.find((k) => k.type === 'Ready')?.status).toBe('True');
      else expect(p.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    }
    await Promise.all(pods.map((p) => c.pods().delete(p.metadata.name!, { namespace: 'default' })));
    await waitFor('all deleted', async () => {
      const left = (await c.pods().list({ namespace: 'default' })).items.filter((p) => p.metadata.name!.startsWith('f-'));
      return left.length === 0;
    });
  });

  it('fails a pod that outlives activeDeadlineSeconds (DeadlineExceeded)', async () => {
    await c.pods().create(podManifest('deadline', `${prefix}3`, { activeDeadlineSeconds: 2, containers: [{ name: 'c', image: 'x' }] }));
    const p = await waitFor('Failed', async () => {
      const x = await get('deadline');
      return x.status?.phase === 'Failed' ? x : undefined;
    });
    expect(p.status).toMatchObject({ reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
    expect(p.status?.containerStatuses?.[0]?.state?.terminated).toBeDefined();
    await c.pods().delete('deadline', { namespace: 'default' });
  });

  it('ignores pods bound to nodes it does not simulate', async () => {
    await c.pods().create(podManifest('elsewhere', 'some-other-node', { containers: [{ name: 'c', image: 'x' }] }));
    await new Promise((r) => setTimeout(r, 1500));
    expect((await get('elsewhere')).status?.phase ?? 'Pending').toBe('Pending');
    await c.pods().delete('elsewhere', { namespace: 'default', gracePeriodSeconds: 0 });
  });
});
