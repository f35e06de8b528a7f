// Request-header authentication (kube-apiserver's --requestheader-*): a front proxy — the
// aggregation layer's proxy, or any authenticating proxy — that has already authenticated a
// user passes it on in headers (X-Remote-User, X-Remote-Group, X-Remote-Extra-KEY), and the API
// server believes those headers only from a client certificate signed by the separate
// front-proxy CA (--requestheader-client-ca-file) whose CN is an allowed name
// (--requestheader-allowed-names; empty allows any). The same headers from any other caller
// are ignored, and a front-proxy certificate is not a user of its own: the ordinary
// client-certificate authenticator accepts only certificates of --client-ca-file.
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AuthenticationResult, RequestAuthenticator } from './authenticator.js';
import type { UserInfo } from './user.js';

export interface RequestHeaderOptions {
  /** PEM of the front-proxy CA(s). */
  clientCA: string | Buffer;
  /** CNs a front proxy's certificate may have; empty: any the CA signed. */
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

/** kubeadm's header names (kube-apiserver has no defaults; every kubeadm cluster sets these). */
export const DEFAULT_REQUEST_HEADERS = { usernameHeaders: ['X-Remote-User'], groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'] };

/** Every certificate of a PEM bundle. */
export function certificateBundle(pem: string | Buffer): X509Certificate[] {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b));
}

/** Was this (DER) certificate issued and signed by one of these CAs? */
export function issuedByAny(der: Buffer, cas: X509Certificate[]): boolean {
  const cert = new X509Certificate(der);
  return cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
}

/**
 * The user the headers name: the first username header with a value; every value of every
 * group header; extras keyed by the rest of the header name, lower-cased and %-unescaped
 * (Kubernetes escapes keys that are not header-safe). Undefined without a username. Pure.
 */
export function userFromHeaders(headers: Record<string, string[] | undefined>, o: Pick<RequestHeaderOptions, 'usernameHeaders' | 'groupHeaders' | 'extraHeaderPrefixes'>): UserInfo | undefined {
  const values = (h: string) => (headers[h.toLowerCase()] ?? []).map((v) => v.trim()).filter(Boolean);
  const name = o.usernameHeaders.map((h) => values(h)[0]).find(Boolean);
  if (!name) return undefined;
  const groups = o.groupHeaders.flatMap(values);
  const extra: Record<string, string[]> = {};
  for (const prefix of o.extraHeaderPrefixes.map((p) => p.toLowerCase())) {
    for (const [h, vs] of Object.entries(headers)) {
      if (!h.startsWith(prefix) || h.length === prefix.length || !vs) continue;
      let key = h.slice(prefix.length);
      try {
        key = decodeURIComponent(key).toLowerCase();
      } catch {
        // not %-escaped after all: the name as it came
      }
      (extra[key] ??= []).push(...vs);
    }
  }
  return { name, groups, ...(Object.keys(extra).length ? { extra } : {}) };
}

const fromFrontProxy = new WeakMap<TLSSocket, { cn: string } | false>();

export class RequestHeaderAuthenticator implements RequestAuthenticator {
  private readonly cas: X509Certificate[];

  constructor(private readonly o: RequestHeaderOptions) {
    this.cas = certificateBundle(o.clientCA);
    if (!this.cas.length) throw new Error('--requestheader-client-ca-file holds no certificate');
  }

  authenticate(req: IncomingMessage): AuthenticationResult {
    const sock = req.socket as TLSSocket;
    if (typeof sock.getPeerCertificate !== 'function') return undefined;
    let proxy = fromFrontProxy.get(sock);
    if (proxy === undefined) {
      // The handshake verified the chain against both CAs; this one must be the front proxy's.
      const cert = sock.getPeerCertificate();
      proxy = sock.authorized && cert?.raw && issuedByAny(cert.raw, this.cas) ? { cn: [cert.subject?.CN].flat()[0] ?? '' } : false;
      fromFrontProxy.set(sock, proxy);
    }
    if (!proxy) return undefined;
    if (this.o.allowedNames.length && !this.o.allowedNames.includes(proxy.cn)) {
      return { error: `request header authentication: the client certificate's common name "${proxy.cn}" is not in --requestheader-allowed-names` };
    }
    const user = userFromHeaders(req.headersDistinct as Record<string, string[] | undefined>, this.o);
    return user ? { user } : undefined;
  }
}
