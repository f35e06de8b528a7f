// certificates.k8s.io/v1 CertificateSigningRequest: a PKCS#10 request for a certificate from a
// named signer. Who asked (username, uid, groups, extra) is set by the API server from the
// request's credentials, never taken from the client; an approver adds an Approved (or
// Denied) condition through the approval subresource; the signer writes status.certificate.
import { z } from 'zod';
import { ObjectMeta } from '../meta.js';

export const CSR_GROUP = 'certificates.k8s.io';
/** Client certificates for the API server (users: `skiff kubeconfig create`). */
export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
/** Kubelets' client certificates (system:node:NAME in system:nodes: `skiff join`). */
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
/** Kubelets' serving certificates (what the API server verifies when it calls a kubelet for logs and exec). */
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

export const KeyUsage = z.enum([
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment', 'cert sign', 'crl sign',
  'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing', 'email protection', 's/mime', 'ipsec end system',
  'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc',
]);

export const CertificateSigningRequestSpec = z.object({
  /** base64 of the PEM "CERTIFICATE REQUEST". */
  request: z.string(),
  signerName: z.string(),
  expirationSeconds: z.number().int().optional(),
  usages: z.array(KeyUsage).optional(),
  username: z.string().optional(),
  uid: z.string().optional(),
  groups: z.array(z.string()).optional(),
  extra: z.record(z.string(), z.array(z.string())).optional(),
});

export const CertificateSigningRequestCondition = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastUpdateTime: z.string().optional(),
  lastTransitionTime: z.string().optional(),
});
export type CertificateSigningRequestCondition = z.infer<typeof CertificateSigningRequestCondition>;

export const CertificateSigningRequestStatus = z.object({
  conditions: z.array(CertificateSigningRequestCondition).optional(),
  /** base64 of the issued PEM certificate. */
  certificate: z.string().optional(),
});

export const CertificateSigningRequest = z.object({
  apiVersion: z.literal('certificates.k8s.io/v1').optional(),
  kind: z.literal('CertificateSigningRequest').optional(),
  metadata: ObjectMeta,
  spec: CertificateSigningRequestSpec,
  status: CertificateSigningRequestStatus.optional(),
});
export type CertificateSigningRequest = z.infer<typeof CertificateSigningRequest>;

export function csrCondition(csr: CertificateSigningRequest, type: 'Approved' | 'Denied' | 'Failed'): CertificateSigningRequestCondition | undefined {
  return csr.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}
