import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dump, load } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { readClientCertificate, rotationDeadline, writeClientCertificate } from '../../kubelet/certificate-manager.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-certmgr-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const kubeconfig = (user: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Config', 'current-context': 'node',
  clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443' } }],
  contexts: [{ name: 'other', context: { cluster: 'c', user: 'someone-else' } }, { name: 'node', context: { cluster: 'c', user: 'me' } }],
  users: [{ name: 'someone-else', user: { token: 'x' } }, { name: 'me', user }],
});

describe('the kubelet\'s certificate rotation', () => {
  it('renews at 70–90 % of the certificate\'s life (client-go\'s jittered deadline)', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const to = new Date('2026-01-11T00:00:00Z'); // 10 days
    expect(rotationDeadline(from, to, 0)).toBe(Date.parse('2026-01-08T00:00:00Z'));
    expect(rotationDeadline(from, to, 1)).toBe(Date.parse('2026-01-10T00:00:00Z'));
    expect(rotationDeadline(from, to, 0.5)).toBe(Date.parse('2026-01-09T00:00:00Z'));
  });

  it('replaces the current user\'s embedded certificate and key, 0600, leaving the rest as it was', () => {
    const file = path.join(dir, 'embedded.kubeconfig');
    fs.writeFileSync(file, dump(kubeconfig({ 'client-certificate-data': Buffer.from('OLD CERT').toString('base64'), 'client-key-data': Buffer.from('OLD KEY').toString('base64') })));
    expect(readClientCertificate(file)).toBe('OLD CERT');
    writeClientCertificate(file, 'NEW CERT', 'NEW KEY');
    expect(readClientCertificate(file)).toBe('NEW CERT');
    const kc = load(fs.readFileSync(file, 'utf8')) as ReturnType<typeof kubeconfig>;
    expect(kc.users[1]!.user).toEqual({ 'client-certificate-data': Buffer.from('NEW CERT').toString('base64'), 'client-key-data': Buffer.from('NEW KEY').toString('base64') });
    expect(kc.users[0]!.user).toEqual({ token: 'x' });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('writes into the files a kubeconfig names (relative to it)', () => {
    const file = path.join(dir, 'files.kubeconfig');
    fs.writeFileSync(path.join(dir, 'node.crt'), 'OLD CERT');
    fs.writeFileSync(path.join(dir, 'node.key'), 'OLD KEY');
    fs.writeFileSync(file, dump(kubeconfig({ 'client-certificate': 'node.crt', 'client-key': 'node.key' })));
    writeClientCertificate(file, 'NEW CERT', 'NEW KEY');
    expect(fs.readFileSync(path.join(dir, 'node.crt'), 'utf8')).toBe('NEW CERT');
    expect(fs.readFileSync(path.join(dir, 'node.key'), 'utf8')).toBe('NEW KEY');
    expect(fs.statSync(path.join(dir, 'node.key')).mode & 0o777).toBe(0o600);
    expect(readClientCertificate(file)).toBe('NEW CERT');
  });
});

describe('serving certificate rotation beside --tls-cert-file (skiff up\'s kubelets)', () => {
  it('serves the given pair until a longer-lived rotated one exists, and renews from the given one when none does', async () => {
    const { createCertificateAuthority, issueCertificate } = await import('../../pki/index.js');
    const { kubeletServingTLS } = await import('../../kubelet/serving-certs.js');
    const { servingCertificate, SERVING_CERT_FILE, SERVING_KEY_FILE } = await import('../../kubelet/certificate-manager.js');
    const ca = await createCertificateAuthority('test-ca');
    const want = (days: number) => ({ subject: { commonName: 'n1' }, usages: ['server auth' as const], dnsNames: ['n1'], validityMs: days * 24 * 3600_000 });
    const given = await issueCertificate(ca, want(30));
    const certDir = path.join(dir, 'serving-pki');
    fs.mkdirSync(certDir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'given.crt'), given.certPem);
    fs.writeFileSync(path.join(dir, 'given.key'), given.keyPem);
    const flags = { certFile: path.join(dir, 'given.crt'), keyFile: path.join(dir, 'given.key'), certDir, nodeName: 'n1', address: '127.0.0.1', preferClusterSigned: true };
    const managed = servingCertificate({ certDir, nodeName: 'n1', address: '127.0.0.1', use: () => undefined, initialPem: given.certPem });

    // Nothing rotated yet: the given pair serves, and its renewal is scheduled from it (not asked at once).
    expect((await kubeletServingTLS(flags)).cert.toString()).toBe(given.certPem);
    expect(managed.current()).toBe(given.certPem);
    // A renewal stored by an earlier run that outlasts the given pair serves instead.
    const rotated = await issueCertificate(ca, want(60));
    managed.store(rotated.certPem, rotated.keyPem);
    expect(fs.readFileSync(path.join(certDir, SERVING_KEY_FILE), 'utf8')).toBe(rotated.keyPem);
    expect((await kubeletServingTLS(flags)).cert.toString()).toBe(rotated.certPem);
    expect(managed.current()).toBe(rotated.certPem);
    // A pair issued anew since (skiff up reissues its own) that outlasts the renewal wins.
    const reissued = await issueCertificate(ca, want(90));
    fs.writeFileSync(flags.certFile, reissued.certPem);
    fs.writeFileSync(flags.keyFile, reissued.keyPem);
    expect((await kubeletServingTLS(flags)).cert.toString()).toBe(reissued.certPem);
    expect(fs.existsSync(path.join(certDir, SERVING_CERT_FILE))).toBe(true);
  });
});
