// The authentication seam. A request authenticator looks at one kind of credential and says:
// not mine (undefined: no such credential on the request), who it is, or that the credential
// is bad. Token authenticators (the static token file now; ServiceAccount JWTs and bootstrap
// tokens later) plug in behind the one bearer-token authenticator.
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from './user.js';

export type AuthenticationResult = { user: UserInfo } | { error: string } | undefined;

export interface RequestAuthenticator {
  authenticate(req: IncomingMessage): AuthenticationResult | Promise<AuthenticationResult>;
}

/** One source of bearer tokens: the user a token stands for, or undefined when it does not know the token. */
export interface TokenAuthenticator {
  authenticateToken(token: string): UserInfo | undefined | Promise<UserInfo | undefined>;
}
