// Certificates and keys on disk: PEM files, private keys mode 0600 (certificates 0644), each
// written to a temporary file and renamed so a crash never leaves half a key; and the
// "reuse what is there if it still fits, else issue anew" rule `skiff up` applies on resume.
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  certificateAuthorityFrom, createCertificateAuthority, describeCertificate, isSignedBy, issueCertificate,
  type CertificateAuthority, type CertificateInfo, type IssueRequest,
} from './certificates.js';
import { importPrivateKeyPem } from './keys.js';

export interface CertKeyPaths {
  cert: string;
  key: string;
}

/** <dir>/<name>.crt and <dir>/<name>.key, kubeadm's naming. */
export function pairPaths(dir: string, name: string): CertKeyPaths {
  return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

function writeAtomic(file: string, data: string, mode: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data, { mode });
  fs.chmodSync(tmp, mode); // an old temp file of the same name would keep its mode
  fs.renameSync(tmp, file);
}

/** The key first (0600), then the certificate (0644): a certificate on disk always has its key. */
export function writeCertKeyFiles(paths: CertKeyPaths, pair: { certPem: string; keyPem: string }): void {
  writeAtomic(paths.key, pair.keyPem, 0o600);
  writeAtomic(paths.cert, pair.certPem, 0o644);
}

export function writeCertFile(file: string, certPem: string): void {
  writeAtomic(file, certPem, 0o644);
}

/** Both files' text, or undefined when either is missing. */
export function readCertKeyFiles(paths: CertKeyPaths): { certPem: string; keyPem: string } | undefined {
  try {
    return { certPem: fs.readFileSync(paths.cert, 'utf8'), keyPem: fs.readFileSync(paths.key, 'utf8') };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export async function loadCertificateAuthority(paths: CertKeyPaths): Promise<CertificateAuthority> {
  const pair = readCertKeyFiles(paths);
  if (!pair) throw new Error(`CA certificate ${paths.cert} or key ${paths.key} does not exist`);
  try {
    return await certificateAuthorityFrom(pair.certPem, await importPrivateKeyPem(pair.keyPem));
  } catch (e) {
    throw new Error(`CA ${paths.cert}: ${(e as Error).message}`);
  }
}

/** The CA at `paths`, created (self-signed, CN `commonName`) if there is none. */
export async function ensureCertificateAuthority(paths: CertKeyPaths, commonName: string): Promise<{ ca: CertificateAuthority; created: boolean }> {
  if (readCertKeyFiles(paths)) return { ca: await loadCertificateAuthority(paths), created: false };
  const ca = await createCertificateAuthority(commonName);
  writeCertKeyFiles(paths, ca);
  return { ca, created: true };
}

/** Renew when less than this much validity is left (or a fifth of a shorter certificate's life). */
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;

/**
 * Why an existing certificate cannot serve `want` any more, or undefined when it still can:
 * issued by this CA, same subject, every wanted name covered, and not near its end. Pure.
 */
export function reissueReason(info: CertificateInfo, signedByCA: boolean, want: IssueRequest, now = new Date()): string | undefined {
  if (!signedByCA) return 'not issued by the current CA';
  if (info.subject.commonName !== want.subject.commonName) return `subject CN is ${info.subject.commonName}, want ${want.subject.commonName}`;
  const haveOrgs = [...(info.subject.organizations ?? [])].sort().join(',');
  const wantOrgs = [...(want.subject.organizations ?? [])].sort().join(',');
  if (haveOrgs !== wantOrgs) return `subject O is [${haveOrgs}], want [${wantOrgs}]`;
  const missing = [
    ...(want.dnsNames ?? []).filter((n) => !info.dnsNames.includes(n)),
    ...(want.ipAddresses ?? []).filter((n) => !info.ipAddresses.includes(n)),
  ];
  if (missing.length) return `does not cover ${missing.join(', ')}`;
  if (info.notBefore > now) return 'not valid yet';
  const life = info.notAfter.getTime() - info.notBefore.getTime();
  if (info.notAfter.getTime() - now.getTime() < Math.min(RENEW_BEFORE_MS, life / 5)) return `expires ${info.notAfter.toISOString()}`;
  return undefined;
}

/**
 * The certificate at `paths` for `want`: kept when it still fits (reissueReason), else issued
 * anew by `ca` with a fresh key. Returns what happened, for `skiff up`'s progress lines.
 */
export async function ensureCertificate(paths: CertKeyPaths, ca: CertificateAuthority, want: IssueRequest): Promise<{ issued: boolean; reason?: string }> {
  const existing = readCertKeyFiles(paths);
  let reason = 'none yet';
  if (existing) {
    try {
      reason = reissueReason(describeCertificate(existing.certPem), isSignedBy(existing.certPem, ca.certPem), want) ?? '';
      if (!reason) {
        if (new X509Certificate(existing.certPem).checkPrivateKey(createPrivateKey(existing.keyPem))) return { issued: false };
        reason = 'the key does not match the certificate';
      }
    } catch (e) {
      reason = `unreadable: ${(e as Error).message}`;
    }
  }
  writeCertKeyFiles(paths, await issueCertificate(ca, want));
  return { issued: true, reason };
}

/**
 * A private key file made once and reused (P-256, PKCS#8 PEM, mode 0600) — the ServiceAccount
 * signing key `sa.key`, as kubeadm keeps it beside the CA. Two processes making it at once
 * both end up with the first one's key; a crash never leaves half of one.
 */
export function ensurePrivateKeyFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  // Whole or not at all: written aside, then linked into place (link fails if it exists).
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, pem, { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8');
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return pem;
}

/** The file name kubeadm gives the ServiceAccount signing key in the PKI dir. */
export const SERVICE_ACCOUNT_KEY_FILE = 'sa.key';
