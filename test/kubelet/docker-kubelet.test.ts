// The docker runtime end to end: a private dockerd (no iptables, no bridge, vfs), a busybox
// image imported offline, the real API server and `skiff kubelet --runtime docker`.
// Skipped (with the reason) only when dockerd cannot start on this machine.
import fs from 'node:fs';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, Pod, Secret } from '../../api/core/index.js';
import type { RestClient } from '../../client/rest.js';
import { encodeFrame, PortForwardDemuxer } from '../../api/core/port-forward.js';
import {
  client,
  dockerRequest,
  importBusyboxIntoDocker,
  podManifest,
  processesWith,
  readStream,
  ROOT,
  removeDir,
  startApiServer,
  startDockerd,
  startKubelet,
  suffix,
  tempDir,
  waitFor,
  type Dockerd,
  type KubeletProc,
  type Proc,
  cliTerminal,
} from './harness.js';

// Tagged (not :latest) so pods default to imagePullPolicy IfNotPresent and use the imported image:
// :latest means Always, a pull from docker.io, which an offline machine cannot reach.
const BUSYBOX = 'busybox:offline';
const started = await startDockerd();
const skip = 'skip' in started ? started.skip : undefined;
const dockerd = 'skip' in started ? undefined : (started as Dockerd);
if (skip) console.warn(`docker runtime tests skipped: ${skip}`);

const node = `dock-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: KubeletProc;
let rootDir: string;
let c: RestClient;

const get = (name: string) => c.pods().get(name, 'default');
const waitPod = (name: string, what: string, ok: (p: Pod) => boolean, ms = 90_000) =>
  waitFor(`${name}: ${what}`, async () => {
    const p = await get(name);
    return ok(p) ? p : undefined;
  }, ms);
const running = (p: Pod) => p.status?.phase === 'Running' && !!p.status.containerStatuses?.every((s) => s.state?.running);

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const terminals: pty.IPty[] = [];
/** busybox sh's prompt, then its query for the cursor position (which no terminal here answers). */
const PROMPT = /# (\x1b\[6n)?$/m;

const terminal = (tool: 'kctl' | 'kubectl', args: string[]) => cliTerminal(tool, api.url, join(rootDir, 'kubectl-cache'), args, terminals);

async function dockerContainers(podUid: string): Promise<{ Id: string; State: string }[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`io.kubernetes.pod.uid=${podUid}`] }));
  return JSON.parse((await dockerRequest(dockerd!.socket, 'GET', `/containers/json?all=1&filters=${filters}`)).body);
}

async function deleteAndWaitGone(name: string): Promise<void> {
  await c.pods().delete(name, { namespace: 'default' }).catch(() => undefined);
  await waitFor(`${name} deleted`, async () => {
    try {
      await get(name);
      return false;
    } catch {
      return true;
    }
  });
}

beforeAll(async () => {
  if (!dockerd) return;
  await importBusyboxIntoDocker(dockerd.socket);
  api = await startApiServer();
  c = client(api.url);
  rootDir = tempDir(node);
  kubelet = await startKubelet(api.url, node, rootDir, ['--runtime', 'docker', '--docker-socket', dockerd.socket, '--stop-pods-on-exit']);
});

afterAll(async () => {
  let leftovers: unknown[] = [];
  for (const t of terminals) {
    try {
      t.kill('SIGKILL');
    } catch {
      /* exited */
    }
  }
  try {
    if (kubelet && (kubelet.child.exitCode !== null || kubelet.child.signalCode !== null) && api && dockerd) {
      kubelet = await startKubelet(api.url, node, rootDir, ['--runtime', 'docker', '--docker-socket', dockerd.socket, '--stop-pods-on-exit']).catch(() => kubelet);
    }
    await kubelet?.stop();
    // Nothing of ours may be left in the daemon once the kubelet stopped its pods.
    if (dockerd) leftovers = JSON.parse((await dockerRequest(dockerd.socket, 'GET', '/containers/json?all=1')).body) as unknown[];
  } finally {
    c?.close();
    await api?.proc.stop();
    await dockerd?.stop();
    removeDir(rootDir);
    removeDir(api?.dir);
  }
  expect(leftovers).toEqual([]);
});

describe.skipIf(!!skip)('docker runtime kubelet', () => {
  it('runs a pod in a sandbox: env, logs (read and follow) and exec', async () => {
    await c.pods().create(
      podManifest('dweb', node, {
        containers: [
          {
            name: 'main',
            image: BUSYBOX,
            command: ['/bin/sh', '-c'],
            args: ['echo "hello from $POD_NAME"; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'],
            env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          },
        ],
      }),
    );
    const p = await waitPod('dweb', 'Running', running);
    expect(p.status?.containerStatuses?.[0]?.containerID).toMatch(/^docker:\/\/[0-9a-f]{64}$/);
    expect(p.status?.containerStatuses?.[0]?.imageID).toMatch(/^sha256:/);
    const logs = await waitFor('logs', async () => {
      const t = await readStream(await c.podLogs('default', 'dweb', {}));
      return t.includes('tick 2') ? t : undefined;
    });
    expect(logs.split('\n')[0]).toBe('hello from dweb');
    const ac = new AbortController();
    const stream = await c.podLogs('default', 'dweb', { follow: true, tailLines: 0, signal: ac.signal });
    const line = await new Promise<string>((resolve) => stream.once('data', (b: Buffer) => resolve(b.toString())));
    ac.abort();
    expect(line).toMatch(/tick \d+/);
    const r = await c.podExec('default', 'dweb', ['/bin/sh', '-c', 'echo out; echo err >&2; hostname; exit 4']);
    expect(r).toEqual({ stdout: 'out\ndweb\n', stderr: 'err\n', exitCode: 4 });
    await deleteAndWaitGone('dweb');
    expect(await dockerContainers(p.metadata.uid!)).toEqual([]);
  });

  it('forwards a port into a sandbox with no routable IP (a relay in its network namespace)', async () => {
    await c.pods().create(podManifest('dpf', node, {
      containers: [{ name: 'main', image: BUSYBOX, command: ['/bin/sh', '-c', 'mkdir -p /www && echo forwarded > /www/index.html && exec httpd -f -p 8080 -h /www'] }],
    }));
    await waitPod('dpf', 'Running', running);
    const fetchThrough = async (port: number) => {
      const ws = await c.podPortForward('default', 'dpf', [port]);
      const demux = new PortForwardDemuxer();
      let body = '';
      let error = '';
      const closed = new Promise<void>((r) => ws.on('close', () => r()));
      ws.on('message', (m: Buffer) => {
        const f = demux.push(m);
        if (f?.channel === 0) body += f.data.toString();
        if (f?.channel === 1) error += f.data.toString();
      });
      ws.send(encodeFrame(0, 'GET / HTTP/1.0\r\n\r\n'));
      await closed;
      return { body, error };
    };
    const ok = await waitFor('httpd answering through the forward', async () => {
      const r = await fetchThrough(8080);
      return r.body.includes('forwarded') ? r : undefined;
    }, 30_000);
    expect(ok.body).toMatch(/^HTTP\/1\.[01] 200 OK/);
    const refused = await fetchThrough(9);
    expect(refused.error).toMatch(/^error forwarding port 9 to pod dpf, uid [0-9a-f-]+: connect ECONNREFUSED 127\.0\.0\.1:9$/);
    await deleteAndWaitGone('dpf');
  });

  it('mounts configMap and secret volumes as bind mounts (secret on a tmpfs) and an edit reaches the container', async () => {
    const cms = c.resource<ConfigMap>('ConfigMap');
    await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dcfg', namespace: 'default' }, data: { greeting: 'hello' } });
    await c.resource<Secret>('Secret').create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'dsec', namespace: 'default' }, data: { token: Buffer.from('t0k3n').toString('base64') } });
    await c.pods().create(podManifest('dvol', node, {
      containers: [{
        name: 'main', image: BUSYBOX, command: ['/bin/sh', '-c', 'echo "env $GREETING"; while true; do sleep 1; done'],
        env: [{ name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'dcfg', key: 'greeting' } } }],
        volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }, { name: 'sec', mountPath: '/etc/sec', readOnly: true }],
      }],
      volumes: [{ name: 'cfg', configMap: { name: 'dcfg' } }, { name: 'sec', secret: { secretName: 'dsec', defaultMode: 0o400 } }],
    }));
    const p = await waitPod('dvol', 'Running', running);
    await waitFor('started', async () => (await readStream(await c.podLogs('default', 'dvol', {}))).includes('env hello'));
    const sh = async (cmd: string) => (await c.podExec('default', 'dvol', ['/bin/sh', '-c', cmd])).stdout;
    expect(await sh('cat /etc/cfg/greeting /etc/sec/token; stat -L -c %a /etc/sec/token')).toBe('hellot0k3n400\n');
    expect(await sh('grep " /etc/sec " /proc/mounts | cut -d" " -f3')).toBe('tmpfs\n');
    const cm = await cms.get('dcfg', 'default');
    await cms.update({ ...cm, data: { greeting: 'howdy' } });
    await waitFor('edit visible in the container', async () => (await sh('cat /etc/cfg/greeting')) === 'howdy', 10_000, 100);
    await deleteAndWaitGone('dvol');
    expect(await dockerContainers(p.metadata.uid!)).toEqual([]);
  });

  it('restarts a crashing container with growing back-off and restartCount', async () => {
    await c.pods().create(podManifest('dcrash', node, { containers: [{ name: 'c', image: BUSYBOX, command: ['/bin/sh', '-c', 'echo boom; exit 5'] }] }));
    const messages = new Set<string>();
    const p = await waitPod('dcrash', 'restartCount ≥ 3', (x) => {
      const s = x.status?.containerStatuses?.[0];
      if (s?.state?.waiting?.reason === 'CrashLoopBackOff') messages.add(s.state.waiting.message ?? '');
      return (s?.restartCount ?? 0) >= 3;
    }, 120_000);
    const s = p.status!.containerStatuses![0]!;
    expect(s.lastState?.terminated?.exitCode ?? s.state?.terminated?.exitCode).toBe(5);
    expect([...messages].some((m) => /back-off [2-9]s/.test(m))).toBe(true);
    expect(await readStream(await c.podLogs('default', 'dcrash', { previous: true }))).toBe('boom\n');
    await deleteAndWaitGone('dcrash');
  });

  it('liveness failure restarts; readiness gates Ready', async () => {
    await c.pods().create(
      podManifest('dprobe', node, {
        containers: [
          {
            name: 'app',
            image: BUSYBOX,
            command: ['/bin/sh', '-c', 'sleep 2; touch /tmp/ready; exec sleep 1000'],
            readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
          },
        ],
      }),
    );
    await waitPod('dprobe', 'Ready', (x) => x.status?.conditions?.find((k) => k.type === 'Ready')?.status === 'True');
    await deleteAndWaitGone('dprobe');
    await c.pods().create(
      podManifest('dlive', node, {
        containers: [{ name: 'app', image: BUSYBOX, command: ['sleep', '1000'], livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 2 } }],
      }),
    );
    const p = await waitPod('dlive', 'restarted', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 120_000);
    expect(p.status?.containerStatuses?.[0]?.lastState?.terminated).toBeDefined();
    await deleteAndWaitGone('dlive');
  });

  it('OOM-kills a container over its memory limit: OOMKilled, exit code 137', async () => {
    await c.pods().create(
      podManifest('doom', node, {
        restartPolicy: 'Never',
        containers: [{ name: 'hog', image: BUSYBOX, command: ['/bin/sh', '-c', 'x=aaaaaaaa; while true; do x="$x$x"; done'], resources: { limits: { memory: '32Mi' } } }],
      }),
    );
    const p = await waitPod('doom', 'terminated', (x) => !!x.status?.containerStatuses?.[0]?.state?.terminated);
    expect(p.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    expect(p.status?.phase).toBe('Failed');
    await deleteAndWaitGone('doom');
  });

  it('delete stops the process tree within the grace period and removes the containers', async () => {
    const marker = `${10000 + Math.floor(Math.random() * 80000)}`;
    await c.pods().create(
      podManifest('dtree', node, {
        terminationGracePeriodSeconds: 2,
        containers: [{ name: 't', image: BUSYBOX, command: ['/bin/sh', '-c', `trap "" TERM; sleep ${marker}1 & sleep ${marker}2 & while true; do sleep 1; done`] }],
      }),
    );
    const p = await waitPod('dtree', 'Running', running);
    await waitFor('tree processes', () => processesWith('sleep', `${marker}1`).length === 1 && processesWith('sleep', `${marker}2`).length === 1);
    await deleteAndWaitGone('dtree');
    expect(processesWith('sleep', `${marker}1`)).toEqual([]);
    expect(processesWith('sleep', `${marker}2`)).toEqual([]);
    expect(await dockerContainers(p.metadata.uid!)).toEqual([]);
  });

  for (const tool of ['kctl', 'kubectl'] as const) {
    it.skipIf(tool === 'kubectl' && !fs.existsSync(KUBECTL))(`${tool} exec -it and attach -it: docker's exec and attach streams (terminal, resize, exit code)`, async () => {
      const name = `dterm-${tool}`;
      await c.pods().create(podManifest(name, node, {
        restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
        containers: [{ name: 't', image: BUSYBOX, command: ['sh'], stdin: true, tty: true }],
      } as never));
      await waitPod(name, 'Running', running);
      const ex = terminal(tool, ['exec', '-it', name, '--', 'sh']);
      await ex.until(PROMPT);
      ex.term.write('tty; stty size; echo "sum=$((40 + 2))"\r');
      await ex.until(/sum=42/);
      expect(ex.out()).toMatch(/\/dev\/pts\/\d+/);
      expect(ex.out()).toMatch(/30 100/);
      ex.term.resize(120, 40);
      ex.term.write('stty size\r');
      await ex.until(/40 120/);
      ex.term.write('exit 3\r');
      expect(await ex.exited).toBe(3);
      expect(ex.out()).toContain('command terminated with exit code 3');
      // The container's own shell, on its own terminal: attach, type, detach, the shell goes on.
      const at = terminal(tool, ['attach', '-it', name]);
      await at.until(/If you don't see a command prompt, try pressing enter/);
      at.term.write('\r');
      await at.until(PROMPT);
      at.term.write('echo "attached $((6 * 7))"; stty size\r');
      await at.until(/attached 42/);
      await at.until(/30 100/);
      at.term.kill('SIGTERM');
      await at.exited;
      expect((await get(name)).status?.phase).toBe('Running');
      const again = terminal(tool, ['attach', '-it', name]);
      await again.until(/If you don't see a command prompt, try pressing enter/);
      again.term.write('exit 5\r');
      expect(await again.exited).toBe(0); // an attach that lasted until the container ended succeeded
      const done = await waitPod(name, 'Failed', (p) => p.status?.phase === 'Failed');
      expect(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(5);
      // Its log is what the terminal showed.
      const log = await readStream(await c.podLogs('default', name, {}));
      expect(log).toContain('attached 42');
      await deleteAndWaitGone(name);
    });
  }

  it('adopts running containers after kill -9 of the kubelet', async () => {
    await c.pods().create(podManifest('dsurvive', node, { containers: [{ name: 's', image: BUSYBOX, command: ['/bin/sh', '-c', 'echo up; exec sleep 1000'] }] }));
    const p1 = await waitPod('dsurvive', 'Running', running);
    const id1 = p1.status!.containerStatuses![0]!.containerID;
    await kubelet.stop('SIGKILL');
    kubelet = await startKubelet(api.url, node, rootDir, ['--runtime', 'docker', '--docker-socket', dockerd!.socket, '--stop-pods-on-exit']);
    await waitFor('logs via the new kubelet', async () => (await readStream(await c.podLogs('default', 'dsurvive', {}))) === 'up\n');
    await new Promise((r) => setTimeout(r, 3000));
    const p2 = await get('dsurvive');
    expect(p2.status?.containerStatuses?.[0]?.containerID).toBe(id1);
    expect(p2.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    const mine = await dockerContainers(p1.metadata.uid!);
    expect(mine.filter((x) => x.State === 'running')).toHaveLength(2); // the sandbox and the one container
    await deleteAndWaitGone('dsurvive');
  });
});
