// The certificate room against real TLS: node:tls (OpenSSL) verifies what pki/ issues, in
// both directions (server certificates with IP/DNS SANs, client certificates with CN/O), and
// openssl reads the files, keys and CSRs it writes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import {
  caCertHash, createCertificateAuthority, createCertificateRequest, describeCertificate, ensureCertificate, ensureCertificateAuthority,
  generateKeyPair, isSignedBy, issueCertificate, loadCertificateAuthority, pairPaths, parseCertificateRequest, reissueReason,
  signCertificateRequest, writeCertKeyFiles, type CertificateInfo,
} from '../../pki/index.js';
import { TempDirs } from '../support/temp.js';

const temp = new TempDirs();
afterAll(() => temp.removeAll());

/** A TLS handshake between a server and a client built from the given options; what each side saw. */
async function handshake(server: tls.TlsOptions, client: tls.ConnectionOptions): Promise<{ ok: boolean; error?: string; peer?: tls.PeerCertificate; authorized?: boolean; authorizationError?: string }> {
  const srv = tls.createServer(server);
  const seen = new Promise<{ peer: tls.PeerCertificate; authorized: boolean; authorizationError?: string }>((resolve) => {
    srv.on('secureConnection', (s) => {
      resolve({ peer: s.getPeerCertificate(), authorized: s.authorized, authorizationError: s.authorizationError ? String(s.authorizationError) : undefined });
      s.end('hi');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  try {
    const result = await new Promise<{ ok: boolean; error?: string }>((resolve) => {
      const sock = tls.connect({ host: '127.0.0.1', port, ...client }, () => {
        sock.once('data', () => { sock.end(); resolve({ ok: true }); });
      });
      sock.once('error', (e) => resolve({ ok: false, error: (e as NodeJS.ErrnoException).code ?? e.message }));
    });
    if (!result.ok) return result;
    return { ...result, ...(await seen) };
  } finally {
    srv.close();
  }
}

describe('pki: certificates node:tls verifies', () => {
  it('a server certificate verifies by IP and DNS SAN against its CA, and not against another CA', async () => {
    const ca = await createCertificateAuthority('test-ca');
    const other = await createCertificateAuthority('other-ca');
    const srv = await issueCertificate(ca, { subject: { commonName: 'kube-apiserver' }, usages: ['digital signature', 'key encipherment', 'server auth'], dnsNames: ['localhost', 'kubernetes'], ipAddresses: ['127.0.0.1'] });
    const serverOpts = { cert: srv.certPem, key: srv.keyPem };
    expect(await handshake(serverOpts, { ca: ca.certPem })).toMatchObject({ ok: true });
    expect(await handshake(serverOpts, { ca: ca.certPem, servername: 'kubernetes' })).toMatchObject({ ok: true });
    expect(await handshake(serverOpts, { ca: ca.certPem, servername: 'elsewhere.example' })).toMatchObject({ ok: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(await handshake(serverOpts, { ca: other.certPem })).toMatchObject({ ok: false, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('a client certificate carries CN and every O, and the server verifies it against the client CA', async () => {
    const ca = await createCertificateAuthority('test-ca');
    const srv = await issueCertificate(ca, { subject: { commonName: 'srv' }, usages: ['digital signature', 'server auth'], ipAddresses: ['127.0.0.1'] });
    const user = await issueCertificate(ca, { subject: { commonName: 'jane', organizations: ['dev', 'system:masters'] }, usages: ['digital signature', 'client auth'] });
    const r = await handshake(
      { cert: srv.certPem, key: srv.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false },
      { ca: ca.certPem, cert: user.certPem, key: user.keyPem },
    );
    expect(r.ok).toBe(true);
    expect(r.authorized).toBe(true);
    expect(r.peer?.subject.CN).toBe('jane');
    expect(r.peer?.subject.O).toEqual(['dev', 'system:masters']);
  });

  it('an expired, a not-yet-valid and a server-only certificate are refused as client certificates', async () => {
    const ca = await createCertificateAuthority('test-ca');
    const srv = await issueCertificate(ca, { subject: { commonName: 'srv' }, usages: ['digital signature', 'server auth'], ipAddresses: ['127.0.0.1'] });
    const day = 24 * 3600_000;
    const cases = {
      CERT_HAS_EXPIRED: { notBefore: new Date(Date.now() - 3 * day), notAfter: new Date(Date.now() - day), usages: ['digital signature', 'client auth'] as const },
      CERT_NOT_YET_VALID: { notBefore: new Date(Date.now() + day), usages: ['digital signature', 'client auth'] as const },
      INVALID_PURPOSE: { usages: ['digital signature', 'server auth'] as const },
    };
    for (const [code, c] of Object.entries(cases)) {
      const user = await issueCertificate(ca, { subject: { commonName: 'jane' }, ...c, usages: [...c.usages] });
      const r = await handshake(
        { cert: srv.certPem, key: srv.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false },
        { ca: ca.certPem, cert: user.certPem, key: user.keyPem },
      );
      expect(r.authorized, code).toBe(false);
      expect(r.authorizationError, code).toBe(code);
    }
  });

  it('describes a certificate and tells its issuer', async () => {
    const ca = await createCertificateAuthority('test-ca');
    const other = await createCertificateAuthority('other-ca');
    const c = await issueCertificate(ca, { subject: { commonName: 'system:node:n1', organizations: ['system:nodes'] }, usages: ['client auth'], dnsNames: ['n1'], ipAddresses: ['10.0.0.1', '::1'] });
    const info = describeCertificate(c.certPem);
    expect(info.subject).toEqual({ commonName: 'system:node:n1', organizations: ['system:nodes'] });
    expect(info.dnsNames).toEqual(['n1']);
    expect(info.ipAddresses).toEqual(['10.0.0.1', '::1']);
    expect(info.isCA).toBe(false);
    expect(describeCertificate(ca.certPem).isCA).toBe(true);
    expect(isSignedBy(c.certPem, ca.certPem)).toBe(true);
    expect(isSignedBy(c.certPem, other.certPem)).toBe(false);
    await expect(issueCertificate(ca, { subject: { commonName: 'x' }, usages: ['client auth'], ipAddresses: ['not-an-ip'] })).rejects.toThrow(/invalid IP address/);
  });

  it("caCertHash is kubeadm's pin: sha256 of the CA's public key as openssl computes it", async () => {
    const ca = await createCertificateAuthority('test-ca');
    const dir = temp.make('skiff-pki-');
    const file = path.join(dir, 'ca.crt');
    fs.writeFileSync(file, ca.certPem);
    // kubeadm's documented recipe for --discovery-token-ca-cert-hash.
    const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', file]);
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
    const { createHash } = await import('node:crypto');
    expect(caCertHash(ca.certPem)).toBe(`sha256:${createHash('sha256').update(der).digest('hex')}`);
  });
});

describe('pki: certificate signing requests', () => {
  it('a CSR round-trips: created, parsed with its signature checked, signed by the CA', async () => {
    const ca = await createCertificateAuthority('test-ca');
    const keys = await generateKeyPair();
    const pem = await createCertificateRequest(keys, { commonName: 'system:node:n2', organizations: ['system:nodes'] }, { dnsNames: ['n2'], ipAddresses: ['192.168.1.2'] });
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    // openssl agrees it is a well-formed, self-signed request.
    expect(execFileSync('openssl', ['req', '-verify', '-noout'], { input: pem, stdio: ['pipe', 'pipe', 'pipe'] }).toString() + 'ok').toMatch(/ok/);
    const req = await parseCertificateRequest(pem);
    expect(req.subject).toEqual({ commonName: 'system:node:n2', organizations: ['system:nodes'] });
    expect(req.dnsNames).toEqual(['n2']);
    expect(req.ipAddresses).toEqual(['192.168.1.2']);
    const certPem = await signCertificateRequest(ca, req, { usages: ['digital signature', 'client auth'], validityMs: 3600_000 });
    expect(isSignedBy(certPem, ca.certPem)).toBe(true);
    const info = describeCertificate(certPem);
    expect(info.subject.commonName).toBe('system:node:n2');
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(3600_000);
    // The certificate is for the requester's key: it pairs with the private key kept at home.
    const { KeyObject, X509Certificate } = await import('node:crypto');
    expect(new X509Certificate(certPem).checkPrivateKey(KeyObject.from(keys.privateKey))).toBe(true);
  });

  it('refuses a tampered CSR, a certificate instead of a CSR, and garbage', async () => {
    const keys = await generateKeyPair();
    const pem = await createCertificateRequest(keys, { commonName: 'jane' });
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    // Change the subject CN ("jane" → "root"... same length) without re-signing.
    const i = der.indexOf(Buffer.from('jane'));
    expect(i).toBeGreaterThan(0);
    Buffer.from('joan').copy(der, i);
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(parseCertificateRequest(tampered)).rejects.toThrow(/signature does not verify/);
    const ca = await createCertificateAuthority('test-ca');
    await expect(parseCertificateRequest(ca.certPem)).rejects.toThrow(/not a PEM certificate request/);
    await expect(parseCertificateRequest('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n')).rejects.toThrow(/malformed/);
  });
});

describe('pki: files', () => {
  it('writes private keys 0600 and certificates 0644; reuses a CA and a fitting certificate; reissues one that no longer fits', async () => {
    const dir = temp.make('skiff-pki-');
    const caPaths = pairPaths(path.join(dir, 'pki'), 'ca');
    const first = await ensureCertificateAuthority(caPaths, 'skiff-ca');
    expect(first.created).toBe(true);
    expect(fs.statSync(caPaths.key).mode & 0o777).toBe(0o600);
    expect(fs.statSync(caPaths.cert).mode & 0o777).toBe(0o644);
    expect(fs.statSync(path.dirname(caPaths.key)).mode & 0o777).toBe(0o700);
    const again = await ensureCertificateAuthority(caPaths, 'skiff-ca');
    expect(again.created).toBe(false);
    expect(again.ca.certPem).toBe(first.ca.certPem);
    // openssl reads the key file.
    expect(execFileSync('openssl', ['pkey', '-in', caPaths.key, '-noout', '-text']).toString()).toMatch(/ASN1 OID: prime256v1/);

    const srvPaths = pairPaths(path.join(dir, 'pki'), 'apiserver');
    const want = { subject: { commonName: 'kube-apiserver' }, usages: ['digital signature' as const, 'server auth' as const], ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] };
    expect(await ensureCertificate(srvPaths, first.ca, want)).toEqual({ issued: true, reason: 'none yet' });
    expect(fs.statSync(srvPaths.key).mode & 0o777).toBe(0o600);
    const pem = fs.readFileSync(srvPaths.cert, 'utf8');
    expect(await ensureCertificate(srvPaths, first.ca, want)).toEqual({ issued: false });
    expect(fs.readFileSync(srvPaths.cert, 'utf8')).toBe(pem);
    expect(await ensureCertificate(srvPaths, first.ca, { ...want, ipAddresses: ['127.0.0.1', '10.0.0.5'] })).toEqual({ issued: true, reason: 'does not cover 10.0.0.5' });
    const other = await createCertificateAuthority('other');
    expect(await ensureCertificate(srvPaths, other, want)).toMatchObject({ issued: true, reason: 'not issued by the current CA' });
    // A key that does not go with the certificate is replaced too.
    const stray = await issueCertificate(other, want);
    writeCertKeyFiles(srvPaths, { certPem: fs.readFileSync(srvPaths.cert, 'utf8'), keyPem: stray.keyPem });
    expect(await ensureCertificate(srvPaths, other, want)).toMatchObject({ issued: true, reason: 'the key does not match the certificate' });
  });

  it('loads an RSA CA made by openssl', async () => {
    const dir = temp.make('skiff-pki-');
    const paths = pairPaths(dir, 'ca');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', paths.key, '-out', paths.cert, '-days', '2', '-subj', '/CN=openssl-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,digitalSignature'], { stdio: 'ignore' });
    const ca = await loadCertificateAuthority(paths);
    const c = await issueCertificate(ca, { subject: { commonName: 'u' }, usages: ['client auth'] });
    expect(isSignedBy(c.certPem, ca.certPem)).toBe(true);
    const wrong = await createCertificateAuthority('x');
    fs.writeFileSync(paths.key, wrong.keyPem);
    await expect(loadCertificateAuthority(paths)).rejects.toThrow(/the key does not belong to CA certificate/);
  });

  it('reissueReason: subject, groups, names, validity', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const info: CertificateInfo = {
      subject: { commonName: 'system:node:n1', organizations: ['system:nodes'] }, issuer: 'CN=ca',
      notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z'), dnsNames: ['n1'], ipAddresses: ['127.0.0.1'], isCA: false,
    };
    const want = { subject: { commonName: 'system:node:n1', organizations: ['system:nodes'] }, usages: ['client auth' as const], dnsNames: ['n1'] };
    expect(reissueReason(info, true, want, now)).toBeUndefined();
    expect(reissueReason(info, false, want, now)).toBe('not issued by the current CA');
    expect(reissueReason(info, true, { ...want, subject: { commonName: 'system:node:n1' } }, now)).toBe('subject O is [system:nodes], want []');
    expect(reissueReason(info, true, { ...want, subject: { ...want.subject, commonName: 'system:node:n2' } }, now)).toMatch(/subject CN/);
    expect(reissueReason(info, true, want, new Date('2026-12-20T00:00:00Z'))).toMatch(/^expires/);
    expect(reissueReason(info, true, want, new Date('2025-12-01T00:00:00Z'))).toBe('not valid yet');
  });
});
