// One registry's HTTP API v2 (the OCI distribution spec's pull side): manifests and blobs
// of a repository, with the auth dance registries expect:
//   GET /v2/REPO/manifests/REF → 401 + WWW-Authenticate: Bearer realm=…,service=…,scope=…
//   GET realm?service=…&scope=repository:REPO:pull   (Basic credentials when we have them)
//     → {"token": "…"}  then the request again with Authorization: Bearer …
// or `Basic realm=…` → the request again with Authorization: Basic ….
// Spoken with node:http/https (not fetch) so a registry can have its own CA, client
// certificate or unverified TLS (registries.yaml `configs.HOST.tls`), through an Agent per setting.
import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { ImagePullError } from '../runtime/interface.js';
import { basicAuthorization, parseChallenges, type Credential } from './auth.js';
import { MANIFEST_ACCEPT } from './manifest.js';
import { DOCKER_HUB, DOCKER_HUB_API } from './reference.js';

/** TLS towards one registry host (PEM text, read from registries.yaml's files). */
export interface RegistryTls {
  /** Trusted besides the system's roots (containerd adds ca_file to the system pool). */
  ca?: string;
  cert?: string;
  key?: string;
  insecureSkipVerify?: boolean;
}

export interface RegistryClientOptions {
  registry: string;
  /** Plain HTTP instead of HTTPS (localhost and loopback registries, and those configured so). */
  plainHttp: boolean;
  credentials: Credential[];
  /** scheme://host[/prefix] to speak to in place of the registry itself (a mirror; see registries.ts). */
  endpoint?: string;
  /** Per request (headers of a blob, the whole of a manifest or token). */
  timeoutMs?: number;
  /** For the endpoint's own host (not for hosts it redirects to). */
  tls?: RegistryTls;
}

/** Docker treats localhost and loopback registries as plain HTTP by default. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

interface RegistryErrorBody {
  errors?: { code?: string; message?: string }[];
}

interface Response {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  url: string;
}

const MAX_REDIRECTS = 10;
const plainAgent = new http.Agent({ keepAlive: true });
const tlsAgents = new Map<string, https.Agent>();

/** One keep-alive agent per TLS setting, shared by every pull that uses it. */
function agentFor(tls: RegistryTls | undefined): https.Agent {
  const key = JSON.stringify(tls ?? {});
  let a = tlsAgents.get(key);
  if (!a) {
    a = new https.Agent({
      keepAlive: true,
      ...(tls?.ca ? { ca: [...rootCertificates, tls.ca] } : {}),
      ...(tls?.cert ? { cert: tls.cert } : {}),
      ...(tls?.key ? { key: tls.key } : {}),
      ...(tls?.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
    });
    tlsAgents.set(key, a);
  }
  return a;
}

/** Node's TLS error codes in the words a user can act on. */
const TLS_ERRORS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate signed by unknown authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate signed by unknown authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'certificate signed by unknown authority (self-signed)',
  CERT_HAS_EXPIRED: 'certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate is not valid for this host',
};

function describeError(err: NodeJS.ErrnoException, host: string): string {
  const code = err.code ?? '';
  if (TLS_ERRORS[code]) return `tls: ${TLS_ERRORS[code]} (${code}; give the registry's CA as configs."${host}".tls.ca_file in registries.yaml)`;
  // OpenSSL's "…:sslv3 alert bad certificate:…:SSL alert number 42": the server's TLS alert.
  const alert = /alert ([a-z ]+?)(?::|$)/i.exec(err.message)?.[1];
  if (alert) return `tls: the registry refused the handshake (alert ${alert}; does it want a client certificate? configs."${host}".tls.cert_file and key_file in registries.yaml)`;
  return code || err.message;
}

export class RegistryClient {
  private readonly base: string;
  private authorization?: string;
  private readonly timeoutMs: number;

  constructor(private readonly o: RegistryClientOptions) {
    const host = o.registry === DOCKER_HUB ? DOCKER_HUB_API : o.registry;
    this.base = o.endpoint ?? `${o.plainHttp ? 'http' : 'https'}://${host}`;
    this.timeoutMs = o.timeoutMs ?? 30_000;
  }

  /** The manifest bytes as served (digests are of these exact bytes) and their media type. */
  async manifest(repository: string, reference: string): Promise<{ body: Buffer; mediaType: string; digest: string }> {
    const res = await this.get(repository, `/v2/${repository}/manifests/${reference}`, { Accept: MANIFEST_ACCEPT });
    const body = await readAll(res, 4 * 1024 * 1024, this.timeoutMs).catch((err: Error) => {
      throw new ImagePullError(`manifest ${repository}:${reference}: ${err.message}`);
    });
    const digest = 'sha256:' + createHash('sha256').update(body).digest('hex');
    const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    return { body, mediaType, digest };
  }

  /**
   * A blob's bytes as a stream (the caller verifies digest and size). A large layer may take
   * long: the timeout is for silence (no byte for timeoutMs), not for the whole download.
   */
  async blob(repository: string, digest: string): Promise<Readable> {
    const res = await this.get(repository, `/v2/${repository}/blobs/${digest}`, {}, true);
    return res.body;
  }

  private async get(repository: string, path: string, headers: Record<string, string>, idle = false): Promise<Response> {
    const url = this.base + path;
    let res = await this.fetch(url, headers, this.authorization, idle);
    if (res.status === 401) {
      const challenge = String(res.headers['www-authenticate'] ?? '');
      res.body.resume();
      this.authorization = await this.authorize(challenge, repository);
      res = await this.fetch(url, headers, this.authorization, idle);
    }
    if (res.status < 200 || res.status >= 300) throw new ImagePullError(`GET ${url}: ${await describeFailure(res)}`);
    return res;
  }

  /**
   * GET with redirects followed (blob storage often answers elsewhere). The Authorization
   * header goes only to the endpoint's own host, as Go's client does. `idle`: the timeout is
   * for silence on the connection, body included; otherwise for the response's headers.
   */
  private async fetch(url: string, headers: Record<string, string>, authorization?: string, idle = false): Promise<Response> {
    const origin = new URL(this.base).origin;
    let u = new URL(url);
    for (let hop = 0; ; hop++) {
      const own = u.origin === origin;
      const res = await this.once(u, { ...headers, ...(authorization && own ? { Authorization: authorization } : {}) }, own, idle).catch((err: NodeJS.ErrnoException) => {
        throw new ImagePullError(`GET ${url}: ${err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000}s` : describeError(err, u.host)}`);
      });
      const location = res.headers.location;
      if (![301, 302, 303, 307, 308].includes(res.status) || !location) return res;
      res.body.resume();
      if (hop >= MAX_REDIRECTS) throw new ImagePullError(`GET ${url}: more than ${MAX_REDIRECTS} redirects`);
      u = new URL(location, u);
    }
  }

  private once(u: URL, headers: Record<string, string>, own: boolean, idle: boolean): Promise<Response> {
    const secure = u.protocol === 'https:';
    const agent = secure ? (own ? agentFor(this.o.tls) : agentFor(undefined)) : plainAgent;
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(u, { method: 'GET', headers: { 'User-Agent': 'skiff-kubelet', ...headers }, agent });
      let response: IncomingMessage | undefined;
      const timeout = () => {
        const err = Object.assign(new Error(idle ? 'the registry went silent' : 'timeout'), { name: 'TimeoutError' });
        // Mid-body, the body's reader gets the reason (not a bare "aborted").
        if (response) response.destroy(err);
        else req.destroy(err);
      };
      // Silence on the socket, body included (a blob), or a deadline for the headers.
      let timer: NodeJS.Timeout | undefined;
      if (idle) req.setTimeout(this.timeoutMs, timeout);
      else timer = setTimeout(timeout, this.timeoutMs);
      req.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.once('response', (res) => {
        response = res;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: res, url: u.toString() });
      });
      req.end();
    });
  }

  /** The token server's answer (it gets the credentials: that is what it is for). */
  private tokenRequest(u: URL, authorization?: string): Promise<Response> {
    return this.once(u, authorization ? { Authorization: authorization } : {}, u.origin === new URL(this.base).origin, false).catch((err: NodeJS.ErrnoException) => {
      throw new ImagePullError(`GET ${u}: ${err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000}s` : describeError(err, u.host)}`);
    });
  }

  /** Answer a 401's challenge; returns the Authorization header to retry with. */
  private async authorize(header: string, repository: string): Promise<string> {
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const cred = this.o.credentials[0];
    if (bearer?.params.realm) {
      const u = new URL(bearer.params.realm);
      if (bearer.params.service) u.searchParams.set('service', bearer.params.service);
      u.searchParams.set('scope', bearer.params.scope ?? `repository:${repository}:pull`);
      const res = await this.tokenRequest(u, cred ? basicAuthorization(cred) : undefined);
      if (res.status < 200 || res.status >= 300) throw new ImagePullError(`unauthorized: token request to ${u.origin}${u.pathname} for ${repository}: ${await describeFailure(res)}`);
      let body: { token?: string; access_token?: string } = {};
      try {
        body = JSON.parse((await readAll(res, 1024 * 1024, this.timeoutMs)).toString('utf8')) as typeof body;
      } catch {
        /* no token in it: said below */
      }
      const token = body.token ?? body.access_token;
      if (!token) throw new ImagePullError(`unauthorized: token server ${u.origin}${u.pathname} answered without a token`);
      return `Bearer ${token}`;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!cred) throw new ImagePullError(`unauthorized: registry ${this.o.registry} requires credentials (add an imagePullSecret of type kubernetes.io/dockerconfigjson)`);
      if (this.authorization === basicAuthorization(cred)) throw new ImagePullError(`unauthorized: registry ${this.o.registry} refused the credentials of user "${cred.username}"`);
      return basicAuthorization(cred);
    }
    throw new ImagePullError(`unauthorized: registry ${this.o.registry} answered 401 with no usable challenge ("${header}")`);
  }
}

/** "401 UNAUTHORIZED: authentication required" from a registry's error body, else the status. */
async function describeFailure(res: Response): Promise<string> {
  const text = await readAll(res, 64 * 1024, 10_000).then((b) => b.toString('utf8'), () => '');
  let detail = '';
  try {
    const body = JSON.parse(text) as RegistryErrorBody;
    detail = (body.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    detail = text.trim().slice(0, 200);
  }
  return `${res.status} ${res.statusText}${detail ? ` (${detail})` : ''}`;
}

/** A (small) response body, at most `max` bytes, within `timeoutMs`. */
function readAll(res: Response, max: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const timer = setTimeout(() => res.body.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
    res.body.on('data', (c: Buffer) => {
      n += c.length;
      if (n > max) res.body.destroy(new Error(`larger than ${max / (1024 * 1024)} MiB`));
      else chunks.push(c);
    });
    res.body.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    res.body.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}
