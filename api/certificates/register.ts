// certificates.k8s.io/v1: CertificateSigningRequest (cluster-scoped; status and approval
// subresources).
import type { APIGroupVersion } from '../resource-definition.js';
import { CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestSpec, CertificateSigningRequestStatus, CSR_GROUP } from './types.js';
import { validateCertificateSigningRequest, validateCertificateSigningRequestStatusUpdate, validateCertificateSigningRequestUpdate } from './validation.js';

export const certificatesV1: APIGroupVersion = {
  group: CSR_GROUP, version: 'v1',
  resources: [{
    group: CSR_GROUP, version: 'v1', kind: 'CertificateSigningRequest', plural: 'certificatesigningrequests', singular: 'certificatesigningrequest',
    namespaced: false, shortNames: ['csr'], categories: [], subresources: ['status', 'approval'], hasStatus: true, schema: CertificateSigningRequest,
    validate: validateCertificateSigningRequest,
    validateUpdate: validateCertificateSigningRequestUpdate,
    validateStatusUpdate: validateCertificateSigningRequestStatusUpdate,
  }],
  components: { CertificateSigningRequest, CertificateSigningRequestSpec, CertificateSigningRequestStatus, CertificateSigningRequestCondition },
};
