// The certificate controllers' decisions: what the signers accept, how long certificates
// live, and which permission auto-approval asks the requester for.
import { describe, expect, it } from 'vitest';
import type { CertificateSigningRequest } from '../../../api/certificates/index.js';
import { approveServing, planApproval, planSigning, type ParsedRequest } from '../../../controllers/certificates/planner.js';

const HOUR = 3600_000;
const approved = [{ type: 'Approved', status: 'True' as const }];
function csr(signerName: string, o: Partial<CertificateSigningRequest['spec']> = {}, conditions: { type: string; status: 'True' }[] = approved, certificate?: string): CertificateSigningRequest {
  return { metadata: { name: 'x' }, spec: { request: '', signerName, usages: ['digital signature', 'client auth'], username: 'system:bootstrap:abcdef', ...o }, status: { conditions, ...(certificate ? { certificate } : {}) } };
}
const user: ParsedRequest = { commonName: 'jane', organizations: ['dev'], dnsNames: [], ipAddresses: [] };
const node: ParsedRequest = { commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: [], ipAddresses: [] };
const CLIENT = 'kubernetes.io/kube-apiserver-client';
const KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';

describe('signing', () => {
  it('signs approved client requests, for the shorter of what they ask and the signer allows', () => {
    expect(planSigning(csr(CLIENT, { expirationSeconds: 3600 }), user, 8760 * HOUR)).toEqual({ type: 'sign', usages: ['digital signature', 'client auth'], validityMs: HOUR });
    expect(planSigning(csr(CLIENT), user, 24 * HOUR)).toMatchObject({ validityMs: 24 * HOUR });
    expect(planSigning(csr(CLIENT, { expirationSeconds: 10 * 24 * 3600 }), user, 24 * HOUR)).toMatchObject({ validityMs: 24 * HOUR });
    expect(planSigning(csr(KUBELET), node, HOUR)).toMatchObject({ type: 'sign' });
  });
  it('leaves alone what is not approved, is denied or failed, already signed, or for another signer', () => {
    expect(planSigning(csr(CLIENT, {}, []), user, HOUR)).toBeUndefined();
    expect(planSigning(csr(CLIENT, {}, [...approved, { type: 'Failed', status: 'True' }]), user, HOUR)).toBeUndefined();
    expect(planSigning(csr(CLIENT, {}, approved, 'Y2VydA=='), user, HOUR)).toBeUndefined();
    expect(planSigning(csr('example.com/custom'), user, HOUR)).toBeUndefined();
  });
  it('fails requests that break the signer\'s rules, saying why', () => {
    expect(planSigning(csr(CLIENT, { usages: ['server auth', 'client auth'] }), user, HOUR)).toEqual({ type: 'fail', reason: 'SignerValidationFailure', message: 'invalid usage for client certificate: server auth' });
    expect(planSigning(csr(CLIENT, { usages: ['digital signature'] }), user, HOUR)).toMatchObject({ message: 'missing required usage for client certificate: client auth' });
    expect(planSigning(csr(KUBELET), user, HOUR)).toMatchObject({ message: 'subject common name must begin with "system:node:", got "jane"' });
    expect(planSigning(csr(KUBELET), { ...node, organizations: ['system:nodes', 'system:masters'] }, HOUR)).toMatchObject({ type: 'fail', message: expect.stringContaining('exactly ["system:nodes"]') });
    expect(planSigning(csr(KUBELET), { ...node, dnsNames: ['evil'] }, HOUR)).toMatchObject({ type: 'fail' });
    expect(planSigning(csr(CLIENT), new Error('the certificate request signature does not verify'), HOUR)).toMatchObject({ type: 'fail', message: 'the certificate request signature does not verify' });
  });
});

describe('auto-approval', () => {
  it('asks nodeclient for a bootstrap request and selfnodeclient for a node renewing its own; nothing else', () => {
    expect(planApproval(csr(KUBELET, {}, []), node)).toBe('nodeclient');
    expect(planApproval(csr(KUBELET, { username: 'system:node:n1' }, []), node)).toBe('selfnodeclient');
    expect(planApproval(csr(KUBELET, {}, approved), node)).toBeUndefined();
    expect(planApproval(csr(KUBELET, {}, []), { ...node, organizations: ['system:masters'] })).toBeUndefined();
    expect(planApproval(csr(CLIENT, {}, []), user)).toBeUndefined();
  });
  it('approves the node proxy\'s certificate (exactly CN system:kube-proxy) on the same permissions; a look-alike is not', () => {
    const proxier: ParsedRequest = { commonName: 'system:kube-proxy', organizations: [], dnsNames: [], ipAddresses: [] };
    expect(planApproval(csr(CLIENT, {}, []), proxier)).toBe('nodeclient');
    expect(planApproval(csr(CLIENT, { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] }, []), proxier)).toBe('selfnodeclient');
    expect(planApproval(csr(CLIENT, {}, approved), proxier)).toBeUndefined();
    expect(planApproval(csr(CLIENT, {}, []), { ...proxier, organizations: ['system:masters'] })).toBeUndefined();
    expect(planApproval(csr(CLIENT, {}, []), { ...proxier, dnsNames: ['proxy'] })).toBeUndefined();
    expect(planApproval(csr(CLIENT, {}, []), { ...proxier, commonName: 'system:kube-proxy2' })).toBeUndefined();
    expect(planApproval(csr(CLIENT, { usages: ['digital signature', 'server auth', 'client auth'] }, []), proxier)).toBeUndefined();
    expect(planApproval(csr(KUBELET, {}, []), proxier)).toBeUndefined();
  });
});

describe('kubelet serving certificates', () => {
  const SERVING = 'kubernetes.io/kubelet-serving';
  const usages = ['digital signature', 'key encipherment', 'server auth'] as const;
  const asNode = { usages: [...usages], username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  const serving: ParsedRequest = { ...node, dnsNames: ['n1'], ipAddresses: ['10.0.0.5'] };
  const theNode = { metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'n1.lan' }] } } as never;

  it('signs server-auth requests of a node for its names, and fails the rest saying why', () => {
    expect(planSigning(csr(SERVING, asNode), serving, HOUR)).toMatchObject({ type: 'sign', usages: [...usages] });
    expect(planSigning(csr(SERVING, { ...asNode, usages: ['digital signature', 'client auth'] }), serving, HOUR)).toMatchObject({ type: 'fail', message: 'invalid usage for kubelet serving certificate: client auth' });
    expect(planSigning(csr(SERVING, asNode), { ...serving, dnsNames: [], ipAddresses: [] }, HOUR)).toMatchObject({ type: 'fail', message: 'kubelet serving certificates need at least one DNS or IP subject alternative name' });
    expect(planSigning(csr(SERVING, asNode), { ...serving, organizations: ['system:masters'] }, HOUR)).toMatchObject({ type: 'fail', message: expect.stringContaining('exactly ["system:nodes"]') });
  });

  it('approves a node asking for itself for names its Node has; nothing else', () => {
    expect(approveServing(csr(SERVING, asNode, []), serving, theNode)).toBe(true);
    expect(approveServing(csr(SERVING, asNode, []), { ...serving, dnsNames: ['n1', 'n1.lan'] }, theNode)).toBe(true);
    // Another node's address, a name it does not have, another node asking, no Node, already approved.
    expect(approveServing(csr(SERVING, asNode, []), { ...serving, ipAddresses: ['10.0.0.6'] }, theNode)).toBe(false);
    expect(approveServing(csr(SERVING, asNode, []), { ...serving, dnsNames: ['kubernetes.default'] }, theNode)).toBe(false);
    expect(approveServing(csr(SERVING, { ...asNode, username: 'system:node:n2' }, []), serving, theNode)).toBe(false);
    expect(approveServing(csr(SERVING, { ...asNode, groups: ['system:authenticated'] }, []), serving, theNode)).toBe(false);
    expect(approveServing(csr(SERVING, asNode, []), serving, undefined)).toBe(false);
    expect(approveServing(csr(SERVING, asNode), serving, theNode)).toBe(false);
    expect(approveServing(csr(KUBELET, asNode, []), serving, theNode)).toBe(false);
  });
});
