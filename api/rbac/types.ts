// rbac.authorization.k8s.io/v1: who may do what. A Role (namespaced) or ClusterRole lists
// PolicyRules; a RoleBinding or ClusterRoleBinding grants one role to subjects (users,
// groups, ServiceAccounts). A ClusterRole with an aggregationRule gets its rules from the
// ClusterRoles its selectors match (the controller-manager fills them in).
import { z } from 'zod';
import { LabelSelector, ObjectMeta } from '../meta.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export const PolicyRule = z.object({
  verbs: z.array(z.string()),
  apiGroups: z.array(z.string()).optional(),
  resources: z.array(z.string()).optional(),
  resourceNames: z.array(z.string()).optional(),
  nonResourceURLs: z.array(z.string()).optional(),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

export const Subject = z.object({
  kind: z.string(),
  apiGroup: z.string().optional(),
  name: z.string(),
  namespace: z.string().optional(),
});
export type Subject = z.infer<typeof Subject>;

export const RoleRef = z.object({
  /** Defaulted to rbac.authorization.k8s.io (SetDefaults_RoleBinding). */
  apiGroup: z.string().optional(),
  kind: z.string(),
  name: z.string(),
});
export type RoleRef = z.infer<typeof RoleRef>;

export const AggregationRule = z.object({
  clusterRoleSelectors: z.array(LabelSelector).optional(),
});
export type AggregationRule = z.infer<typeof AggregationRule>;

export const Role = z.object({
  apiVersion: z.literal('rbac.authorization.k8s.io/v1').optional(),
  kind: z.literal('Role').optional(),
  metadata: ObjectMeta,
  rules: z.array(PolicyRule).nullable().optional(),
});
export type Role = z.infer<typeof Role>;

export const ClusterRole = z.object({
  apiVersion: z.literal('rbac.authorization.k8s.io/v1').optional(),
  kind: z.literal('ClusterRole').optional(),
  metadata: ObjectMeta,
  rules: z.array(PolicyRule).nullable().optional(),
  aggregationRule: AggregationRule.optional(),
});
export type ClusterRole = z.infer<typeof ClusterRole>;

export const RoleBinding = z.object({
  apiVersion: z.literal('rbac.authorization.k8s.io/v1').optional(),
  kind: z.literal('RoleBinding').optional(),
  metadata: ObjectMeta,
  subjects: z.array(Subject).nullable().optional(),
  roleRef: RoleRef,
});
export type RoleBinding = z.infer<typeof RoleBinding>;

export const ClusterRoleBinding = z.object({
  apiVersion: z.literal('rbac.authorization.k8s.io/v1').optional(),
  kind: z.literal('ClusterRoleBinding').optional(),
  metadata: ObjectMeta,
  subjects: z.array(Subject).nullable().optional(),
  roleRef: RoleRef,
});
export type ClusterRoleBinding = z.infer<typeof ClusterRoleBinding>;
