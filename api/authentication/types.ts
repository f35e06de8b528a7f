// authentication.k8s.io/v1: SelfSubjectReview — "who am I", answered from the credentials of
// the request that creates it (what `kubectl auth whoami` asks). Never stored.
import { z } from 'zod';
import { ObjectMeta } from '../meta.js';

export const UserInfo = z.object({
  username: z.string().optional(),
  uid: z.string().optional(),
  groups: z.array(z.string()).optional(),
  extra: z.record(z.string(), z.array(z.string())).optional(),
});
export type UserInfo = z.infer<typeof UserInfo>;

export const SelfSubjectReviewStatus = z.object({
  userInfo: UserInfo.optional(),
});

export const SelfSubjectReview = z.object({
  apiVersion: z.literal('authentication.k8s.io/v1').optional(),
  kind: z.literal('SelfSubjectReview').optional(),
  metadata: ObjectMeta.optional(),
  status: SelfSubjectReviewStatus.optional(),
});
export type SelfSubjectReview = z.infer<typeof SelfSubjectReview>;

// TokenRequest (the serviceaccounts/token subresource's kind): a signed, audience-bound,
// expiring ServiceAccount token, optionally bound to a Pod, Secret or Node whose deletion
// revokes it. Never stored.
export const BoundObjectReference = z.object({
  kind: z.string().optional(),
  apiVersion: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
});
export type BoundObjectReference = z.infer<typeof BoundObjectReference>;

export const TokenRequestSpec = z.object({
  audiences: z.array(z.string()).optional(),
  expirationSeconds: z.number().int().optional(),
  boundObjectRef: BoundObjectReference.optional(),
});

export const TokenRequestStatus = z.object({
  token: z.string(),
  expirationTimestamp: z.string(),
});

export const TokenRequest = z.object({
  apiVersion: z.literal('authentication.k8s.io/v1').optional(),
  kind: z.literal('TokenRequest').optional(),
  metadata: ObjectMeta.optional(),
  spec: TokenRequestSpec,
  status: TokenRequestStatus.optional(),
});
export type TokenRequest = z.infer<typeof TokenRequest>;

// TokenReview: is this bearer token good, and whose is it (what a kubelet or any webhook asks
// the API server). Never stored.
export const TokenReviewSpec = z.object({
  token: z.string().optional(),
  audiences: z.array(z.string()).optional(),
});

export const TokenReviewStatus = z.object({
  authenticated: z.boolean().optional(),
  user: UserInfo.optional(),
  audiences: z.array(z.string()).optional(),
  error: z.string().optional(),
});

export const TokenReview = z.object({
  apiVersion: z.literal('authentication.k8s.io/v1').optional(),
  kind: z.literal('TokenReview').optional(),
  metadata: ObjectMeta.optional(),
  spec: TokenReviewSpec,
  status: TokenReviewStatus.optional(),
});
export type TokenReview = z.infer<typeof TokenReview>;
