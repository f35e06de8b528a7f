// One test PKI for the whole run, the shared TLS fixture every harness uses: a CA, a serving
// certificate for loopback (the API server's, and each test kubelet's), an admin client
// certificate (O=system:masters), the API server's client certificate for kubelets, and a
// kubeconfig carrying the admin's credentials. Made once by vitest's globalSetup
// (test/support/global-setup.ts: makeTestPki) into a temp dir that is removed after the run,
// and read synchronously here by any test worker (so process harnesses can stay synchronous).
//
//   const pki = testPki();
//   procs.start(['scheduler', '--server', url, ...pki.clientFlags]);
//   new RestClient({ server: url, credentials: pki.credentials });
//   await pki.fetch(`${url}/api/v1/pods`);
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { inject } from 'vitest';
import type { ClientCredentials } from '../../client/credentials.js';

export interface PemPair {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

export interface TestPki {
  dir: string;
  caFile: string;
  caPem: string;
  /** Serving certificate for 127.0.0.1, ::1 and localhost (API servers and kubelets in tests). */
  serving: PemPair;
  /** CN=skiff-test-admin, O=system:masters. */
  admin: PemPair;
  /** The API server's client certificate towards kubelets (O=system:masters). */
  kubeletClient: PemPair;
  /** A kubeconfig with the CA and the admin's certificate; its server is a placeholder that --server replaces. */
  kubeconfig: string;
  /** `skiff apiserver` flags: serve with `serving`, verify clients against the CA. */
  apiserverFlags: string[];
  /** Component flags (controller-manager, scheduler, kubelet): the admin kubeconfig. */
  clientFlags: string[];
  /** `skiff kubelet` flags: serve with `serving`, accept the API server's client certificate. */
  kubeletServingFlags: string[];
  /** The admin's credentials for RestClient. */
  credentials: ClientCredentials;
  /** A keep-alive agent trusting the CA and presenting the admin certificate. */
  agent: https.Agent;
  /** Write a kubeconfig for `server` with the test admin's credentials (file paths into the PKI dir); returns `file`. */
  writeKubeconfig(file: string, server: string, namespace?: string): string;
  /**
   * Copies of the kubelet's files (admin kubeconfig with inline credentials, serving
   * certificate and key, CA) in `dir`, owned by `uid` — for a kubelet run as another user,
   * who cannot read the PKI dir; returns its flags (the --kubeconfig and serving flags).
   */
  kubeletFilesFor(dir: string, uid: number, gid: number): string[];
  /** fetch() over that agent (node's fetch cannot take a CA): a real Response. */
  fetch(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Response>;
}

const NAMES = { ca: 'ca', serving: 'serving', admin: 'admin', kubeletClient: 'apiserver-kubelet-client' } as const;

/** globalSetup: make the PKI into a fresh temp dir; returns the dir. */
export async function makeTestPki(): Promise<string> {
  const pki = await import('../../pki/index.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-test-pki-'));
  const ca = await pki.createCertificateAuthority('skiff-test-ca');
  pki.writeCertKeyFiles(pki.pairPaths(dir, NAMES.ca), ca);
  pki.writeCertKeyFiles(pki.pairPaths(dir, NAMES.serving), await pki.issueCertificate(ca, {
    subject: { commonName: 'skiff-test-serving' }, usages: ['digital signature', 'key encipherment', 'server auth'],
    dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'],
  }));
  pki.writeCertKeyFiles(pki.pairPaths(dir, NAMES.admin), await pki.issueCertificate(ca, {
    subject: { commonName: 'skiff-test-admin', organizations: ['system:masters'] }, usages: ['digital signature', 'key encipherment', 'client auth'],
  }));
  pki.writeCertKeyFiles(pki.pairPaths(dir, NAMES.kubeletClient), await pki.issueCertificate(ca, {
    subject: { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'] }, usages: ['digital signature', 'key encipherment', 'client auth'],
  }));
  return dir;
}

let cached: TestPki | undefined;

/** The run's test PKI (globalSetup made it; SKIFF_TEST_PKI names it for processes outside vitest). */
export function testPki(): TestPki {
  if (cached) return cached;
  const dir = process.env.SKIFF_TEST_PKI ?? inject('skiffTestPki');
  if (!dir || !fs.existsSync(dir)) throw new Error('the test PKI is missing: run tests through vitest (its globalSetup makes it)');
  const pair = (name: string): PemPair => {
    const certFile = path.join(dir, `${name}.crt`);
    const keyFile = path.join(dir, `${name}.key`);
    return { certFile, keyFile, certPem: fs.readFileSync(certFile, 'utf8'), keyPem: fs.readFileSync(keyFile, 'utf8') };
  };
  const caFile = path.join(dir, `${NAMES.ca}.crt`);
  const caPem = fs.readFileSync(caFile, 'utf8');
  const serving = pair(NAMES.serving);
  const admin = pair(NAMES.admin);
  const kubeletClient = pair(NAMES.kubeletClient);
  const kubeconfig = path.join(dir, 'admin.kubeconfig');
  if (!fs.existsSync(kubeconfig)) {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const tmp = `${kubeconfig}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, [
      'apiVersion: v1', 'kind: Config', 'current-context: test', 'preferences: {}',
      'clusters:', '- name: test', '  cluster:', '    server: https://127.0.0.1:6443', `    certificate-authority-data: ${b64(caPem)}`,
      'contexts:', '- name: test', '  context: { cluster: test, user: admin }',
      'users:', '- name: admin', '  user:', `    client-certificate-data: ${b64(admin.certPem)}`, `    client-key-data: ${b64(admin.keyPem)}`, '',
    ].join('\n'), { mode: 0o600 });
    fs.renameSync(tmp, kubeconfig);
  }
  const agent = new https.Agent({ keepAlive: true, ca: caPem, cert: admin.certPem, key: admin.keyPem });
  cached = {
    dir, caFile, caPem, serving, admin, kubeletClient, kubeconfig,
    apiserverFlags: ['--tls-cert-file', serving.certFile, '--tls-private-key-file', serving.keyFile, '--client-ca-file', caFile],
    clientFlags: ['--kubeconfig', kubeconfig],
    kubeletServingFlags: ['--tls-cert-file', serving.certFile, '--tls-private-key-file', serving.keyFile, '--client-ca-file', caFile],
    credentials: { caData: caPem, certData: admin.certPem, keyData: admin.keyPem },
    agent,
    writeKubeconfig(file, server, namespace) {
      fs.writeFileSync(file, [
        'apiVersion: v1', 'kind: Config', 'current-context: skiff', 'preferences: {}',
        'clusters:', '- name: skiff', `  cluster: { server: "${server}", certificate-authority: "${caFile}" }`,
        'contexts:', '- name: skiff', `  context: { cluster: skiff, user: skiff${namespace ? `, namespace: ${namespace}` : ''} }`,
        'users:', '- name: skiff', `  user: { client-certificate: "${admin.certFile}", client-key: "${admin.keyFile}" }`, '',
      ].join('\n'), { mode: 0o600 });
      return file;
    },
    kubeletFilesFor(dir, uid, gid) {
      const files: Record<string, string> = {
        'kubeconfig': fs.readFileSync(kubeconfig, 'utf8'), 'serving.crt': serving.certPem, 'serving.key': serving.keyPem, 'ca.crt': caPem,
      };
      for (const [name, text] of Object.entries(files)) {
        const f = path.join(dir, name);
        fs.writeFileSync(f, text, { mode: 0o600 });
        fs.chownSync(f, uid, gid);
      }
      const f = (n: string) => path.join(dir, n);
      return ['--kubeconfig', f('kubeconfig'), '--tls-cert-file', f('serving.crt'), '--tls-private-key-file', f('serving.key'), '--client-ca-file', f('ca.crt')];
    },
    fetch: (url, init = {}) => fetchWith(agent, url, init),
  };
  return cached;
}

/** A fetch-like request over an https.Agent, answered with a real Response (streamed body). */
export function fetchWith(agent: https.Agent, url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) headers['Content-Length'] = Buffer.byteLength(init.body);
    const req = https.request(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) for (const x of v) headers.append(k, x);
        else if (v !== undefined) headers.set(k, v);
      }
      const status = res.statusCode ?? 0;
      const noBody = status === 204 || status === 304 || init.method === 'HEAD';
      if (noBody) res.resume();
      resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream), { status, statusText: res.statusMessage, headers }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
