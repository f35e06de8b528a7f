// authorization.k8s.io/v1: create-only reviews (questions, not stored objects).
import type { APIGroupVersion, ResourceInfo } from '../resource-definition.js';
import {
  LocalSubjectAccessReview, NonResourceAttributes, NonResourceRule, ResourceAttributes, ResourceRule, SelfSubjectAccessReview,
  SelfSubjectRulesReview, SubjectAccessReview, SubjectAccessReviewSpec, SubjectAccessReviewStatus, SubjectRulesReviewStatus,
} from './types.js';
import { validateLocalSubjectAccessReview, validateSelfSubjectAccessReview, validateSubjectAccessReview } from './validation.js';

const common = {
  group: 'authorization.k8s.io', version: 'v1', shortNames: [], categories: [], subresources: [], hasStatus: false, verbs: ['create'],
} satisfies Partial<ResourceInfo>;

export const authorizationV1: APIGroupVersion = {
  group: 'authorization.k8s.io', version: 'v1',
  resources: [
    { ...common, kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', singular: 'subjectaccessreview', namespaced: false, schema: SubjectAccessReview, validate: validateSubjectAccessReview },
    { ...common, kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', singular: 'localsubjectaccessreview', namespaced: true, schema: LocalSubjectAccessReview, validate: validateLocalSubjectAccessReview },
    { ...common, kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', namespaced: false, schema: SelfSubjectAccessReview, validate: validateSelfSubjectAccessReview },
    { ...common, kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview', namespaced: false, schema: SelfSubjectRulesReview },
  ],
  components: {
    SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReviewSpec,
    SubjectAccessReviewStatus, ResourceAttributes, NonResourceAttributes, ResourceRule, NonResourceRule, SubjectRulesReviewStatus,
  },
};
