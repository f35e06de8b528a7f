// One registry's HTTP API v2 (the OCI distribution spec's pull side): manifests and blobs
// of a repository, with the auth dance registries expect:
//   GET /v2/REPO/manifests/REF → 401 + WWW-Authenticate: Bearer realm=…,service=…,scope=…
//   GET realm?service=…&scope=repository:REPO:pull   (Basic credentials when we have them)
//     → {"token": "…"}  then the request again with Authorization: Bearer …
// or `Basic realm=…` → the request again with Authorization: Basic ….
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ImagePullError } from '../runtime/interface.js';
import { basicAuthorization, parseChallenges, type Credential } from './auth.js';
import { MANIFEST_ACCEPT } from './manifest.js';
import { DOCKER_HUB, DOCKER_HUB_API } from './reference.js';

export interface RegistryClientOptions {
  registry: string;
  /** Plain HTTP instead of HTTPS (localhost and loopback registries, and those configured so). */
  plainHttp: boolean;
  credentials: Credential[];
  /** scheme://host[/prefix] to speak to in place of the registry itself (a mirror; see registries.ts). */
  endpoint?: string;
  /** Per request (headers of a blob, the whole of a manifest or token). */
  timeoutMs?: number;
}

/** Docker treats localhost and loopback registries as plain HTTP by default. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

interface RegistryErrorBody {
  errors?: { code?: string; message?: string }[];
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
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > 4 * 1024 * 1024) throw new ImagePullError(`manifest ${repository}:${reference} is larger than 4 MiB`);
    const digest = 'sha256:' + createHash('sha256').update(body).digest('hex');
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    return { body, mediaType, digest };
  }

  /**
   * A blob's bytes as a stream (the caller verifies digest and size). A large layer may take
   * long: the timeout is for silence (no byte for timeoutMs), not for the whole download.
   */
  async blob(repository: string, digest: string): Promise<Readable> {
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(), this.timeoutMs);
    const res = await this.get(repository, `/v2/${repository}/blobs/${digest}`, {}, idle.signal).catch((err) => {
      clearTimeout(timer);
      throw err;
    });
    if (!res.body) {
      clearTimeout(timer);
      throw new ImagePullError(`blob ${digest}: empty response`);
    }
    const body = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
    body.on('data', () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), this.timeoutMs);
    });
    body.once('close', () => clearTimeout(timer));
    return body;
  }

  private async get(repository: string, path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const url = this.base + path;
    let res = await this.fetch(url, headers, this.authorization, signal);
    if (res.status === 401) {
      const challenge = res.headers.get('www-authenticate') ?? '';
      await res.body?.cancel();
      this.authorization = await this.authorize(challenge, repository);
      res = await this.fetch(url, headers, this.authorization, signal);
    }
    if (!res.ok) throw new ImagePullError(`GET ${url}: ${await describeFailure(res)}`);
    return res;
  }

  private async fetch(url: string, headers: Record<string, string>, authorization?: string, signal?: AbortSignal): Promise<Response> {
    try {
      return await fetch(url, {
        headers: { ...headers, ...(authorization ? { Authorization: authorization } : {}) },
        signal: signal ?? AbortSignal.timeout(this.timeoutMs),
        redirect: 'follow',
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError' ? `no answer within ${this.timeoutMs / 1000}s` : cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ImagePullError(`GET ${url}: ${why}`);
    }
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
      const res = await this.fetch(u.toString(), {}, cred ? basicAuthorization(cred) : undefined);
      if (!res.ok) throw new ImagePullError(`unauthorized: token request to ${u.origin}${u.pathname} for ${repository}: ${await describeFailure(res)}`);
      const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string };
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
  const text = await res.text().catch(() => '');
  let detail = '';
  try {
    const body = JSON.parse(text) as RegistryErrorBody;
    detail = (body.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    detail = text.trim().slice(0, 200);
  }
  return `${res.status} ${res.statusText}${detail ? ` (${detail})` : ''}`;
}
