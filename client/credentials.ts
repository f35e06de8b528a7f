// Who a client is and whom it trusts — a kubeconfig's cluster and user entries resolved to
// bytes: the CA that must have signed the server's certificate, a client certificate (X.509
// authentication: CN = user, O = groups) and/or a bearer token. The REST client turns these
// into one keep-alive https.Agent per client (connection reuse: a TLS handshake per
// connection, not per request) and an Authorization header.
import fs from 'node:fs';
import type https from 'node:https';
import tls from 'node:tls';

export interface ClientCredentials {
  /** PEM of the CA(s) the server's certificate must chain to; absent: node's built-in roots. */
  caData?: string | Buffer;
  /** Client certificate and its key (PEM). */
  certData?: string | Buffer;
  keyData?: string | Buffer;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** A file holding the token, re-read once a minute (projected ServiceAccount tokens rotate). */
  tokenFile?: string;
  /** Do not verify the server's certificate (kubeconfig's insecure-skip-tls-verify). */
  insecureSkipTLSVerify?: boolean;
  /** The name the server's certificate must carry, when not the URL's host (tls-server-name). */
  tlsServerName?: string;
  /** Act as another user (kubeconfig's as/as-groups/as-uid, kubectl --as): Impersonate-* headers. */
  impersonate?: Impersonation;
}

export interface Impersonation {
  user: string;
  groups?: string[];
  uid?: string;
}

/** The Impersonate-* request headers for these credentials (none without impersonation). */
export function impersonationHeaders(c: ClientCredentials | undefined): Record<string, string | string[]> {
  const i = c?.impersonate;
  if (!i) return {};
  return {
    'Impersonate-User': i.user,
    ...(i.groups?.length ? { 'Impersonate-Group': i.groups } : {}),
    ...(i.uid ? { 'Impersonate-Uid': i.uid } : {}),
  };
}

/** https.Agent options for these credentials (TLS part only). */
export function tlsAgentOptions(c: ClientCredentials | undefined): https.AgentOptions {
  if (!c) return {};
  // One secure context for every connection of the agent: given ca/cert/key instead, Node
  // parses them into a new context for each new connection (milliseconds each, under a burst
  // of requests on fresh sockets a visible share of a kubelet's CPU).
  const material = {
    ...(c.caData ? { ca: c.caData } : {}),
    ...(c.certData ? { cert: c.certData } : {}),
    ...(c.keyData ? { key: c.keyData } : {}),
  };
  return {
    ...(Object.keys(material).length ? { secureContext: tls.createSecureContext(material) } : {}),
    ...(c.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
    ...(c.tlsServerName ? { servername: c.tlsServerName } : {}),
  };
}

const TOKEN_FILE_REREAD_MS = 60_000;

/** The bearer token to send now: the static one, or the token file's content (cached for a minute, as client-go does). */
export class BearerToken {
  private cached: string | undefined;
  private readAt = 0;

  constructor(private readonly creds: ClientCredentials | undefined) {}

  get(now = Date.now()): string | undefined {
    const c = this.creds;
    if (!c) return undefined;
    if (c.token) return c.token;
    if (!c.tokenFile) return undefined;
    if (this.cached === undefined || now - this.readAt >= TOKEN_FILE_REREAD_MS) {
      try {
        this.cached = fs.readFileSync(c.tokenFile, 'utf8').trim();
        this.readAt = now;
      } catch (e) {
        // Keep the last good token while a rotation replaces the file; with none, say why.
        if (this.cached === undefined) throw new Error(`cannot read token file ${c.tokenFile}: ${(e as Error).message}`);
      }
    }
    return this.cached;
  }
}
