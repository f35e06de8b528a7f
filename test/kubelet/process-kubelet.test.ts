// The process runtime end to end: the real API server and `skiff kubelet` processes, pods
// created with spec.nodeName set. As root (CI) with namespaces, cgroups and pod networking.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { get as httpGet } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import type { RestClient } from '../../client/rest.js';
import {
  client,
  hostResources,
  isRoot,
  makeBusyboxRootfs,
  podManifest,
  processesWith,
  readStream,
  removeDir,
  SKIFF,
  startApiServer,
  startKubelet,
  suffix,
  tempDir,
  waitFor,
  type KubeletProc,
  type Proc,
} from './harness.js';

const node = `proc-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: KubeletProc;
let rootDir: string;
let c: RestClient;
let hasBusybox = false;

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

async function pod(name: string): Promise<Pod> {
  return c.pods().get(name, 'default');
}

async function waitPod(name: string, what: string, ok: (p: Pod) => boolean, timeoutMs = 60_000): Promise<Pod> {
  return waitFor(`${name}: ${what}`, async () => {
    const p = await pod(name);
    return ok(p) ? p : undefined;
  }, timeoutMs);
}

const running = (p: Pod) => p.status?.phase === 'Running' && !!p.status.containerStatuses?.every((s) => s.state?.running);

async function deleteAndWaitGone(name: string): Promise<void> {
  await c.pods().delete(name, { namespace: 'default' }).catch(() => undefined);
  await waitFor(`${name} deleted by the kubelet`, async () => {
    try {
      await pod(name);
      return false;
    } catch {
      return true;
    }
  });
}

beforeAll(async () => {
  api = await startApiServer();
  rootDir = tempDir(node);
  c = client(api.url);
  const rootfs = makeBusyboxRootfs(tempDir('busybox-rootfs'));
  if (rootfs && isRoot) {
    execFileSync(process.execPath, [SKIFF, 'kubelet', 'import-image', 'busybox', rootfs, '--root-dir', rootDir]);
    removeDir(rootfs);
    hasBusybox = true;
  }
  kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
});

afterEach((ctx) => {
  // On failure, show what the kubelet said (sync errors are logged with SKIFF_KUBELET_DEBUG=1).
  if (ctx.task.result?.state === 'fail') console.error(`kubelet output (tail):\n${kubelet?.output().slice(-4000)}`);
});

afterAll(async () => {
  try {
    // A test that failed mid-way may have left the kubelet dead: a fresh one adopts and stops everything.
    if (kubelet && (kubelet.child.exitCode !== null || kubelet.child.signalCode !== null) && api) {
      kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']).catch(() => kubelet);
    }
    await kubelet?.stop('SIGTERM'); // --stop-pods-on-exit: pods, netns, bridge and cgroups go
    if (isRoot && rootDir) {
      const left = hostResources(rootDir, node);
      expect(left.netns).toEqual([]);
      expect(left.veths).toEqual([]);
      expect(left.pool).toEqual([]);
      expect(left.cgroups).toEqual([]);
    }
  } finally {
    c?.close();
    await api?.proc.stop();
    removeDir(rootDir);
    removeDir(api?.dir);
  }
});

describe('process runtime kubelet', () => {
  it('registers a Ready node with capacity, addresses, endpoint port and a renewed lease', async () => {
    const n = await waitFor('node Ready', async () => {
      const x = await c.nodes().get(node);
      return x.status?.conditions?.find((k) => k.type === 'Ready')?.status === 'True' ? x : undefined;
    });
    expect(n.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': node, 'kubernetes.io/os': 'linux' });
    expect(n.status?.capacity).toMatchObject({ pods: '110' });
    expect(Number(n.status?.capacity?.cpu)).toBeGreaterThan(0);
    expect(n.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    expect(n.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(kubelet.port);
    if (isRoot) expect(n.spec?.podCIDR).toMatch(/^10\.244\.\d+\.0\/24$/);
    const lease = await c.leases().get(node, 'kube-node-lease');
    expect(lease.spec?.holderIdentity).toBe(node);
    expect(lease.spec?.leaseDurationSeconds).toBe(40);
  });

  it('runs a pod: env from fieldRefs, pod IP, logs (read, tail, follow) and exec', async () => {
    const marker = `m${suffix()}`;
    await c.pods().create(
      podManifest('web', node, {
        containers: [
          {
            name: 'main',
            image: 'host',
            command: ['/bin/sh', '-c', `echo "hello from $POD_NAME in $POD_NS at $POD_IP"; i=0; while true; do i=$((i+1)); echo "${marker} tick $i"; sleep 0.2; done`],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
          },
        ],
      }),
    );
    const p = await waitPod('web', 'Running', running);
    const ip = p.status!.podIP!;
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ name: 'main', ready: true, restartCount: 0, started: true });
    expect(p.status?.containerStatuses?.[0]?.containerID).toMatch(/^skiff:\/\//);
    expect(p.status?.conditions?.find((k) => k.type === 'Ready')?.status).toBe('True');

    const logs = await waitFor('logs', async () => {
      const t = await readStream(await c.podLogs('default', 'web', {}));
      return t.includes('tick 2') ? t : undefined;
    });
    expect(logs.split('\n')[0]).toBe(`hello from web in default at ${ip}`);
    const tail = await readStream(await c.podLogs('default', 'web', { tailLines: 1 }));
    expect(tail.trim().split('\n')).toHaveLength(1);
    expect(tail).toContain(`${marker} tick`);

    // timestamps and sinceSeconds (from the kubelet's time index of the log file)
    await new Promise((r) => setTimeout(r, 3000));
    const stamped = await readStream(await c.podLogs('default', 'web', { timestamps: true, tailLines: 2 }));
    const stampedLines = stamped.trim().split('\n');
    expect(stampedLines).toHaveLength(2);
    for (const l of stampedLines) expect(l).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${marker} tick \\d+$`));
    const recent = await readStream(await c.podLogs('default', 'web', { sinceSeconds: 1 }));
    expect(recent).toContain(`${marker} tick`);
    expect(recent).not.toContain('hello from'); // written more than 3 s ago

    // follow: lines written after the request started arrive on the open stream
    const ac = new AbortController();
    const stream = await c.podLogs('default', 'web', { follow: true, tailLines: 0, signal: ac.signal });
    let followed = '';
    await waitFor('followed lines', () => {
      return new Promise<boolean>((resolve) => {
        stream.once('data', (b: Buffer) => {
          followed += b.toString();
          resolve(/tick \d+/.test(followed));
        });
      });
    });
    ac.abort();
    expect(followed).toMatch(new RegExp(`${marker} tick \\d+`));

    const r = await c.podExec('default', 'web', ['/bin/sh', '-c', 'hostname; cat /proc/1/cmdline | tr "\\0" " "; exit 7']);
    expect(r.exitCode).toBe(7);
    const [hostname, pid1] = r.stdout.split('\n');
    if (isRoot) {
      expect(hostname).toBe('web'); // own UTS namespace
      expect(pid1).toContain(marker); // own PID namespace: the container's command is PID 1
      const ipOut = await c.podExec('default', 'web', ['/bin/sh', '-c', 'ip -4 -o addr show eth0']);
      expect(ipOut.stdout).toContain(`${ip}/24`);
    }
    await deleteAndWaitGone('web');
  });

  it('serves its pod startup metrics on /metrics: each start observed once, phase by phase', async () => {
    const count = (text: string, line: string) => Number(text.split('\n').find((l) => l.startsWith(`${line} `))?.split(' ')[1] ?? 0);
    const scrape = () => c.request<string>('GET', `/api/v1/nodes/${node}/proxy/metrics`);
    const before = count(await scrape(), 'kubelet_pod_start_sli_duration_seconds_count');
    await c.pods().create(podManifest('timed', node, { containers: [{ name: 'c', image: 'host', command: ['/bin/sh', '-c', 'exec sleep 1000'] }] }));
    await waitPod('timed', 'running', running);
    const text = await waitFor('the start observed', async () => {
      const t = await scrape();
      return count(t, 'kubelet_pod_start_sli_duration_seconds_count') === before + 1 ? t : undefined;
    });
    expect(text).toContain('# TYPE kubelet_pod_start_duration_seconds histogram');
    expect(count(text, 'kubelet_pod_start_duration_seconds_count')).toBeGreaterThanOrEqual(before + 1);
    for (const phase of ['queue', 'sandbox', 'image', 'create', 'spawn', 'status', 'watch']) {
      expect(count(text, `skiff_kubelet_pod_start_phase_duration_seconds_count{phase="${phase}"}`), phase).toBeGreaterThanOrEqual(before + 1);
    }
    expect(count(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    await deleteAndWaitGone('timed');
  });

  it('writes a new pod\'s status once, Running and Ready, as its container starts (no Pending steps)', async () => {
    const created = await c.pods().create(podManifest('once', node, { containers: [{ name: 'c', image: 'host', command: ['/bin/sh', '-c', 'exec sleep 1000'] }] }));
    const watch = c.pods().watch({ namespace: 'default', fieldSelector: 'metadata.name=once', resourceVersion: created.metadata.resourceVersion });
    const changes: Pod[] = [];
    for await (const ev of watch) {
      if (ev.type !== 'MODIFIED') continue;
      changes.push(ev.object as Pod);
      if ((ev.object as Pod).status?.phase === 'Running') break;
    }
    watch.close();
    expect(changes.length).toBe(1);
    const status = changes[0]!.status!;
    expect(status.containerStatuses?.[0]?.state?.running?.startedAt).toBeDefined();
    expect(status.conditions?.find((x) => x.type === 'Ready')?.status).toBe('True');
    expect(status.podIP).toBeDefined();
    // As root the sandbox's network came from the netns pool, which the kubelet keeps filled.
    if (isRoot) await waitFor('the netns pool refilled', () => hostResources(rootDir, node).pool.length > 0);
    await deleteAndWaitGone('once');
  });

  it('restarts a crashing container with growing back-off and restartCount', async () => {
    await c.pods().create(podManifest('crash', node, { containers: [{ name: 'c', image: 'host', command: ['/bin/sh', '-c', 'echo crashing; exit 3'] }] }));
    const messages = new Set<string>();
    const p = await waitPod('crash', 'restartCount ≥ 3', (x) => {
      const s = x.status?.containerStatuses?.[0];
      const w = s?.state?.waiting;
      if (w?.reason === 'CrashLoopBackOff' && w.message) messages.add(w.message.replace(/ restarting.*/, ''));
      return (s?.restartCount ?? 0) >= 3;
    }, 90_000);
    const s = p.status!.containerStatuses![0]!;
    expect(s.lastState?.terminated?.exitCode ?? s.state?.terminated?.exitCode).toBe(3);
    expect(p.status?.phase).toBe('Running'); // restartPolicy Always keeps it Running
    // SKIFF_KUBELET_BACKOFF_BASE_MS=1000 in the harness: 1s, 2s, 4s …
    expect([...messages].some((m) => /back-off [2-9]s/.test(m))).toBe(true);
    const previous = await readStream(await c.podLogs('default', 'crash', { previous: true }));
    expect(previous).toBe('crashing\n');
    const events = await c.events().list({ namespace: 'default' });
    expect(events.items.some((e) => e.involvedObject.name === 'crash' && e.reason === 'BackOff')).toBe(true);
    await deleteAndWaitGone('crash');
  });

  it('restarts a container whose liveness probe fails, and readiness gates Ready', async () => {
    await c.pods().create(
      podManifest('probed', node, {
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          {
            name: 'app',
            image: 'host',
            command: ['/bin/sh', '-c', 'sleep 2; touch /data/ready; exec sleep 1000'],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
            readinessProbe: { exec: { command: ['test', '-f', '/data/ready'] }, periodSeconds: 1 },
          },
        ],
      }),
    );
    const notReady = await waitPod('probed', 'running but not ready', (x) => !!x.status?.containerStatuses?.[0]?.state?.running);
    if (!notReady.status!.containerStatuses![0]!.ready) {
      expect(notReady.status?.conditions?.find((k) => k.type === 'Ready')?.status).toBe('False');
    }
    await waitPod('probed', 'Ready', (x) => x.status?.conditions?.find((k) => k.type === 'Ready')?.status === 'True');
    await deleteAndWaitGone('probed');

    await c.pods().create(
      podManifest('unlive', node, {
        containers: [
          {
            name: 'app',
            image: 'host',
            command: ['/bin/sh', '-c', 'exec sleep 1000'],
            livenessProbe: { exec: { command: ['/bin/sh', '-c', 'exit 1'] }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      }),
    );
    const p = await waitPod('unlive', 'restarted by liveness', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 90_000);
    expect(p.status?.containerStatuses?.[0]?.lastState?.terminated).toBeDefined();
    const events = await c.events().list({ namespace: 'default' });
    const mine = events.items.filter((e) => e.involvedObject.name === 'unlive');
    expect(mine.some((e) => e.reason === 'Unhealthy' && /Liveness probe failed/.test(e.message ?? ''))).toBe(true);
    expect(mine.some((e) => e.reason === 'Killing' && /failed liveness probe/.test(e.message ?? ''))).toBe(true);
    await deleteAndWaitGone('unlive');
  });

  it.skipIf(!isRoot)('OOM-kills a container over its memory limit: OOMKilled, exit code 137', async () => {
    await c.pods().create(
      podManifest('oom', node, {
        restartPolicy: 'Never',
        containers: [{ name: 'hog', image: 'host', command: ['/bin/sh', '-c', 'x=aaaaaaaa; while true; do x="$x$x"; done'], resources: { limits: { memory: '32Mi' } } }],
      }),
    );
    const p = await waitPod('oom', 'terminated', (x) => !!x.status?.containerStatuses?.[0]?.state?.terminated, 90_000);
    expect(p.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    expect(p.status?.phase).toBe('Failed');
    await deleteAndWaitGone('oom');
  });

  it('runs init containers in order before the app container, sharing an emptyDir', async () => {
    await c.pods().create(
      podManifest('inits', node, {
        volumes: [{ name: 'shared', emptyDir: {} }],
        initContainers: [
          { name: 'one', image: 'host', command: ['/bin/sh', '-c', 'echo one >> /shared/order'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
          { name: 'two', image: 'host', command: ['/bin/sh', '-c', 'echo two >> /shared/order'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
        ],
        containers: [{ name: 'app', image: 'host', command: ['/bin/sh', '-c', 'cat /shared/order; exec sleep 1000'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] }],
      }),
    );
    const p = await waitPod('inits', 'Running', running);
    expect(p.status?.initContainerStatuses?.map((s) => s.state?.terminated?.reason)).toEqual(['Completed', 'Completed']);
    expect(p.status?.conditions?.find((k) => k.type === 'Initialized')?.status).toBe('True');
    const logs = await waitFor('app logs', async () => {
      const t = await readStream(await c.podLogs('default', 'inits', { container: 'app' }));
      return t ? t : undefined;
    });
    expect(logs).toBe('one\ntwo\n');
    await deleteAndWaitGone('inits');
  });

  it.skipIf(!isRoot)('chroots into an imported image; an unknown image is ErrImagePull / ImagePullBackOff with a hint', async () => {
    expect(hasBusybox, 'busybox-static is installed by .ci/run').toBe(true);
    await c.pods().create(
      podManifest('chroot', node, { containers: [{ name: 'bb', image: 'busybox', command: ['/bin/sh', '-c', 'ls /bin/busybox; test -e /usr/bin/env && echo host-fs || echo image-fs; exec sleep 1000'] }] }),
    );
    await waitPod('chroot', 'Running', running);
    const logs = await waitFor('chroot logs', async () => {
      const t = await readStream(await c.podLogs('default', 'chroot', {}));
      return t.includes('-fs') ? t : undefined;
    });
    expect(logs).toBe('/bin/busybox\nimage-fs\n');
    const r = await c.podExec('default', 'chroot', ['/bin/sh', '-c', 'test -e /usr/bin/env; echo $?']);
    expect(r.stdout).toBe('1\n'); // exec enters the same root
    await deleteAndWaitGone('chroot');

    await c.pods().create(podManifest('noimage', node, { containers: [{ name: 'x', image: 'nginx:1.27', command: ['nginx'] }] }));
    const p = await waitPod('noimage', 'ImagePullBackOff', (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff', 60_000);
    expect(p.status?.phase).toBe('Pending');
    const events = await c.events().list({ namespace: 'default' });
    expect(events.items.some((e) => e.involvedObject.name === 'noimage' && /import-image/.test(e.message ?? ''))).toBe(true);
    await deleteAndWaitGone('noimage');
  });

  it.skipIf(!isRoot)('gives pods their own network: pod IP and hostPort answer with the served body', async () => {
    expect(hasBusybox).toBe(true);
    const token = `tok-${suffix()}`;
    const hostPort = 20000 + Math.floor(Math.random() * 20000);
    await c.pods().create(
      podManifest('httpd', node, {
        containers: [
          {
            name: 'web',
            image: 'busybox',
            command: ['/bin/sh', '-c', `mkdir -p /www && echo ${token} > /www/index.html && exec httpd -f -p 8080 -h /www`],
            ports: [{ containerPort: 8080, hostPort }],
            readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1 },
          },
        ],
      }),
    );
    const p = await waitPod('httpd', 'Ready', (x) => x.status?.conditions?.find((k) => k.type === 'Ready')?.status === 'True');
    const ip = p.status!.podIP!;
    expect(ip).toMatch(/^10\.244\./);
    expect((await fetchText(`http://${ip}:8080/index.html`)).trim()).toBe(token);
    expect((await fetchText(`http://127.0.0.1:${hostPort}/index.html`)).trim()).toBe(token);
    await deleteAndWaitGone('httpd');
    // The container's writes went to its own overlay layer, not into the image.
    expect(existsSync(join(rootDir, 'images', 'busybox', 'rootfs', 'www'))).toBe(false);
  });

  it.skipIf(!isRoot)('hostNetwork pods share the node network; hostPath mounts (read-only honoured); startup + tcpSocket probes', async () => {
    expect(hasBusybox).toBe(true);
    const data = tempDir('hostpath');
    writeFileSync(join(data, 'greeting'), 'from the host\n');
    const port = 20000 + Math.floor(Math.random() * 20000);
    await c.pods().create(
      podManifest('hostnet', node, {
        hostNetwork: true,
        volumes: [{ name: 'h', hostPath: { path: data, type: 'Directory' } }],
        containers: [
          {
            name: 'srv',
            image: 'busybox',
            command: ['/bin/sh', '-c', `cat /host/greeting; touch /host/x 2>/dev/null && echo writable || echo read-only; mkdir -p /www; echo ok > /www/index.html; exec httpd -f -p ${port} -h /www`],
            volumeMounts: [{ name: 'h', mountPath: '/host', readOnly: true }],
            startupProbe: { tcpSocket: { port }, periodSeconds: 1, failureThreshold: 30 },
            livenessProbe: { httpGet: { port, path: '/index.html' }, periodSeconds: 1 },
          },
        ],
      }),
    );
    const p = await waitPod('hostnet', 'Ready', (x) => x.status?.conditions?.find((k) => k.type === 'Ready')?.status === 'True');
    expect(p.status?.podIP).toBe('127.0.0.1');
    expect(p.status?.containerStatuses?.[0]?.started).toBe(true);
    expect((await fetchText(`http://127.0.0.1:${port}/index.html`)).trim()).toBe('ok');
    const logs = await readStream(await c.podLogs('default', 'hostnet', {}));
    expect(logs).toBe('from the host\nread-only\n');
    expect(existsSync(join(data, 'x'))).toBe(false);
    await deleteAndWaitGone('hostnet');
    removeDir(data);
  });

  it.skipIf(!isRoot)('restarts a container whose image was changed on the pod', async () => {
    expect(hasBusybox).toBe(true);
    await c.pods().create(podManifest('reimage', node, { containers: [{ name: 'c', image: 'host', command: ['/bin/sh', '-c', 'test -e /usr/bin/env && echo host-fs || echo image-fs; exec sleep 1000'] }] }));
    const p = await waitPod('reimage', 'Running', running);
    const id1 = p.status!.containerStatuses![0]!.containerID;
    await waitFor('first instance logged', async () => (await readStream(await c.podLogs('default', 'reimage', {}))) === 'host-fs\n');
    await c.pods().patch('reimage', { spec: { containers: [{ name: 'c', image: 'busybox' }] } }, 'strategic', { namespace: 'default' });
    const p2 = await waitPod('reimage', 'restarted with the new image', (x) => {
      const s = x.status?.containerStatuses?.[0];
      return !!s?.state?.running && s.containerID !== id1 && s.image === 'busybox';
    });
    expect(p2.status?.containerStatuses?.[0]?.restartCount).toBe(1);
    expect(await waitFor('new logs', async () => (await readStream(await c.podLogs('default', 'reimage', {}))) || undefined)).toBe('image-fs\n');
    expect(await readStream(await c.podLogs('default', 'reimage', { previous: true }))).toBe('host-fs\n');
    await deleteAndWaitGone('reimage');
  });

  it.skipIf(!isRoot)('hostPID pods see the node\'s processes', async () => {
    const marker = `${10000 + Math.floor(Math.random() * 80000)}`;
    await c.pods().create(podManifest('hostpid', node, { hostPID: true, containers: [{ name: 'h', image: 'host', command: ['sleep', `${marker}6`] }] }));
    await waitPod('hostpid', 'Running', running);
    await waitFor('process', () => processesWith('sleep', `${marker}6`).length === 1);
    const pid = processesWith('sleep', `${marker}6`)[0]!;
    // the same pid inside and out: it shares the node's PID namespace (and exec joins it)
    const r = await c.podExec('default', 'hostpid', ['/bin/sh', '-c', `cat /proc/${pid}/cmdline | tr "\\0" " "`]);
    expect(r.stdout.trim()).toBe(`sleep ${marker}6`);
    await deleteAndWaitGone('hostpid');
    expect(processesWith('sleep', `${marker}6`)).toEqual([]);
  });

  it('delete stops the whole process tree within the grace period and leaves nothing behind', async () => {
    const marker = `${10000 + Math.floor(Math.random() * 80000)}`;
    await c.pods().create(
      podManifest('tree', node, {
        terminationGracePeriodSeconds: 2,
        // A tree whose shell ignores SIGTERM: it has to be SIGKILLed after the grace period.
        containers: [{ name: 't', image: 'host', command: ['/bin/sh', '-c', `trap "" TERM; sleep ${marker}1 & sleep ${marker}2 & while true; do sleep 1; done`] }],
      }),
    );
    await waitPod('tree', 'Running', running);
    await waitFor('tree processes', () => processesWith('sleep', `${marker}1`).length === 1 && processesWith('sleep', `${marker}2`).length === 1);
    const before = hostResources(rootDir, node);
    if (isRoot) {
      expect(before.netns.length).toBeGreaterThan(0);
      expect(before.cgroups.length).toBeGreaterThan(0);
    }
    await deleteAndWaitGone('tree');
    expect(processesWith('sleep', `${marker}1`)).toEqual([]);
    expect(processesWith('sleep', `${marker}2`)).toEqual([]);
    const after = hostResources(rootDir, node);
    expect(after.sandboxes).toEqual([]);
    expect(after.containers).toEqual([]);
    expect(after.netns).toEqual([]);
    expect(after.veths).toEqual([]);
    expect(after.cgroups).toEqual([]);
    for (const ns of before.netns) expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(ns);
  });

  it.skipIf(!isRoot)('recovers after a simulated reboot: containers and netns gone, pod runs again in a new sandbox', async () => {
    const marker = `${10000 + Math.floor(Math.random() * 80000)}`;
    await c.pods().create(podManifest('reboot', node, { containers: [{ name: 'r', image: 'host', command: ['sleep', `${marker}7`] }] }));
    const p1 = await waitPod('reboot', 'Running', running);
    await waitFor('the pod\'s process', () => processesWith('sleep', `${marker}7`).length === 1);
    await kubelet.stop('SIGKILL');
    // "Reboot": every process of the pod and its network namespace disappear.
    const sandboxes = hostResources(rootDir, node);
    const kill = (pid: number) => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    for (const id of sandboxes.containers) {
      const rec = JSON.parse(readFileSync(join(rootDir, 'containers', id, 'container.json'), 'utf8')) as { shimPid?: number; finished?: unknown; config: { labels: Record<string, string> } };
      if (rec.shimPid && !rec.finished && rec.config.labels['io.kubernetes.pod.name'] === 'reboot') kill(rec.shimPid);
    }
    for (const pid of processesWith('sleep', `${marker}7`)) kill(pid);
    const rebootSandbox = readdirSync(join(rootDir, 'sandboxes')).find((id) => readFileSync(join(rootDir, 'sandboxes', id, 'sandbox.json'), 'utf8').includes('"reboot"'));
    if (rebootSandbox) execFileSync('ip', ['netns', 'del', `skiff-${rebootSandbox.slice(0, 12)}`]);
    await waitFor('processes gone', () => processesWith('sleep', `${marker}7`).length === 0);
    kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
    const p2 = await waitPod('reboot', 'running again', (x) => {
      const s = x.status?.containerStatuses?.[0];
      return !!s?.state?.running && s.containerID !== p1.status!.containerStatuses![0]!.containerID;
    });
    expect(p2.status?.podIP).toMatch(/^10\.244\./);
    await waitFor('the pod\'s process again', () => processesWith('sleep', `${marker}7`).length === 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await c.pods().get('reboot', 'default')).status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    await deleteAndWaitGone('reboot');
  });

  it('adopts running containers after kill -9 of the kubelet instead of starting duplicates', async () => {
    const marker = `${10000 + Math.floor(Math.random() * 80000)}`;
    await c.pods().create(podManifest('survivor', node, { containers: [{ name: 's', image: 'host', command: ['/bin/sh', '-c', `echo started; exec sleep ${marker}9`] }] }));
    const p1 = await waitPod('survivor', 'Running', running);
    const id1 = p1.status!.containerStatuses![0]!.containerID;
    const pids = await waitFor('one process', () => (processesWith('sleep', `${marker}9`).length === 1 ? processesWith('sleep', `${marker}9`) : undefined));

    // A second pod that is force-deleted while no kubelet runs: the next kubelet must clean it up.
    await c.pods().create(podManifest('orphan', node, { containers: [{ name: 'o', image: 'host', command: ['sleep', `${marker}8`] }] }));
    await waitPod('orphan', 'Running', running);
    // Running is reported once the container is started; its command may exec a moment later.
    await waitFor('the orphan\'s process', () => processesWith('sleep', `${marker}8`).length === 1);

    await kubelet.stop('SIGKILL');
    expect(processesWith('sleep', `${marker}9`)).toEqual(pids); // the container outlived its kubelet
    expect(processesWith('sleep', `${marker}8`)).toHaveLength(1);
    await c.pods().delete('orphan', { namespace: 'default', gracePeriodSeconds: 0 });
    kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
    await waitFor('orphan cleaned up', () => processesWith('sleep', `${marker}8`).length === 0);

    // Give the new kubelet time to sync (status is rewritten only on change), then check it adopted.
    await waitFor('new kubelet served logs', async () => (await readStream(await c.podLogs('default', 'survivor', {}))) === 'started\n');
    await new Promise((r) => setTimeout(r, 3000));
    const p2 = await pod('survivor');
    expect(p2.status?.containerStatuses?.[0]?.containerID).toBe(id1);
    expect(p2.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(processesWith('sleep', `${marker}9`)).toEqual(pids);
    // The adopted container can still be exec'd into and stopped.
    expect((await c.podExec('default', 'survivor', ['echo', 'adopted'])).stdout).toBe('adopted\n');
    await deleteAndWaitGone('survivor');
    expect(processesWith('sleep', `${marker}9`)).toEqual([]);
  });
});
