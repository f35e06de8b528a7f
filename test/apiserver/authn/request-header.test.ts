// Request-header authentication over real TLS: a front proxy's certificate (signed by the
// separate front-proxy CA, CN an allowed name) names the user in X-Remote-User/-Group/-Extra-;
// the same headers from a client-CA certificate or a bearer token are ignored; a front-proxy
// certificate is no user of its own (401), nor is one with a CN outside the allowed names; the
// ordinary client certificates keep working beside it. And the pure header reading.
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../../pki/index.js';
import { DEFAULT_REQUEST_HEADERS } from '../../../apiserver/authn/index.js';
import { userFromHeaders } from '../../../apiserver/authn/request-header.js';
import { startTestServer, type TestServer } from '../harness.js';
import { testPki } from '../../support/tls.js';

type Pair = { certPem: string; keyPem: string };
let t: TestServer;
let frontProxy: Pair;
let wrongName: Pair;
beforeAll(async () => {
  const pki = testPki();
  const ca = await createCertificateAuthority('front-proxy-ca');
  frontProxy = await issueCertificate(ca, { subject: { commonName: 'front-proxy-client' }, usages: ['digital signature', 'client auth'] });
  wrongName = await issueCertificate(ca, { subject: { commonName: 'someone-else' }, usages: ['digital signature', 'client auth'] });
  t = await startTestServer({
    tls: {
      cert: pki.serving.certPem, key: pki.serving.keyPem, clientCA: pki.caPem,
      requestHeader: { clientCA: ca.certPem, allowedNames: ['front-proxy-client'], ...DEFAULT_REQUEST_HEADERS },
    },
  });
});
afterAll(async () => {
  await t?.close();
});

const SSR = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

/** POST a SelfSubjectReview on a fresh connection: the status code and the user it names (or the Status). */
function whoami(cert: Pair | undefined, headers: Record<string, string | string[]> = {}): Promise<{ status: number; body: any }> {
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  return new Promise((resolve, reject) => {
    const req = https.request(`${t.url}${SSR}`, {
      method: 'POST', ca: testPki().caPem, agent: false, ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}),
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const HEADERS = { 'X-Remote-User': 'alice', 'X-Remote-Group': ['dev', 'qa'], 'X-Remote-Extra-Scopes': ['read', 'write'], 'X-Remote-Extra-Acme.com%2Fproject': 'p1' };

describe('request-header authentication', () => {
  it('a front proxy\'s certificate speaks for the user its headers name', async () => {
    const r = await whoami(frontProxy, HEADERS);
    expect(r.status).toBe(201);
    expect(r.body.status.userInfo).toEqual({ username: 'alice', groups: ['dev', 'qa', 'system:authenticated'], extra: { scopes: ['read', 'write'], 'acme.com/project': ['p1'] } });
  });

  it('ignores the headers from anyone else: a client-CA certificate is its own user, a bearer token or nothing is no one', async () => {
    const admin = testPki().admin;
    const r = await whoami(admin, HEADERS);
    expect(r.status).toBe(201);
    expect(r.body.status.userInfo.username).toBe('skiff-test-admin');
    expect((await whoami(undefined, HEADERS)).status).toBe(401);
    expect((await whoami(undefined, { ...HEADERS, Authorization: 'Bearer not-a-token' })).status).toBe(401);
  });

  it('a front-proxy certificate is no user of its own, and one whose CN is not allowed names nobody: 401 Status', async () => {
    for (const r of [await whoami(frontProxy), await whoami(wrongName, HEADERS)]) {
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    }
  });
});

describe('userFromHeaders', () => {
  const o = DEFAULT_REQUEST_HEADERS;
  it('takes the first username header with a value, every group, extras by lower-cased unescaped key', () => {
    expect(userFromHeaders({ 'x-remote-user': ['bob'], 'x-remote-group': ['a', 'b'], 'x-remote-extra-foo%2fbar': ['1'], 'x-remote-extra-': ['ignored'] }, o))
      .toEqual({ name: 'bob', groups: ['a', 'b'], extra: { 'foo/bar': ['1'] } });
    expect(userFromHeaders({ 'x-a': [''], 'x-b': ['carol'] }, { ...o, usernameHeaders: ['X-A', 'X-B'] })).toEqual({ name: 'carol', groups: [] });
  });
  it('names nobody without a username', () => {
    expect(userFromHeaders({ 'x-remote-group': ['system:masters'] }, o)).toBeUndefined();
    expect(userFromHeaders({ 'x-remote-user': ['  '] }, o)).toBeUndefined();
  });
});
