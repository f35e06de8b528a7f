import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  backoffDelay, collectionPath, ConnectionError, isRetrySafe, objectPath, RestClient, statusErrorFrom,
} from '../../client/rest.js';
import { resourceByKind } from '../../api/resources.js';
import { isStatusError, StatusError } from '../../api/errors.js';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

const servers: http.Server[] = [];
const clients: RestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A tiny HTTP server whose handler decides each answer; records every request. */
async function fake(handler: (req: Seen, res: http.ServerResponse, n: number) => void, port = 0): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const s = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(r);
      handler(r, res, seen.length);
    });
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
}

function json(res: http.ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const status = (code: number, reason: string, message = reason, extra: object = {}) =>
  ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, ...extra });

/** A loopback port nobody listens on (bound then released). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

function client(server: string | string[], extra: object = {}) {
  const c = new RestClient({ server, baseBackoffMs: 5, maxBackoffMs: 50, ...extra });
  clients.push(c);
  return c;
}

describe('paths', () => {
  const pod = resourceByKind('Pod')!;
  const node = resourceByKind('Node')!;
  const dep = resourceByKind('Deployment')!;
  const lease = resourceByKind('Lease')!;
  it('builds Kubernetes paths for core, named groups, cluster scope and subresources', () => {
    expect(collectionPath(pod, 'ns1')).toBe('/api/v1/namespaces/ns1/pods');
    expect(collectionPath(pod)).toBe('/api/v1/pods');
    expect(objectPath(pod, undefined, 'p')).toBe('/api/v1/namespaces/default/pods/p');
    expect(objectPath(pod, 'x', 'p', 'log')).toBe('/api/v1/namespaces/x/pods/p/log');
    expect(objectPath(node, 'ignored', 'n1', 'status')).toBe('/api/v1/nodes/n1/status');
    expect(objectPath(dep, 'default', 'web', 'scale')).toBe('/apis/apps/v1/namespaces/default/deployments/web/scale');
    expect(collectionPath(lease, 'kube-system')).toBe('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases');
  });
});

describe('pure policy', () => {
  it('statusErrorFrom keeps a Status body and synthesizes one otherwise', () => {
    const e = statusErrorFrom(404, JSON.stringify(status(404, 'NotFound', 'pods "x" not found')));
    expect(e).toBeInstanceOf(StatusError);
    expect(e.reason).toBe('NotFound');
    expect(e.message).toBe('pods "x" not found');
    const s = statusErrorFrom(502, '<html>bad gateway</html>');
    expect(s.code).toBe(502);
    expect(s.reason).toBe('InternalError');
    expect(s.message).toContain('bad gateway');
    const t = statusErrorFrom(429, '', '3');
    expect(t.reason).toBe('TooManyRequests');
    expect(t.status.details?.retryAfterSeconds).toBe(3);
  });
  it('isRetrySafe: idempotent verbs, named creates, not generateName/exec/json-patch', () => {
    expect(isRetrySafe('GET', '/api/v1/pods', undefined)).toBe(true);
    expect(isRetrySafe('PUT', '/x', {})).toBe(true);
    expect(isRetrySafe('DELETE', '/x', undefined)).toBe(true);
    expect(isRetrySafe('POST', '/api/v1/namespaces/d/pods', { metadata: { name: 'a' } })).toBe(true);
    expect(isRetrySafe('POST', '/api/v1/namespaces/d/pods', { metadata: { generateName: 'a-' } })).toBe(false);
    expect(isRetrySafe('POST', '/api/v1/namespaces/d/pods/a/exec?command=ls', undefined)).toBe(false);
    expect(isRetrySafe('PATCH', '/x', [], 'application/json-patch+json')).toBe(false);
    expect(isRetrySafe('PATCH', '/x', {}, 'application/merge-patch+json')).toBe(true);
  });
  it('backoffDelay grows exponentially with jitter and is capped', () => {
    expect(backoffDelay(0, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(0, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelay(3, 100, 10_000, () => 1)).toBe(800);
    expect(backoffDelay(30, 100, 10_000, () => 1)).toBe(10_000);
  });
});

describe('RestClient over HTTP', () => {
  it('sends typed CRUD requests with the right verbs, paths, bodies and content types', async () => {
    const { url, seen } = await fake((req, res) => {
      if (req.method === 'DELETE') return json(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
      if (req.url.includes('/scale')) return json(res, 200, { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web' }, spec: { replicas: 3 } });
      json(res, req.method === 'POST' ? 201 : 200, req.body ? JSON.parse(req.body) : { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '9' }, items: [] });
    });
    const c = client(url, { userAgent: 'skiff-test' });
    const pods = c.pods();
    const created = await pods.create({ metadata: { name: 'p', namespace: 'ns1' }, spec: { containers: [] } } as never);
    expect(created.kind).toBe('Pod');
    expect(created.apiVersion).toBe('v1');
    await pods.get('p', 'ns1');
    await pods.list({ namespace: 'ns1', labelSelector: 'app=web', limit: 10 });
    await pods.update({ metadata: { name: 'p', namespace: 'ns1', resourceVersion: '3' } } as never);
    await pods.updateStatus({ metadata: { name: 'p', namespace: 'ns1' }, status: { phase: 'Running' } } as never);
    await c.deployments().patch('web', { spec: { replicas: 2 } }, 'merge', { namespace: 'default' });
    await c.deployments().patch('web', { spec: {} }, 'apply', { namespace: 'default', force: true });
    await pods.delete('p', { namespace: 'ns1', propagationPolicy: 'Foreground', preconditions: { uid: 'u1' } });
    await c.deployments().getScale('web', 'default');
    await c.deployments().updateScale('web', { metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 4 } });
    await c.nodes().get('n1');
    await c.bind('ns1', 'p', 'n1', 'u1');
    await pods.deleteCollection({ namespace: 'ns1', labelSelector: 'a=b' });

    const lines = seen.map((s) => `${s.method} ${s.url}`);
    expect(lines).toEqual([
      'POST /api/v1/namespaces/ns1/pods',
      'GET /api/v1/namespaces/ns1/pods/p',
      'GET /api/v1/namespaces/ns1/pods?labelSelector=app%3Dweb&limit=10',
      'PUT /api/v1/namespaces/ns1/pods/p',
      'PUT /api/v1/namespaces/ns1/pods/p/status',
      'PATCH /apis/apps/v1/namespaces/default/deployments/web',
      'PATCH /apis/apps/v1/namespaces/default/deployments/web?fieldManager=skiff-test&force=true',
      'DELETE /api/v1/namespaces/ns1/pods/p',
      'GET /apis/apps/v1/namespaces/default/deployments/web/scale',
      'PUT /apis/apps/v1/namespaces/default/deployments/web/scale',
      'GET /api/v1/nodes/n1',
      'POST /api/v1/namespaces/ns1/pods/p/binding',
      'DELETE /api/v1/namespaces/ns1/pods?labelSelector=a%3Db',
    ]);
    expect(seen[0]!.headers['user-agent']).toBe('skiff-test');
    expect(seen[5]!.headers['content-type']).toBe('application/merge-patch+json');
    expect(seen[6]!.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(JSON.parse(seen[7]!.body)).toEqual({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', preconditions: { uid: 'u1' } });
    expect(JSON.parse(seen[9]!.body)).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 4 } });
    expect(JSON.parse(seen[11]!.body)).toEqual({
      apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p', namespace: 'ns1', uid: 'u1' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'n1' },
    });
  });

  it('listAll pages through continue tokens', async () => {
    const { url, seen } = await fake((req, res) => {
      const u = new URL(req.url, 'http://x');
      const cont = u.searchParams.get('continue');
      const page = cont ? Number(cont) : 0;
      json(res, 200, {
        kind: 'PodList', apiVersion: 'v1',
        metadata: { resourceVersion: '42', ...(page < 2 ? { continue: String(page + 1) } : {}) },
        items: [{ metadata: { name: `p${page}` } }],
      });
    });
    const list = await client(url).pods().listAll({ namespace: 'd' });
    expect(list.items.map((p) => p.metadata.name)).toEqual(['p0', 'p1', 'p2']);
    expect(list.metadata.resourceVersion).toBe('42');
    expect(seen.every((s) => s.url.includes('limit=500'))).toBe(true);
  });

  it('maps a Status body to StatusError and never retries a 4xx', async () => {
    const { url, seen } = await fake((_req, res) => json(res, 409, status(409, 'AlreadyExists', 'pods "p" already exists')));
    const err = await client(url).pods().create({ metadata: { name: 'p' } } as never).catch((e) => e);
    expect(isStatusError(err, 'AlreadyExists')).toBe(true);
    expect(err.code).toBe(409);
    expect(seen).toHaveLength(1);
  });

  it('synthesizes a Status for a non-Status error body', async () => {
    const { url } = await fake((_req, res) => { res.writeHead(404, { 'Content-Type': 'text/plain' }); res.end('404 page not found'); });
    const err = await client(url).request('GET', '/nope').catch((e) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).reason).toBe('NotFound');
    expect((err as StatusError).message).toBe('404 page not found');
  });

  it('retries 429 honouring Retry-After / retryAfterSeconds, then succeeds', async () => {
    const { url, seen } = await fake((_req, res, n) => {
      if (n === 1) return json(res, 429, status(429, 'TooManyRequests'), { 'Retry-After': '1' });
      if (n === 2) return json(res, 429, status(429, 'TooManyRequests', 'slow down', { details: { retryAfterSeconds: 1 } }));
      json(res, 201, { metadata: { generateName: 'x-', name: 'x-1' } });
    });
    // Even a generateName POST: a 429 means the server did not process it.
    const obj = await client(url).request<{ metadata: { name: string } }>('POST', '/api/v1/namespaces/d/pods', { body: { metadata: { generateName: 'x-' } } });
    expect(obj.metadata.name).toBe('x-1');
    expect(seen).toHaveLength(3);
  });

  it('retries 5xx for GET and named POST but not for a generateName POST', async () => {
    let failFirst = true;
    const { url, seen } = await fake((req, res) => {
      if (failFirst) { failFirst = false; return json(res, 500, status(500, 'InternalError')); }
      json(res, 200, { ok: req.method });
    });
    expect(await client(url).request('GET', '/x')).toEqual({ ok: 'GET' });
    expect(seen).toHaveLength(2);
    failFirst = true;
    expect(await client(url).request('POST', '/x', { body: { metadata: { name: 'a' } } })).toEqual({ ok: 'POST' });
    expect(seen).toHaveLength(4);
    failFirst = true;
    const err = await client(url).request('POST', '/x', { body: { metadata: { generateName: 'a-' } } }).catch((e) => e);
    expect(isStatusError(err)).toBe(true);
    expect((err as StatusError).code).toBe(500);
    expect(seen).toHaveLength(5);
  });

  it('gives up after the configured retries', async () => {
    const { url, seen } = await fake((_req, res) => json(res, 503, status(503, 'ServiceUnavailable')));
    const err = await client(url, { retries: 2 }).request('GET', '/x').catch((e) => e);
    expect((err as StatusError).code).toBe(503);
    expect(seen).toHaveLength(3);
  });

  it('retries a refused connection until the server comes up', async () => {
    const port = await freePort();
    const c = client(`http://127.0.0.1:${port}`, { retries: 50, baseBackoffMs: 20, maxBackoffMs: 100 });
    const p = c.request('GET', '/up');
    await new Promise((r) => setTimeout(r, 150));
    await fake((_req, res) => json(res, 200, { up: true }), port);
    expect(await p).toEqual({ up: true });
  });

  it('fails over to the next server on connection errors and remembers the healthy one', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { url, seen } = await fake((_req, res) => json(res, 200, { from: 'live' }));
    const c = client([dead, url], { retries: 1 });
    expect(await c.request('GET', '/a')).toEqual({ from: 'live' });
    expect(c.server).toBe(url);
    expect(await c.request('GET', '/b')).toEqual({ from: 'live' });
    expect(seen.map((s) => s.url)).toEqual(['/a', '/b']);
  });

  it('fails over even with retries 0 (leader election): a refused connection is not a retry', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { url } = await fake((_req, res) => json(res, 200, { from: 'live' }));
    const c = client([dead, url]);
    expect(await c.request('GET', '/a', { retries: 0 })).toEqual({ from: 'live' });
    expect(c.server).toBe(url);
    const none = client([`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`]);
    expect(await none.request('GET', '/x', { retries: 0 }).catch((e) => e)).toBeInstanceOf(ConnectionError);
  });

  it('throws ConnectionError when every server refuses and retries run out', async () => {
    const c = client([`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`], { retries: 2 });
    const err = await c.request('GET', '/x').catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).code).toBe('ECONNREFUSED');
  });

  it('does not resend a generateName POST whose connection reset after sending; does resend a named one', async () => {
    let resets = 0;
    const { url, seen } = await fake((req, res) => {
      if (resets > 0) { resets--; res.socket?.destroy(); return; }
      json(res, 201, JSON.parse(req.body || '{}'));
    });
    const c = client(url);
    resets = 1;
    const err = await c.request('POST', '/api/v1/namespaces/d/pods', { body: { metadata: { generateName: 'g-' } } }).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).maybeSent).toBe(true);
    expect(seen).toHaveLength(1);
    resets = 1;
    const ok = await c.request<{ metadata: { name: string } }>('POST', '/api/v1/namespaces/d/pods', { body: { metadata: { name: 'n' } } });
    expect(ok.metadata.name).toBe('n');
    expect(seen).toHaveLength(3);
  });

  it('retries a GET whose response body was cut short', async () => {
    const { url, seen } = await fake((_req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
        res.write('{"items":[');
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      }
      json(res, 200, { items: [] });
    });
    expect(await client(url).request('GET', '/api/v1/pods')).toEqual({ items: [] });
    expect(seen).toHaveLength(2);
  });

  it('times out a request that gets no answer', async () => {
    const { url } = await fake(() => { /* never answers */ });
    const err = await client(url, { retries: 0 }).request('GET', '/slow', { timeoutMs: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).code).toBe('ETIMEDOUT');
  });

  it('podExec repeats command in the query; podLogs streams text', async () => {
    const { url, seen } = await fake((req, res) => {
      if (req.url.includes('/exec')) return json(res, 200, { stdout: 'hi\n', stderr: '', exitCode: 0 });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('line1\n');
      setTimeout(() => res.end('line2\n'), 10);
    });
    const c = client(url);
    expect(await c.podExec('d', 'p', ['sh', '-c', 'echo hi'], 'main')).toEqual({ stdout: 'hi\n', stderr: '', exitCode: 0 });
    expect(seen[0]!.url).toBe('/api/v1/namespaces/d/pods/p/exec?command=sh&command=-c&command=echo+hi&container=main&stdout=true&stderr=true');
    const s = await c.podLogs('d', 'p', { container: 'main', follow: true, tailLines: 5 });
    let text = '';
    for await (const chunk of s as AsyncIterable<Buffer>) text += chunk.toString();
    expect(text).toBe('line1\nline2\n');
    expect(seen[1]!.url).toBe('/api/v1/namespaces/d/pods/p/log?container=main&follow=true&tailLines=5');
  });
});
