// The CSR signing and approving loop: every CertificateSigningRequest change is a sync that
// parses the request, asks the planners, and writes — an Approved condition through the
// approval subresource (after a SubjectAccessReview for the requester), a certificate or a
// Failed condition through status. Signing needs the cluster CA (--cluster-signing-cert-file,
// --cluster-signing-key-file); without it the controller only approves.
import { KUBE_APISERVER_CLIENT_SIGNER, type CertificateSigningRequest, type CertificateSigningRequestCondition } from '../../api/certificates/index.js';
import { isStatusError } from '../../api/errors.js';
import { RestClient, WorkQueue } from '../../client/index.js';
import type { CertificateAuthority, KeyUsage } from '../../pki/certificates.js';
import { parseCertificateRequest, signCertificateRequest, type CertificateRequestInfo } from '../../pki/csr.js';
import type { SharedInformerFactory } from '../informer-factory.js';
import { runWorkers } from '../worker.js';
import { approveServing, planApproval, planSigning, type ParsedRequest } from './planner.js';
import type { Node } from '../../api/core/index.js';

export interface CertificateControllerOptions {
  /** The CA that signs; absent: approve only. */
  ca?: CertificateAuthority;
  /** --cluster-signing-duration (default 1 year). */
  maxDurationMs?: number;
}

const YEAR_MS = 365 * 24 * 3600_000;

export class CertificateController {
  readonly queue = new WorkQueue<string>({ name: 'certificate' });
  private readonly csrs;
  private readonly nodes;

  constructor(private readonly client: RestClient, informers: SharedInformerFactory, private readonly o: CertificateControllerOptions = {}) {
    this.csrs = informers.forKind<CertificateSigningRequest>('CertificateSigningRequest');
    this.nodes = informers.forKind<Node>('Node');
    const add = (c: CertificateSigningRequest) => this.queue.add(c.metadata.name!);
    this.csrs.addEventHandler({ onAdd: add, onUpdate: (_o, c) => add(c) });
  }

  run(workers: number): Promise<void> {
    return runWorkers('certificate-controller', this.queue, workers, (name) => this.sync(name));
  }

  /** The request, its self-signature checked (pki/csr.ts), or why it is not one. */
  private async parse(csr: CertificateSigningRequest): Promise<{ info: CertificateRequestInfo; parsed: ParsedRequest } | Error> {
    try {
      const info = await parseCertificateRequest(Buffer.from(csr.spec.request, 'base64'));
      return { info, parsed: { commonName: info.subject.commonName, organizations: info.subject.organizations ?? [], dnsNames: info.dnsNames, ipAddresses: info.ipAddresses } };
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }

  async sync(name: string): Promise<void> {
    const csr = this.csrs.store.get(name);
    if (!csr) return;
    const request = await this.parse(csr);
    const parsed = request instanceof Error ? request : request.parsed;
    const api = this.client.resource<CertificateSigningRequest>('CertificateSigningRequest');
    try {
      const need = planApproval(csr, parsed);
      if (need && (await this.requesterMay(csr, need))) {
        await this.client.request('PUT', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${encodeURIComponent(name)}/approval`, {
          body: withCondition(csr, {
            type: 'Approved', status: 'True', reason: 'AutoApproved',
            message: csr.spec.signerName === KUBE_APISERVER_CLIENT_SIGNER ? 'Auto approving node proxier client certificate after SubjectAccessReview.' : 'Auto approving kubelet client certificate after SubjectAccessReview.',
          }),
        });
        return; // the update brings it back here for signing
      }
      if (!(parsed instanceof Error) && approveServing(csr, parsed, this.nodes.store.get(parsed.commonName.slice('system:node:'.length)))) {
        await this.client.request('PUT', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${encodeURIComponent(name)}/approval`, {
          body: withCondition(csr, { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet serving certificate for the node\'s own name and addresses.' }),
        });
        return;
      }
      if (!this.o.ca) return;
      const d = planSigning(csr, parsed, this.o.maxDurationMs ?? YEAR_MS);
      if (!d) return;
      if (d.type === 'fail') {
        await api.updateStatus(withCondition(csr, { type: 'Failed', status: 'True', reason: d.reason, message: d.message }));
        return;
      }
      const now = Date.now();
      // Backdated five minutes for clock skew, as Kubernetes' signer does.
      const pem = await signCertificateRequest(this.o.ca, (request as { info: CertificateRequestInfo }).info, { usages: d.usages as KeyUsage[], notBefore: new Date(now - 5 * 60_000), notAfter: new Date(now + d.validityMs) });
      await api.updateStatus({ ...csr, status: { ...(csr.status ?? {}), certificate: Buffer.from(pem).toString('base64') } });
    } catch (e) {
      if (!isStatusError(e, 'NotFound')) throw e;
    }
  }

  /** SubjectAccessReview: may the requester create certificatesigningrequests/SUBRESOURCE? */
  private async requesterMay(csr: CertificateSigningRequest, subresource: string): Promise<boolean> {
    const review = await this.client.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: {
          user: csr.spec.username, uid: csr.spec.uid, groups: csr.spec.groups, extra: csr.spec.extra,
          resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource },
        },
      },
    });
    return review.status?.allowed === true;
  }
}

function withCondition(csr: CertificateSigningRequest, c: Omit<CertificateSigningRequestCondition, 'lastUpdateTime' | 'lastTransitionTime'>): CertificateSigningRequest {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { ...csr, status: { ...(csr.status ?? {}), conditions: [...(csr.status?.conditions ?? []), { ...c, lastUpdateTime: now, lastTransitionTime: now }] } };
}
