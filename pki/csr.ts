// PKCS#10 certificate signing requests: what `skiff join` and `skiff kubeconfig create` send
// in a certificates.k8s.io CertificateSigningRequest (spec.request, base64 of this PEM), and
// what the signer reads back — its signature checked, so nobody gets a certificate for a key
// they do not hold — before it issues a certificate with the request's subject and names.
import 'reflect-metadata'; // see certificates.ts
import * as x509 from '@peculiar/x509';
import net from 'node:net';
import { signCertificate, type CertificateAuthority, type IssueRequest, type Subject } from './certificates.js';
import { signingAlgorithm, type CryptoKeyPair } from './keys.js';

export interface CertificateRequestInfo {
  subject: Subject;
  dnsNames: string[];
  ipAddresses: string[];
  publicKey: x509.PublicKey;
}

/** A CSR for `keys` (PEM "CERTIFICATE REQUEST"), with SANs when given. */
export async function createCertificateRequest(keys: CryptoKeyPair, subject: Subject, names: { dnsNames?: string[]; ipAddresses?: string[] } = {}): Promise<string> {
  for (const ip of names.ipAddresses ?? []) if (!net.isIP(ip)) throw new Error(`invalid IP address "${ip}" for a certificate request`);
  const sans = [
    ...(names.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(names.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [...(subject.organizations ?? []).map((o) => ({ O: [o] })), { CN: [subject.commonName] }],
    keys,
    signingAlgorithm: signingAlgorithm(keys.privateKey),
    extensions: sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : [],
  });
  return csr.toString('pem');
}

/** Parse a CSR and check its self-signature; throws a plain message for anything else. */
export async function parseCertificateRequest(pem: string | Buffer): Promise<CertificateRequestInfo> {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(text)) throw new Error('not a PEM certificate request (want "-----BEGIN CERTIFICATE REQUEST-----")');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(text);
  } catch (e) {
    throw new Error(`malformed certificate request: ${(e as Error).message}`);
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch {
    valid = false;
  }
  if (!valid) throw new Error('the certificate request signature does not verify');
  const san = csr.extensions.find((e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension);
  const names = san?.names.toJSON() ?? [];
  return {
    subject: { commonName: csr.subjectName.getField('CN')[0] ?? '', organizations: csr.subjectName.getField('O') },
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    publicKey: csr.publicKey,
  };
}

/** Issue the certificate a CSR asks for: its subject and names, the signer's usages and validity. */
export async function signCertificateRequest(
  ca: CertificateAuthority,
  req: CertificateRequestInfo,
  opts: Pick<IssueRequest, 'usages' | 'notBefore' | 'notAfter' | 'validityMs'>,
): Promise<string> {
  return signCertificate(ca, req.publicKey, { subject: req.subject, dnsNames: req.dnsNames, ipAddresses: req.ipAddresses, ...opts });
}
