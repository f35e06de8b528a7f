// The kubelet's serving certificate: --tls-cert-file/--tls-private-key-file, or — like the
// Kubernetes kubelet — a self-signed one generated into --cert-dir (default ROOT/pki) and
// reused while it still covers the node's names and address. pki/ is loaded only here.
import fs from 'node:fs';
import { join } from 'node:path';
import type { KubeletServingTLS } from './server.js';
import { SERVING_CERT_FILE, SERVING_KEY_FILE } from './certificate-manager.js';

export async function kubeletServingTLS(flags: {
  certFile?: string; keyFile?: string; clientCAFile?: string; certDir: string; nodeName: string; address: string;
  /** --rotate-server-certificates: start with the cluster-signed pair from an earlier run while it is valid. */
  preferClusterSigned?: boolean;
}): Promise<KubeletServingTLS> {
  const read = (flag: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (e) {
      throw new Error(`--${flag} ${file}: ${(e as Error).message}`);
    }
  };
  if (!!flags.certFile !== !!flags.keyFile) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  const clientCA = flags.clientCAFile ? read('client-ca-file', flags.clientCAFile) : undefined;
  const pki = await import('../pki/index.js');
  // --rotate-server-certificates: a pair the cluster signed in an earlier run, while valid.
  let rotated: { cert: Buffer; key: Buffer; notAfter: number } | undefined;
  if (flags.preferClusterSigned) {
    const cert = join(flags.certDir, SERVING_CERT_FILE);
    const key = join(flags.certDir, SERVING_KEY_FILE);
    const notAfter = fs.existsSync(cert) && fs.existsSync(key) ? pki.describeCertificate(fs.readFileSync(cert)).notAfter.getTime() : 0;
    if (notAfter > Date.now()) rotated = { cert: fs.readFileSync(cert), key: fs.readFileSync(key), notAfter };
  }
  if (flags.certFile && flags.keyFile) {
    const given = { cert: read('tls-cert-file', flags.certFile), key: read('tls-private-key-file', flags.keyFile) };
    // Whichever lasts longer: a renewal from the last run, or a pair issued anew since (skiff up reissues its own).
    if (rotated && rotated.notAfter > pki.describeCertificate(given.cert).notAfter.getTime()) return { cert: rotated.cert, key: rotated.key, clientCA };
    return { ...given, clientCA };
  }
  if (rotated) return { cert: rotated.cert, key: rotated.key, clientCA };
  // Until the cluster signs one (or without rotation), a self-signed certificate.
  const { ca } = await pki.ensureCertificateAuthority(pki.pairPaths(flags.certDir, 'kubelet-ca'), `${flags.nodeName}-ca@${Math.floor(Date.now() / 1000)}`);
  const paths = pki.pairPaths(flags.certDir, 'kubelet');
  const ips = [...new Set([flags.address, '127.0.0.1'])].filter((a) => a !== '0.0.0.0');
  await pki.ensureCertificate(paths, ca, {
    subject: { commonName: flags.nodeName }, usages: ['digital signature', 'key encipherment', 'server auth'],
    dnsNames: [...new Set([flags.nodeName, 'localhost'])], ipAddresses: ips,
  });
  const pair = pki.readCertKeyFiles(paths)!;
  return { cert: pair.certPem, key: pair.keyPem, clientCA };
}
