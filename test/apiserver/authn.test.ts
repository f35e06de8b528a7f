// Authentication and the authorization seam over real TLS: client certificates (verified
// against the client CA: expired, not-yet-valid and wrong-CA ones are a 401 Status, never a
// crash), static bearer tokens, anonymous requests only to the health and version paths,
// SelfSubjectReview; and the pure parts (token file, forbidden wording).
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../pki/index.js';
import { parseTokenFile, TokenFileAuthenticator } from '../../apiserver/authn/index.js';
import { forbiddenStatus, nonResourceAttributes, resourceAttributes } from '../../apiserver/authz/index.js';
import { parseRequestInfo } from '../../apiserver/request-info.js';
import { RestClient } from '../../client/rest.js';
import { StatusError } from '../../api/errors.js';
import { call, eventually, startTestServer, type TestServer } from './harness.js';
import { testPki } from '../support/tls.js';

const TOKENS = [
  'tok-jane-1234567890,jane,uid-jane,"dev,qa"',
  '# a comment line',
  'tok-bob-0987654321,bob,uid-bob',
].join('\n');

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ tokenAuthenticators: [new TokenFileAuthenticator(parseTokenFile(TOKENS))] });
});
afterAll(async () => {
  await t?.close();
});

interface Answer { status: number; body: any; error?: string }

/** One request on a fresh connection (client certificates are per connection). */
function ask(path: string, opts: { method?: string; cert?: { certPem: string; keyPem: string }; token?: string; body?: unknown } = {}): Promise<Answer> {
  const pki = testPki();
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve) => {
    const req = https.request(`${t.url}${path}`, {
      method: opts.method ?? 'GET', ca: pki.caPem, agent: false,
      ...(opts.cert ? { cert: opts.cert.certPem, key: opts.cert.keyPem } : {}),
      headers: { ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}), ...(body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let parsed: unknown = text;
        try { parsed = JSON.parse(text); } catch { /* text */ }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, body: undefined, error: e.code ?? e.message }));
    req.end(body);
  });
}

const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };
const whoami = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };
const SSR = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

describe('anonymous requests', () => {
  it('reach /healthz, /livez, /readyz and /version, and nothing else (401 Status)', async () => {
    for (const p of ['/healthz', '/livez', '/readyz', '/version']) expect((await ask(p)).status, p).toBe(200);
    for (const p of ['/api', '/apis', '/api/v1/namespaces', '/api/v1/namespaces/default/pods', '/metrics', '/openapi/v3', '/healthzx', '/readyz/ping']) {
      const r = await ask(p);
      expect(r.status, p).toBe(401);
      expect(r.body, p).toEqual(UNAUTHORIZED);
    }
    expect((await ask('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: 'x' } } })).status).toBe(401);
  });
});

describe('client certificates', () => {
  it('CN is the user and O the groups, plus system:authenticated', async () => {
    const pki = testPki();
    const r = await ask(SSR, { method: 'POST', cert: { certPem: pki.admin.certPem, keyPem: pki.admin.keyPem }, body: whoami });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ ...whoami, metadata: { creationTimestamp: null }, status: { userInfo: { username: 'skiff-test-admin', groups: ['system:masters', 'system:authenticated'] } } });
    expect((await ask('/api/v1/namespaces', { cert: { certPem: pki.admin.certPem, keyPem: pki.admin.keyPem } })).status).toBe(200);
  });

  it('expired, not-yet-valid and wrong-CA certificates are a 401 Status — even on /healthz — and the server carries on', async () => {
    const pki = testPki();
    const ca = await (await import('../../pki/index.js')).loadCertificateAuthority({ cert: pki.caFile, key: pki.caFile.replace(/\.crt$/, '.key') });
    const other = await createCertificateAuthority('not-the-cluster-ca');
    const day = 24 * 3600_000;
    const client = ['digital signature', 'client auth'] as const;
    const bad = {
      expired: await issueCertificate(ca, { subject: { commonName: 'late' }, usages: [...client], notBefore: new Date(Date.now() - 3 * day), notAfter: new Date(Date.now() - day) }),
      notYetValid: await issueCertificate(ca, { subject: { commonName: 'early' }, usages: [...client], notBefore: new Date(Date.now() + day) }),
      wrongCA: await issueCertificate(other, { subject: { commonName: 'stranger', organizations: ['system:masters'] }, usages: [...client] }),
      serverOnly: await issueCertificate(ca, { subject: { commonName: 'server' }, usages: ['digital signature', 'server auth'] }),
    };
    for (const [what, cert] of Object.entries(bad)) {
      for (const p of ['/api/v1/namespaces', '/healthz']) {
        const r = await ask(p, { cert });
        expect(r.status, `${what} ${p}`).toBe(401);
        expect(r.body, `${what} ${p}`).toEqual(UNAUTHORIZED);
      }
    }
    expect((await ask('/healthz')).status).toBe(200);
  });
});

describe('bearer tokens (--token-auth-file)', () => {
  it('a known token is its user, with the file\'s uid and groups', async () => {
    const r = await ask(SSR, { method: 'POST', token: 'tok-jane-1234567890', body: whoami });
    expect(r.status).toBe(201);
    expect(r.body.status.userInfo).toEqual({ username: 'jane', uid: 'uid-jane', groups: ['dev', 'qa', 'system:authenticated'] });
    const bob = await ask(SSR, { method: 'POST', token: 'tok-bob-0987654321', body: whoami });
    expect(bob.body.status.userInfo).toEqual({ username: 'bob', uid: 'uid-bob', groups: ['system:authenticated'] });
    // Authenticated is not authorized: jane may list pods once her group is bound to a role.
    expect((await ask('/api/v1/namespaces/default/pods', { token: 'tok-jane-1234567890' })).status).toBe(403);
    const bound = await call(t.url, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      metadata: { name: 'dev-view' }, roleRef: { kind: 'ClusterRole', name: 'system:aggregate-to-view' }, subjects: [{ kind: 'Group', name: 'dev' }],
    });
    expect(bound.status).toBe(201);
    await eventually(async () => (await ask('/api/v1/namespaces/default/pods', { token: 'tok-jane-1234567890' })).status === 200);
  });

  it('an unknown, empty-scheme or malformed token is a 401 Status, also on /healthz', async () => {
    for (const token of ['nope', 'tok-jane-1234567890x', 'tok-jane-1234567890 extra']) {
      for (const p of ['/api/v1/namespaces', '/healthz']) {
        const r = await ask(p, { token });
        expect(r.status, `${token} ${p}`).toBe(401);
        expect(r.body).toEqual(UNAUTHORIZED);
      }
    }
  });

  it('the REST client sends its token and surfaces a 401 (and a 403) as a StatusError', async () => {
    const good = new RestClient({ server: t.url, credentials: { caData: testPki().caPem, token: 'tok-bob-0987654321' } });
    const bad = new RestClient({ server: t.url, credentials: { caData: testPki().caPem, token: 'wrong' }, retries: 0 });
    try {
      const denied = await good.namespaces().list().catch((x: unknown) => x);
      expect((denied as StatusError).status).toMatchObject({ code: 403, reason: 'Forbidden', message: 'namespaces is forbidden: User "bob" cannot list resource "namespaces" in API group "" at the cluster scope' });
      const e = await bad.namespaces().list().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(StatusError);
      expect((e as StatusError).status).toMatchObject({ code: 401, reason: 'Unauthorized' });
    } finally {
      good.close();
      bad.close();
    }
  });
});

describe('SelfSubjectReview', () => {
  it('is create-only and advertised that way', async () => {
    const admin = { certPem: testPki().admin.certPem, keyPem: testPki().admin.keyPem };
    expect((await ask(SSR, { cert: admin })).status).toBe(405);
    expect((await ask(`${SSR}/x`, { cert: admin })).status).toBe(405);
    const d = await ask('/apis/authentication.k8s.io/v1', { cert: admin });
    expect(d.body.resources).toEqual([
      { name: 'selfsubjectreviews', singularName: 'selfsubjectreview', namespaced: false, kind: 'SelfSubjectReview', verbs: ['create'] },
      { name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] },
    ]);
  });
});

describe('token file', () => {
  it("parses kube-apiserver's CSV: quoted groups, comments, blank lines", () => {
    const m = parseTokenFile('a,u1,id1,"g1,g2"\n\n# c\nb,u2,id2\n"c",u3,,g3\n');
    expect([...m.entries()]).toEqual([
      ['a', { name: 'u1', uid: 'id1', groups: ['g1', 'g2'] }],
      ['b', { name: 'u2', uid: 'id2', groups: [] }],
      ['c', { name: 'u3', groups: ['g3'] }],
    ]);
  });

  it('says which record is wrong and never prints a token', () => {
    expect(() => parseTokenFile('secret-token,user')).toThrow('token file: record 1 must have at least 3 columns (token, user name, user uid), found 2');
    expect(() => parseTokenFile('a,u,1\na,v,2')).toThrow('record 2 repeats the token of an earlier record');
    expect(() => parseTokenFile(',u,1')).toThrow('record 1 has an empty token');
    expect(() => parseTokenFile('secret-token,,1')).toThrow('record 1 has an empty user name');
    const e = (() => { try { parseTokenFile('"secret-token,u,1'); } catch (x) { return x as Error; } return undefined; })();
    expect(e?.message).toMatch(/not valid CSV/);
    expect(e?.message).not.toContain('secret-token');
    try { parseTokenFile('secret-token,user'); } catch (x) { expect((x as Error).message).not.toContain('secret-token'); }
  });
});

describe('authorization seam', () => {
  const jane = { name: 'jane', groups: ['dev', 'system:authenticated'] };
  const attrs = (user: typeof jane, method: string, path: string) => {
    const ri = parseRequestInfo(method, path, {});
    return ri ? resourceAttributes(user, ri, path) : nonResourceAttributes(user, method, path);
  };

  it("403 Statuses in Kubernetes' words", () => {
    expect(forbiddenStatus(attrs(jane, 'GET', '/api/v1/namespaces/default/pods'))).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
      message: 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"',
      details: { group: '', kind: 'pods' },
    });
    expect(forbiddenStatus(attrs(jane, 'DELETE', '/apis/apps/v1/namespaces/web/deployments/shop')).message)
      .toBe('deployments.apps "shop" is forbidden: User "jane" cannot delete resource "deployments" in API group "apps" in the namespace "web"');
    expect(forbiddenStatus(attrs(jane, 'PATCH', '/api/v1/nodes/n1/status')).message)
      .toBe('nodes "n1" is forbidden: User "jane" cannot patch resource "nodes/status" in API group "" at the cluster scope');
    expect(forbiddenStatus(attrs(jane, 'GET', '/metrics'), 'no RBAC policy matched').message)
      .toBe('forbidden: User "jane" cannot get path "/metrics": no RBAC policy matched');
  });
});

describe('the server asks the authorizer', () => {
  it('a request nobody allows is a 403 Status, for REST calls, discovery and watches alike', async () => {
    const asked: string[] = [];
    const s = await startTestServer({
      authorizer: {
        authorize: (a) => {
          asked.push(`${a.user.name} ${a.verb} ${a.resourceRequest ? `${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.namespace}/${a.name}` : a.path}`);
          return a.resource === 'namespaces' ? { decision: 'Allow' } : { decision: 'NoOpinion' };
        },
      },
    });
    try {
      const call = (path: string, method = 'GET') => testPki().fetch(`${s.url}${path}`, { method }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
      expect((await call('/api/v1/namespaces')).status).toBe(200);
      expect(await call('/api/v1/namespaces/default/pods/web')).toEqual({
        status: 403,
        body: {
          kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403, details: { name: 'web', group: '', kind: 'pods' },
          message: 'pods "web" is forbidden: User "skiff-test-admin" cannot get resource "pods" in API group "" in the namespace "default"',
        },
      });
      expect((await call('/api/v1/pods?watch=true')).status).toBe(403);
      expect((await call('/apis')).body.message).toBe('forbidden: User "skiff-test-admin" cannot get path "/apis"');
      expect(asked).toEqual([
        'skiff-test-admin list namespaces /',
        'skiff-test-admin get pods default/web',
        'skiff-test-admin watch pods /',
        'skiff-test-admin get /apis',
      ]);
    } finally {
      await s.close();
    }
  });
});
