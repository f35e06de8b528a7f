// rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding. Names are
// path segments (`system:node`), not DNS names, as in Kubernetes.
import type { APIGroupVersion, ResourceInfo } from '../resource-definition.js';
import { validatePathSegmentName } from '../meta-validation.js';
import { AggregationRule, ClusterRole, ClusterRoleBinding, PolicyRule, RBAC_GROUP, Role, RoleBinding, RoleRef, Subject } from './types.js';
import { defaultBinding, validateBindingUpdate, validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from './validation.js';

const common = {
  group: RBAC_GROUP, version: 'v1', shortNames: [], categories: [], subresources: [], hasStatus: false,
  nameValidator: validatePathSegmentName,
} satisfies Partial<ResourceInfo>;

export const rbacV1: APIGroupVersion = {
  group: RBAC_GROUP, version: 'v1',
  resources: [
    { ...common, kind: 'Role', plural: 'roles', singular: 'role', namespaced: true, schema: Role, validate: validateRole },
    { ...common, kind: 'ClusterRole', plural: 'clusterroles', singular: 'clusterrole', namespaced: false, schema: ClusterRole, validate: validateClusterRole },
    {
      ...common, kind: 'RoleBinding', plural: 'rolebindings', singular: 'rolebinding', namespaced: true, schema: RoleBinding,
      defaults: defaultBinding, validate: validateRoleBinding, validateUpdate: validateBindingUpdate,
    },
    {
      ...common, kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', singular: 'clusterrolebinding', namespaced: false, schema: ClusterRoleBinding,
      defaults: defaultBinding, validate: validateClusterRoleBinding, validateUpdate: validateBindingUpdate,
    },
  ],
  components: { Role, ClusterRole, RoleBinding, ClusterRoleBinding, PolicyRule, Subject, RoleRef, AggregationRule },
};
