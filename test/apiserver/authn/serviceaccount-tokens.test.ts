// ServiceAccount tokens: the pure claim checks and JWT verification (tampered payloads,
// alg none, another key, expiry), and against a real API server: TokenRequest, the token
// authenticating as the ServiceAccount (403 until a RoleBinding grants it), revoked when its
// pod or ServiceAccount is deleted, TokenReview, and a kubelet asking for another node's pod.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newClaims, validateClaims, type BoundObjectLookups } from '../../../apiserver/authn/serviceaccount/claims.js';
import { ServiceAccountTokenAuthenticator, serviceAccountKeys, signToken } from '../../../apiserver/authn/serviceaccount/tokens.js';
import { issueCertificate, loadCertificateAuthority } from '../../../pki/index.js';
import { RestClient } from '../../../client/rest.js';
import { call, eventually, pod, startTestServer, type TestServer } from '../harness.js';
import { testPki } from '../../support/tls.js';

const ISS = 'https://kubernetes.default.svc.cluster.local';
const sa = { name: 'builder', uid: 'sa-uid' };
const podRef = { name: 'web', uid: 'pod-uid' };
const now = 1_800_000_000;

function lookups(over: Partial<Record<keyof BoundObjectLookups, unknown>> = {}): BoundObjectLookups {
  return {
    serviceAccount: async () => ('serviceAccount' in over ? over.serviceAccount : { uid: 'sa-uid' }) as { uid: string } | undefined,
    pod: async () => ('pod' in over ? over.pod : { uid: 'pod-uid', deleting: false }) as { uid: string; deleting: boolean } | undefined,
    secret: async () => undefined,
    node: async () => ({ uid: 'node-uid' }),
  };
}
const claims = (o: Partial<Parameters<typeof newClaims>[0]> = {}) =>
  newClaims({ issuer: ISS, audiences: [ISS], expirationSeconds: 3600, nowSeconds: now, namespace: 'ci', serviceAccount: sa, pod: podRef, ...o });
const ctx = (l = lookups(), n = now) => ({ issuer: ISS, audiences: [ISS], nowSeconds: n, lookups: l });

describe('ServiceAccount token claims', () => {
  it('a good token is its ServiceAccount, with the pod in extra', async () => {
    const r = await validateClaims(claims(), ctx());
    expect(r).toMatchObject({ user: { name: 'system:serviceaccount:ci:builder', uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci'] } });
    expect((r as { user: { extra: Record<string, string[]> } }).user.extra['authentication.kubernetes.io/pod-name']).toEqual(['web']);
  });
  it('refuses another issuer or audience, expired or early tokens, and deleted or recreated objects', async () => {
    expect(await validateClaims({ ...claims(), iss: 'https://evil' }, ctx())).toHaveProperty('error');
    expect(await validateClaims(claims({ audiences: ['vault'] }), ctx())).toHaveProperty('error');
    expect(await validateClaims(claims(), ctx(lookups(), now + 3600 + 61))).toEqual({ error: 'service account token has expired' });
    expect(await validateClaims(claims(), ctx(lookups(), now - 61))).toEqual({ error: 'service account token is not valid yet' });
    expect(await validateClaims(claims(), ctx(lookups({ serviceAccount: undefined })))).toEqual({ error: 'service account ci/builder has been deleted' });
    expect(await validateClaims(claims(), ctx(lookups({ serviceAccount: { uid: 'new' } })))).toEqual({ error: 'service account UID (new) does not match claim (sa-uid)' });
    expect(await validateClaims(claims(), ctx(lookups({ pod: undefined })))).toEqual({ error: 'pod ci/web has been deleted' });
    expect(await validateClaims(claims(), ctx(lookups({ pod: { uid: 'pod-uid', deleting: true } })))).toEqual({ error: 'pod ci/web is being deleted' });
    expect(await validateClaims({ ...claims(), sub: 'system:serviceaccount:kube-system:admin' }, ctx())).toHaveProperty('error');
  });
});

describe('ServiceAccount JWTs', () => {
  const pem = (k: ReturnType<typeof generateKeyPairSync>['privateKey']) => k.export({ type: 'pkcs8', format: 'pem' }) as string;
  const keys = serviceAccountKeys(pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey));
  const other = serviceAccountKeys(pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey));
  const auth = new ServiceAccountTokenAuthenticator({ keys, issuer: ISS, audiences: [ISS], lookups: lookups(), now: () => now * 1000 });
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

  it('verifies its own tokens (ES256 and RS256) and nothing tampered with', async () => {
    const token = await signToken(keys, claims());
    expect((await auth.authenticateToken(token))?.name).toBe('system:serviceaccount:ci:builder');
    const [h, p, s] = token.split('.') as [string, string, string];
    // A changed payload (another ServiceAccount), same signature.
    const forged = { ...claims(), sub: 'system:serviceaccount:kube-system:admin' };
    expect(await auth.authenticateToken(`${h}.${b64(forged)}.${s}`)).toBeUndefined();
    // alg: none, no signature.
    expect(await auth.authenticateToken(`${b64({ alg: 'none', typ: 'JWT' })}.${p}.`)).toBeUndefined();
    expect(await auth.authenticateToken(`${b64({ alg: 'none' })}.${p}.${s}`)).toBeUndefined();
    // Signed by another key (same kid claimed or not).
    const theirs = await signToken(other, claims());
    expect(await auth.authenticateToken(theirs)).toBeUndefined();
    expect(await auth.authenticateToken(`${h}.${theirs.split('.')[1]}.${theirs.split('.')[2]}`)).toBeUndefined();
    // HS256 with the public key as the secret (the classic confusion attack).
    expect(await auth.authenticateToken(`${b64({ alg: 'HS256', kid: JSON.parse(Buffer.from(h, 'base64url').toString()).kid })}.${p}.${s}`)).toBeUndefined();
    expect(await auth.authenticateToken('not-a-jwt')).toBeUndefined();
    const rsa = serviceAccountKeys(pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey));
    const rsaAuth = new ServiceAccountTokenAuthenticator({ keys: rsa, issuer: ISS, audiences: [ISS], lookups: lookups(), now: () => now * 1000 });
    expect((await rsaAuth.authenticateToken(await signToken(rsa, claims())))?.name).toBe('system:serviceaccount:ci:builder');
  });
});

describe('TokenRequest and ServiceAccount tokens against the API server', () => {
  let t: TestServer;
  const clients: RestClient[] = [];
  beforeAll(async () => { t = await startTestServer(); });
  afterAll(async () => { for (const c of clients) c.close(); await t?.close(); });
  const withToken = (token: string) => { const c = new RestClient({ server: t.url, credentials: { caData: testPki().caPem, token }, retries: 0 }); clients.push(c); return c; };
  const status = (p: Promise<unknown>) => p.then(() => 200, (e: { status?: { code?: number } }) => e.status?.code);

  it('issues a bound token that authenticates as the ServiceAccount, authorized by RBAC, revoked with its pod', async () => {
    expect((await call(t.url, 'POST', '/api/v1/namespaces', { metadata: { name: 'ci' } })).status).toBe(201);
    expect((await call(t.url, 'POST', '/api/v1/namespaces/ci/serviceaccounts', { metadata: { name: 'builder' } })).status).toBe(201);
    expect((await call(t.url, 'POST', '/api/v1/namespaces/ci/pods', pod('runner', {}, { serviceAccountName: 'builder' }))).status).toBe(201);
    const tr = await call(t.url, 'POST', '/api/v1/namespaces/ci/serviceaccounts/builder/token', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner' } },
    });
    expect(tr.status).toBe(201);
    expect(tr.body.status.expirationTimestamp).toMatch(/Z$/);
    const token: string = tr.body.status.token;
    const c = withToken(token);
    expect(await status(c.pods().list({ namespace: 'ci' }))).toBe(403);
    expect((await call(t.url, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/ci/rolebindings', {
      metadata: { name: 'builder-view' }, roleRef: { kind: 'ClusterRole', name: 'system:aggregate-to-view' }, subjects: [{ kind: 'ServiceAccount', name: 'builder' }],
    })).status).toBe(201);
    await eventually(async () => (await status(c.pods().list({ namespace: 'ci' }))) === 200);
    expect(await status(c.pods().list({ namespace: 'default' }))).toBe(403);
    const review = await call(t.url, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token } });
    expect(review.body.status).toMatchObject({ authenticated: true, user: { username: 'system:serviceaccount:ci:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'] } });
    expect((await call(t.url, 'DELETE', '/api/v1/namespaces/ci/pods/runner?gracePeriodSeconds=0')).status).toBe(200);
    await eventually(async () => (await status(c.pods().list({ namespace: 'ci' }))) === 401);
    expect((await call(t.url, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token } })).body.status).toMatchObject({ authenticated: false });
  });

  it('a deleted ServiceAccount revokes its tokens; requests are validated with Kubernetes\' words', async () => {
    expect((await call(t.url, 'POST', '/api/v1/namespaces/ci/serviceaccounts', { metadata: { name: 'temp' } })).status).toBe(201);
    const tr = await call(t.url, 'POST', '/api/v1/namespaces/ci/serviceaccounts/temp/token', { spec: {} });
    expect(tr.status).toBe(201);
    const c = withToken(tr.body.status.token);
    expect(await status(c.pods().list({ namespace: 'ci' }))).toBe(403);
    expect((await call(t.url, 'DELETE', '/api/v1/namespaces/ci/serviceaccounts/temp')).status).toBe(200);
    await eventually(async () => (await status(c.pods().list({ namespace: 'ci' }))) === 401);
    const short = await call(t.url, 'POST', '/api/v1/namespaces/ci/serviceaccounts/builder/token', { spec: { expirationSeconds: 60 } });
    expect(short.status).toBe(422);
    expect(short.body.message).toContain('spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    expect((await call(t.url, 'POST', '/api/v1/namespaces/ci/serviceaccounts/nobody/token', { spec: {} })).status).toBe(404);
    expect((await call(t.url, 'POST', '/api/v1/namespaces/ci/serviceaccounts/builder/token', { spec: { boundObjectRef: { kind: 'Pod', name: 'gone' } } })).status).toBe(404);
  });

  it('a kubelet gets tokens only for pods bound to its node', async () => {
    const pki = testPki();
    const ca = await loadCertificateAuthority({ cert: pki.caFile, key: pki.caFile.replace(/\.crt$/, '.key') });
    const cert = await issueCertificate(ca, { subject: { commonName: 'system:node:n1', organizations: ['system:nodes'] }, usages: ['digital signature', 'client auth'] });
    const kubelet = new RestClient({ server: t.url, credentials: { caData: pki.caPem, certData: cert.certPem, keyData: cert.keyPem }, retries: 0 });
    clients.push(kubelet);
    for (const [name, nodeName] of [['mine', 'n1'], ['theirs', 'n2']]) {
      expect((await call(t.url, 'POST', '/api/v1/namespaces/ci/pods', pod(name!, {}, { serviceAccountName: 'builder', nodeName }))).status).toBe(201);
    }
    const ask = (podName: string) => kubelet.request('POST', '/api/v1/namespaces/ci/serviceaccounts/builder/token', { body: { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: podName } } } });
    await eventually(async () => (await status(ask('mine'))) === 200);
    const e = await ask('theirs').catch((x: { status: unknown }) => x.status);
    expect(e).toMatchObject({ code: 403, message: 'serviceaccounts "builder" is forbidden: node requested token bound to a pod scheduled on a different node' });
    // …and none for a ServiceAccount none of its pods run as.
    expect((await call(t.url, 'POST', '/api/v1/namespaces/ci/serviceaccounts', { metadata: { name: 'other' } })).status).toBe(201);
    expect(await status(kubelet.request('POST', '/api/v1/namespaces/ci/serviceaccounts/other/token', { body: { spec: {} } }))).toBe(403);
  });
});
