// The CertificateSigningRequest rules that need the requesting user (kube-apiserver keeps them
// in the CSR strategy and its admission plugins): a new CSR records who asked — username,
// uid, groups, extra — from the credentials, never from the body, and starts with no status;
// approving or denying needs the `approve` verb on the signer (certificates.k8s.io `signers`,
// named for the signerName or its `domain/*`), issuing a certificate the `sign` verb.
import type { KubeObject } from '../../api/meta.js';
import { forbiddenObject } from '../../api/errors.js';
import { groupResource } from '../../api/resources.js';
import { CSR_GROUP, csrCondition, type CertificateSigningRequest } from '../../api/certificates/index.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../admission.js';
import type { Authorizer } from '../authz/authorizer.js';

async function allowedOnSigner(authorizer: Authorizer, a: AdmissionAttributes, verb: 'approve' | 'sign', signerName: string): Promise<boolean> {
  const domain = signerName.split('/')[0];
  for (const name of [signerName, `${domain}/*`]) {
    const d = await authorizer.authorize({
      user: a.user, verb, resourceRequest: true, path: '', apiGroup: CSR_GROUP, apiVersion: 'v1', resource: 'signers', subresource: '', namespace: '', name,
    });
    if (d.decision === 'Allow') return true;
  }
  return false;
}

export function certificateSigningRequestAdmission(authorizer: Authorizer): AdmissionPlugin {
  const check = async (a: AdmissionAttributes) => {
    const csr = a.object as unknown as CertificateSigningRequest & KubeObject;
    if (a.operation === 'CREATE') {
      csr.spec.username = a.user.name;
      if (a.user.uid) csr.spec.uid = a.user.uid; else delete csr.spec.uid;
      csr.spec.groups = a.user.groups;
      if (a.user.extra && Object.keys(a.user.extra).length) csr.spec.extra = a.user.extra; else delete csr.spec.extra;
      delete csr.status;
      return;
    }
    const old = a.oldObject as unknown as CertificateSigningRequest | undefined;
    if (a.operation !== 'UPDATE' || !old) return;
    const refuse = (why: string) => { throw forbiddenObject(groupResource(a.info), a.name, why); };
    const decided = (c: CertificateSigningRequest) => !!csrCondition(c, 'Approved') || !!csrCondition(c, 'Denied');
    if (a.subresource === 'approval' && decided(csr) && !decided(old)) {
      if (!(await allowedOnSigner(authorizer, a, 'approve', csr.spec.signerName))) refuse(`user not permitted to approve requests with signerName "${csr.spec.signerName}"`);
    }
    if (a.subresource === 'status' && csr.status?.certificate && !old.status?.certificate) {
      if (!(await allowedOnSigner(authorizer, a, 'sign', csr.spec.signerName))) refuse(`user not permitted to sign requests with signerName "${csr.spec.signerName}"`);
    }
  };
  // Nothing to do for any other kind (synchronously: admission.ts).
  return (a) => (a.info.kind !== 'CertificateSigningRequest' || !a.object ? undefined : check(a));
}
