// The REST client: JSON over HTTP to the API server, with Kubernetes paths built from the
// resource table, Status errors turned back into StatusError, per-request timeouts, retries
// with exponential backoff and jitter, and fail-over across several server URLs.
//
// Retry policy (why each case is safe):
//  - The request never reached a server (ECONNREFUSED, EHOSTUNREACH, DNS failure, or a reset
//    on a reused keep-alive socket, which the server closed while idle): always retried, for
//    every method, and the next server URL is tried first.
//  - 429 TooManyRequests and 503 ServiceUnavailable: the server refused to process it, so any
//    method is retried, waiting Retry-After / details.retryAfterSeconds when given.
//  - The outcome is unknown (reset or hang-up after sending, 500/502/504): retried only when a
//    repeat cannot double-apply. GET/HEAD/PUT/DELETE are idempotent (a repeated PUT with a
//    resourceVersion gets 409 Conflict, a repeated DELETE gets 404 — both surfaced to the
//    caller, never hidden). A POST that creates a *named* object is retried too: the name is
//    unique, so the worst case is 409 AlreadyExists, surfaced to the caller, who may GET it.
//    A POST with only generateName, a POST to exec, and a JSON patch (which may append to a
//    list) are NOT retried once sent: a second copy could be created or applied twice.
//  - Client timeouts are retried only for GET (a slow server should not be hammered with
//    writes whose first copy may still land).
//  - Any other 4xx is the caller's fault and is thrown at once.
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { apiVersionOf, resourceByKind, resolveResource, type ResourceInfo } from '../api/resources.js';
import { asStatus, StatusError } from '../api/errors.js';
import type { KubeList, KubeObject, Status, DeleteOptions } from '../api/meta.js';
import type { Event, Namespace, Node, Pod, Binding } from '../api/core/index.js';
import type { Deployment, ReplicaSet } from '../api/apps/index.js';
import type { Scale } from '../api/autoscaling/index.js';
import type { Lease } from '../api/coordination/index.js';
import { HttpWatchStream, type WatchStream } from './watch.js';
import WebSocket from 'ws';
import { PORT_FORWARD_PROTOCOL } from '../api/core/port-forward.js';
import { BearerToken, impersonationHeaders, tlsAgentOptions, type ClientCredentials } from './credentials.js';

export interface ClientOptions {
  /** Base URL(s) like https://127.0.0.1:6443; on connection errors the next one is tried. */
  server: string | string[];
  /** Per request (default 30 s); streams (watch, logs -f) time only their connect. */
  timeoutMs?: number;
  /** e.g. 'skiff-controller-manager' */
  userAgent?: string;
  /** Retries with backoff on connection errors, 429 and 5xx (default 5); never a 4xx it caused. */
  retries?: number;
  /** First backoff step (default 200 ms), doubled each retry up to maxBackoffMs (default 10 s). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Keep-alive sockets per server (default 128). */
  maxSockets?: number;
  /** TLS trust, client certificate, bearer token (from a kubeconfig: client/kubeconfig.ts). */
  credentials?: ClientCredentials;
}

export type QueryValue = string | number | boolean | undefined;
export type Query = Record<string, QueryValue | readonly string[]>;

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
  /** Overrides the client's retry count for this request (leader election uses 0). */
  retries?: number;
  signal?: AbortSignal;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}
export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** A failure to talk to the server at all (no HTTP status). `code` is node's (ECONNREFUSED, ETIMEDOUT...). */
export class ConnectionError extends Error {
  readonly code: string;
  /** false when the request certainly never reached a server. */
  readonly maybeSent: boolean;
  constructor(message: string, code: string, maybeSent: boolean) {
    super(message);
    this.name = 'ConnectionError';
    this.code = code;
    this.maybeSent = maybeSent;
  }
}

/** The server's certificate did not verify (or ours was refused): retrying cannot help. */
export function isTlsVerificationError(code: string): boolean {
  return /^(UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|CERT_|ERR_TLS_CERT|ERR_SSL_)/.test(code);
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOENT']);

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  406: 'NotAcceptable', 409: 'Conflict', 410: 'Gone', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType',
  422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

/** The StatusError for a non-2xx answer: the server's Status if it sent one, else one made from the code and body. */
export function statusErrorFrom(code: number, body: string, retryAfterHeader?: string): StatusError {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  const st = asStatus(parsed);
  if (st) return new StatusError({ ...st, code: st.code ?? code, status: st.status ?? 'Failure' });
  const retryAfter = retryAfterHeader !== undefined ? Number.parseInt(retryAfterHeader, 10) : NaN;
  const text = body.trim();
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code,
    reason: REASON_BY_CODE[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest'),
    message: text ? text.slice(0, 1024) : `the server responded with status code ${code}`,
    ...(Number.isFinite(retryAfter) ? { details: { retryAfterSeconds: retryAfter } } : {}),
  });
}

/** Exponential backoff with full jitter in [d/2, d]: attempt 0 → base, doubling, capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return d / 2 + random() * (d / 2);
}

/** Whether repeating a request whose outcome is unknown could apply it twice (see the header). */
export function isRetrySafe(method: string, path: string, body: unknown, contentType?: string): boolean {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD' || m === 'PUT' || m === 'DELETE' || m === 'OPTIONS') return true;
  if (m === 'PATCH') return contentType !== PATCH_CONTENT_TYPES.json;
  if (m === 'POST') {
    if (/\/(exec|attach|portforward|eviction)$/.test(path.split('?')[0]!)) return false;
    const name = (body as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
    return typeof name === 'string' && name !== '';
  }
  return false;
}

export function encodeQuery(query?: Query): string {
  if (!query) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, String(x));
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** /api/v1 or /apis/apps/v1 */
export function groupVersionPath(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
}

/** The collection path: all namespaces when namespace is undefined, or for cluster-scoped kinds. */
export function collectionPath(info: ResourceInfo, namespace?: string): string {
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${groupVersionPath(info)}${ns}/${info.plural}`;
}

/** One object's path (namespaced kinds default to namespace 'default'), optionally a subresource. */
export function objectPath(info: ResourceInfo, namespace: string | undefined, name: string, subresource?: string): string {
  const ns = info.namespaced ? namespace || 'default' : undefined;
  return `${collectionPath(info, ns)}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  res: http.IncomingMessage;
  /** The whole body, for non-streaming requests. */
  text?: string;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function readAll(res: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
  });
}

export class RestClient {
  readonly servers: string[];
  readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly httpAgent: http.Agent;
  private httpsAgent: https.Agent;
  private readonly token: BearerToken;
  private readonly impersonation: Record<string, string | string[]>;
  /** Index of the server that last answered; requests start there. */
  private current = 0;
  private credentials: ClientCredentials | undefined;
  private readonly maxSockets: number;

  constructor(opts: ClientOptions) {
    const servers = (Array.isArray(opts.server) ? opts.server : [opts.server]).map((s) => s.replace(/\/+$/, ''));
    if (servers.length === 0 || servers.some((s) => !/^https?:\/\//.test(s))) {
      throw new Error(`invalid server URL(s): ${JSON.stringify(opts.server)} (want https://host:port)`);
    }
    this.servers = servers;
    this.userAgent = opts.userAgent ?? 'skiff-client';
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.retries = opts.retries ?? 5;
    this.baseBackoffMs = opts.baseBackoffMs ?? 200;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    const maxSockets = opts.maxSockets ?? 128;
    // Keep every socket we may open: with fewer idle slots than maxSockets, a burst of
    // concurrent requests (a scheduler binding 256 pods) closes and reopens connections.
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
    this.credentials = opts.credentials;
    this.maxSockets = maxSockets;
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, ...tlsAgentOptions(opts.credentials) });
    this.token = new BearerToken(opts.credentials);
    this.impersonation = impersonationHeaders(opts.credentials);
  }

  /** The server URL requests currently go to. */
  get server(): string {
    return this.servers[this.current]!;
  }

  /**
   * Present another client certificate from now on (the kubelet renewing its own). Open
   * connections are closed, as client-go's rotation does, so no request keeps using the old
   * identity; watches reconnect with the new one.
   */
  rotateClientCertificate(certPem: string | Buffer, keyPem: string | Buffer): void {
    const old = this.httpsAgent;
    this.credentials = { ...this.credentials, certData: certPem, keyData: keyPem };
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: this.maxSockets, maxFreeSockets: this.maxSockets, ...tlsAgentOptions(this.credentials) });
    old.destroy();
  }

  /** Destroy every socket of this client (idle keep-alives and open streams alike); for shutdown. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  resource<T extends KubeObject>(kind: string | ResourceInfo): ResourceClient<T> {
    const info = typeof kind === 'string' ? resourceByKind(kind) ?? resolveResource(kind) : kind;
    if (!info) throw new Error(`unknown resource kind ${JSON.stringify(kind)}`);
    return new ResourceClient<T>(this, info);
  }
  pods(): ResourceClient<Pod> { return this.resource<Pod>('Pod'); }
  nodes(): ResourceClient<Node> { return this.resource<Node>('Node'); }
  namespaces(): ResourceClient<Namespace> { return this.resource<Namespace>('Namespace'); }
  events(): ResourceClient<Event> { return this.resource<Event>('Event'); }
  replicaSets(): ResourceClient<ReplicaSet> { return this.resource<ReplicaSet>('ReplicaSet'); }
  deployments(): ResourceClient<Deployment> { return this.resource<Deployment>('Deployment'); }
  leases(): ResourceClient<Lease> { return this.resource<Lease>('Lease'); }

  /** Raw request (path + query), JSON in/out; throws StatusError for non-2xx. Text answers come back as a string. */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return this.requestQ<T>(method, path, { ...opts, query: opts.query });
  }

  /** request() with repeated query keys allowed (exec's command=..&command=..). */
  async requestQ<T = unknown>(method: string, path: string, opts: Omit<RequestOptions, 'query'> & { query?: Query }): Promise<T> {
    const { res, text = '' } = await this.send(method, path, opts, false);
    if (!text) return undefined as T;
    const ct = String(res.headers['content-type'] ?? '');
    if (ct.includes('json') || (!ct && /^[[{]/.test(text))) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw statusErrorFrom(500, `invalid JSON from server: ${text.slice(0, 200)}`);
      }
    }
    return text as T;
  }

  /** Streaming GET returning the raw response body (used for logs --follow and watches). */
  async stream(
    path: string, query?: Record<string, string | number | boolean | undefined>, signal?: AbortSignal,
    opts: { accept?: string } = {},
  ): Promise<NodeJS.ReadableStream> {
    const { res } = await this.send('GET', path, { query, signal, accept: opts.accept }, true);
    return res;
  }

  /** POST pods/NAME/binding: assign a pod to a node (uid, when given, must match the pod's). */
  async bind(namespace: string, podName: string, nodeName: string, uid?: string): Promise<void> {
    const info = this.resource('Pod').info;
    const body: Binding = {
      apiVersion: 'v1', kind: 'Binding',
      metadata: { name: podName, namespace, ...(uid ? { uid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    await this.request('POST', objectPath(info, namespace, podName, 'binding'), { body });
  }

  /** GET pods/NAME/log as a text stream (follow keeps it open). */
  async podLogs(
    namespace: string, name: string,
    opts: { container?: string; follow?: boolean; tailLines?: number; sinceSeconds?: number; previous?: boolean; timestamps?: boolean; signal?: AbortSignal } = {},
  ): Promise<NodeJS.ReadableStream> {
    const info = this.resource('Pod').info;
    return this.stream(objectPath(info, namespace, name, 'log'), {
      container: opts.container, follow: opts.follow || undefined, tailLines: opts.tailLines,
      sinceSeconds: opts.sinceSeconds, previous: opts.previous || undefined, timestamps: opts.timestamps || undefined,
    }, opts.signal);
  }

  /** POST pods/NAME/exec?command=..&command=..: run a command to completion (never retried once sent). */
  async podExec(namespace: string, name: string, command: string[], container?: string): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const info = this.resource('Pod').info;
    return this.requestQ('POST', objectPath(info, namespace, name, 'exec'), {
      query: { command, container, stdout: true, stderr: true }, timeoutMs: Math.max(this.timeoutMs, 300_000),
    });
  }

  /**
   * Open pods/NAME/portforward?ports=… as a WebSocket (client/port-forward.ts has the framing);
   * resolves once it is open, rejects with the server's Status when it refuses to upgrade.
   * One WebSocket carries one connection per port; not retried (the caller dials again).
   */
  podPortForward(namespace: string, name: string, ports: number[]): Promise<WebSocket> {
    return this.podWebSocket(namespace, name, 'portforward', { ports: ports.map(String) }, [PORT_FORWARD_PROTOCOL]);
  }

  /** Open pods/NAME/exec or /attach as a WebSocket with the remote-command subprotocols (api/core/remote-command.ts). */
  podStream(namespace: string, name: string, subresource: 'exec' | 'attach', query: Query, protocols: string[]): Promise<WebSocket> {
    return this.podWebSocket(namespace, name, subresource, query, protocols);
  }

  private podWebSocket(namespace: string, name: string, subresource: string, query: Query, protocols: string[]): Promise<WebSocket> {
    const info = this.resource('Pod').info;
    const url = new URL(this.server + objectPath(info, namespace, name, subresource) + encodeQuery(query));
    const isHttps = url.protocol === 'https:';
    url.protocol = isHttps ? 'wss:' : 'ws:';
    const headers: Record<string, string | string[]> = { 'User-Agent': this.userAgent, ...this.impersonation };
    const token = this.token.get();
    if (token) headers.Authorization = `Bearer ${token}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { headers, agent: isHttps ? this.httpsAgent : this.httpAgent, handshakeTimeout: this.timeoutMs });
      const failed = (e: Error) => reject(e);
      ws.on('error', failed);
      ws.once('open', () => {
        ws.off('error', failed); // the caller's from here on
        resolve(ws);
      });
      ws.once('unexpected-response', (req, res) => {
        readAll(res).then((body) => reject(statusErrorFrom(res.statusCode ?? 500, body)), reject).finally(() => req.destroy());
      });
    });
  }

  /**
   * One request with retries and fail-over; resolves with a 2xx response, its body read
   * into `text` (or left unread for streams). For streams the timeout covers only connecting.
   */
  private async send(method: string, path: string, opts: Omit<RequestOptions, 'query'> & { query?: Query }, streaming: boolean): Promise<RawResponse> {
    const retries = opts.retries ?? this.retries;
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const bodyText = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const contentType = opts.contentType ?? (bodyText !== undefined ? 'application/json' : undefined);
    const retrySafe = isRetrySafe(method, path, opts.body, contentType);
    const pathQuery = path + encodeQuery(opts.query);
    let attempt = 0;
    // Servers tried since the last backoff: a refused connection moves to the next URL at once
    // and only backs off after every URL has refused.
    let triedThisRound = 0;
    for (;;) {
      if (opts.signal?.aborted) throw abortError();
      const idx = this.current;
      const base = this.servers[idx]!;
      let wait: number | undefined;
      try {
        const raw = await this.once(base, method, pathQuery, bodyText, contentType, opts.accept, timeoutMs, streaming, opts.signal);
        if (raw.status >= 200 && raw.status < 300) {
          if (streaming) return raw;
          // Read the body inside the retry loop: a body cut short is a connection failure.
          try {
            raw.text = await readAll(raw.res);
          } catch (e) {
            if (opts.signal?.aborted) throw abortError();
            throw new ConnectionError(`${method} ${base}${pathQuery}: reading the response: ${(e as Error).message}`, (e as NodeJS.ErrnoException).code ?? 'ECONNRESET', true);
          }
          return raw;
        }
        const text = await readAll(raw.res).catch(() => '');
        const err = statusErrorFrom(raw.status, text, headerOne(raw.headers['retry-after']));
        const retryable = raw.status === 429 || raw.status === 503 || (raw.status >= 500 && retrySafe);
        if (!retryable || attempt >= retries) throw err;
        const ra = err.status.details?.retryAfterSeconds ?? Number.parseInt(headerOne(raw.headers['retry-after']) ?? '', 10);
        wait = Number.isFinite(ra) && ra > 0 ? Math.min(ra * 1000, 60_000) : backoffDelay(attempt, this.baseBackoffMs, this.maxBackoffMs);
      } catch (e) {
        if (!(e instanceof ConnectionError)) throw e;
        if (opts.signal?.aborted) throw abortError();
        if (isTlsVerificationError(e.code)) throw e;
        const canRetry = !e.maybeSent || (retrySafe && (e.code !== 'ETIMEDOUT' || method.toUpperCase() === 'GET'));
        if (!e.maybeSent && this.servers.length > 1) {
          // Fail over: try the next URL; remember it if it answers. The request never reached
          // a server, so this is a first try elsewhere, not a retry: it happens even with
          // retries 0 (leader election), else such a caller would stay on a dead server forever.
          this.current = (idx + 1) % this.servers.length;
          triedThisRound++;
          if (triedThisRound < this.servers.length) continue;
        }
        if (!canRetry || attempt >= retries) throw e;
        wait = backoffDelay(attempt, this.baseBackoffMs, this.maxBackoffMs);
      }
      triedThisRound = 0;
      attempt++;
      await sleep(wait, opts.signal);
    }
  }

  private once(
    base: string, method: string, pathQuery: string, body: string | undefined, contentType: string | undefined,
    accept: string | undefined, timeoutMs: number, streaming: boolean, signal?: AbortSignal,
  ): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      const url = new URL(base + pathQuery);
      const isHttps = url.protocol === 'https:';
      const headers: Record<string, string | number | string[]> = {
        'User-Agent': this.userAgent,
        Accept: accept ?? 'application/json',
        ...this.impersonation,
      };
      if (body !== undefined) {
        headers['Content-Type'] = contentType ?? 'application/json';
        headers['Content-Length'] = Buffer.byteLength(body);
      }
      const token = this.token.get();
      if (token) headers.Authorization = `Bearer ${token}`;
      const req = (isHttps ? https : http).request(url, {
        method: method.toUpperCase(), headers, agent: isHttps ? this.httpsAgent : this.httpAgent,
      });
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => req.destroy(abortError());
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        if (!streaming) signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          req.destroy(Object.assign(new Error(`request timed out after ${timeoutMs}ms`), { code: 'ETIMEDOUT' }));
        }, timeoutMs);
        if (streaming) {
          // A stream (logs -f of a quiet container, a watch on a quiet resource) may wait long
          // for its first byte — even its headers, on some servers: time only the connect.
          req.once('socket', (sock) => {
            const connected = () => { if (timer) clearTimeout(timer); };
            if ((sock as { connecting?: boolean }).connecting) sock.once('connect', connected);
            else connected();
          });
        }
      }
      req.on('response', (res) => {
        settled = true;
        if (streaming) {
          if (timer) clearTimeout(timer);
          // The stream outlives this call: the abort signal keeps working through it.
          res.once('close', () => signal?.removeEventListener('abort', onAbort));
        } else {
          res.once('end', cleanup);
          res.once('close', cleanup);
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, res });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        cleanup();
        signal?.removeEventListener('abort', onAbort);
        if (err.name === 'AbortError') return reject(err);
        const code = err.code ?? 'ECONNRESET';
        // A reset on a reused keep-alive socket means the server closed it while idle,
        // before this request was read: safe to send again (node's documented pattern).
        const notSent = NOT_SENT_CODES.has(code) || isTlsVerificationError(code) || (req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE'));
        reject(new ConnectionError(`${method} ${base}${pathQuery}: ${err.message}`, code, !notSent));
      });
      req.end(body);
    });
  }
}

function headerOne(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function abortError(): Error {
  const e = new Error('request aborted');
  e.name = 'AbortError';
  return e;
}

/** A typed client for one resource. */
export class ResourceClient<T extends KubeObject> {
  readonly info: ResourceInfo;
  private readonly client: RestClient;

  constructor(client: RestClient, info: ResourceInfo) {
    this.client = client;
    this.info = info;
  }

  get apiVersion(): string {
    return apiVersionOf(this.info);
  }

  /** Namespaced kinds default to 'default' when no namespace is given. */
  get(name: string, namespace?: string): Promise<T> {
    return this.client.request<T>('GET', objectPath(this.info, namespace, name));
  }

  /** One page; follows no continue by itself. No namespace = all namespaces. */
  list(opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.client.request<KubeList<T>>('GET', collectionPath(this.info, opts.namespace), {
      query: {
        labelSelector: opts.labelSelector || undefined, fieldSelector: opts.fieldSelector || undefined,
        limit: opts.limit, continue: opts.continue || undefined, resourceVersion: opts.resourceVersion,
      },
    });
  }

  /** Every page, through continue tokens (limit 500 unless given); the list's resourceVersion is the snapshot's. */
  async listAll(opts: ListOptions = {}): Promise<KubeList<T>> {
    const limit = opts.limit ?? 500;
    const first = await this.list({ ...opts, limit });
    const items = [...(first.items ?? [])];
    let cont = first.metadata?.continue;
    while (cont) {
      const page = await this.list({ ...opts, limit, continue: cont, resourceVersion: undefined });
      items.push(...(page.items ?? []));
      cont = page.metadata?.continue;
    }
    return { ...first, metadata: { resourceVersion: first.metadata?.resourceVersion }, items };
  }

  /** dryRun: the server validates, admits and answers the object without persisting it (`dryRun=All`). */
  create(obj: T, opts: { namespace?: string; fieldManager?: string; dryRun?: boolean } = {}): Promise<T> {
    const ns = opts.namespace ?? obj.metadata?.namespace;
    return this.client.request<T>('POST', collectionPath(this.info, this.info.namespaced ? ns || 'default' : undefined), {
      body: this.withTypeMeta(obj), query: { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined },
    });
  }

  /** PUT; metadata.resourceVersion, when set, is the optimistic lock (409 Conflict if stale). */
  update(obj: T, opts: { fieldManager?: string; dryRun?: boolean } = {}): Promise<T> {
    return this.client.request<T>('PUT', objectPath(this.info, obj.metadata.namespace, this.nameOf(obj)), {
      body: this.withTypeMeta(obj), query: { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined },
    });
  }

  /** PUT .../status */
  updateStatus(obj: T): Promise<T> {
    return this.client.request<T>('PUT', objectPath(this.info, obj.metadata.namespace, this.nameOf(obj), 'status'), { body: this.withTypeMeta(obj) });
  }

  patch(name: string, patch: unknown, type: PatchType, opts: { namespace?: string; subresource?: string; fieldManager?: string; force?: boolean; dryRun?: boolean } = {}): Promise<T> {
    const fieldManager = opts.fieldManager ?? (type === 'apply' ? this.client.userAgent : undefined);
    return this.client.request<T>('PATCH', objectPath(this.info, opts.namespace, name, opts.subresource), {
      body: patch, contentType: PATCH_CONTENT_TYPES[type], query: { fieldManager, force: opts.force, dryRun: opts.dryRun ? 'All' : undefined },
    });
  }

  delete(name: string, opts: {
    namespace?: string; propagationPolicy?: 'Orphan' | 'Background' | 'Foreground'; gracePeriodSeconds?: number;
    preconditions?: { uid?: string; resourceVersion?: string };
  } = {}): Promise<T | Status> {
    const body = deleteOptions(opts);
    return this.client.request<T | Status>('DELETE', objectPath(this.info, opts.namespace, name), { body });
  }

  async deleteCollection(opts: ListOptions & { propagationPolicy?: 'Orphan' | 'Background' | 'Foreground' } = {}): Promise<void> {
    await this.client.request('DELETE', collectionPath(this.info, opts.namespace), {
      query: { labelSelector: opts.labelSelector || undefined, fieldSelector: opts.fieldSelector || undefined },
      body: deleteOptions(opts),
    });
  }

  /** A watch from opts.resourceVersion; the request starts when iteration starts. */
  watch(opts: WatchOptions = {}): WatchStream<T> {
    const path = collectionPath(this.info, opts.namespace);
    const query = {
      watch: true, resourceVersion: opts.resourceVersion, allowWatchBookmarks: opts.allowWatchBookmarks || undefined,
      timeoutSeconds: opts.timeoutSeconds, labelSelector: opts.labelSelector || undefined,
      fieldSelector: opts.fieldSelector || undefined,
    };
    return new HttpWatchStream<T>((signal) => this.client.stream(path, query, signal), opts.signal);
  }

  getScale(name: string, namespace?: string): Promise<Scale> {
    return this.client.request<Scale>('GET', objectPath(this.info, namespace, name, 'scale'));
  }

  updateScale(name: string, scale: Scale, namespace?: string): Promise<Scale> {
    const body: Scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', ...scale };
    return this.client.request<Scale>('PUT', objectPath(this.info, namespace ?? scale.metadata?.namespace, name, 'scale'), { body });
  }

  private nameOf(obj: T): string {
    const name = obj.metadata?.name;
    if (!name) throw new Error(`${this.info.kind} has no metadata.name`);
    return name;
  }

  private withTypeMeta(obj: T): T {
    return { ...obj, apiVersion: obj.apiVersion ?? this.apiVersion, kind: obj.kind ?? this.info.kind };
  }
}

function deleteOptions(opts: { propagationPolicy?: string; gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string } }): DeleteOptions | undefined {
  if (opts.propagationPolicy === undefined && opts.gracePeriodSeconds === undefined && opts.preconditions === undefined) return undefined;
  return {
    kind: 'DeleteOptions', apiVersion: 'v1',
    ...(opts.propagationPolicy !== undefined ? { propagationPolicy: opts.propagationPolicy as DeleteOptions['propagationPolicy'] } : {}),
    ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
    ...(opts.preconditions !== undefined ? { preconditions: opts.preconditions } : {}),
  };
}
