// authentication.k8s.io/v1: SelfSubjectReview and TokenReview, create-only (questions, not
// stored objects); TokenRequest is spoken only through serviceaccounts/token.
import type { APIGroupVersion, ResourceInfo } from '../resource-definition.js';
import {
  BoundObjectReference, SelfSubjectReview, SelfSubjectReviewStatus, TokenRequest, TokenRequestSpec, TokenRequestStatus,
  TokenReview, TokenReviewSpec, TokenReviewStatus, UserInfo,
} from './types.js';

const common = {
  group: 'authentication.k8s.io', version: 'v1', namespaced: false, shortNames: [], categories: [], subresources: [], hasStatus: false, verbs: ['create'],
} satisfies Partial<ResourceInfo>;

export const authenticationV1: APIGroupVersion = {
  group: 'authentication.k8s.io', version: 'v1',
  resources: [
    { ...common, kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', singular: 'selfsubjectreview', schema: SelfSubjectReview },
    { ...common, kind: 'TokenReview', plural: 'tokenreviews', singular: 'tokenreview', schema: TokenReview },
  ],
  kinds: [{ kind: 'TokenRequest', schema: TokenRequest }],
  components: {
    SelfSubjectReview, SelfSubjectReviewStatus, UserInfo, TokenRequest, TokenRequestSpec, TokenRequestStatus, BoundObjectReference,
    TokenReview, TokenReviewSpec, TokenReviewStatus,
  },
};
