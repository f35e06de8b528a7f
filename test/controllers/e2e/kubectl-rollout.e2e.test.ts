// The real kubectl driving rollouts against Skiff: `rollout status`, `rollout history`
// (revisions and CHANGE-CAUSE from the ReplicaSets' annotations) and `rollout undo` (kubectl
// patches the old template back; the controller reuses that ReplicaSet as revision max+1).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, waitFor, webDeployment } from './cluster.js';
import { testPki } from '../../support/tls.js';

const run = promisify(execFile);
/** kubectl on PATH (or $KUBECTL): the test is skipped on machines without it. */
const hasKubectl = !!process.env.KUBECTL || (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, 'kubectl')));

describe.skipIf(!hasKubectl)('kubectl rollout against Skiff', () => {
  const c = new Cluster();
  let dir = '';
  let kubeconfig = '';

  beforeAll(async () => {
    await c.apiserver();
    c.kubeletStandIn();
    c.controllerManager(['--leader-elect=false']);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-kubectl-'));
    kubeconfig = testPki().writeKubeconfig(path.join(dir, 'config'), c.url, 'default');
  });
  afterAll(async () => {
    await c.stopAll();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const kubectl = async (...args: string[]) => {
    const { stdout } = await run(process.env.KUBECTL ?? 'kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 120_000, env: { ...process.env, HOME: dir } });
    return stdout;
  };

  it('rollout status, history with CHANGE-CAUSE, undo reusing the first ReplicaSet', async () => {
    await c.client.deployments().create({ ...webDeployment('kweb', 3, 'img:A'), metadata: { name: 'kweb', namespace: 'default', annotations: { 'kubernetes.io/change-cause': 'first' } } });
    expect(await kubectl('rollout', 'status', 'deployment/kweb', '--timeout=90s')).toContain('successfully rolled out');
    await c.client.deployments().patch('kweb', { metadata: { annotations: { 'kubernetes.io/change-cause': 'second' } }, spec: { template: { spec: { containers: [{ name: 'main', image: 'img:B' }] } } } }, 'strategic', { namespace: 'default' });
    expect(await kubectl('rollout', 'status', 'deployment/kweb', '--timeout=90s')).toContain('successfully rolled out');
    const history = await kubectl('rollout', 'history', 'deployment/kweb');
    expect(history).toMatch(/1\s+first/);
    expect(history).toMatch(/2\s+second/);

    const first = (await c.client.replicaSets().list({ namespace: 'default', labelSelector: 'app=kweb' })).items.find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === '1')!;
    expect(await kubectl('rollout', 'undo', 'deployment/kweb')).toContain('rolled back');
    expect(await kubectl('rollout', 'status', 'deployment/kweb', '--timeout=90s')).toContain('successfully rolled out');
    await waitFor(async () => {
      const rss = (await c.client.replicaSets().list({ namespace: 'default', labelSelector: 'app=kweb' })).items;
      const reused = rss.find((r) => r.metadata.name === first.metadata.name);
      return rss.length === 2 && reused?.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' && reused.spec.replicas === 3;
    }, 90_000, () => 'first RS reused as revision 3');
    const after = await kubectl('rollout', 'history', 'deployment/kweb');
    expect(after).toMatch(/2\s+second/);
    expect(after).toMatch(/3\s+first/);
    expect(after).not.toMatch(/^1\s/m);
  });
});
