// CertificateSigningRequests end to end against real `skiff apiserver` and
// `skiff controller-manager` processes: `skiff kubeconfig create` issues a user a certificate
// the real kubectl then uses (RBAC decides what it may do); approval needs the approve verb;
// a bootstrap user's kubelet request is approved automatically and signed; a request breaking
// the signer's rules fails.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateSigningRequest } from '../../../api/certificates/index.js';
import { createCertificateRequest, describeCertificate, generateKeyPair } from '../../../pki/index.js';
import { RestClient } from '../../../client/rest.js';
import { requestCertificate } from '../../../client/certificate-request.js';
import { buildConfigFromFlags } from '../../../client/kubeconfig.js';
import { CertificateManager, clientCertificate, readClientCertificate } from '../../../kubelet/certificate-manager.js';
import { Cluster, SKIFF, waitFor } from './cluster.js';
import { testPki } from '../../support/tls.js';
import { KUBECTL } from '../../e2e/kubectl.js';

const c = new Cluster();
let dir: string;
let admin: string;
beforeAll(async () => {
  dir = c.tempDir('skiff-csr-');
  await c.apiserver();
  const pki = testPki();
  c.controllerManager(['--leader-elect=false', '--cluster-signing-cert-file', pki.caFile, '--cluster-signing-key-file', pki.caFile.replace(/\.crt$/, '.key')]);
  admin = pki.writeKubeconfig(path.join(dir, 'admin.kubeconfig'), c.url);
}, 60_000);
afterAll(() => c.stopAll());

const run = async (cmd: string, args: string[]) => {
  try {
    const r = await promisify(execFile)(cmd, args, { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
};
const csrBody = (name: string, request: string, signerName: string, usages = ['digital signature', 'client auth']) => ({
  apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
  spec: { request: Buffer.from(request).toString('base64'), signerName, usages },
});

describe('CertificateSigningRequests', () => {
  it('skiff kubeconfig create: a view user lists pods but may not delete them, as kubectl auth can-i says', async () => {
    const out = path.join(dir, 'jane.kubeconfig');
    const made = await run(process.execPath, [SKIFF, 'kubeconfig', 'create', 'jane', '--group', 'dev', '--ttl', '2h', '--kubeconfig', admin, '--output', out]);
    expect(made).toMatchObject({ code: 0 });
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    const who = JSON.parse((await run(KUBECTL, ['--kubeconfig', out, 'auth', 'whoami', '-o', 'json'])).stdout);
    expect(who.status.userInfo).toEqual({ username: 'jane', groups: ['dev', 'system:authenticated'] });
    const kc = load(fs.readFileSync(out, 'utf8')) as { users: { user: Record<string, string> }[] };
    const cert = describeCertificate(Buffer.from(kc.users[0]!.user['client-certificate-data']!, 'base64').toString('utf8'));
    expect(cert.notAfter.getTime() - Date.now()).toBeLessThanOrEqual(2 * 3600_000 + 60_000);
    expect((await run(KUBECTL, ['--kubeconfig', out, 'get', 'pods'])).stderr).toContain('User "jane" cannot list resource "pods"');
    expect((await run(KUBECTL, ['--kubeconfig', admin, 'create', 'rolebinding', 'jane-view', '--clusterrole=view', '--user=jane', '-n', 'default'])).code).toBe(0);
    await waitFor(async () => (await run(KUBECTL, ['--kubeconfig', out, 'auth', 'can-i', 'list', 'pods'])).stdout === 'yes\n', 30_000, () => 'jane may list pods (view aggregated)');
    expect((await run(KUBECTL, ['--kubeconfig', out, 'get', 'pods'])).code).toBe(0);
    expect(await run(KUBECTL, ['--kubeconfig', out, 'auth', 'can-i', 'delete', 'pods'])).toMatchObject({ code: 1, stdout: 'no\n' });
    // jane cannot approve her own way to more: approving needs the approve verb on the signer.
    const keys = await generateKeyPair();
    const more = csrBody('jane-admin', await createCertificateRequest(keys, { commonName: 'jane', organizations: ['system:masters'] }), 'kubernetes.io/kube-apiserver-client');
    expect((await run(KUBECTL, ['--kubeconfig', admin, 'create', 'clusterrole', 'csr-rw', '--verb=create,get,list,update', '--resource=certificatesigningrequests,certificatesigningrequests/approval'])).code).toBe(0);
    expect((await run(KUBECTL, ['--kubeconfig', admin, 'create', 'clusterrolebinding', 'jane-csr', '--clusterrole=csr-rw', '--user=jane'])).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'more.json'), JSON.stringify(more));
    await waitFor(async () => (await run(KUBECTL, ['--kubeconfig', out, 'create', '-f', path.join(dir, 'more.json')])).code === 0, 30_000, () => 'jane creates a CSR');
    const approve = await run(KUBECTL, ['--kubeconfig', out, 'certificate', 'approve', 'jane-admin']);
    expect(approve.code).toBe(1);
    expect(approve.stderr).toContain('user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"');
  });

  it('a join token (skiff token create) authenticates a bootstrap user whose kubelet request is approved and signed; a bad one fails; a deleted token is refused', async () => {
    const pki = testPki();
    const made = await run(process.execPath, [SKIFF, 'token', 'create', '--ttl', '1h', '--description', 'for n9', '--kubeconfig', admin]);
    expect(made.code).toBe(0);
    const m = /^skiff join (\S+) --token ([a-z0-9]{6})\.([a-z0-9]{16}) --ca-cert-hash (sha256:[0-9a-f]{64})\n$/.exec(made.stdout)!;
    expect(m[1]).toBe(c.url);
    const token = `${m[2]}.${m[3]}`;
    const listed = await run(process.execPath, [SKIFF, 'token', 'list', '--kubeconfig', admin]);
    expect(listed.stdout).toMatch(new RegExp(`^${m[2]}\\.<secret>\\s+(59m|1h)\\S*\\s+\\S+Z\\s+authentication,signing\\s+for n9\\s+system:bootstrappers:skiff:default-node-token$`, 'm'));
    expect(listed.stdout).not.toContain(m[3]);
    const bootstrap = new RestClient({ server: c.url, credentials: { caData: pki.caPem, token }, retries: 0 });
    try {
      const csrs = bootstrap.resource<CertificateSigningRequest>('CertificateSigningRequest');
      const keys = await generateKeyPair();
      await csrs.create(csrBody('node-n9', await createCertificateRequest(keys, { commonName: 'system:node:n9', organizations: ['system:nodes'] }), 'kubernetes.io/kube-apiserver-client-kubelet') as never);
      const signed = await waitFor(async () => { const x = await csrs.get('node-n9'); return x.status?.certificate ? x : undefined; }, 30_000, () => 'node-n9 signed');
      expect(signed.spec.username).toBe(`system:bootstrap:${m[2]}`);
      expect(signed.spec.groups).toEqual(['system:bootstrappers', 'system:bootstrappers:skiff:default-node-token', 'system:authenticated']);
      expect(await bootstrap.pods().list({ namespace: 'default' }).catch((e: { status: { code: number } }) => e.status.code)).toBe(403);
      expect(signed.status!.conditions).toEqual([expect.objectContaining({ type: 'Approved', reason: 'AutoApproved' })]);
      const cert = describeCertificate(Buffer.from(signed.status!.certificate!, 'base64').toString('utf8'));
      expect(cert.subject).toMatchObject({ commonName: 'system:node:n9', organizations: ['system:nodes'] });
      // O=system:masters is never auto-approved; an admin approving it anyway gets a Failed condition, no certificate.
      await csrs.create(csrBody('node-evil', await createCertificateRequest(keys, { commonName: 'system:node:n9', organizations: ['system:masters'] }), 'kubernetes.io/kube-apiserver-client-kubelet') as never);
      expect(await run(KUBECTL, ['--kubeconfig', admin, 'certificate', 'approve', 'node-evil'])).toMatchObject({ code: 0, stdout: 'certificatesigningrequest.certificates.k8s.io/node-evil approved\n' });
      const failed = await waitFor(async () => { const x = await csrs.get('node-evil'); return x.status?.conditions?.find((k) => k.type === 'Failed'); }, 30_000, () => 'node-evil failed');
      expect(failed.message).toContain('exactly ["system:nodes"]');
      expect((await csrs.get('node-evil')).status?.certificate).toBeUndefined();
      expect((await run(process.execPath, [SKIFF, 'token', 'delete', token, '--kubeconfig', admin])).stdout).toBe(`bootstrap token "${m[2]}" deleted\n`);
      await waitFor(async () => (await csrs.list().catch((e: { status: { code: number } }) => e.status.code)) === 401, 30_000, () => 'the deleted token refused');
    } finally {
      bootstrap.close();
    }
  });

  it('a kubelet renews its client certificate: a CSR under its own identity, approved as selfnodeclient, written into its kubeconfig (0600), used at once', async () => {
    const node = 'renewing-node';
    const kubeconfig = path.join(dir, 'node.kubeconfig');
    expect((await run(process.execPath, [SKIFF, 'kubeconfig', 'create', `system:node:${node}`, '--group', 'system:nodes', '--ttl', '1h', '--kubeconfig', admin, '--output', kubeconfig])).code).toBe(0);
    const before = readClientCertificate(kubeconfig)!;
    const client = new RestClient({ ...buildConfigFromFlags({ kubeconfig }), retries: 0 });
    const logs: string[] = [];
    try {
      const manager = new CertificateManager({ client, nodeName: node, certificate: clientCertificate(client, kubeconfig), log: (l) => logs.push(l) });
      const renewed = await manager.rotate();
      expect(readClientCertificate(kubeconfig)).toBe(renewed);
      expect(renewed).not.toBe(before);
      expect(fs.statSync(kubeconfig).mode & 0o777).toBe(0o600);
      const info = describeCertificate(renewed);
      expect(info.subject).toEqual({ commonName: `system:node:${node}`, organizations: ['system:nodes'] });
      expect(info.notAfter.getTime()).toBeGreaterThan(describeCertificate(before).notAfter.getTime());
      const csr = (await client.resource<CertificateSigningRequest>('CertificateSigningRequest').list()).items.find((x) => x.spec.username === `system:node:${node}`);
      expect(csr?.spec.signerName).toBe('kubernetes.io/kube-apiserver-client-kubelet');
      expect(csr?.status?.conditions).toEqual([expect.objectContaining({ type: 'Approved', reason: 'AutoApproved' })]);
      // The client now presents the new certificate, and kubectl with the rewritten kubeconfig is the same node.
      expect((await client.resource<CertificateSigningRequest>('CertificateSigningRequest').get(csr!.metadata.name!)).metadata.name).toBe(csr!.metadata.name);
      const who = JSON.parse((await run(KUBECTL, ['--kubeconfig', kubeconfig, 'auth', 'whoami', '-o', 'json'])).stdout);
      expect(who.status.userInfo.username).toBe(`system:node:${node}`);
      expect(logs.some((l) => l.startsWith('certificate rotation: using a new client certificate'))).toBe(true);
    } finally {
      client.close();
    }
  });

  it('a node gets the node proxy\'s certificate (CN system:kube-proxy) renewed as itself: approved as selfnodeclient and signed', async () => {
    const node = 'proxy-renewing-node';
    const kubeconfig = path.join(dir, 'proxy-node.kubeconfig');
    expect((await run(process.execPath, [SKIFF, 'kubeconfig', 'create', `system:node:${node}`, '--group', 'system:nodes', '--ttl', '1h', '--kubeconfig', admin, '--output', kubeconfig])).code).toBe(0);
    const client = new RestClient({ ...buildConfigFromFlags({ kubeconfig }), retries: 0 });
    try {
      const keys = await generateKeyPair();
      const certPem = await requestCertificate(client, {
        requestPem: await createCertificateRequest(keys, { commonName: 'system:kube-proxy' }), signerName: 'kubernetes.io/kube-apiserver-client',
        usages: ['digital signature', 'client auth'], generateName: 'node-proxier-csr-', timeoutMs: 60_000,
      });
      expect(describeCertificate(certPem).subject).toEqual({ commonName: 'system:kube-proxy', organizations: [] });
      const csr = (await client.resource<CertificateSigningRequest>('CertificateSigningRequest').list()).items.find((x) => x.spec.username === `system:node:${node}`);
      expect(csr?.status?.conditions).toEqual([expect.objectContaining({ type: 'Approved', reason: 'AutoApproved', message: 'Auto approving node proxier client certificate after SubjectAccessReview.' })]);
    } finally {
      client.close();
    }
  });

  it('refuses malformed requests with Kubernetes\' words', async () => {
    const admin2 = new RestClient({ server: c.url, credentials: testPki().credentials, retries: 0 });
    try {
      const e = await admin2.resource('CertificateSigningRequest').create({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'junk' }, spec: { request: Buffer.from('hello').toString('base64'), signerName: 'nope', usages: [] } } as never).catch((x: { status: unknown }) => x.status);
      expect(e).toMatchObject({ code: 422, message: expect.stringContaining('spec.request: Invalid value') });
      expect((e as { message: string }).message).toContain('spec.signerName: Invalid value: "nope"');
    } finally {
      admin2.close();
    }
  });
});
