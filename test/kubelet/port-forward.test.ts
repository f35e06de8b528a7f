// Port-forward end to end over real processes: `kctl port-forward` (the built binary) →
// pods/NAME/portforward on the API server (WebSocket, authorized as create) → the kubelet's
// /portForward over TLS → a TCP connection to the pod's port (pod IP with the process
// runtime as root, loopback for host-network pods). An HTTP server in the pod answers
// through it, for pod/NAME and for svc/NAME with a named targetPort; the errors are
// kubectl's and exit non-zero.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import { encodeFrame, PortForwardDemuxer } from '../../api/core/port-forward.js';
import { RestClient } from '../../client/rest.js';
import { isPodReady } from '../../controllers/pod-readiness.js';
import { testPki } from '../support/tls.js';
import { client, isRoot, podManifest, removeDir, ROOT, startApiServer, startKubelet, suffix, tempDir, waitFor, type KubeletProc, type Proc } from './harness.js';

// Pods here each listen on 8080 in their own network namespace, which needs root.
if (!isRoot) console.warn('port-forward tests skipped: the process runtime gives pods their own network only as root');

const KCTL = join(ROOT, 'dist', 'cli', 'kctl.js');
const node = `pf-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: KubeletProc;
let rootDir: string;
let c: RestClient;
const children: ChildProcess[] = [];

/** A small HTTP server that names itself; /big sends 16 MiB, a POST answers with the byte count it got. */
const server = (name: string, port: number) => `
  const big = Buffer.alloc(16 << 20, 'abcdefgh');
  require('http').createServer((q, s) => {
    if (q.url === '/big') return s.end(big);
    let n = 0;
    q.on('data', (d) => (n += d.length));
    q.on('end', () => s.end(q.method === 'POST' ? String(n) : 'hello from ${name} ' + q.url));
  }).listen(${port});`;

const webPod = (name: string, port: number, extra: Partial<Pod['spec']> = {}) => podManifest(name, node, {
  containers: [{
    name: 'web', image: 'host', ports: [{ name: 'http', containerPort: port }],
    command: [process.execPath, '-e', server(name, port)],
    // Ready once it listens: Running alone comes before node has loaded the script.
    readinessProbe: { tcpSocket: { port }, periodSeconds: 1 },
  }],
  ...extra,
}, { labels: { app: name } });

async function ready(name: string): Promise<void> {
  await waitFor(`${name} ready`, async () => isPodReady(await c.pods().get(name, 'default')), 60_000);
}

/** Start `kctl port-forward ARGS…`; resolves with the child and the first "Forwarding from" line's local port. */
async function portForward(...args: string[]): Promise<{ child: ChildProcess; port: number; remote: number; out: () => string }> {
  const child = spawn(process.execPath, [KCTL, '--server', api.url, '--kubeconfig', testPki().kubeconfig, 'port-forward', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const m = await waitFor('Forwarding from', () => out.match(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/) ?? (child.exitCode !== null ? Promise.reject(new Error(`kctl exited ${child.exitCode}: ${out}`)) : undefined), 30_000);
  return { child, port: Number(m[1]), remote: Number(m[2]), out: () => out };
}

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const hasKubectl = existsSync(KUBECTL);

/** Start the real `kubectl port-forward ARGS…` (WebSocket-tunnelled SPDY unless env says otherwise). */
async function kubectlPortForward(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ child: ChildProcess; port: number; out: () => string }> {
  const child = spawn(KUBECTL, ['--server', api.url, '--kubeconfig', testPki().kubeconfig, '--cache-dir', join(rootDir, 'kubectl-cache'), 'port-forward', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const m = await waitFor('Forwarding from', () => out.match(/Forwarding from 127\.0\.0\.1:(\d+) -> \d+/) ?? (child.exitCode !== null ? Promise.reject(new Error(`kubectl exited ${child.exitCode}: ${out}`)) : undefined), 30_000);
  return { child, port: Number(m[1]), out: () => out };
}

/** Run kctl to completion: exit code and output. */
function kctlRun(...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [KCTL, '--server', api.url, '--kubeconfig', testPki().kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  await exited;
}

/** GET through a fresh connection (no keep-alive: each request is its own forwarded stream). */
async function get(port: number, path = '/'): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { Connection: 'close' } });
  return res.text();
}

beforeAll(async () => {
  if (!isRoot) return;
  api = await startApiServer();
  rootDir = tempDir(node);
  c = client(api.url);
  kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
  await c.pods().create(webPod('web', 8080));
  await ready('web');
});

afterAll(async () => {
  try {
    for (const ch of children) await stop(ch);
    await kubelet?.stop('SIGTERM');
  } finally {
    c?.close();
    await api?.proc.stop();
    removeDir(rootDir);
    removeDir(api?.dir);
  }
});

describe.skipIf(!isRoot)('kctl port-forward', () => {
  it('forwards a random local port to a pod; each connection is its own stream', async () => {
    const pf = await portForward('pod/web', ':8080');
    expect(pf.remote).toBe(8080);
    expect(await get(pf.port, '/one')).toBe('hello from web /one');
    expect(await get(pf.port, '/two')).toBe('hello from web /two');
    await waitFor('two connections handled', () => (pf.out().match(new RegExp(`Handling connection for ${pf.port}`, 'g')) ?? []).length === 2, 10_000);
    await stop(pf.child);
    expect(pf.child.exitCode ?? 0).toBe(0);
  });

  it('carries large bodies both ways intact', async () => {
    const pf = await portForward('pod/web', ':8080');
    const down = Buffer.from(await (await fetch(`http://127.0.0.1:${pf.port}/big`)).arrayBuffer());
    expect(down.length).toBe(16 << 20);
    expect(down.equals(Buffer.alloc(16 << 20, 'abcdefgh'))).toBe(true);
    const up = await fetch(`http://127.0.0.1:${pf.port}/upload`, { method: 'POST', body: Buffer.alloc(16 << 20, 7) });
    expect(await up.text()).toBe(String(16 << 20));
    await stop(pf.child);
  });

  it('forwards svc/NAME to a ready pod, mapping the service port to a named targetPort', async () => {
    await c.resource('Service').create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    } as never, { namespace: 'default' });
    const pf = await portForward('svc/web', '0:80');
    expect(pf.remote).toBe(8080);
    expect(await get(pf.port, '/svc')).toBe('hello from web /svc');
    await stop(pf.child);
  });

  it('forwards deploy/NAME to a pod its selector matches', async () => {
    // No controller-manager here: the Deployment is only the selector kctl resolves, as kubectl does.
    await c.resource('Deployment').create({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'host' }] } } },
    } as never, { namespace: 'default' });
    const pf = await portForward('deploy/web', ':http');
    expect(pf.remote).toBe(8080);
    expect(await get(pf.port, '/deploy')).toBe('hello from web /deploy');
    await stop(pf.child);
  });

  it('reaches a host-network pod on the node\'s loopback', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    await c.pods().create(webPod('hostweb', port, { hostNetwork: true }));
    await ready('hostweb');
    const pf = await portForward('pod/hostweb', `:${port}`);
    expect(await get(pf.port)).toBe('hello from hostweb /');
    await stop(pf.child);
  });

  it('reports a port nothing listens on as the kubelet\'s error, per connection', async () => {
    const pf = await portForward('pod/web', ':9');
    const closed = await new Promise<string>((resolve) => {
      const s = net.connect(pf.port, '127.0.0.1');
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });
    expect(closed).toBe('');
    await waitFor('error reported', () => /error forwarding port 9 to pod web, uid [0-9a-f-]+: connect ECONNREFUSED/.test(pf.out()), 10_000);
    expect(pf.child.exitCode).toBeNull(); // still serving other connections, as kubectl does
    await stop(pf.child);
  });

  it('ends with "lost connection to pod" when the pod is deleted', async () => {
    await c.pods().create(webPod('brief', 8080));
    await ready('brief');
    const pf = await portForward('pod/brief', ':8080');
    expect(await get(pf.port)).toBe('hello from brief /');
    const exited = new Promise<number | null>((r) => pf.child.once('exit', (code) => r(code)));
    await c.pods().delete('brief', { namespace: 'default' });
    expect(await exited).toBe(1);
    expect(pf.out()).toContain('error: lost connection to pod');
  });

  it('fails clearly: pod not running, no pods behind a service, unknown service port, port in use', async () => {
    await c.pods().create(podManifest('pending', 'no-such-node', { containers: [{ name: 'c', image: 'host', command: ['sleep', '100'] }] }));
    const notRunning = await kctlRun('port-forward', 'pod/pending', '8080');
    expect(notRunning.code).toBe(1);
    expect(notRunning.out).toContain('unable to forward port because pod is not running. Current status=Pending');

    await c.resource('Service').create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'empty', namespace: 'default' },
      spec: { selector: { app: 'nothing' }, ports: [{ port: 80 }] },
    } as never, { namespace: 'default' });
    const empty = await kctlRun('port-forward', 'svc/empty', ':80');
    expect(empty.code).toBe(1);
    expect(empty.out).toContain('no pods found for service/empty');

    const badPort = await kctlRun('port-forward', 'svc/web', ':81');
    expect(badPort.code).toBe(1);
    expect(badPort.out).toContain('Service web does not have a service port 81');

    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const busyPort = (busy.address() as net.AddressInfo).port;
    try {
      const inUse = await kctlRun('port-forward', 'pod/web', `${busyPort}:8080`, '--address', '127.0.0.1');
      expect(inUse.code).toBe(1);
      expect(inUse.out).toContain(`Unable to listen on port ${busyPort}`);
      expect(inUse.out).toContain('address already in use');
    } finally {
      busy.close();
    }

    const usage = await kctlRun('port-forward', 'pod/web', '8080:99999');
    expect(usage.code).toBe(1);
    expect(usage.out).toContain('remote port "99999" is not a valid port number');
  });
});

// kubectl 1.32 tunnels SPDY in a WebSocket (`SPDY/3.1+portforward.k8s.io`) by default and
// falls back to a plain SPDY/3.1 upgrade with KUBECTL_PORT_FORWARD_WEBSOCKETS=false; the
// kubelet serves both (kubelet/spdy.ts, port-forward-spdy.ts) behind the API server's relay.
for (const [mode, env] of [['WebSocket-tunnelled SPDY', {}], ['plain SPDY', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }]] as const) {
  describe.skipIf(!isRoot || !hasKubectl)(`the real kubectl port-forward (${mode})`, () => {
    it('serves several requests, each its own pair of streams, and large bodies both ways', async () => {
      const pf = await kubectlPortForward(env, 'pod/web', ':8080');
      for (const path of ['/one', '/two', '/three']) expect(await get(pf.port, path)).toBe(`hello from web ${path}`);
      // Concurrent connections share the one SPDY connection.
      const many = await Promise.all(Array.from({ length: 8 }, (_, i) => get(pf.port, `/c${i}`)));
      expect(many).toEqual(Array.from({ length: 8 }, (_, i) => `hello from web /c${i}`));
      const down = Buffer.from(await (await fetch(`http://127.0.0.1:${pf.port}/big`)).arrayBuffer());
      expect(down.equals(Buffer.alloc(16 << 20, 'abcdefgh'))).toBe(true);
      const up = await fetch(`http://127.0.0.1:${pf.port}/upload`, { method: 'POST', body: Buffer.alloc(4 << 20, 7) });
      expect(await up.text()).toBe(String(4 << 20));
      await waitFor('connections handled', () => (pf.out().match(/Handling connection for \d+/g) ?? []).length >= 13, 10_000);
      await stop(pf.child);
    });

    it('reports a port nothing listens on with the kubelet\'s message', async () => {
      const pf = await kubectlPortForward(env, 'pod/web', ':9');
      const got = await new Promise<string>((resolve) => {
        const s = net.connect(pf.port, '127.0.0.1');
        let d = '';
        s.on('data', (b) => (d += b));
        s.on('close', () => resolve(d));
        s.on('error', () => resolve(d));
      });
      expect(got).toBe('');
      await waitFor('error reported', () => /an error occurred forwarding \d+ -> 9: error forwarding port 9 to pod web, uid [0-9a-f-]+: .*ECONNREFUSED/.test(pf.out()), 10_000);
      await stop(pf.child);
    });

    it('ends non-zero with "lost connection to pod" when the pod goes', async () => {
      const name = `brief-${mode.startsWith('W') ? 'ws' : 'spdy'}`;
      await c.pods().create(webPod(name, 8080));
      await ready(name);
      const pf = await kubectlPortForward(env, `pod/${name}`, ':8080');
      expect(await get(pf.port)).toBe(`hello from ${name} /`);
      const exited = new Promise<number | null>((r) => pf.child.once('exit', (code) => r(code)));
      await c.pods().delete(name, { namespace: 'default' });
      expect(await exited).not.toBe(0);
      expect(pf.out()).toContain('lost connection to pod');
    });
  });
}

describe.skipIf(!isRoot)('pods/portforward on the API server', () => {
  it('speaks the channel protocol: the port on both channels first, then the bytes', async () => {
    const ws = await c.podPortForward('default', 'web', [8080]);
    const demux = new PortForwardDemuxer();
    let body = '';
    const done = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    ws.on('message', (m: Buffer) => {
      const f = demux.push(m);
      if (f?.channel === 0) body += f.data.toString();
    });
    ws.send(encodeFrame(0, 'GET /raw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    await done;
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    expect([...demux.ports.entries()]).toEqual([[0, 8080], [1, 8080]]);
    expect(body).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*hello from web \/raw$/);
  });

  it('answers 400 without ports, 404 for a missing pod, and needs create on pods/portforward', async () => {
    await expect(c.podPortForward('default', 'web', [])).rejects.toMatchObject({ status: { code: 400 } });
    await expect(c.podPortForward('default', 'nope', [80])).rejects.toMatchObject({ status: { code: 404, reason: 'NotFound' } });
    // A plain request, not an upgrade, has nothing to carry the ports.
    await expect(c.request('POST', '/api/v1/namespaces/default/pods/web/portforward', { query: { ports: '80' } })).rejects.toMatchObject({ status: { code: 400, message: 'Upgrade request required' } });

    const jane = new RestClient({ server: api.url, credentials: { ...testPki().credentials, impersonate: { user: 'jane' } }, retries: 0 });
    try {
      await expect(jane.podPortForward('default', 'web', [8080])).rejects.toMatchObject({ status: { code: 403 } });
      // `get` alone (what the WebSocket GET is by its method) is not enough: forwarding is a create.
      await c.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { body: { metadata: { name: 'pf-get' }, rules: [{ apiGroups: [''], resources: ['pods/portforward'], verbs: ['get'] }] } });
      await c.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', { body: { metadata: { name: 'pf-get' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pf-get' }, subjects: [{ kind: 'User', name: 'jane' }] } });
      const refused = await waitFor('the create check', async () => {
        try {
          (await jane.podPortForward('default', 'web', [8080])).close();
          return undefined;
        } catch (e) {
          const s = (e as { status?: { code?: number; message?: string } }).status;
          return s?.message?.includes('cannot create resource "pods/portforward"') ? s : undefined;
        }
      }, 10_000);
      expect(refused.code).toBe(403);
      await c.request('PUT', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/pf-get', { body: { metadata: { name: 'pf-get' }, rules: [{ apiGroups: [''], resources: ['pods/portforward'], verbs: ['get', 'create'] }] } });
      const ws = await waitFor('allowed with create', () => jane.podPortForward('default', 'web', [8080]), 10_000);
      ws.close();
    } finally {
      jane.close();
    }
  });

  it('is listed in discovery', async () => {
    const list = await c.request<{ resources: { name: string; verbs: string[] }[] }>('GET', '/api/v1');
    expect(list.resources.find((r) => r.name === 'pods/portforward')?.verbs).toEqual(['create', 'get']);
  });
});
