// The API server's serving certificate when none is given (--tls-cert-file): like
// kube-apiserver, a self-signed one generated into --cert-dir (default DATA_DIR/pki; in memory
// without either) and reused on the next start while it still covers the addresses. Its CA
// (apiserver-ca.crt) is what a client must trust. pki/ is loaded only on this path.
import os from 'node:os';
import path from 'node:path';

/** Names and addresses the serving certificate covers: loopback, the bind address, the `kubernetes` Service's. */
export function servingNames(bindAddress: string, serviceIP?: string): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', os.hostname()];
  const ips = new Set(['127.0.0.1', '::1']);
  if (serviceIP) ips.add(serviceIP);
  if (bindAddress === '0.0.0.0' || bindAddress === '::') {
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) ips.add(a.address.replace(/%.*$/, ''));
  } else {
    ips.add(bindAddress);
  }
  return { dnsNames: [...new Set(dnsNames)], ipAddresses: [...ips] };
}

export async function selfSignedServingCert(
  certDir: string | undefined, bindAddress: string, serviceIP?: string,
): Promise<{ cert: string; key: string; caFile?: string }> {
  const pki = await import('../pki/index.js');
  const want = { subject: { commonName: 'kube-apiserver' }, usages: ['digital signature', 'key encipherment', 'server auth'] as const, ...servingNames(bindAddress, serviceIP) };
  if (!certDir) {
    const ca = await pki.createCertificateAuthority(`skiff-apiserver-ca@${Math.floor(Date.now() / 1000)}`);
    const pair = await pki.issueCertificate(ca, { ...want, usages: [...want.usages] });
    return { cert: pair.certPem + ca.certPem, key: pair.keyPem };
  }
  const caPaths = pki.pairPaths(certDir, 'apiserver-ca');
  const { ca } = await pki.ensureCertificateAuthority(caPaths, `skiff-apiserver-ca@${Math.floor(Date.now() / 1000)}`);
  const paths = pki.pairPaths(certDir, 'apiserver');
  await pki.ensureCertificate(paths, ca, { ...want, usages: [...want.usages] });
  const pair = pki.readCertKeyFiles(paths)!;
  return { cert: pair.certPem, key: pair.keyPem, caFile: path.resolve(caPaths.cert) };
}
