// When a bootstrap token goes (k8s.io/kubernetes/pkg/controller/bootstrap/tokencleaner, v1.32):
// a kube-system Secret of type bootstrap.kubernetes.io/token is deleted once the RFC 3339 time
// in its `expiration` has passed — at once when that time cannot be parsed, as Kubernetes
// treats an unreadable expiration as expired. A token without `expiration` lives until someone
// deletes it. The authenticator already refuses an expired token; this keeps `skiff token list`
// and kube-system from filling with dead ones.
//
// Example: expiration 2026-12-06T12:00:00Z, now 11:59:30 → wait 30 s; at 12:00:00 → delete.
import { secretString, type Secret } from '../../api/core/index.js';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
/** Where bootstrap tokens live (the cleaner looks nowhere else). */
export const TOKEN_SECRET_NAMESPACE = 'kube-system';

export type TokenCleanupDecision =
  | { action: 'none' }
  | { action: 'wait'; afterMs: number }
  | { action: 'delete'; reason: string };

/** RFC 3339 with a time zone (Go's time.RFC3339, which Kubernetes parses with); NaN otherwise. */
function parseRFC3339(v: string): number {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) ? Date.parse(v) : NaN;
}

/** What to do with this Secret now. Pure. */
export function planTokenCleanup(secret: Secret, now: Date): TokenCleanupDecision {
  if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || secret.metadata.namespace !== TOKEN_SECRET_NAMESPACE || secret.metadata.deletionTimestamp) return { action: 'none' };
  const expiration = secretString(secret, 'expiration');
  if (expiration === undefined || expiration === '') return { action: 'none' };
  const at = parseRFC3339(expiration);
  if (Number.isNaN(at)) return { action: 'delete', reason: `its expiration ${JSON.stringify(expiration)} is not an RFC 3339 time` };
  const left = at - now.getTime();
  return left > 0 ? { action: 'wait', afterMs: left } : { action: 'delete', reason: `it expired at ${expiration}` };
}
