// A proxy that cannot program the kernel says so: the ServiceProxy condition on each of its
// Nodes turns False (UserspaceRelay) and a Warning event names why; NodePorts are relayed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Node } from '../../api/core/index.js';
import { RestClient } from '../../client/index.js';
import { SkiffProcesses } from '../support/processes.js';
import { TempDirs } from '../support/temp.js';
import { testPki } from '../support/tls.js';
import { waitFor } from '../support/wait.js';

describe('skiff proxy in userspace mode', () => {
  const procs = new SkiffProcesses();
  const temp = new TempDirs();
  let client: RestClient;
  const node = `degraded-${Math.random().toString(36).slice(2, 7)}`;

  beforeAll(async () => {
    const { url } = await procs.apiserver(temp.make('skiff-proxy-api-'));
    client = new RestClient({ server: url, credentials: testPki().credentials, userAgent: 'proxy-degraded-test' });
    await client.nodes().create({ apiVersion: 'v1', kind: 'Node', metadata: { name: node } } as Node);
    procs.start(['proxy', '--server', url, '--mode', 'userspace', '--hostname-override', node]);
  });
  afterAll(async () => {
    client?.close();
    await procs.stopAll();
    temp.removeAll();
  });

  it('reports the degraded mode on the Node and in an event', async () => {
    const cond = await waitFor('ServiceProxy condition', async () => (await client.nodes().get(node)).status?.conditions?.find((c) => c.type === 'ServiceProxy'));
    expect(cond).toMatchObject({ status: 'False', reason: 'UserspaceRelay' });
    expect(cond.message).toMatch(/started with --mode userspace; NodePorts are relayed in userspace and ClusterIPs do not route/);
    const ev = await waitFor('event', async () => (await client.events().list({ namespace: 'default' })).items.find((e: Event) => e.reason === 'ServiceProxyDegraded' && e.involvedObject.name === node));
    expect(ev.type).toBe('Warning');
  });
});
