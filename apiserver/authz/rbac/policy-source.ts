// Keeps a PolicyIndex in step with the API server's own watch caches of Roles, ClusterRoles,
// RoleBindings and ClusterRoleBindings — the informers kube-apiserver's RBAC authorizer reads.
// The index is complete when start() resolves; no storage read per decision. Each API server
// keeps its own: a binding written through one is seen by the others as soon as their
// caches see it (eventually consistent, as in Kubernetes).
import type { KubeObject } from '../../../api/meta.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../api/rbac/index.js';
import type { Registry } from '../../registry/index.js';
import type { EventType, Watcher } from '../../watch-cache.js';
import type { PolicyIndex } from './policy-index.js';

type Apply = (ix: PolicyIndex, type: EventType, obj: KubeObject) => void;

const APPLY: Record<string, Apply> = {
  Role: (ix, type, o) => {
    const r = o as unknown as Role;
    if (type === 'DELETED') ix.deleteRole(r.metadata.namespace!, r.metadata.name!);
    else ix.setRole(r.metadata.namespace!, r.metadata.name!, r.rules);
  },
  ClusterRole: (ix, type, o) => {
    const r = o as unknown as ClusterRole;
    if (type === 'DELETED') ix.deleteClusterRole(r.metadata.name!);
    else ix.setClusterRole(r.metadata.name!, r.rules);
  },
  RoleBinding: (ix, type, o) => {
    const b = o as unknown as RoleBinding;
    if (type === 'DELETED') ix.deleteBinding('RoleBinding', b.metadata.namespace, b.metadata.name!);
    else ix.setBinding({ kind: 'RoleBinding', name: b.metadata.name!, namespace: b.metadata.namespace, roleRef: b.roleRef, subjects: b.subjects ?? [] });
  },
  ClusterRoleBinding: (ix, type, o) => {
    const b = o as unknown as ClusterRoleBinding;
    if (type === 'DELETED') ix.deleteBinding('ClusterRoleBinding', undefined, b.metadata.name!);
    else ix.setBinding({ kind: 'ClusterRoleBinding', name: b.metadata.name!, roleRef: b.roleRef, subjects: b.subjects ?? [] });
  },
};

/** Follow the four RBAC kinds into the index; the watchers to stop on close. */
export function followPolicy(registry: Registry, index: PolicyIndex): Promise<Watcher[]> {
  return Promise.all(Object.entries(APPLY).map(([kind, apply]) => registry.follow(kind, (type, obj) => apply(index, type, obj))));
}
