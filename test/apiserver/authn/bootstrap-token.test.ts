// Bootstrap tokens' pure check: ID.SECRET against its kube-system Secret.
import { describe, expect, it } from 'vitest';
import { bootstrapTokenUser } from '../../../apiserver/authn/bootstrap-token.js';

const b64 = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
const now = Date.parse('2026-12-05T12:00:00Z');
const secret = (o: Record<string, string> = {}, type = 'bootstrap.kubernetes.io/token') => ({
  type, data: b64({ 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', expiration: '2026-12-06T12:00:00Z', ...o }),
});

describe('bootstrap tokens', () => {
  it('a good token is system:bootstrap:ID in system:bootstrappers and its extra groups', () => {
    expect(bootstrapTokenUser('abcdef.0123456789abcdef', secret({ 'auth-extra-groups': 'system:bootstrappers:skiff:default-node-token' }), now))
      .toEqual({ name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:skiff:default-node-token'] });
  });
  it('refuses a wrong secret, an expired or deleted token, one without the authentication usage, and extra groups outside system:bootstrappers', () => {
    expect(bootstrapTokenUser('abcdef.0123456789abcdee', secret(), now)).toBeUndefined();
    expect(bootstrapTokenUser('abcdef.0123456789abcdef', secret({ expiration: '2026-12-05T11:59:59Z' }), now)).toBeUndefined();
    expect(bootstrapTokenUser('abcdef.0123456789abcdef', { ...secret(), deleting: true }, now)).toBeUndefined();
    expect(bootstrapTokenUser('abcdef.0123456789abcdef', secret({ 'usage-bootstrap-authentication': 'false' }), now)).toBeUndefined();
    expect(bootstrapTokenUser('abcdef.0123456789abcdef', secret({ 'auth-extra-groups': 'system:masters' }), now)).toBeUndefined();
    expect(bootstrapTokenUser('abcdef.0123456789abcdef', secret({}, 'Opaque'), now)).toBeUndefined();
    expect(bootstrapTokenUser('ABCDEF.0123456789abcdef', secret(), now)).toBeUndefined();
    expect(bootstrapTokenUser('abcdef.0123456789abcdef', undefined, now)).toBeUndefined();
  });
});
