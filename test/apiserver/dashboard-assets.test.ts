// The dashboard's static files at /dashboard/: served without credentials (and with a
// Content-Security-Policy that allows this origin only), while every API path still needs
// them; a browser's WebSocket watch authenticates with its token in Kubernetes' bearer
// subprotocol and is answered with the other protocol it offered, never the token.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTokenFile, TokenFileAuthenticator } from '../../apiserver/authn/index.js';
import { preferredEncoding } from '../../apiserver/dashboard-assets.js';
import { BEARER_PROTOCOL_PREFIX } from '../../apiserver/authn/websocket-protocol.js';
import { startTestServer, type TestServer } from './harness.js';
import { testPki } from '../support/tls.js';
import { TempDirs } from '../support/temp.js';

const temp = new TempDirs();
/** Big and repetitive enough that compressing it pays. */
const APP_JS = Array.from({ length: 200 }, (_, i) => `console.log("line ${i}");`).join('\n');
let t: TestServer;

/** A request with no client certificate and no token unless given. */
function get(p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${t.url}${p}`, { ca: testPki().caPem, headers, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body: bytes.toString(), bytes });
      });
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
  fs.writeFileSync(path.join(dir, 'app.js'), APP_JS);
  fs.writeFileSync(path.join(dir, '.secret'), 'hidden');
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

  it('sends the encoding the client prefers, compressed once, with a strong ETag per encoding and revalidation', async () => {
    const plain = await get('/dashboard/app.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(APP_JS);
    expect(plain.headers['cache-control']).toBe('no-cache');
    expect(plain.headers.vary).toBe('Accept-Encoding');
    const gz = await get('/dashboard/app.js', { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.bytes).toString()).toBe(APP_JS);
    expect(gz.bytes.length).toBeLessThan(APP_JS.length / 4);
    const br = await get('/dashboard/app.js', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(br.bytes).toString()).toBe(APP_JS);
    expect(br.headers['content-length']).toBe(String(br.bytes.length));
    // q-values are honoured: gzip preferred over br when the client says so.
    expect((await get('/dashboard/app.js', { 'Accept-Encoding': 'br;q=0.5, gzip' })).headers['content-encoding']).toBe('gzip');
    const etags = new Set([plain, gz, br].map((r) => r.headers.etag));
    expect(etags.size).toBe(3);
    for (const r of [plain, gz, br]) expect(r.headers.etag).toMatch(/^"[\w-]+"$/);
    // Revalidation: the same representation's ETag answers 304 with no body.
    const again = await get('/dashboard/app.js', { 'Accept-Encoding': 'br', 'If-None-Match': String(br.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);
    expect((await get('/dashboard/app.js', { 'Accept-Encoding': 'gzip', 'If-None-Match': String(br.headers.etag) })).status).toBe(200);
    const head = await get('/dashboard/app.js', { 'Accept-Encoding': 'gzip' }, 'HEAD');
    expect(head.headers['content-length']).toBe(String(gz.bytes.length));
    expect(head.bytes.length).toBe(0);
  });

  it('notices a rebuilt file (new ETag, new body)', async () => {
    const dir = temp.make('skiff-dashboard-rebuild-');
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>one</title>');
    const other = await startTestServer({ dashboardDir: dir });
    try {
      const fetchIndex = () => new Promise<{ etag: string; body: string }>((resolve, reject) => {
        https.get(`${other.url}/dashboard/`, { ca: testPki().caPem }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ etag: String(res.headers.etag), body }));
        }).on('error', reject);
      });
      const first = await fetchIndex();
      expect(first.body).toContain('one');
      fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>two, longer</title>');
      const second = await fetchIndex();
      expect(second.body).toContain('two, longer');
      expect(second.etag).not.toBe(first.etag);
    } finally {
      await other.close();
    }
  });

  it('serves only the files of the directory: no dotfiles, no way out of it', async () => {
    expect((await get('/dashboard/.secret')).status).toBe(404);
    expect((await get('/dashboard/..%2Fpackage.json')).status).toBe(404);
    expect((await get('/dashboard/app.js', { 'Accept-Encoding': 'br, identity;q=0' })).status).toBe(200);
    for (const p of ['/dashboard/%2e%2e/%2e%2e/etc/passwd', '/dashboard/%2e%2e/api/v1/namespaces', '/dashboard/../api/v1/namespaces', '/dashboard/%2E%2E/api/v1/namespaces']) {
      // Not a dashboard file: the API's authentication answers, as for any path outside /dashboard/.
      expect((await get(p)).status).toBe(401);
    }
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

describe('preferredEncoding', () => {
  const all = ['br', 'gzip', 'identity'] as const;
  it('takes the highest q, ties to br over gzip, and identity unless excluded', () => {
    expect(preferredEncoding('gzip, deflate, br, zstd', all)).toBe('br');
    expect(preferredEncoding('gzip, deflate', all)).toBe('gzip');
    expect(preferredEncoding('br;q=0.5, gzip', all)).toBe('gzip');
    expect(preferredEncoding(undefined, all)).toBe('identity');
    expect(preferredEncoding('', all)).toBe('identity');
    expect(preferredEncoding('*', all)).toBe('br');
    expect(preferredEncoding('br;q=0, *;q=0.1', all)).toBe('gzip');
    expect(preferredEncoding('gzip, deflate, br', ['identity'])).toBe('identity');
    expect(preferredEncoding('br, identity;q=0', ['identity'])).toBeUndefined();
    expect(preferredEncoding('*;q=0', all)).toBeUndefined();
    expect(preferredEncoding('GZIP;Q=1', all)).toBe('gzip');
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
