// Bootstrap tokens, as Kubernetes' bootstrap token authenticator: `ID.SECRET` (6 and 16
// lowercase alphanumerics) stands for the kube-system Secret bootstrap-token-ID of type
// bootstrap.kubernetes.io/token, if its token-secret matches (compared in constant time), it
// allows usage-bootstrap-authentication and has not expired. The user is
// system:bootstrap:ID in system:bootstrappers (plus the Secret's auth-extra-groups, which
// must themselves be system:bootstrappers:…) — what `skiff join` authenticates as until its
// kubelet certificate is issued. The check itself is pure; the Secret comes from a lookup.
import { timingSafeEqual } from 'node:crypto';
import { secretString } from '../../api/core/secret.js';
import type { TokenAuthenticator } from './authenticator.js';
import type { UserInfo } from './user.js';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';

export interface BootstrapSecret {
  type?: string;
  /** base64 values, as a Secret's data. */
  data?: Record<string, string>;
  deleting?: boolean;
}

const field = secretString;

/** The user a bootstrap token stands for, given its Secret; undefined when it does not authenticate. Pure. */
export function bootstrapTokenUser(token: string, secret: BootstrapSecret | undefined, nowMs: number): UserInfo | undefined {
  const m = BOOTSTRAP_TOKEN_PATTERN.exec(token);
  if (!m || !secret || secret.deleting || secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return undefined;
  const [, id, given] = m as unknown as [string, string, string];
  const stored = field(secret, 'token-secret') ?? '';
  if (field(secret, 'token-id') !== id || stored.length !== given.length || !timingSafeEqual(Buffer.from(stored), Buffer.from(given))) return undefined;
  if (field(secret, 'usage-bootstrap-authentication') !== 'true') return undefined;
  const expiration = field(secret, 'expiration');
  if (expiration !== undefined && !(Date.parse(expiration) > nowMs)) return undefined;
  const extra = (field(secret, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  if (extra.some((g) => !g.startsWith(`${BOOTSTRAPPERS_GROUP}:`))) return undefined;
  return { name: `system:bootstrap:${id}`, groups: [BOOTSTRAPPERS_GROUP, ...extra] };
}

export class BootstrapTokenAuthenticator implements TokenAuthenticator {
  constructor(private readonly lookup: (name: string) => Promise<BootstrapSecret | undefined>, private readonly now: () => number = Date.now) {}

  async authenticateToken(token: string): Promise<UserInfo | undefined> {
    const m = BOOTSTRAP_TOKEN_PATTERN.exec(token);
    if (!m) return undefined;
    return bootstrapTokenUser(token, await this.lookup(`bootstrap-token-${m[1]}`), this.now());
  }
}
