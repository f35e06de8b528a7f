// The root CA publisher's decision, as Kubernetes' root-ca-cert-publisher: every active
// namespace holds a ConfigMap kube-root-ca.crt whose ca.crt is the cluster CA, so pods (their
// ServiceAccount volume) can verify the API server. Pure.
import type { ConfigMap, Namespace } from '../../api/core/index.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export type RootCAAction = { type: 'create' | 'update'; configMap: ConfigMap } | undefined;

export function planRootCA(ns: Namespace | undefined, existing: ConfigMap | undefined, caPem: string): RootCAAction {
  if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return undefined;
  if (!existing) {
    return { type: 'create', configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns.metadata.name }, data: { 'ca.crt': caPem } } };
  }
  if (existing.data?.['ca.crt'] === caPem && Object.keys(existing.data).length === 1 && !existing.binaryData) return undefined;
  return { type: 'update', configMap: { ...existing, data: { 'ca.crt': caPem }, binaryData: undefined } };
}
