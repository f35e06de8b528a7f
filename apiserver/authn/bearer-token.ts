// `Authorization: Bearer <token>`: asks each token authenticator in turn; a token none of
// them knows is an error (401), as Kubernetes' bearertoken authenticator answers.
import type { IncomingMessage } from 'node:http';
import type { AuthenticationResult, RequestAuthenticator, TokenAuthenticator } from './authenticator.js';

export class BearerTokenAuthenticator implements RequestAuthenticator {
  constructor(private readonly tokens: TokenAuthenticator[]) {}

  async authenticate(req: IncomingMessage): Promise<AuthenticationResult> {
    const header = req.headers.authorization;
    if (!header) return undefined;
    const [scheme, token, extra] = header.trim().split(/\s+/);
    if (scheme?.toLowerCase() !== 'bearer' || !token) return undefined; // not a bearer token: someone else's credential
    if (extra !== undefined) return { error: 'invalid bearer token' };
    for (const t of this.tokens) {
      const user = await t.authenticateToken(token);
      if (user) return { user };
    }
    return { error: 'invalid bearer token' };
  }
}
