// The resource metrics pipeline end to end with real processes: an API server scraping every
// second, a kubelet with simulated nodes whose pods carry synthetic usage, and `kctl top` /
// the real `kubectl top` reading metrics.k8s.io/v1beta1 — plus discovery, RBAC and errors.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestClient } from '../../client/rest.js';
import { testPki } from '../support/tls.js';
import { client, podManifest, removeDir, ROOT, startSkiff, suffix, tempDir, waitFor, type Proc } from '../kubelet/harness.js';

const run = promisify(execFile);
const KCTL = join(ROOT, 'dist', 'cli', 'kctl.js');
const prefix = `mhollow-${suffix()}-`;
const ns = `metrics-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: Proc;
let hollowRoot: string | undefined;
let c: RestClient;

async function kctl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(process.execPath, [KCTL, '--server', api.url, '--kubeconfig', testPki().kubeconfig, ...args]);
    return { ...r, code: 0 };
  } catch (e) {
    const x = e as { stdout: string; stderr: string; code: number };
    return { stdout: x.stdout, stderr: x.stderr, code: x.code };
  }
}

beforeAll(async () => {
  const dir = tempDir('metrics-api');
  const started = await startSkiff(['apiserver', '--port', '0', '--data-dir', dir, '--metric-resolution', '1s'], /listening on (https?:\/\/\S+)/);
  api = { proc: started.proc, url: started.match[1]!, dir };
  c = client(api.url);
  hollowRoot = tempDir('metrics-hollow');
  ({ proc: kubelet } = await startSkiff(['kubelet', '--server', api.url, '--runtime', 'fake', '--nodes', '2', '--node-name-prefix', prefix, '--port', '0', '--root-dir', hollowRoot], /hollow nodes ready/));
  await c.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
});

afterAll(async () => {
  await kubelet?.stop();
  c?.close();
  await api?.proc.stop();
  removeDir(api?.dir);
  removeDir(hollowRoot);
});

const usage = (cpu: string, memory: string) => ({ annotations: { 'skiff.dev/fake-usage': JSON.stringify({ cpu, memory }) } });

describe('metrics.k8s.io over fake-runtime nodes', () => {
  it('is discoverable, read-only and in the view role', async () => {
    const list = await c.request<{ resources: { name: string; kind: string; verbs: string[] }[] }>('GET', '/apis/metrics.k8s.io/v1beta1');
    expect(list.resources.map((r) => [r.name, r.kind, r.verbs])).toEqual([['nodes', 'NodeMetrics', ['get', 'list']], ['pods', 'PodMetrics', ['get', 'list']]]);
    const err = await c.request('DELETE', `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods/x`).catch((e: unknown) => e);
    expect((err as { status?: { code?: number } }).status?.code).toBe(405);
    const view = await c.request<{ rules: { apiGroups: string[]; resources: string[] }[] }>('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:aggregated-metrics-reader');
    expect(view.rules[0]).toMatchObject({ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'] });
  });

  it('a pod that is not measured yet is NotFound, in metrics-server\'s words', async () => {
    const err = await c.request('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods/nope`).catch((e: unknown) => e);
    expect((err as { status?: { code?: number; message?: string } }).status).toMatchObject({ code: 404, message: `podmetrics.metrics.k8s.io "${ns}/nope" not found` });
  });

  it('reports the usage pods are annotated with: PodMetrics, kctl top pods, kubectl top pods', async () => {
    await c.pods().create({ ...podManifest('web', `${prefix}0`, { containers: [{ name: 'web', image: 'x' }] }, { namespace: ns, labels: { app: 'web' }, ...usage('250m', '64Mi') }) });
    await c.pods().create({ ...podManifest('db', `${prefix}1`, { containers: [{ name: 'db', image: 'x' }, { name: 'side', image: 'x' }] }, { namespace: ns, labels: { app: 'db' }, ...usage('1', '100Mi') }) });
    type PM = { metadata: { name: string; labels?: Record<string, string> }; window: string; timestamp: string; containers: { name: string; usage: { cpu: string; memory: string } }[] };
    const items = await waitFor('metrics of both pods', async () => {
      const l = await c.request<{ kind: string; items: PM[] }>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods`);
      return l.items.length === 2 ? l.items : undefined;
    }, 60_000, 250);
    const web = items.find((i) => i.metadata.name === 'web')!;
    expect(web.metadata.labels).toEqual({ app: 'web' });
    expect(web.containers).toEqual([{ name: 'web', usage: { cpu: '250000000n', memory: '65536Ki' } }]);
    expect(web.window).toMatch(/^\d+(\.\d+)?m?s$/); // a Go duration: "970ms", "1.02s"
    expect(Date.parse(web.timestamp)).toBeGreaterThan(0);
    const db = items.find((i) => i.metadata.name === 'db')!;
    expect(db.containers.map((x) => x.usage.cpu)).toEqual(['1000000000n', '1000000000n']);

    const selected = await c.request<{ items: PM[] }>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods`, { query: { labelSelector: 'app=web' } });
    expect(selected.items.map((i) => i.metadata.name)).toEqual(['web']);

    const top = await kctl('top', 'pods', '-n', ns);
    expect(top.code).toBe(0);
    expect(top.stdout.split('\n')[0]).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)$/);
    expect(top.stdout).toMatch(/^db\s+2000m\s+200Mi$/m);
    expect(top.stdout).toMatch(/^web\s+250m\s+64Mi$/m);

    const containers = await kctl('top', 'pods', '-A', '-l', 'app=db', '--containers');
    expect(containers.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)$/);
    expect(containers.stdout).toMatch(new RegExp(`^${ns}\\s+db\\s+side\\s+1000m\\s+100Mi$`, 'm'));
    expect(containers.stdout).not.toMatch(/web/);

    if (existsSync('/usr/bin/kubectl')) {
      const kubeconfig = testPki().writeKubeconfig(join(api.dir, 'kubeconfig'), api.url, ns);
      const real = await run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'top', 'pods']);
      expect(real.stdout).toMatch(/^web\s+250m\s+64Mi\s*$/m);
      expect(real.stdout).toMatch(/^db\s+2000m\s+200Mi\s*$/m);
      const nodes = await run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'top', 'nodes', `${prefix}0`]);
      expect(nodes.stdout).toMatch(new RegExp(`^${prefix}0\\s+250m\\s+\\d+%\\s+64Mi\\s+\\d+%\\s*$`, 'm'));
    }
  });

  it('the kubelet\'s /stats/summary and /metrics/resource, through nodes/NAME/proxy', async () => {
    type Summary = { node: { nodeName: string; cpu: { usageCoreNanoSeconds: number } }; pods: { podRef: { name: string }; containers: { name: string; cpu: { usageCoreNanoSeconds: number; usageNanoCores?: number }; memory: { workingSetBytes: number } }[] }[] };
    const s = await c.request<Summary>('GET', `/api/v1/nodes/${prefix}0/proxy/stats/summary`);
    expect(s.node.nodeName).toBe(`${prefix}0`);
    const web = s.pods.find((p) => p.podRef.name === 'web')!;
    expect(web.containers[0]!.memory.workingSetBytes).toBe(64 * 1024 * 1024);
    expect(web.containers[0]!.cpu.usageCoreNanoSeconds).toBeGreaterThan(0);
    expect(s.pods.some((p) => p.podRef.name === 'db')).toBe(false); // db runs on node 1
    const text = await c.request<string>('GET', `/api/v1/nodes/${prefix}1/proxy/metrics/resource`);
    expect(text).toMatch(new RegExp(`^container_memory_working_set_bytes\\{container="side",namespace="${ns}",pod="db"\\} 104857600 \\d{13}$`, 'm'));
    expect(text).toMatch(/^scrape_error 0$/m);
  });

  it('kctl top nodes: a simulated node uses what its pods use', async () => {
    const top = await waitFor('node metrics', async () => {
      const r = await kctl('top', 'nodes');
      return r.code === 0 && r.stdout.includes(`${prefix}1`) ? r : undefined;
    });
    expect(top.stdout.split('\n')[0]).toMatch(/^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)$/);
    expect(top.stdout).toMatch(new RegExp(`^${prefix}1\\s+2000m\\s+\\d+%\\s+200Mi\\s+\\d+%$`, 'm'));
  });

  it('says so when pods exist but have no metrics yet, and fails on a bad resource', async () => {
    const empty = `${ns}-empty`;
    await c.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: empty } } });
    const none = await kctl('top', 'pods', '-n', empty);
    expect(none.code).toBe(0);
    expect(none.stderr).toBe(`No resources found in ${empty} namespace.\n`);
    // Bound to a node no kubelet runs: it exists, but nothing measures it.
    await c.pods().create(podManifest('lost', `no-such-node-${suffix()}`, { containers: [{ name: 'c', image: 'x' }] }, { namespace: empty }));
    const notYet = await kctl('top', 'pods', '-n', empty);
    expect(notYet.code).toBe(1);
    expect(notYet.stderr).toBe('error: metrics not available yet\n');
    const bad = await kctl('top', 'deployments');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: unknown resource "deployments" for top/);
  });
});
