// An in-process API server over the in-memory embedded store on a random loopback port,
// serving HTTPS with the test PKI (test/support/tls.ts) and verifying client certificates,
// plus small HTTPS helpers the API server tests share (they present the test admin's certificate).
import https from 'node:https';
import { openEmbeddedStorage } from '../../apiserver/storage/embedded.js';
import { createApiServer, type ApiServer, type ApiServerOptions } from '../../apiserver/server.js';
import type { Storage } from '../../apiserver/storage/interface.js';
import { waitFor } from '../support/wait.js';
import { testPki } from '../support/tls.js';

export interface TestServer {
  url: string;
  server: ApiServer;
  storage: Storage;
  close(): Promise<void>;
}

export async function startTestServer(opts: Partial<ApiServerOptions> = {}): Promise<TestServer> {
  const storage = opts.storage ?? (await openEmbeddedStorage({}));
  const pki = testPki();
  const server = createApiServer({ compactionIntervalMs: 0, tls: { cert: pki.serving.certPem, key: pki.serving.keyPem, clientCA: pki.caPem }, ...opts, storage });
  const { url } = await server.listen(0, '127.0.0.1');
  return {
    url,
    server,
    storage,
    async close() {
      await server.close();
      await storage.close();
    },
  };
}

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export async function call<T = any>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const h: Record<string, string> = { ...headers };
  let payload: string | Buffer | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
  }
  const res = await testPki().fetch(base + path, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

export function pod(name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'nginx:1.25' }], ...extra },
  };
}

export function deployment(name: string, replicas = 1): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
    },
  };
}

/** A streaming watch over HTTP: collects parsed events; `until` polls for a condition. */
export class WatchReader {
  events: any[] = [];
  status = 0;
  ended = false;
  private req: import('node:http').ClientRequest;
  private buf = '';
  readonly ready: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    let resolveReady!: () => void;
    let rejectReady!: (e: Error) => void;
    this.ready = new Promise((res, rej) => { resolveReady = res; rejectReady = rej; });
    this.req = https.get(url, { headers, agent: testPki().agent }, (res) => {
      this.status = res.statusCode ?? 0;
      resolveReady();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        this.buf += chunk;
        let i: number;
        while ((i = this.buf.indexOf('\n')) >= 0) {
          const line = this.buf.slice(0, i);
          this.buf = this.buf.slice(i + 1);
          if (line.trim()) this.events.push(JSON.parse(line));
        }
      });
      res.on('end', () => { this.ended = true; });
      res.on('close', () => { this.ended = true; });
    });
    this.req.on('error', (e) => { this.ended = true; rejectReady(e); });
  }

  async until(pred: (events: any[]) => boolean, timeoutMs = 30_000): Promise<any[]> {
    await waitFor(() => `watch condition; got ${this.events.length} events: ${JSON.stringify(this.events.slice(-3)).slice(0, 500)}`, () => pred(this.events), timeoutMs, { everyMs: 10 });
    return this.events;
  }

  close(): void {
    this.req.destroy();
  }
}

export function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  return waitFor('condition', fn, timeoutMs, { everyMs: 20 });
}
