// DaemonSets on a real `skiff up` with the process runtime (two nodes, real `sh` pods):
// manifests/node-agent-daemonset.yaml puts one pod on each node; `kctl get ds`, `describe ds`
// and the real kubectl print kubectl's layouts; `set env` rolls it node by node and
// `rollout status ds/…` follows; `rollout history` lists the ControllerRevisions and
// `rollout undo` goes back; `logs ds/…` reads one of its pods.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { Cluster, ROOT, until } from './cluster.js';
import { hasKubectl, Kubectl, parseTable } from './kubectl.js';

interface PodView { spec: { nodeName?: string; containers: { env?: { name: string; value?: string }[] }[] }; status?: { phase?: string; conditions?: { type: string; status: string }[] } }

describe('DaemonSets with real kubelets (process runtime)', () => {
  const cluster = new Cluster({ nodes: 2, runtime: 'process' });
  beforeAll(async () => { await cluster.up(); }, 180_000);
  afterAll(() => cluster.destroy());

  const agents = async (): Promise<PodView[]> => JSON.parse(await cluster.ok(['get', 'pods', '-l', 'app=node-agent', '-o', 'json'])).items;
  const ready = (p: PodView) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  const interval = (p: PodView) => p.spec.containers[0]!.env?.find((e) => e.name === 'INTERVAL')?.value;

  it('manifests/node-agent-daemonset.yaml: one running pod on each node, listed and described as kubectl does', async () => {
    expect(await cluster.ok(['apply', '-f', path.join(ROOT, 'manifests/node-agent-daemonset.yaml')])).toBe('daemonset.apps/node-agent created\n');
    const pods = await until('an agent on each node', async () => {
      const p = await agents();
      return p.length === 2 && new Set(p.map((x) => x.spec.nodeName)).size === 2 && p.every(ready) ? p : undefined;
    }, 120_000);
    expect(pods.map((p) => p.status?.phase)).toEqual(['Running', 'Running']);
    await until('status', async () => /^node-agent\s+2\s+2\s+2\s+2\s+2\s+<none>\s+\d+s$/m.test(await cluster.ok(['get', 'ds'])), 60_000);
    expect((await cluster.ok(['get', 'daemonsets'])).split('\n')[0]).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/);
    const described = await cluster.ok(['describe', 'ds', 'node-agent']);
    expect(described).toMatch(/^Desired Number of Nodes Scheduled:\s+2$/m);
    expect(described).toMatch(/^Pods Status:\s+2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    expect(described).toMatch(/^\s+Normal\s+SuccessfulCreate\s+.*Created pod: node-agent-/m);
    expect(await cluster.ok(['logs', 'ds/node-agent'])).toMatch(/^agent on \S+$/m);
  });

  it('set env rolls out node by node; rollout status follows; history has two revisions; undo goes back', async () => {
    await cluster.ok(['set', 'env', 'ds/node-agent', 'INTERVAL=30']);
    const out = await cluster.ok(['rollout', 'status', 'ds/node-agent', '--timeout', '120s'], { timeoutMs: 150_000 });
    expect(out).toMatch(/daemon set "node-agent" successfully rolled out\n$/);
    const rolled = await agents();
    expect(rolled.filter((p) => interval(p) === '30' && ready(p))).toHaveLength(2);
    const history = await cluster.ok(['rollout', 'history', 'ds/node-agent']);
    expect(history).toMatch(/^REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>$/m);
    expect(await cluster.ok(['rollout', 'undo', 'ds/node-agent'])).toBe('daemonset.apps/node-agent rolled back\n');
    await cluster.ok(['rollout', 'status', 'ds/node-agent', '--timeout', '120s'], { timeoutMs: 150_000 });
    await until('back to INTERVAL=60 on both nodes', async () => { const p = await agents(); return p.length === 2 && p.every((x) => interval(x) === '60' && ready(x)); }, 120_000);
    expect(await cluster.ok(['rollout', 'history', 'ds/node-agent'])).toMatch(/^2\s+<none>\n3\s+<none>$/m);
    const bad = await cluster.kctl(['rollout', 'undo', 'ds/node-agent', '--to-revision', '9']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unable to find specified revision 9 in history/);
  }, 400_000);

  it('refuses a selector that does not match the template (422 naming the field)', async () => {
    const yaml = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: bad}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: b}}\n    spec: {containers: [{name: c, image: host}]}\n';
    const r = await cluster.kctl(['apply', '-f', '-'], { input: yaml });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
  });

  it.runIf(hasKubectl)('the real kubectl lists daemonsets and controllerrevisions, and follows a rollout', async () => {
    const k = new Kubectl(cluster);
    const t = parseTable(await k.ok(['get', 'ds', '-o', 'wide']));
    expect(t.headers).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(t.rows.find((r) => r.NAME === 'node-agent')).toMatchObject({ DESIRED: '2', CURRENT: '2', CONTAINERS: 'agent', IMAGES: 'host', SELECTOR: 'app=node-agent' });
    const revs = parseTable(await k.ok(['get', 'controllerrevisions']));
    expect(revs.headers).toEqual(['NAME', 'CONTROLLER', 'REVISION', 'AGE']);
    expect(revs.rows.every((r) => r.CONTROLLER === 'daemonset.apps/node-agent')).toBe(true);
    expect(await k.ok(['rollout', 'status', 'ds/node-agent', '--timeout=60s'])).toMatch(/daemon set "node-agent" successfully rolled out/);
    expect(await k.ok(['rollout', 'history', 'ds/node-agent'])).toMatch(/^REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>$/m);
    // kubectl's rollback sends the revision's data as a strategic merge patch ($patch: replace).
    expect(await k.ok(['rollout', 'undo', 'ds/node-agent'])).toMatch(/daemonset.apps\/node-agent rolled back/);
    await until('INTERVAL=30 again', async () => { const p = await agents(); return p.length === 2 && p.every((x) => interval(x) === '30' && ready(x)); }, 120_000);
  }, 300_000);
});
