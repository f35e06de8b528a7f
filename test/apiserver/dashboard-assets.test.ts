// The dashboard's static files at /dashboard/: served without credentials (and with a
// Content-Security-Policy that allows this origin only), while every API path still needs
// them; a browser's WebSocket watch authenticates with its token in Kubernetes' bearer
// subprotocol and is answered with the other protocol it offered, never the token.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTokenFile, TokenFileAuthenticator } from '../../apiserver/authn/index.js';
import { BEARER_PROTOCOL_PREFIX } from '../../apiserver/authn/websocket-protocol.js';
import { startTestServer, type TestServer } from './harness.js';
import { testPki } from '../support/tls.js';
import { TempDirs } from '../support/temp.js';

const temp = new TempDirs();
let t: TestServer;

/** A request with no client certificate and no token unless given. */
function get(p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${t.url}${p}`, { ca: testPki().caPem, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function watch(protocols: string[]): Promise<{ protocol: string; first: any } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${t.url.replace('https', 'wss')}/api/v1/namespaces?watch=1`, protocols, { ca: testPki().caPem });
    ws.on('message', (m) => {
      resolve({ protocol: ws.protocol, first: JSON.parse(String(m)) });
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode! });
      res.resume();
    });
    ws.on('error', reject);
  });
}

beforeAll(async () => {
  const dir = temp.make('skiff-dashboard-');
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Skiff</title>');
  fs.writeFileSync(path.join(dir, 'app.js'), 'console.log(1)');
  t = await startTestServer({ dashboardDir: dir, tokenAuthenticators: [new TokenFileAuthenticator(parseTokenFile('dash-token,dashboard-user,u1,system:masters\n'))] });
});

afterAll(async () => {
  await t?.close();
  temp.removeAll();
});

describe('/dashboard/', () => {
  it('serves the files without credentials, with a same-origin-only CSP', async () => {
    const index = await get('/dashboard/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>Skiff</title>');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.headers['content-security-policy']).toContain("connect-src 'self'");
    const js = await get('/dashboard/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect((await get('/dashboard')).status).toBe(301);
    expect((await get('/dashboard/missing.js')).status).toBe(404);
  });

  it('leaves every API path behind authentication', async () => {
    const r = await get('/api/v1/namespaces');
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await get('/api/v1/namespaces', { Authorization: 'Bearer dash-token' })).status).toBe(200);
  });

  it('a WebSocket watch authenticates with the bearer subprotocol and is answered with the other protocol', async () => {
    const token = BEARER_PROTOCOL_PREFIX + Buffer.from('dash-token').toString('base64url');
    const ok = await watch([token, 'watch.skiff.dev']);
    expect(ok).toMatchObject({ protocol: 'watch.skiff.dev', first: { type: 'ADDED', object: { kind: 'Namespace' } } });
    expect(await watch([BEARER_PROTOCOL_PREFIX + Buffer.from('wrong').toString('base64url'), 'watch.skiff.dev'])).toEqual({ status: 401 });
    expect(await watch(['watch.skiff.dev'])).toEqual({ status: 401 });
  });
});

describe('a build without the dashboard', () => {
  it('answers 404 with the command that builds it', async () => {
    const other = await startTestServer({ dashboardDir: temp.make('skiff-nodash-') });
    try {
      const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        https.get(`${other.url}/dashboard/`, { ca: testPki().caPem }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        }).on('error', reject);
      });
      expect(r).toEqual({ status: 404, body: 'the dashboard is not built: run npm run build\n' });
    } finally {
      await other.close();
    }
  });
});
