// What `skiff join` needs from a running cluster, published the way `kubeadm init` does: the
// kube-public ConfigMap cluster-info (a kubeconfig naming the API server and the cluster CA,
// no credentials), readable by anyone (a Role and RoleBinding for system:anonymous on that
// one object), and a fresh join token, so skiff up can print the join command.
import type { RestClient } from '../../client/rest.js';
import { isStatusError } from '../../api/errors.js';
import { caCertHash } from '../../pki/certificates.js';
import { dump } from 'js-yaml';

async function upsert(client: RestClient, kind: string, namespace: string, obj: { metadata: { name: string; namespace: string } } & Record<string, unknown>): Promise<void> {
  const api = client.resource(kind);
  try {
    await api.create(obj as never, { namespace });
  } catch (e) {
    if (!isStatusError(e, 'AlreadyExists')) throw e;
    const current = await api.get(obj.metadata.name, namespace);
    await api.update({ ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion } } as never);
  }
}

export async function publishClusterInfo(client: RestClient, server: string, caPem: string): Promise<void> {
  const kubeconfig = dump({
    apiVersion: 'v1', kind: 'Config', preferences: {},
    clusters: [{ name: '', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    contexts: [], users: [],
  }, { lineWidth: -1 });
  await upsert(client, 'ConfigMap', 'kube-public', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig } });
  await upsert(client, 'Role', 'kube-public', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'skiff:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
    rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] }],
  });
  await upsert(client, 'RoleBinding', 'kube-public', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'skiff:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'skiff:bootstrap-signer-clusterinfo' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }],
  });
}

/** `skiff join SERVER --token T --ca-cert-hash sha256:…` for a token. Pure. */
export function joinCommand(server: string, token: string, caPem: string): string {
  return `skiff join ${server} --token ${token} --ca-cert-hash ${caCertHash(caPem)}`;
}
