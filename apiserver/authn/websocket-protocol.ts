// A bearer token carried in a WebSocket subprotocol, for clients that cannot set headers on a
// WebSocket (browsers): `Sec-WebSocket-Protocol: base64url.bearer.authorization.k8s.io.<token
// base64url-encoded without padding>`, as Kubernetes' websocket ProtocolAuthenticator reads
// it. Only on WebSocket upgrade requests; more than one such protocol, or one that does not
// decode to a token, is an error; a token none of the sources knows is a 401.
import type { IncomingMessage } from 'node:http';
import type { AuthenticationResult, RequestAuthenticator, TokenAuthenticator } from './authenticator.js';

export const BEARER_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/** The offered subprotocols other than the token's: the server picks among these. */
export function protocolsWithoutToken(offered: Iterable<string>): string[] {
  return [...offered].filter((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX));
}

export class WebSocketProtocolAuthenticator implements RequestAuthenticator {
  constructor(private readonly tokens: TokenAuthenticator[]) {}

  async authenticate(req: IncomingMessage): Promise<AuthenticationResult> {
    if (req.headers.upgrade?.toLowerCase() !== 'websocket') return undefined;
    const header = req.headers['sec-websocket-protocol'];
    if (!header) return undefined;
    const bearer = header.split(',').map((p) => p.trim()).filter((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
    if (bearer.length === 0) return undefined;
    if (bearer.length > 1) return { error: 'multiple base64.bearer.authorization tokens specified' };
    const encoded = bearer[0]!.slice(BEARER_PROTOCOL_PREFIX.length);
    const token = /^[A-Za-z0-9_-]+$/.test(encoded) ? Buffer.from(encoded, 'base64url').toString('utf8') : '';
    if (!token) return { error: 'invalid bearer token' };
    for (const t of this.tokens) {
      const user = await t.authenticateToken(token);
      if (user) return { user };
    }
    return { error: 'invalid bearer token' };
  }
}
