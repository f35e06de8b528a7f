// X.509 certificates of a cluster: a self-signed CA, and certificates it issues for servers
// (with DNS and IP subject alternative names) and for clients (CN = user, O = groups, the way
// Kubernetes' x509 authenticator reads them). Built with @peculiar/x509 on WebCrypto; node:tls
// (OpenSSL) and Go (kubectl) verify what comes out.
import 'reflect-metadata'; // @peculiar/x509's dependency injection (tsyringe) needs it loaded first
import * as x509 from '@peculiar/x509';
import { createHash, KeyObject, X509Certificate as NodeX509Certificate } from 'node:crypto';
import net from 'node:net';
import { generateKeyPair, privateKeyToPem, signingAlgorithm, type CryptoKey, type CryptoKeyPair } from './keys.js';

/** certificates.k8s.io's key usage words (the subset TLS uses). */
export const KEY_USAGES = ['digital signature', 'key encipherment', 'cert sign', 'server auth', 'client auth'] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];

/** What Kubernetes reads from a client certificate: CN is the user name, each O a group. */
export interface Subject {
  commonName: string;
  organizations?: string[];
}

export interface CertificateAuthority {
  cert: x509.X509Certificate;
  certPem: string;
  keys: CryptoKeyPair;
}

export interface IssueRequest {
  subject: Subject;
  usages: KeyUsage[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Defaults: 5 minutes ago (clock skew between machines, as the CSR signer backdates). */
  notBefore?: Date;
  /** Default: notBefore + validityMs. */
  notAfter?: Date;
  /** Default: one year, like kubeadm's leaf certificates. */
  validityMs?: number;
}

export const CA_VALIDITY_MS = 10 * 365 * 24 * 3600_000;
export const LEAF_VALIDITY_MS = 365 * 24 * 3600_000;
const BACKDATE_MS = 5 * 60_000;

function subjectName(s: Subject): x509.JsonName {
  if (!s.commonName) throw new Error('a certificate needs a common name');
  return [...(s.organizations ?? []).map((o) => ({ O: [o] })), { CN: [s.commonName] }];
}

function validity(req: { notBefore?: Date; notAfter?: Date; validityMs?: number }, defaultMs: number): { notBefore: Date; notAfter: Date } {
  const notBefore = req.notBefore ?? new Date(Date.now() - BACKDATE_MS);
  const notAfter = req.notAfter ?? new Date(notBefore.getTime() + (req.validityMs ?? defaultMs));
  if (notAfter <= notBefore) throw new Error('a certificate must end after it begins');
  return { notBefore, notAfter };
}

/** A fresh self-signed CA (ECDSA P-256), valid 10 years unless told otherwise. */
export async function createCertificateAuthority(
  commonName: string,
  opts: { notBefore?: Date; notAfter?: Date; validityMs?: number } = {},
): Promise<CertificateAuthority & { keyPem: string }> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subjectName({ commonName }),
    keys,
    signingAlgorithm: signingAlgorithm(keys.privateKey),
    ...validity(opts, CA_VALIDITY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, certPem: cert.toString('pem'), keys, keyPem: await privateKeyToPem(keys.privateKey) };
}

/** A CA from its certificate and key (as read from files); throws if they do not belong together or it is no CA. */
export async function certificateAuthorityFrom(certPem: string, keys: CryptoKeyPair): Promise<CertificateAuthority> {
  const cert = new x509.X509Certificate(certPem);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) throw new Error(`certificate "${cert.subject}" is not a CA (no basicConstraints CA:TRUE)`);
  if (!new NodeX509Certificate(certPem).checkPrivateKey(KeyObject.from(keys.privateKey))) throw new Error(`the key does not belong to CA certificate "${cert.subject}"`);
  return { cert, certPem: cert.toString('pem'), keys };
}

/** Sign `publicKey` (a fresh key's, or a CSR's) into a certificate; returns its PEM. */
export async function signCertificate(ca: CertificateAuthority, publicKey: CryptoKey | x509.PublicKey, req: IssueRequest): Promise<string> {
  for (const ip of req.ipAddresses ?? []) if (!net.isIP(ip)) throw new Error(`invalid IP address "${ip}" for a certificate`);
  for (const u of req.usages) if (!(KEY_USAGES as readonly string[]).includes(u)) throw new Error(`unknown key usage "${u}"`);
  let flags = 0;
  if (req.usages.includes('digital signature')) flags |= x509.KeyUsageFlags.digitalSignature;
  if (req.usages.includes('key encipherment')) flags |= x509.KeyUsageFlags.keyEncipherment;
  if (req.usages.includes('cert sign')) flags |= x509.KeyUsageFlags.keyCertSign;
  const eku: string[] = [];
  if (req.usages.includes('server auth')) eku.push(x509.ExtendedKeyUsage.serverAuth);
  if (req.usages.includes('client auth')) eku.push(x509.ExtendedKeyUsage.clientAuth);
  const sans = [
    ...(req.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(req.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (flags) extensions.push(new x509.KeyUsagesExtension(flags, true));
  if (eku.length) extensions.push(new x509.ExtendedKeyUsageExtension(eku));
  if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey));
  const cert = await x509.X509CertificateGenerator.create({
    subject: subjectName(req.subject),
    issuer: ca.cert.subjectName,
    publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: signingAlgorithm(ca.keys.privateKey),
    ...validity(req, LEAF_VALIDITY_MS),
    extensions,
  });
  return cert.toString('pem');
}

/** A fresh key pair and a certificate for it, signed by `ca`. */
export async function issueCertificate(ca: CertificateAuthority, req: IssueRequest): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  return { certPem: await signCertificate(ca, keys.publicKey, req), keyPem: await privateKeyToPem(keys.privateKey) };
}

/** What a certificate says, for reuse decisions and messages. */
export interface CertificateInfo {
  subject: Subject;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  ipAddresses: string[];
  isCA: boolean;
}

export function describeCertificate(pem: string | Buffer): CertificateInfo {
  const cert = new x509.X509Certificate(typeof pem === 'string' ? pem : pem.toString('utf8'));
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.toJSON() ?? [];
  return {
    subject: { commonName: cert.subjectName.getField('CN')[0] ?? '', organizations: cert.subjectName.getField('O') },
    issuer: cert.issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    isCA: cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
  };
}

/** Was `certPem` signed by the CA `caPem` (its issuer name and signature both match)? */
export function isSignedBy(certPem: string | Buffer, caPem: string | Buffer): boolean {
  try {
    const cert = new NodeX509Certificate(certPem);
    const ca = new NodeX509Certificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/**
 * kubeadm's CA pin: "sha256:" + hex SHA-256 of the CA's SubjectPublicKeyInfo, what
 * `kubeadm join --discovery-token-ca-cert-hash` (and `skiff join --ca-cert-hash`) compares.
 */
export function caCertHash(caPem: string | Buffer): string {
  const spki = new NodeX509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}
