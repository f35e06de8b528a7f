// The authentication chain in front of the registry, as kube-apiserver assembles it:
//   union(request header, x509, bearer tokens) → add system:authenticated → else anonymous (FailOnError)
// The first authenticator to recognise the request names the user. A credential that is
// present but bad (a certificate that did not verify, a token nobody knows) is a 401 even
// where anonymous would have been allowed: presenting bad credentials is not anonymity.
// Anonymous requests are authenticated only for the health and version paths — Kubernetes'
// AnonymousAuthConfigurableEndpoints (anonymous: {conditions: [{path: /healthz}, …]}) — so
// anything else without credentials is a 401, not a 403.
import type { IncomingMessage } from 'node:http';
import type { Status } from '../../api/meta.js';
import type { RequestAuthenticator, TokenAuthenticator } from './authenticator.js';
import { BearerTokenAuthenticator } from './bearer-token.js';
import { WebSocketProtocolAuthenticator } from './websocket-protocol.js';
import { X509Authenticator } from './x509.js';
import { RequestHeaderAuthenticator, type RequestHeaderOptions } from './request-header.js';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER, INSECURE_USER, type UserInfo } from './user.js';

/**
 * Paths anonymous requests may reach — exactly these, as Kubernetes' anonymous conditions
 * match paths: health, version, and kube-public's cluster-info, which `skiff join` reads to
 * learn the cluster CA it then checks against --ca-cert-hash (RBAC still decides: skiff up
 * grants system:anonymous `get` on that one ConfigMap, as kubeadm does).
 */
export const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';
export const ANONYMOUS_PATHS = ['/healthz', '/livez', '/readyz', '/version', CLUSTER_INFO_PATH];

export function anonymousAllowed(path: string, allowed: readonly string[] = ANONYMOUS_PATHS): boolean {
  return allowed.includes(path);
}

export type Authentication = { user: UserInfo } | { unauthorized: string };

export interface Authenticator {
  /** Who sent this request (path without the query), or why it is refused (401). */
  authenticate(req: IncomingMessage, path: string): Promise<Authentication>;
}

export interface AuthenticationOptions {
  /** Verify client certificates (node:tls checked them against --client-ca-file). */
  clientCertificates?: boolean;
  /** --client-ca-file's PEM, needed when the handshake trusts the front-proxy CA too. */
  clientCA?: string | Buffer;
  /** Request-header authentication from a front proxy (--requestheader-*). */
  requestHeader?: RequestHeaderOptions;
  /** Bearer token sources, asked in order. */
  tokens?: TokenAuthenticator[];
  /** Paths anonymous requests may reach (default ANONYMOUS_PATHS; [] turns anonymous off). */
  anonymousPaths?: readonly string[];
}

export class AuthenticationChain implements Authenticator {
  private readonly authenticators: RequestAuthenticator[];
  private readonly anonymousPaths: readonly string[];

  constructor(opts: AuthenticationOptions) {
    this.authenticators = [
      // First, as kube-apiserver's union: a front proxy's certificate speaks for the user it names.
      ...(opts.requestHeader ? [new RequestHeaderAuthenticator(opts.requestHeader)] : []),
      ...(opts.clientCertificates ? [new X509Authenticator(opts.requestHeader ? opts.clientCA : undefined)] : []),
      ...(opts.tokens?.length ? [new BearerTokenAuthenticator(opts.tokens), new WebSocketProtocolAuthenticator(opts.tokens)] : []),
    ];
    this.anonymousPaths = opts.anonymousPaths ?? ANONYMOUS_PATHS;
  }

  async authenticate(req: IncomingMessage, path: string): Promise<Authentication> {
    let error: string | undefined;
    for (const a of this.authenticators) {
      const r = await a.authenticate(req);
      if (!r) continue;
      if ('user' in r) return { user: withAuthenticatedGroup(r.user) };
      error ??= r.error;
    }
    if (error) return { unauthorized: error };
    // A bearer header no authenticator is configured to read is still a bad credential.
    if (req.headers.authorization && /^\s*bearer\s/i.test(req.headers.authorization)) return { unauthorized: 'invalid bearer token' };
    if (anonymousAllowed(path, this.anonymousPaths)) return { user: { name: ANONYMOUS_USER, groups: [ALL_UNAUTHENTICATED] } };
    return { unauthorized: 'no credentials' };
  }
}

function withAuthenticatedGroup(u: UserInfo): UserInfo {
  return u.groups.includes(ALL_AUTHENTICATED) ? u : { ...u, groups: [...u.groups, ALL_AUTHENTICATED] };
}

/** The plain-HTTP development port: no credentials, everyone a superuser (kube-apiserver's old insecure port). */
export const insecureAuthenticator: Authenticator = {
  authenticate: async () => ({ user: INSECURE_USER }),
};

/** kube-apiserver's 401: the same words whatever was wrong, so a caller learns nothing about valid credentials. */
export function unauthorizedStatus(): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };
}
