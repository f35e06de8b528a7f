// A certificate through the API (client-go's util/certificate/csr): submit a
// CertificateSigningRequest and wait until a signer has issued it, or it was denied or failed.
// Used by `skiff join` (a bootstrap token's first certificate) and by the kubelet (renewing its
// own before it expires).
import type { z } from 'zod';
import type { CertificateSigningRequest, KeyUsage } from '../api/certificates/index.js';
import { csrCondition } from '../api/certificates/index.js';
import type { RestClient } from './rest.js';

export interface CertificateRequest {
  /** PEM of the PKCS#10 request. */
  requestPem: string;
  signerName: string;
  usages: z.infer<typeof KeyUsage>[];
  generateName: string;
  /** Told the CSR's name once it exists (for a progress line). */
  onSubmitted?: (name: string) => void;
  timeoutMs?: number;
  pollMs?: number;
}

/** The issued certificate (PEM). */
export async function requestCertificate(client: RestClient, r: CertificateRequest): Promise<string> {
  const csrs = client.resource<CertificateSigningRequest>('CertificateSigningRequest');
  const created = await csrs.create({
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { generateName: r.generateName },
    spec: { request: Buffer.from(r.requestPem).toString('base64'), signerName: r.signerName, usages: r.usages },
  });
  const name = created.metadata.name!;
  r.onSubmitted?.(name);
  const deadline = Date.now() + (r.timeoutMs ?? 120_000);
  for (;;) {
    const csr = await csrs.get(name);
    const refused = csrCondition(csr, 'Denied') ?? csrCondition(csr, 'Failed');
    if (refused) throw new Error(`the cluster refused ${name}: ${refused.type}: ${refused.message ?? refused.reason}`);
    if (csr.status?.certificate) return Buffer.from(csr.status.certificate, 'base64').toString('utf8');
    if (Date.now() > deadline) throw new Error(`${name} was not signed within ${Math.round((r.timeoutMs ?? 120_000) / 1000)} s: is the controller-manager running with --cluster-signing-cert-file?`);
    await new Promise((res) => setTimeout(res, r.pollMs ?? 500));
  }
}
