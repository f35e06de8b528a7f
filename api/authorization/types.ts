// authorization.k8s.io/v1: questions to the authorizer, answered and never stored.
// SubjectAccessReview (may this user do this?), LocalSubjectAccessReview (the same, in one
// namespace), SelfSubjectAccessReview (may I? — `kubectl auth can-i`) and
// SelfSubjectRulesReview (what may I do here? — `kubectl auth can-i --list`).
import { z } from 'zod';
import { ObjectMeta } from '../meta.js';

export const ResourceAttributes = z.object({
  namespace: z.string().optional(),
  verb: z.string().optional(),
  group: z.string().optional(),
  version: z.string().optional(),
  resource: z.string().optional(),
  subresource: z.string().optional(),
  name: z.string().optional(),
});
export type ResourceAttributes = z.infer<typeof ResourceAttributes>;

export const NonResourceAttributes = z.object({
  path: z.string().optional(),
  verb: z.string().optional(),
});
export type NonResourceAttributes = z.infer<typeof NonResourceAttributes>;

export const SubjectAccessReviewSpec = z.object({
  resourceAttributes: ResourceAttributes.optional(),
  nonResourceAttributes: NonResourceAttributes.optional(),
  user: z.string().optional(),
  groups: z.array(z.string()).optional(),
  extra: z.record(z.string(), z.array(z.string())).optional(),
  uid: z.string().optional(),
});
export type SubjectAccessReviewSpec = z.infer<typeof SubjectAccessReviewSpec>;

export const SelfSubjectAccessReviewSpec = z.object({
  resourceAttributes: ResourceAttributes.optional(),
  nonResourceAttributes: NonResourceAttributes.optional(),
});

export const SubjectAccessReviewStatus = z.object({
  allowed: z.boolean(),
  denied: z.boolean().optional(),
  reason: z.string().optional(),
  evaluationError: z.string().optional(),
});
export type SubjectAccessReviewStatus = z.infer<typeof SubjectAccessReviewStatus>;

const review = <K extends string, S extends z.ZodType>(kind: K, spec: S) => z.object({
  apiVersion: z.literal('authorization.k8s.io/v1').optional(),
  kind: z.literal(kind).optional(),
  metadata: ObjectMeta.optional(),
  spec,
  status: SubjectAccessReviewStatus.optional(),
});

export const SubjectAccessReview = review('SubjectAccessReview', SubjectAccessReviewSpec);
export type SubjectAccessReview = z.infer<typeof SubjectAccessReview>;
export const LocalSubjectAccessReview = review('LocalSubjectAccessReview', SubjectAccessReviewSpec);
export type LocalSubjectAccessReview = z.infer<typeof LocalSubjectAccessReview>;
export const SelfSubjectAccessReview = review('SelfSubjectAccessReview', SelfSubjectAccessReviewSpec);
export type SelfSubjectAccessReview = z.infer<typeof SelfSubjectAccessReview>;

export const ResourceRule = z.object({
  verbs: z.array(z.string()),
  apiGroups: z.array(z.string()).optional(),
  resources: z.array(z.string()).optional(),
  resourceNames: z.array(z.string()).optional(),
});
export type ResourceRule = z.infer<typeof ResourceRule>;

export const NonResourceRule = z.object({
  verbs: z.array(z.string()),
  nonResourceURLs: z.array(z.string()).optional(),
});
export type NonResourceRule = z.infer<typeof NonResourceRule>;

export const SubjectRulesReviewStatus = z.object({
  resourceRules: z.array(ResourceRule),
  nonResourceRules: z.array(NonResourceRule),
  incomplete: z.boolean(),
  evaluationError: z.string().optional(),
});
export type SubjectRulesReviewStatus = z.infer<typeof SubjectRulesReviewStatus>;

export const SelfSubjectRulesReview = z.object({
  apiVersion: z.literal('authorization.k8s.io/v1').optional(),
  kind: z.literal('SelfSubjectRulesReview').optional(),
  metadata: ObjectMeta.optional(),
  spec: z.object({ namespace: z.string().optional() }),
  status: SubjectRulesReviewStatus.optional(),
});
export type SelfSubjectRulesReview = z.infer<typeof SelfSubjectRulesReview>;
