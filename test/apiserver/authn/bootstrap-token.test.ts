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

describe('bootstrap tokens over HTTPS', () => {
  // Imported here so the pure tests above need no server.
  const serve = async () => {
    const { startTestServer, call } = await import('../harness.js');
    const { testPki } = await import('../../support/tls.js');
    const https = await import('node:https');
    const t = await startTestServer();
    /** A SelfSubjectReview with only this bearer token (no client certificate). */
    const whoami = (token: string) => new Promise<{ status: number; body: any }>((resolve, reject) => {
      const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      const req = https.request(`${t.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
        method: 'POST', ca: testPki().caPem, agent: false, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });
    return { t, call, whoami };
  };

  it('authenticates a live token; a forged secret, an expired token and a deleted one are a 401 Status', async () => {
    const { t, call, whoami } = await serve();
    try {
      const future = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const past = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const make = (id: string, expiration: string) => call(t.url, 'POST', '/api/v1/namespaces/kube-system/secrets', {
        apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: `bootstrap-token-${id}` },
        stringData: { 'token-id': id, 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', expiration, 'auth-extra-groups': 'system:bootstrappers:skiff:default-node-token' },
      });
      expect((await make('abcdef', future)).status).toBe(201);
      expect((await make('oldtok', past)).status).toBe(201);
      const good = await whoami('abcdef.0123456789abcdef');
      expect(good.status).toBe(201);
      expect(good.body.status.userInfo).toEqual({ username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:skiff:default-node-token', 'system:authenticated'] });
      const unauthorized = { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 };
      expect(await whoami('abcdef.fedcba9876543210')).toMatchObject({ status: 401, body: unauthorized });
      expect(await whoami('oldtok.0123456789abcdef')).toMatchObject({ status: 401, body: unauthorized });
      expect((await call(t.url, 'DELETE', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef')).status).toBe(200);
      expect(await whoami('abcdef.0123456789abcdef')).toMatchObject({ status: 401, body: unauthorized });
    } finally {
      await t.close();
    }
  });
});
