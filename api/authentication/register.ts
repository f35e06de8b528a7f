// authentication.k8s.io/v1: SelfSubjectReview, create-only (a question, not a stored object).
import type { APIGroupVersion } from '../resource-definition.js';
import { SelfSubjectReview, SelfSubjectReviewStatus, UserInfo } from './types.js';

export const authenticationV1: APIGroupVersion = {
  group: 'authentication.k8s.io', version: 'v1',
  resources: [{
    group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', singular: 'selfsubjectreview',
    namespaced: false, shortNames: [], categories: [], subresources: [], hasStatus: false, schema: SelfSubjectReview, verbs: ['create'],
  }],
  components: { SelfSubjectReview, SelfSubjectReviewStatus, UserInfo },
};
