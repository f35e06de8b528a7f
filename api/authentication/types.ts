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
