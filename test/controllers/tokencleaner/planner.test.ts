// When the bootstrap token cleaner deletes a token's Secret: once its `expiration` has passed,
// at once when that cannot be parsed; never a token without one, a Secret of another type or
// namespace, or one already being deleted.
import { describe, expect, it } from 'vitest';
import type { Secret } from '../../../api/core/index.js';
import { planTokenCleanup } from '../../../controllers/tokencleaner/planner.js';

const NOW = new Date('2026-12-06T12:00:00Z');
const b64 = (s: string) => Buffer.from(s).toString('base64');
const token = (expiration: string | undefined, o: { type?: string; namespace?: string; deleting?: boolean } = {}): Secret => ({
  apiVersion: 'v1', kind: 'Secret', type: o.type ?? 'bootstrap.kubernetes.io/token',
  metadata: { name: 'bootstrap-token-abcdef', namespace: o.namespace ?? 'kube-system', uid: 'u1', ...(o.deleting ? { deletionTimestamp: '2026-12-06T11:00:00Z' } : {}) },
  data: { 'token-id': b64('abcdef'), 'token-secret': b64('0123456789abcdef'), ...(expiration !== undefined ? { expiration: b64(expiration) } : {}) },
} as Secret);

describe('planTokenCleanup', () => {
  it('waits until the expiration, then deletes', () => {
    expect(planTokenCleanup(token('2026-12-06T12:00:30Z'), NOW)).toEqual({ action: 'wait', afterMs: 30_000 });
    expect(planTokenCleanup(token('2026-12-06T13:00:00+01:00'), NOW)).toEqual({ action: 'delete', reason: 'it expired at 2026-12-06T13:00:00+01:00' });
    expect(planTokenCleanup(token('2026-12-06T12:00:00Z'), NOW)).toMatchObject({ action: 'delete' });
    expect(planTokenCleanup(token('2026-12-06T11:59:59.5Z'), NOW)).toMatchObject({ action: 'delete' });
    expect(planTokenCleanup(token('2026-12-07T12:00:00Z'), NOW)).toEqual({ action: 'wait', afterMs: 24 * 3600_000 });
  });
  it('deletes a token whose expiration is not an RFC 3339 time, as Kubernetes does', () => {
    expect(planTokenCleanup(token('tomorrow'), NOW)).toEqual({ action: 'delete', reason: 'its expiration "tomorrow" is not an RFC 3339 time' });
    expect(planTokenCleanup(token('2026-12-07'), NOW)).toMatchObject({ action: 'delete' });
    expect(planTokenCleanup(token('2026-12-07T12:00:00'), NOW)).toMatchObject({ action: 'delete' }); // no time zone
  });
  it('leaves alone a token without expiration, other types and namespaces, and one being deleted', () => {
    expect(planTokenCleanup(token(undefined), NOW)).toEqual({ action: 'none' });
    expect(planTokenCleanup(token(''), NOW)).toEqual({ action: 'none' });
    expect(planTokenCleanup(token('2020-01-01T00:00:00Z', { type: 'Opaque' }), NOW)).toEqual({ action: 'none' });
    expect(planTokenCleanup(token('2020-01-01T00:00:00Z', { namespace: 'default' }), NOW)).toEqual({ action: 'none' });
    expect(planTokenCleanup(token('2020-01-01T00:00:00Z', { deleting: true }), NOW)).toEqual({ action: 'none' });
  });
});
