// The small HTTP client `kctl get` uses: GET JSON (a Table or objects) and open a watch
// stream, with kubectl's Accept headers. `get` is the command people run most, so it avoids
// loading the full REST client and the zod object model (which together cost more start-up
// time than the request itself); every other command uses client/rest.ts.
import { Agent, get, type IncomingMessage } from 'node:http';
import { asStatus, StatusError } from '../../api/errors.js';
import { KCTL_VERSION } from './version.js';
import { BearerToken, impersonationHeaders, tlsAgentOptions, type ClientCredentials } from '../../client/credentials.js';

export type Query = Record<string, string | number | boolean | undefined>;

/** A failure to reach the server at all; `code` is node's (ECONNREFUSED…). */
export class ConnectError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

const REASONS: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict', 410: 'Gone', 422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable' };

export function errorFromBody(code: number, body: string): StatusError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const st = asStatus(parsed);
  if (st) return new StatusError({ ...st, code: st.code ?? code });
  return new StatusError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason: REASONS[code] ?? 'Unknown', message: body.trim() || `the server responded with status code ${code}` });
}

type Get = typeof get;

export class ApiHttp {
  private agent: Agent | undefined;
  private get: Get | undefined;

  private readonly token: BearerToken;

  constructor(
    readonly server: string,
    private readonly timeoutMs = 30_000,
    private readonly credentials: ClientCredentials = {},
  ) {
    this.token = new BearerToken(credentials);
  }

  /** node:https (TLS) is loaded only for an https server: it costs start-up time. */
  private async transport(): Promise<{ get: Get; agent: Agent }> {
    if (!this.get || !this.agent) {
      if (this.server.startsWith('https:')) {
        const https = await import('node:https');
        this.get = https.get;
        this.agent = new https.Agent({ keepAlive: true, ...tlsAgentOptions(this.credentials) });
      } else {
        this.get = get;
        this.agent = new Agent({ keepAlive: true });
      }
    }
    return { get: this.get, agent: this.agent };
  }

  private url(path: string, query?: Query): URL {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    return url;
  }

  /** GET a response whose body is streamed (watch); rejects with StatusError on non-2xx. */
  async open(path: string, query: Query | undefined, accept: string, signal?: AbortSignal, timeout = true): Promise<IncomingMessage> {
    const url = this.url(path, query);
    const { get, agent } = await this.transport();
    return new Promise((resolve, reject) => {
      const token = this.token.get();
      const headers: Record<string, string | string[]> = { Accept: accept, 'User-Agent': `kctl/v${KCTL_VERSION}`, ...impersonationHeaders(this.credentials), ...(token ? { Authorization: `Bearer ${token}` } : {}) };
      const req = get(url, { agent, signal, headers }, (res) => {
        if (timer) clearTimeout(timer);
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) return resolve(res);
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => reject(errorFromBody(code, body)));
        res.on('error', reject);
      });
      const timer = timeout && this.timeoutMs > 0 ? setTimeout(() => req.destroy(Object.assign(new Error(`request to ${url.origin} timed out`), { code: 'ETIMEDOUT' })), this.timeoutMs) : undefined;
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (timer) clearTimeout(timer);
        if (e.name === 'AbortError') return reject(e);
        reject(new ConnectError(`GET ${url.href}: ${e.message}`, e.code ?? 'ECONNRESET'));
      });
    });
  }

  async getJson<T>(path: string, query?: Query, accept = 'application/json'): Promise<T> {
    const res = await this.open(path, query, accept);
    let body = '';
    res.setEncoding('utf8');
    for await (const c of res) body += c;
    return JSON.parse(body) as T;
  }

  /** Watch events as they arrive (newline-delimited JSON), until the server ends the stream or `signal` aborts. */
  async *watch(path: string, query: Query, accept: string, signal: AbortSignal): AsyncGenerator<{ type: string; object: unknown }> {
    const res = await this.open(path, { ...query, watch: true }, accept, signal, false);
    let buf = '';
    res.setEncoding('utf8');
    try {
      for await (const chunk of res as AsyncIterable<string>) {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) yield JSON.parse(line) as { type: string; object: unknown };
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
  }

  close(): void {
    this.agent?.destroy();
  }
}
