// system:masters may do anything, as kube-apiserver's privileged-group authorizer allows —
// first in the union, before Node and RBAC, so a broken policy never locks the admin out.
import { SYSTEM_PRIVILEGED_GROUP } from '../authn/user.js';
import type { Attributes } from './attributes.js';
import type { AuthorizationResult, Authorizer } from './authorizer.js';

export const privilegedGroupAuthorizer: Authorizer = {
  authorize: (a: Attributes): AuthorizationResult => (a.user.groups.includes(SYSTEM_PRIVILEGED_GROUP) ? { decision: 'Allow' } : { decision: 'NoOpinion' }),
};
