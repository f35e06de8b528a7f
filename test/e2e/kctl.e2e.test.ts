// End to end, as a user: `skiff up` (process runtime) in a temp data dir and HOME, then
// kctl with no flags (it finds the kubeconfig skiff up merged into ~/.kube/config):
// apply the web Deployment, wait for Ready pods, fetch a page, scale 3→5→2, roll out a new
// image, watch it finish, undo it, check history, restart the cluster on the same data
// dir and find everything back, and every command's error paths.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, Cluster, KCTL, ROOT, sleep, until } from './cluster.js';
import { spawn } from 'node:child_process';
import { describeCertificate, isSignedBy } from '../../pki/index.js';
import { loadKubeconfig } from '../../client/kubeconfig.js';

const WEB = path.join(ROOT, 'manifests/web.yaml');
const M = (f: string) => path.join(ROOT, 'manifests', f);

const cluster = new Cluster({ nodes: 2, runtime: 'process' });
const kctl = cluster.kctl.bind(cluster);
const N1 = `${cluster.nodePrefix}1`;
const N2 = `${cluster.nodePrefix}2`;
const ok = cluster.ok.bind(cluster);

async function readyReplicas(name: string, ns = 'default'): Promise<number> {
  const out = await ok(['get', 'deploy', name, '-n', ns, '-o', 'jsonpath={.status.readyReplicas}']);
  return Number(out || 0);
}

async function webPods(): Promise<{ name: string; ip: string; ready: boolean; image: string; deleting: boolean }[]> {
  const out = await ok(['get', 'pods', '-l', 'app=web', '-o', 'json']);
  const list = JSON.parse(out) as { items: { metadata: { name: string; deletionTimestamp?: string }; spec: { containers: { image: string }[] }; status?: { podIP?: string; conditions?: { type: string; status: string }[] } }[] };
  return list.items.map((p) => ({
    name: p.metadata.name,
    ip: p.status?.podIP ?? '',
    ready: !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    image: p.spec.containers[0]!.image,
    deleting: !!p.metadata.deletionTimestamp,
  }));
}

/** Wait until exactly `n` live web pods exist and all are Ready (and, if given, run `image`). */
async function waitWebPods(n: number, image?: string) {
  return until(`${n} ready web pods${image ? ` running ${image}` : ''}`, async () => {
    const pods = (await webPods()).filter((p) => !p.deleting);
    const all = await webPods();
    return all.length === n && pods.every((p) => p.ready && (!image || p.image === image)) ? pods : undefined;
  }, 180_000);
}

beforeAll(async () => {
  await cluster.up();
}, 180_000);

afterAll(async () => {
  await cluster.destroy();
}, 180_000);

describe('skiff up', () => {
  it('prints how to talk to it and writes both kubeconfigs', () => {
    expect(cluster.output).toContain(`API server: ${cluster.server}`);
    expect(cluster.output).toContain('kctl get nodes');
    expect(fs.readFileSync(path.join(cluster.dataDir, 'kubeconfig'), 'utf8')).toContain(cluster.server);
    const user = fs.readFileSync(path.join(cluster.home, '.kube', 'config'), 'utf8');
    expect(user).toContain('current-context: skiff');
    expect(fs.existsSync(path.join(cluster.dataDir, 'logs', 'apiserver.log'))).toBe(true);
  });

  it('made a cluster CA and a certificate per component, private keys 0600, each component its own identity', () => {
    const pki = path.join(cluster.dataDir, 'pki');
    const keys = fs.readdirSync(pki).filter((f) => f.endsWith('.key'));
    expect(keys.sort()).toEqual(['admin.key', 'apiserver-kubelet-client.key', 'apiserver.key', 'ca.key', 'controller-manager.key', 'dns.key',
      'front-proxy-ca.key', 'front-proxy-client.key',
      `kubelet-${N1}-serving.key`, `kubelet-${N1}.key`, `kubelet-${N2}-serving.key`, `kubelet-${N2}.key`, 'proxy.key', 'sa.key', 'scheduler.key'].sort());
    for (const k of keys) expect(fs.statSync(path.join(pki, k)).mode & 0o777, k).toBe(0o600);
    for (const f of ['kubeconfig', path.join('kubeconfigs', 'scheduler.conf'), path.join(cluster.home, '.kube', 'config')]) {
      expect(fs.statSync(path.resolve(cluster.dataDir, f)).mode & 0o777, f).toBe(0o600);
    }
    const ca = fs.readFileSync(path.join(pki, 'ca.crt'), 'utf8');
    const subjectOf = (file: string) => {
      const kc = loadKubeconfig({ kubeconfig: file }, {});
      expect(isSignedBy(kc.credentials.certData!, ca)).toBe(true);
      return describeCertificate(kc.credentials.certData!).subject;
    };
    expect(subjectOf(cluster.kubeconfig)).toEqual({ commonName: 'kubernetes-admin', organizations: ['system:masters'] });
    expect(subjectOf(path.join(cluster.dataDir, 'kubeconfigs', 'controller-manager.conf'))).toEqual({ commonName: 'system:kube-controller-manager', organizations: [] });
    expect(subjectOf(path.join(cluster.dataDir, 'kubeconfigs', 'scheduler.conf'))).toEqual({ commonName: 'system:kube-scheduler', organizations: [] });
    expect(subjectOf(path.join(cluster.dataDir, 'kubeconfigs', `kubelet-${N1}.conf`))).toEqual({ commonName: `system:node:${N1}`, organizations: ['system:nodes'] });
    expect(subjectOf(path.join(cluster.dataDir, 'kubeconfigs', 'proxy.conf'))).toEqual({ commonName: 'system:kube-proxy', organizations: [] });
    expect(subjectOf(path.join(cluster.dataDir, 'kubeconfigs', 'dns.conf'))).toEqual({ commonName: 'system:kube-dns', organizations: [] });
    expect(describeCertificate(fs.readFileSync(path.join(pki, 'apiserver.crt'))).ipAddresses).toContain('127.0.0.1');
  });

  it('keeps a separate front-proxy CA: its client names a user in X-Remote-* headers, and is no user of its own', async () => {
    const pki = path.join(cluster.dataDir, 'pki');
    const [ca, frontProxyCA] = ['ca.crt', 'front-proxy-ca.crt'].map((f) => fs.readFileSync(path.join(pki, f), 'utf8'));
    const client = { cert: fs.readFileSync(path.join(pki, 'front-proxy-client.crt'), 'utf8'), key: fs.readFileSync(path.join(pki, 'front-proxy-client.key'), 'utf8') };
    expect(isSignedBy(client.cert, frontProxyCA!)).toBe(true);
    expect(isSignedBy(client.cert, ca!)).toBe(false);
    expect(describeCertificate(client.cert).subject).toEqual({ commonName: 'front-proxy-client', organizations: [] });
    const whoami = (headers: Record<string, string>) => new Promise<{ status: number; body: { status?: { userInfo?: unknown } } }>((resolve, reject) => {
      const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      const req = https.request(`${cluster.server}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
        method: 'POST', ca, ...client, agent: false, headers: { 'Content-Type': 'application/json', ...headers },
      }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });
    const named = await whoami({ 'X-Remote-User': 'jane', 'X-Remote-Group': 'dev' });
    expect(named).toMatchObject({ status: 201, body: { status: { userInfo: { username: 'jane', groups: ['dev', 'system:authenticated'] } } } });
    expect((await whoami({})).status).toBe(401);
  });

  it('has its nodes Ready (kctl get nodes with no flags)', async () => {
    const out = await ok(['get', 'nodes']);
    expect(out).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    expect(out).toMatch(new RegExp(`${N1}\\s+Ready`));
    expect(out).toMatch(new RegExp(`${N2}\\s+Ready`));
  });

  it('refuses a second cluster on the same data dir, and a taken port, plainly', async () => {
    const other = new Cluster({ nodes: 1, runtime: 'fake' });
    try {
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(process.execPath, [path.join(ROOT, 'dist/cli/skiff.js'), 'up', '--port', String(cluster.port), '--data-dir', other.dataDir, '--runtime', 'fake'], { env: other.env() });
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d));
        p.stderr.on('data', (d: Buffer) => (out += d));
        p.on('exit', (code) => resolve({ code, out }));
      });
      expect(r.code).toBe(1);
      expect(r.out).toContain(`port ${cluster.port} on 127.0.0.1 is already in use`);
      const r2 = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(process.execPath, [path.join(ROOT, 'dist/cli/skiff.js'), 'up', '--port', String(cluster.port + 1), '--data-dir', cluster.dataDir, '--runtime', 'fake'], { env: other.env() });
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d));
        p.stderr.on('data', (d: Buffer) => (out += d));
        p.on('exit', (code) => resolve({ code, out }));
      });
      expect(r2.code).toBe(1);
      expect(r2.out).toContain(`a cluster is already running from ${cluster.dataDir}`);
    } finally {
      await other.destroy();
    }
  }, 60_000);
});

describe('skiff up supervision', () => {
  it('restarts a crashed component with backoff and says so', async () => {
    const recorded = () => JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'components.json'), 'utf8')) as { name: string; pid: number }[];
    const before = recorded().find((c) => c.name === 'scheduler')!;
    process.kill(before.pid, 'SIGKILL');
    await until('the crash report and the restart', async () => cluster.output.includes('scheduler exited (SIGKILL); restarting in 1s') && cluster.output.includes('scheduler restarted (pid'), 60_000);
    const after = recorded().find((c) => c.name === 'scheduler')!;
    expect(after.pid).not.toBe(before.pid);
    expect(alive(after.pid)).toBe(true);
  }, 90_000);

  it('the real kubectl works with no flags too (the merged ~/.kube/config)', async () => {
    if (!fs.existsSync('/usr/bin/kubectl')) return;
    const { run } = await import('./cluster.js');
    const r = await run('/usr/bin/kubectl', ['get', 'nodes'], { env: cluster.env() });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`${N1}\\s+Ready`));
  }, 60_000);
});

describe('kctl basics', () => {
  it('version, cluster-info, api-resources', async () => {
    expect(await ok(['version'])).toMatch(/Client Version: v[\d.]+-kctl\nServer Version: v1\.32/);
    expect(await ok(['cluster-info'])).toContain(`Kubernetes control plane is running at ${cluster.server}`);
    const res = await ok(['api-resources']);
    expect(res).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
  });

  it('get with no objects says so on stderr', async () => {
    const r = await kctl(['get', 'deploy', '-n', 'kube-public']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('No resources found in kube-public namespace.');
  });
});

describe('the web Deployment, end to end', () => {
  it('applies manifests/web.yaml and gets 3 Ready pods', async () => {
    expect(await ok(['apply', '-f', WEB])).toBe('deployment.apps/web created\n');
    await waitWebPods(3);
    const table = await ok(['get', 'deploy', 'web']);
    expect(table).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+3\/3\s+3\s+3\s+\S+\n$/);
    expect(await ok(['apply', '-f', WEB])).toBe('deployment.apps/web unchanged\n');
  }, 240_000);

  it('serves a page naming the pod, from the pod IP and via exec', async () => {
    const [pod] = await webPods();
    expect(pod!.ip).not.toBe('');
    const body = await until('a page from the pod IP', async () => {
      const res = await fetch(`http://${pod!.ip}:8080/`, { signal: AbortSignal.timeout(3000) });
      return res.ok ? res.text() : undefined;
    }, 30_000);
    expect(body).toBe(`Hello from ${pod!.name}\n`);
    const viaExec = await ok(['exec', pod!.name, '--', 'node', '-e', "fetch('http://127.0.0.1:8080/').then(r => r.text()).then(t => process.stdout.write(t))"]);
    expect(viaExec).toBe(`Hello from ${pod!.name}\n`);
  }, 60_000);

  it('exec passes the exit code through', async () => {
    const [pod] = await webPods();
    const r = await kctl(['exec', pod!.name, '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
    expect(r.stderr).toContain('command terminated with exit code 7');
  });

  it('prints in every format', async () => {
    const wide = await ok(['get', 'pods', '-o', 'wide', '-l', 'app=web']);
    expect(wide.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    const all = await ok(['get', 'pods', '-A', '--show-labels', '-l', 'app=web']);
    expect(all.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+LABELS$/);
    expect(all).toMatch(/default\s+web-\S+\s+1\/1\s+Running.*app=web,pod-template-hash=/);
    const names = (await ok(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim().split('\n');
    expect(names).toHaveLength(3);
    expect(names.every((n) => n.startsWith('pod/web-'))).toBe(true);
    const y = await ok(['get', 'deploy', 'web', '-o', 'yaml']);
    expect(y).toMatch(/^apiVersion: apps\/v1\nkind: Deployment\nmetadata:/);
    expect(JSON.parse(await ok(['get', 'deploy/web', '-o', 'json'])).spec.replicas).toBe(3);
    expect(await ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.status.phase}{"\\n"}{end}'])).toBe('Running\nRunning\nRunning\n');
    expect(await ok(['get', 'deployments.apps', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('host');
    const multi = await ok(['get', 'deploy,rs', '-l', 'app=web']);
    expect(multi).toMatch(/deployment\.apps\/web/);
    expect(multi).toMatch(/replicaset\.apps\/web-/);
  });

  it('describe shows the deployment, its replica sets and events', async () => {
    const d = await ok(['describe', 'deployment', 'web']);
    expect(d).toMatch(/^Name:\s+web\nNamespace:\s+default/);
    expect(d).toMatch(/Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable/);
    expect(d).toMatch(/Port:\s+8080\/TCP/);
    expect(d).toMatch(/NewReplicaSet:\s+web-\S+ \(3\/3 replicas created\)/);
    expect(d).toMatch(/Normal\s+ScalingReplicaSet\s+\S+\s+\S+\s+Scaled up replica set web-\S+ from 0 to 3/);
    expect(d).not.toContain('last-applied-configuration');
    const [pod] = await webPods();
    const p = await ok(['describe', 'pod', pod!.name]);
    expect(p).toMatch(/Status:\s+Running/);
    expect(p).toMatch(/Controlled By:\s+ReplicaSet\/web-/);
    expect(p).toMatch(/Readiness:\s+http-get http:\/\/:8080\/ /);
    expect(p).toMatch(/Scheduled\s+\S+\s+\S+\s+Successfully assigned default\//);
    expect(await ok(['describe', 'node', N1])).toMatch(new RegExp(`Name:\\s+${N1}[\\s\\S]*Conditions:[\\s\\S]*Ready\\s+True`));
    expect(await ok(['describe', 'ns', 'default'])).toMatch(/Status:\s+Active/);
    expect(await ok(['describe', 'rs', '-l', 'app=web'])).toMatch(/Pods Status:\s+3 Running/);
  });

  it('logs of a pod and of deploy/NAME', async () => {
    const [pod] = await webPods();
    expect(await ok(['logs', pod!.name])).toBe(`${pod!.name}: serving on :8080\n`);
    expect(await ok(['logs', pod!.name, '-c', 'web', '--tail', '1'])).toBe(`${pod!.name}: serving on :8080\n`);
    const r = await kctl(['logs', 'deploy/web']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^web-\S+: serving on :8080\n$/);
    expect(r.stderr).toMatch(/Found 3 pods, using pod\/web-/);
  });

  it('scales 3 → 5 → 2, and refuses a stale --current-replicas', async () => {
    expect(await ok(['scale', 'deployment/web', '--replicas', '5'])).toBe('deployment.apps/web scaled\n');
    await waitWebPods(5);
    expect(await ok(['scale', 'deploy', 'web', '--replicas=2', '--current-replicas=5'])).toBe('deployment.apps/web scaled\n');
    await waitWebPods(2);
    const r = await kctl(['scale', 'deploy/web', '--replicas', '4', '--current-replicas', '3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: Expected replicas to be 3, was 2\n');
    expect(await readyReplicas('web')).toBe(2);
  }, 240_000);

  it('get -w streams rows as pods change', async () => {
    const w = spawn(process.execPath, [KCTL, 'get', 'pods', '-l', 'app=web', '-w'], { env: cluster.env() });
    let out = '';
    w.stdout.on('data', (d: Buffer) => (out += d));
    try {
      await until('the initial table', async () => out.includes('NAME'), 30_000, 100);
      const before = new Set((await webPods()).map((p) => p.name));
      await ok(['scale', 'deploy/web', '--replicas', '3']);
      const fresh = await until('a new pod in the watch output', async () => {
        const pods = await webPods();
        const added = pods.find((p) => !before.has(p.name));
        return added && out.includes(added.name) ? added.name : undefined;
      }, 60_000);
      expect(out).toMatch(new RegExp(`${fresh}\\s+\\d/1\\s+\\w+`));
      expect(out.match(/^NAME\s/gm)).toHaveLength(1); // the header only once
    } finally {
      w.kill('SIGINT');
    }
    await waitWebPods(3);
  }, 240_000);

  it('set image rolls out (rollout status waits), history shows it, undo goes back', async () => {
    // "host" and "host:latest" are two names of the same runnable image: a real template change.
    expect(await ok(['set', 'image', 'deployment/web', 'web=host:latest'])).toBe('deployment.apps/web image updated\n');
    const status = await ok(['rollout', 'status', 'deployment/web', '--timeout', '180s'], { timeoutMs: 200_000 });
    expect(status).toContain('Waiting for deployment');
    expect(status.trimEnd().split('\n').pop()).toBe('deployment "web" successfully rolled out');
    await waitWebPods(3, 'host:latest');
    const history = await ok(['rollout', 'history', 'deployment/web']);
    expect(history).toMatch(/^deployment\.apps\/web\nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    expect(await ok(['rollout', 'undo', 'deployment/web'])).toBe('deployment.apps/web rolled back\n');
    await ok(['rollout', 'status', 'deploy/web', '--timeout', '180s'], { timeoutMs: 200_000 });
    await waitWebPods(3, 'host');
    expect(await ok(['rollout', 'history', 'deploy/web'])).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n/);
    expect(await ok(['rollout', 'undo', 'deploy/web', '--to-revision', '3'])).toBe('deployment.apps/web skipped rollback (current template already matches revision 3)\n');
    const bad = await kctl(['rollout', 'undo', 'deploy/web', '--to-revision', '9']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: unable to find specified revision 9 in history\n');
  }, 400_000);

  it('rolling-update and set env are rollouts too; the page changes', async () => {
    const out = await ok(['rolling-update', 'web', '--image=host:latest', '--timeout', '180s'], { timeoutMs: 200_000 });
    expect(out).toMatch(/^deployment\.apps\/web image updated\n/);
    expect(out.trimEnd().split('\n').pop()).toBe('deployment "web" successfully rolled out');
    expect(await ok(['set', 'env', 'deploy/web', 'GREETING=Howdy'])).toBe('deployment.apps/web env updated\n');
    await ok(['rollout', 'status', 'deploy/web', '--timeout', '180s'], { timeoutMs: 200_000 });
    const pods = await until('pods serving the new greeting', async () => {
      const ps = (await webPods()).filter((p) => !p.deleting);
      if (ps.length !== 3 || !ps.every((p) => p.ready)) return undefined;
      const text = await ok(['exec', ps[0]!.name, '--', 'node', '-e', "fetch('http://127.0.0.1:8080/').then(r => r.text()).then(t => process.stdout.write(t))"]);
      return text.startsWith('Howdy from ') ? ps : undefined;
    }, 180_000);
    expect(pods).toHaveLength(3);
    const back = await ok(['rolling-update', 'web', '--rollback', '--timeout', '180s'], { timeoutMs: 200_000 });
    expect(back).toMatch(/^deployment\.apps\/web rolled back\n/);
  }, 600_000);

  it('pause, resume and restart', async () => {
    expect(await ok(['rollout', 'pause', 'deploy/web'])).toBe('deployment.apps/web paused\n');
    const again = await kctl(['rollout', 'pause', 'deploy/web']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is already paused');
    const restartPaused = await kctl(['rollout', 'restart', 'deploy/web']);
    expect(restartPaused.code).toBe(1);
    expect(await ok(['rollout', 'resume', 'deploy/web'])).toBe('deployment.apps/web resumed\n');
    expect(await ok(['rollout', 'restart', 'deploy/web'])).toBe('deployment.apps/web restarted\n');
    await ok(['rollout', 'status', 'deploy/web', '--timeout', '180s'], { timeoutMs: 200_000 });
    expect(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.metadata.annotations}'])).toContain('kubectl.kubernetes.io/restartedAt');
  }, 300_000);

  it('apply removes what was removed from the file (three-way merge)', async () => {
    const dir = fs.mkdtempSync(path.join(cluster.dir, 'apply-'));
    const file = path.join(dir, 'web.yaml');
    const original = fs.readFileSync(WEB, 'utf8');
    const before = await ok(['get', 'deploy', 'web', '-o', 'json']);
    expect(JSON.parse(before).spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toContain('GREETING');
    fs.writeFileSync(file, original.replace(/ {12}- name: GREETING\n {14}value: Hello\n/, '').replace('labels:\n    app: web\nspec:', 'labels:\n    app: web\n    tier: front\nspec:'));
    expect(await ok(['apply', '-f', file])).toBe('deployment.apps/web configured\n');
    const after = JSON.parse(await ok(['get', 'deploy', 'web', '-o', 'json']));
    expect(after.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual(['POD_NAME']);
    expect(after.metadata.labels).toEqual({ app: 'web', tier: 'front' });
    expect(await ok(['apply', '-f', WEB])).toBe('deployment.apps/web configured\n');
    expect(JSON.parse(await ok(['get', 'deploy', 'web', '-o', 'json'])).metadata.labels).toEqual({ app: 'web' });
    await ok(['rollout', 'status', 'deploy/web', '--timeout', '180s'], { timeoutMs: 200_000 });
  }, 300_000);

  it('stops cleanly and resumes on the same data dir: the Deployment and its pods come back', async () => {
    await waitWebPods(3);
    const pids = cluster.recordedPids();
    expect(pids.length).toBe(7); // apiserver, controller-manager, scheduler, 2 kubelets, proxy, dns
    const code = await cluster.down();
    expect(code).toBe(0);
    expect(cluster.output).toContain('control plane stopped');
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(cluster.recordedPids()).toEqual([]);
    await cluster.up();
    expect(cluster.output).toContain('Resuming a Skiff cluster');
    expect(await ok(['get', 'deploy', 'web', '-o', 'name'])).toBe('deployment.apps/web\n');
    const pods = await waitWebPods(3);
    const body = await until('a page after the restart', async () => {
      const res = await fetch(`http://${pods[0]!.ip}:8080/`, { signal: AbortSignal.timeout(3000) });
      return res.ok ? res.text() : undefined;
    }, 60_000);
    expect(body).toMatch(/^Hello from web-/);
  }, 400_000);
});

describe('the other manifests', () => {
  it('hello-pod runs once and its logs say hello', async () => {
    expect(await ok(['apply', '-f', M('hello-pod.yaml')])).toBe('pod/hello created\n');
    await until('hello Completed', async () => (await ok(['get', 'pod', 'hello'])).includes('Completed'), 90_000);
    expect(await ok(['logs', 'hello'])).toMatch(new RegExp(`^Hello from hello on ${cluster.nodePrefix}\\d, Node\\.js v`));
  }, 120_000);

  it('crashloop restarts; describe shows the last state; logs --previous show the crash', async () => {
    await ok(['apply', '-f', M('crashloop.yaml')]);
    await until('a restart', async () => Number(await ok(['get', 'pod', 'crashloop', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])) >= 1, 120_000);
    const d = await ok(['describe', 'pod', 'crashloop']);
    expect(d).toMatch(/Last State:\s+Terminated/);
    expect(d).toMatch(/Exit Code:\s+3/);
    expect(await ok(['logs', 'crashloop', '--previous'])).toContain('fatal: config file /etc/app.conf not found');
  }, 150_000);

  it('replicaset: scale rs and logs rs/NAME', async () => {
    expect(await ok(['apply', '-f', M('replicaset.yaml')])).toBe('replicaset.apps/ticker created\n');
    expect(await ok(['scale', 'rs/ticker', '--replicas', '3'])).toBe('replicaset.apps/ticker scaled\n');
    await until('3 ticker pods ready', async () => (await ok(['get', 'rs', 'ticker', '-o', 'jsonpath={.status.readyReplicas}'])) === '3', 120_000);
    await until('a tick in the logs', async () => (await kctl(['logs', 'rs/ticker'])).stdout.includes('tick'), 60_000);
    // logs -f keeps streaming new lines until interrupted.
    const pod = (await ok(['get', 'pods', '-l', 'app=ticker', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const f = spawn(process.execPath, [KCTL, 'logs', '-f', '--tail', '1', pod], { env: cluster.env() });
    let streamed = '';
    f.stdout.on('data', (d: Buffer) => (streamed += d));
    try {
      await until('three lines streamed by logs -f', async () => streamed.split('\n').filter((l) => l.includes('tick')).length >= 3, 60_000, 200);
    } finally {
      f.kill('SIGINT');
    }
    const ticks = streamed.split('\n').filter(Boolean).map((l) => Number(/tick (\d+)/.exec(l)?.[1]));
    expect(ticks.slice(1)).toEqual(ticks.slice(1).map((_, i) => ticks[0]! + i + 1)); // consecutive: new lines as they come
  }, 180_000);

  it('get all and get events', async () => {
    const all = await ok(['get', 'all']);
    expect(all).toMatch(/deployment\.apps\/web/);
    expect(all).toMatch(/replicaset\.apps\/ticker/);
    expect(all).toMatch(/pod\/ticker-/);
    const ev = await ok(['get', 'events']);
    expect(ev.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    expect(ev).toMatch(/Normal\s+ScalingReplicaSet\s+deployment\/web/);
    expect(await ok(['events', '--for', 'deploy/web'])).toMatch(/ScalingReplicaSet/);
  });

  it('rollout status exits non-zero on ProgressDeadlineExceeded and on --timeout', async () => {
    const stuck = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'stuck' },
      spec: {
        replicas: 1, progressDeadlineSeconds: 5, selector: { matchLabels: { app: 'stuck' } },
        template: {
          metadata: { labels: { app: 'stuck' } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'host', command: ['sleep', '600'], readinessProbe: { tcpSocket: { port: 9 }, periodSeconds: 1 } }] },
        },
      },
    };
    expect(await ok(['apply', '-f', '-'], { input: JSON.stringify(stuck) })).toBe('deployment.apps/stuck created\n');
    const t = await kctl(['rollout', 'status', 'deploy/stuck', '--timeout', '2s']);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/error: (timed out waiting for the condition|deployment "stuck" exceeded its progress deadline)\n$/);
    const r = await kctl(['rollout', 'status', 'deploy/stuck', '--timeout', '120s'], { timeoutMs: 150_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: deployment "stuck" exceeded its progress deadline\n');
    await ok(['delete', 'deploy', 'stuck']);
  }, 200_000);

  it('app-namespace: a namespace and its app from one file; delete -f takes it all away', async () => {
    const out = await ok(['apply', '-f', M('app-namespace.yaml')]);
    expect(out).toBe('namespace/shop created\ndeployment.apps/api created\npod/worker created\n');
    await until('api ready', async () => (await readyReplicas('api', 'shop')) === 2, 120_000);
    expect(await ok(['get', 'pods', '-n', 'shop'])).toMatch(/worker\s+1\/1\s+Running/);
    const del = await ok(['delete', '-f', M('app-namespace.yaml')], { timeoutMs: 200_000 });
    expect(del).toBe('namespace "shop" deleted\ndeployment.apps "api" deleted\npod "worker" deleted\n');
    const gone = await kctl(['get', 'ns', 'shop']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('Error from server (NotFound): namespaces "shop" not found\n');
  }, 300_000);
});

describe('nodes: cordon, uncordon, drain', () => {
  it('cordon marks a node unschedulable and uncordon undoes it', async () => {
    expect(await ok(['cordon', N2])).toBe(`node/${N2} cordoned\n`);
    expect(await ok(['cordon', N2])).toBe(`node/${N2} already cordoned\n`);
    expect(await ok(['get', 'nodes'])).toMatch(new RegExp(`${N2}\\s+Ready,SchedulingDisabled`));
    expect(await ok(['uncordon', N2])).toBe(`node/${N2} uncordoned\n`);
  });

  it('drain refuses unmanaged pods without --force, then evicts and the controllers reschedule', async () => {
    // Put an unmanaged running pod on a node (crashloop has no controller).
    const node = (await ok(['get', 'pod', 'crashloop', '-o', 'jsonpath={.spec.nodeName}'])).trim();
    const r = await kctl(['drain', node]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`node/${node} cordoned\n`);
    expect(r.stderr).toContain('cannot delete Pods that declare no controller (use --force to override): default/crashloop');
    const out = await ok(['drain', node, '--force', '--timeout', '120s'], { timeoutMs: 150_000 });
    expect(out).toMatch(/evicting pod default\/crashloop\n/);
    expect(out.trimEnd().split('\n').pop()).toBe(`node/${node} drained`);
    const other = node === N1 ? N2 : N1;
    await until('web pods all on the other node', async () => {
      const pods = JSON.parse(await ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items as { spec: { nodeName: string }; status: { conditions?: { type: string; status: string }[] } }[];
      return pods.length === 3 && pods.every((p) => p.spec.nodeName === other && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }, 180_000);
    await ok(['uncordon', node]);
  }, 300_000);
});

describe('error paths', () => {
  it('missing file, bad YAML (file and line), unknown kind in a file', async () => {
    const missing = await kctl(['apply', '-f', '/nonexistent/web.yaml']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: the path "/nonexistent/web.yaml" does not exist\n');
    const bad = path.join(cluster.dir, 'bad.yaml');
    fs.writeFileSync(bad, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   labels: {}\n');
    const r = await kctl(['apply', '-f', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: error parsing ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: yaml: line 5: `));
    const widget = path.join(cluster.dir, 'widget.yaml');
    fs.writeFileSync(widget, 'apiVersion: v1\nkind: Widget\nmetadata:\n  name: w\n');
    const w = await kctl(['create', '-f', widget]);
    expect(w.code).toBe(1);
    expect(w.stderr).toContain('no matches for kind "Widget" in version "v1"');
  });

  it('unknown kind on the command line, not found, unknown flag', async () => {
    const u = await kctl(['get', 'widgets']);
    expect(u.code).toBe(1);
    expect(u.stderr).toBe('error: the server doesn\'t have a resource type "widgets"\n');
    for (const args of [['get', 'deploy', 'nope'], ['describe', 'deploy', 'nope'], ['delete', 'deploy', 'nope'], ['scale', 'deploy/nope', '--replicas', '1'], ['rollout', 'status', 'deploy/nope'], ['logs', 'nope'], ['exec', 'nope', '--', 'true']]) {
      const r = await kctl(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/^Error from server \(NotFound\): (deployments\.apps|pods) "nope" not found\n$/);
    }
    const f = await kctl(['get', 'pods', '--bogus']);
    expect(f.code).toBe(1);
    expect(f.stderr).toContain('error: unknown flag: --bogus');
    const node = await kctl(['cordon', 'no-such-node']);
    expect(node.stderr).toBe('Error from server (NotFound): nodes "no-such-node" not found\n');
  });

  it('conflicts: create of an existing object, replace at a stale resourceVersion', async () => {
    const c = await kctl(['create', '-f', WEB]);
    expect(c.code).toBe(1);
    expect(c.stderr).toBe(`Error from server (AlreadyExists): error when creating "${WEB}": deployments.apps "web" already exists\n`);
    const obj = JSON.parse(await ok(['get', 'deploy', 'web', '-o', 'json']));
    obj.metadata.resourceVersion = '1';
    const r = await kctl(['replace', '-f', '-'], { input: JSON.stringify(obj) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error from server \(Conflict\): error when replacing "STDIN": Operation cannot be fulfilled on deployments\.apps "web"/);
    delete obj.metadata.resourceVersion;
    expect(await ok(['replace', '-f', '-'], { input: JSON.stringify(obj) })).toBe('deployment.apps/web replaced\n');
  });

  it('an invalid object is refused naming the field; a multi-object apply says what succeeded', async () => {
    const file = path.join(cluster.dir, 'partial.yaml');
    fs.writeFileSync(
      file,
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: partial-ok\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: broken\nspec:\n  replicas: -1\n  selector: {matchLabels: {app: b}}\n  template:\n    metadata: {labels: {app: b}}\n    spec:\n      containers: [{name: c, image: host}]\n',
    );
    const r = await kctl(['apply', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('namespace/partial-ok created\n');
    expect(r.stderr).toMatch(/Deployment\.apps "broken" is invalid: .*spec\.replicas/);
    expect(r.stderr).toContain('1 of 2 objects failed to apply; applied: namespace/partial-ok');
    await ok(['delete', 'ns', 'partial-ok', '--wait=false']);
  });

  it('a dead server is explained', async () => {
    const r = await kctl(['get', 'pods', '--server', 'http://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n');
  });
});

describe('delete', () => {
  it('delete -f with cascade removes the Deployment, its ReplicaSets and pods, and waits', async () => {
    const out = await ok(['delete', '-f', WEB, '--cascade=foreground'], { timeoutMs: 200_000 });
    expect(out).toBe('deployment.apps "web" deleted\n');
    // It waited: the Deployment is gone already; the foreground cascade took the pods first.
    const g = await kctl(['get', 'deploy', 'web']);
    expect(g.code).toBe(1);
    await until('no web replica sets or pods', async () => {
      const rs = await kctl(['get', 'rs', '-l', 'app=web', '-o', 'name']);
      const pods = await kctl(['get', 'pods', '-l', 'app=web', '-o', 'name']);
      return rs.stdout === '' && pods.stdout === '';
    }, 120_000);
  }, 240_000);

  it('delete KIND NAME, orphan cascade keeps the pods', async () => {
    // (drain evicted hello and crashloop; bring hello back to delete it by name)
    await ok(['create', '-f', M('hello-pod.yaml')]);
    expect(await ok(['delete', 'pod', 'hello', '--grace-period', '1'])).toBe('pod "hello" deleted\n');
    expect((await kctl(['get', 'pod', 'hello'])).code).toBe(1);
    await ok(['delete', 'rs', 'ticker', '--cascade=orphan']);
    await sleep(1000);
    const pods = (await ok(['get', 'pods', '-l', 'app=ticker', '-o', 'name'])).trim().split('\n');
    expect(pods.length).toBe(3);
    await ok(['delete', 'pods', '-l', 'app=ticker', '--grace-period', '1']);
    expect((await kctl(['get', 'pods', '-l', 'app=ticker'])).stderr).toContain('No resources found');
  }, 120_000);
});
