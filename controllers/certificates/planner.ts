// The certificate controllers' decisions, as Kubernetes' csrsigning and csrapproving:
//   - signing: an approved CSR for a signer we run, not yet issued or failed, gets a
//     certificate if the request obeys the signer's rules (kube-apiserver-client: client
//     auth only; kube-apiserver-client-kubelet: CN system:node:NAME, O exactly system:nodes,
//     no SANs), else a Failed condition saying why; its lifetime is the shorter of what it
//     asked (spec.expirationSeconds) and --cluster-signing-duration;
//     kubelet-serving: CN system:node:NAME, O exactly system:nodes, server auth, at least one
//     DNS or IP name;
//   - approving: an undecided kubelet client CSR is approved when the requester may create
//     certificatesigningrequests/nodeclient (a bootstrap token's user) or, for its own node's
//     renewal, /selfnodeclient — the SubjectAccessReview the loop asks. A kubelet-serving CSR
//     is approved when a node asks for itself and names only its Node's own name and addresses
//     (Kubernetes leaves these to an external approver; Skiff approves what it can check).
//     And, Skiff's own, the node proxy's client certificate (kube-apiserver-client, CN exactly
//     system:kube-proxy, no groups, no SANs): the identity system:node-proxier is bound to,
//     approved for whoever may get a kubelet client certificate — what `skiff join` runs its
//     proxy with (kubeadm hands kube-proxy a ServiceAccount instead; k3s signs the same
//     certificate for an agent that holds the join token).
// Pure: the request is parsed by the loop.
import type { CertificateSigningRequest } from '../../api/certificates/index.js';
import { csrCondition, KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from '../../api/certificates/index.js';
import type { Node } from '../../api/core/index.js';

export interface ParsedRequest {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
}

export const SIGNERS = [KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER];
const CLIENT_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);
const SERVING_USAGES = new Set(['digital signature', 'key encipherment', 'server auth']);
const MIN_DURATION_MS = 600_000;

export type SigningDecision =
  | { type: 'sign'; usages: string[]; validityMs: number }
  | { type: 'fail'; reason: string; message: string };

/** Why this request breaks its signer's rules, or undefined when it keeps them. */
export function signerRuleViolation(csr: CertificateSigningRequest, req: ParsedRequest): string | undefined {
  const usages = csr.spec.usages ?? [];
  if (csr.spec.signerName === KUBELET_SERVING_SIGNER) {
    const bad = usages.filter((u) => !SERVING_USAGES.has(u));
    if (bad.length) return `invalid usage for kubelet serving certificate: ${bad.join(', ')}`;
    if (!usages.includes('server auth')) return 'missing required usage for kubelet serving certificate: server auth';
    const nodeViolation = nodeSubjectViolation(req);
    if (nodeViolation) return nodeViolation;
    if (!req.dnsNames.length && !req.ipAddresses.length) return 'kubelet serving certificates need at least one DNS or IP subject alternative name';
    return undefined;
  }
  const bad = usages.filter((u) => !CLIENT_USAGES.has(u));
  if (bad.length) return `invalid usage for client certificate: ${bad.join(', ')}`;
  if (!usages.includes('client auth')) return 'missing required usage for client certificate: client auth';
  if (csr.spec.signerName === KUBELET_CLIENT_SIGNER) {
    const nodeViolation = nodeSubjectViolation(req);
    if (nodeViolation) return nodeViolation;
    if (req.dnsNames.length || req.ipAddresses.length) return 'kubelet client certificates may not have DNS or IP subject alternative names';
  }
  return undefined;
}

function nodeSubjectViolation(req: ParsedRequest): string | undefined {
  if (!req.commonName.startsWith('system:node:') || req.commonName.length === 'system:node:'.length) return `subject common name must begin with "system:node:", got "${req.commonName}"`;
  if (req.organizations.length !== 1 || req.organizations[0] !== 'system:nodes') return `subject organization must be exactly ["system:nodes"], got ${JSON.stringify(req.organizations)}`;
  return undefined;
}

export function planSigning(csr: CertificateSigningRequest, parsed: ParsedRequest | Error, maxDurationMs: number): SigningDecision | undefined {
  if (!SIGNERS.includes(csr.spec.signerName)) return undefined;
  if (!csrCondition(csr, 'Approved') || csrCondition(csr, 'Denied') || csrCondition(csr, 'Failed') || csr.status?.certificate) return undefined;
  if (parsed instanceof Error) return { type: 'fail', reason: 'SignerValidationFailure', message: parsed.message };
  const violation = signerRuleViolation(csr, parsed);
  if (violation) return { type: 'fail', reason: 'SignerValidationFailure', message: violation };
  const asked = csr.spec.expirationSeconds ? csr.spec.expirationSeconds * 1000 : maxDurationMs;
  return { type: 'sign', usages: csr.spec.usages ?? [], validityMs: Math.max(MIN_DURATION_MS, Math.min(asked, maxDurationMs)) };
}

/** The user the node proxy's certificate names (bound to system:node-proxier). */
export const NODE_PROXIER_USER = 'system:kube-proxy';

/** A request for exactly the node proxy's client identity (no groups, no names, client usages). */
export function isNodeProxierRequest(csr: CertificateSigningRequest, req: ParsedRequest): boolean {
  return csr.spec.signerName === KUBE_APISERVER_CLIENT_SIGNER && req.commonName === NODE_PROXIER_USER && req.organizations.length === 0
    && req.dnsNames.length === 0 && req.ipAddresses.length === 0 && signerRuleViolation(csr, req) === undefined;
}

/**
 * Which permission the requester needs for auto-approval, or undefined when this CSR is not
 * ours to approve. A kubelet client certificate for the requester itself is a renewal
 * (selfnodeclient); the node proxy's certificate asked by a node is its renewal too.
 */
export function planApproval(csr: CertificateSigningRequest, parsed: ParsedRequest | Error): 'nodeclient' | 'selfnodeclient' | undefined {
  if (csrCondition(csr, 'Approved') || csrCondition(csr, 'Denied')) return undefined;
  if (parsed instanceof Error) return undefined;
  if (csr.spec.signerName === KUBE_APISERVER_CLIENT_SIGNER) {
    if (!isNodeProxierRequest(csr, parsed)) return undefined;
    return (csr.spec.groups ?? []).includes('system:nodes') && csr.spec.username?.startsWith('system:node:') ? 'selfnodeclient' : 'nodeclient';
  }
  if (csr.spec.signerName !== KUBELET_CLIENT_SIGNER || signerRuleViolation(csr, parsed)) return undefined;
  return csr.spec.username === parsed.commonName ? 'selfnodeclient' : 'nodeclient';
}

/**
 * Whether to approve a kubelet-serving CSR: a node asking for itself (requester = subject, in
 * system:nodes) for names its Node object already has — its name and its status addresses.
 */
export function approveServing(csr: CertificateSigningRequest, parsed: ParsedRequest | Error, node: Node | undefined): boolean {
  if (csr.spec.signerName !== KUBELET_SERVING_SIGNER) return false;
  if (csrCondition(csr, 'Approved') || csrCondition(csr, 'Denied')) return false;
  if (parsed instanceof Error || signerRuleViolation(csr, parsed)) return false;
  if (csr.spec.username !== parsed.commonName || !(csr.spec.groups ?? []).includes('system:nodes')) return false;
  if (!node || `system:node:${node.metadata.name}` !== parsed.commonName) return false;
  const addresses = node.status?.addresses ?? [];
  const ips = new Set(addresses.filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address));
  const names = new Set([node.metadata.name!, ...addresses.filter((a) => a.type === 'Hostname' || a.type === 'InternalDNS' || a.type === 'ExternalDNS').map((a) => a.address)]);
  return parsed.ipAddresses.every((ip) => ips.has(ip)) && parsed.dnsNames.every((n) => names.has(n));
}
