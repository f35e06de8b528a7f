// The certificates and kubeconfigs of a local cluster, in kubeadm's layout:
//   <data-dir>/pki/ca.crt, ca.key                 the cluster CA: signs everything below
//   pki/apiserver.crt/.key                        serving: localhost, kubernetes[.default[.svc…]], the
//                                                 host name, 127.0.0.1, ::1, the kubernetes Service IP
//   pki/apiserver-kubelet-client.crt/.key         the API server towards kubelets (O=system:masters)
//   pki/admin.crt/.key                            kubernetes-admin, O=system:masters (the user's kubeconfig)
//   pki/controller-manager.crt/.key               system:kube-controller-manager
//   pki/scheduler.crt/.key                        system:kube-scheduler
//   pki/proxy.crt/.key                            system:kube-proxy (the node proxy)
//   pki/dns.crt/.key                              system:kube-dns (cluster DNS)
//   pki/kubelet-<node>.crt/.key                   system:node:<node>, O=system:nodes (the node's identity)
//   pki/kubelet-<node>-serving.crt/.key           the kubelet's HTTPS (logs, exec): <node>, localhost, 127.0.0.1
//   pki/sa.key                                    the ServiceAccount token signing key (every API server gets it)
//   <data-dir>/kubeconfigs/<component>.conf       each component's kubeconfig (0600), its certificate inline
//   pki/front-proxy-ca.crt/.key                   the front-proxy CA, separate as kubeadm's: the API
//                                                 server's request-header authentication trusts it
//                                                 (--requestheader-client-ca-file) and nothing else does
//   pki/front-proxy-client.crt/.key               CN front-proxy-client, the one allowed name: what an
//                                                 authenticating proxy in front of the API server presents
// Kubelet serving certificates are signed by the cluster CA (as the kubernetes.io/kubelet-serving
// signer does), so the API server verifies them (--kubelet-certificate-authority). Existing
// files are reused on resume while they still fit (pki/files.ts: ensureCertificate).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IssueRequest } from '../../pki/certificates.js';

export interface WantedCertificate {
  /** File stem in the pki dir: `<name>.crt`, `<name>.key`. */
  name: string;
  want: IssueRequest;
}

const SERVER: IssueRequest['usages'] = ['digital signature', 'key encipherment', 'server auth'];
const CLIENT: IssueRequest['usages'] = ['digital signature', 'key encipherment', 'client auth'];

export const ADMIN_CERT = 'admin';
export const APISERVER_CERT = 'apiserver';
export const APISERVER_KUBELET_CLIENT_CERT = 'apiserver-kubelet-client';
export const kubeletClientCert = (node: string) => `kubelet-${node}`;
export const FRONT_PROXY_CA = 'front-proxy-ca';
export const FRONT_PROXY_CLIENT_CERT = 'front-proxy-client';
/** The front proxy's certificate: the CA's only leaf, its CN the one --requestheader-allowed-names. */
export const FRONT_PROXY_CLIENT: WantedCertificate = { name: FRONT_PROXY_CLIENT_CERT, want: { subject: { commonName: 'front-proxy-client' }, usages: CLIENT } };
export const kubeletServingCert = (node: string) => `kubelet-${node}-serving`;

/** Every certificate a cluster with these nodes needs. Pure. */
/**
 * `kubernetesServiceIP`: the kubernetes Service's cluster IP (the first of the Service CIDR), which
 * in-cluster clients dial; `advertiseAddress`: the host address the API servers publish as its endpoint.
 */
export function clusterCertificates(nodes: string[], kubernetesServiceIP: string, advertiseAddress?: string, hostname = os.hostname()): WantedCertificate[] {
  return [
    {
      name: APISERVER_CERT,
      want: {
        subject: { commonName: 'kube-apiserver' }, usages: SERVER,
        dnsNames: [...new Set(['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', hostname])],
        ipAddresses: [...new Set(['127.0.0.1', '::1', kubernetesServiceIP, ...(advertiseAddress ? [advertiseAddress] : [])])],
      },
    },
    { name: APISERVER_KUBELET_CLIENT_CERT, want: { subject: { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'] }, usages: CLIENT } },
    { name: ADMIN_CERT, want: { subject: { commonName: 'kubernetes-admin', organizations: ['system:masters'] }, usages: CLIENT } },
    { name: 'controller-manager', want: { subject: { commonName: 'system:kube-controller-manager' }, usages: CLIENT } },
    { name: 'scheduler', want: { subject: { commonName: 'system:kube-scheduler' }, usages: CLIENT } },
    { name: 'proxy', want: { subject: { commonName: 'system:kube-proxy' }, usages: CLIENT } },
    { name: 'dns', want: { subject: { commonName: 'system:kube-dns' }, usages: CLIENT } },
    ...nodes.flatMap((n) => [
      { name: kubeletClientCert(n), want: { subject: { commonName: `system:node:${n}`, organizations: ['system:nodes'] }, usages: CLIENT } },
      { name: kubeletServingCert(n), want: { subject: { commonName: n }, usages: SERVER, dnsNames: [n, 'localhost'], ipAddresses: ['127.0.0.1'] } },
    ]),
  ];
}

/** Where a component's kubeconfig lives. */
export function componentKubeconfig(kubeconfigsDir: string, component: string): string {
  return path.join(kubeconfigsDir, `${component}.conf`);
}

/** Which certificate each component's kubeconfig carries. Pure. */
export function componentIdentities(nodes: string[]): { component: string; cert: string }[] {
  return [
    { component: 'controller-manager', cert: 'controller-manager' },
    { component: 'scheduler', cert: 'scheduler' },
    { component: 'proxy', cert: 'proxy' },
    { component: 'dns', cert: 'dns' },
    ...nodes.map((n) => ({ component: `kubelet-${n}`, cert: kubeletClientCert(n) })),
  ];
}

/**
 * Make (or reuse) the CA and every certificate, and write each component's kubeconfig
 * naming `server`. Returns the CA and the admin's certificate for the user's kubeconfig, and
 * what was issued anew (for the progress line).
 */
export async function ensureClusterCertificates(pkiDir: string, kubeconfigsDir: string, nodes: string[], server: string, kubernetesServiceIP: string, advertiseAddress?: string): Promise<{
  caPem: string; admin: { certPem: string; keyPem: string }; createdCA: boolean; issued: string[];
}> {
  const pki = await import('../../pki/index.js');
  const { mergeKubeconfigContext } = await import('../../client/kubeconfig.js');
  const { ca, created } = await pki.ensureCertificateAuthority(pki.pairPaths(pkiDir, 'ca'), 'skiff-ca');
  const issued: string[] = [];
  for (const c of clusterCertificates(nodes, kubernetesServiceIP, advertiseAddress)) {
    const r = await pki.ensureCertificate(pki.pairPaths(pkiDir, c.name), ca, c.want);
    if (r.issued) issued.push(c.name);
  }
  // The front-proxy CA and its client, apart from the cluster CA as in kubeadm: a certificate of
  // one is never accepted where the other is asked for.
  const frontProxy = await pki.ensureCertificateAuthority(pki.pairPaths(pkiDir, FRONT_PROXY_CA), 'front-proxy-ca');
  if ((await pki.ensureCertificate(pki.pairPaths(pkiDir, FRONT_PROXY_CLIENT.name), frontProxy.ca, FRONT_PROXY_CLIENT.want)).issued) issued.push(FRONT_PROXY_CLIENT.name);
  // The ServiceAccount signing key every API server is given (--service-account-signing-key-file).
  pki.ensurePrivateKeyFile(path.join(pkiDir, pki.SERVICE_ACCOUNT_KEY_FILE));
  fs.mkdirSync(kubeconfigsDir, { recursive: true, mode: 0o700 });
  for (const { component, cert } of componentIdentities(nodes)) {
    const pair = pki.readCertKeyFiles(pki.pairPaths(pkiDir, cert))!;
    mergeKubeconfigContext(componentKubeconfig(kubeconfigsDir, component), {
      name: 'skiff', server, caPem: ca.certPem, clientCertPem: pair.certPem, clientKeyPem: pair.keyPem,
    });
  }
  return { caPem: ca.certPem, admin: pki.readCertKeyFiles(pki.pairPaths(pkiDir, ADMIN_CERT))!, createdCA: created, issued };
}
