// X.509 client certificates: node:tls asked for one (requestCert) and verified it against
// --client-ca-file (chain, validity dates, the clientAuth purpose); the user is the subject's
// CN, the groups its O values — Kubernetes' CommonNameUserConversion. A certificate that did
// not verify is an error (401), not anonymity. Read once per connection, not per request.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import type { AuthenticationResult, RequestAuthenticator } from './authenticator.js';
import { certificateBundle, issuedByAny } from './request-header.js';

const perSocket = new WeakMap<TLSSocket, AuthenticationResult>();

/** Why OpenSSL refused a client certificate, in words close to Go's x509 errors. */
function describe(code: string): string {
  switch (code) {
    case 'CERT_HAS_EXPIRED': return 'x509: certificate has expired';
    case 'CERT_NOT_YET_VALID': return 'x509: certificate is not yet valid';
    case 'INVALID_PURPOSE': return 'x509: certificate specifies an incompatible key usage';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN': return 'x509: certificate signed by unknown authority';
    default: return `x509: ${code}`;
  }
}

function strings(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export class X509Authenticator implements RequestAuthenticator {
  private readonly clientCAs: X509Certificate[] | undefined;

  /**
   * `clientCA`: when the handshake also trusts another CA (the front-proxy CA of
   * request-header authentication), only certificates of this one are users.
   */
  constructor(clientCA?: string | Buffer) {
    this.clientCAs = clientCA ? certificateBundle(clientCA) : undefined;
  }

  authenticate(req: IncomingMessage): AuthenticationResult {
    const sock = req.socket as TLSSocket;
    if (typeof sock.getPeerCertificate !== 'function') return undefined; // plain HTTP
    if (perSocket.has(sock)) return perSocket.get(sock);
    const result = this.fromSocket(sock);
    perSocket.set(sock, result);
    return result;
  }

  private fromSocket(sock: TLSSocket): AuthenticationResult {
    const cert = sock.getPeerCertificate();
    if (!cert || Object.keys(cert).length === 0) return undefined; // no client certificate
    if (!sock.authorized) return { error: `verifying certificate: ${describe(String(sock.authorizationError ?? 'unknown'))}` };
    if (this.clientCAs && !(cert.raw && issuedByAny(cert.raw, this.clientCAs))) return { error: `verifying certificate: ${describe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY')}` };
    const name = strings(cert.subject?.CN)[0];
    if (!name) return { error: 'verifying certificate: the subject has no common name' };
    return { user: { name, groups: strings(cert.subject?.O) } };
  }
}
