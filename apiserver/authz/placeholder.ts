// PLACEHOLDER AUTHORIZER — to be replaced by RBAC (rbac.authorization.k8s.io) and the Node
// authorizer. Until then every authenticated user may do everything, which is no better than
// before authentication existed, only no worse:
//   - system:masters: allowed (this one stays: Kubernetes' privileged group bypasses RBAC);
//   - any other authenticated user (system:authenticated): allowed — the placeholder part;
//   - anonymous (system:unauthenticated): only GET of /healthz, /livez, /readyz, /version and
//     their subpaths, what Kubernetes' system:public-info-viewer ClusterRole grants.
// Its decisions are Allow or NoOpinion, so it can sit last in a union behind RBAC.
import { anonymousAllowed } from '../authn/chain.js';
import { ALL_AUTHENTICATED, SYSTEM_PRIVILEGED_GROUP } from '../authn/user.js';
import type { Attributes } from './attributes.js';
import type { AuthorizationResult, Authorizer } from './authorizer.js';

/** system:masters may do anything, as kube-apiserver's privileged-group authorizer allows. */
export const privilegedGroupAuthorizer: Authorizer = {
  authorize: (a: Attributes): AuthorizationResult => (a.user.groups.includes(SYSTEM_PRIVILEGED_GROUP) ? { decision: 'Allow' } : { decision: 'NoOpinion' }),
};

export const placeholderAuthorizer: Authorizer = {
  authorize(a: Attributes): AuthorizationResult {
    if (a.user.groups.includes(SYSTEM_PRIVILEGED_GROUP)) return { decision: 'Allow' };
    if (a.user.groups.includes(ALL_AUTHENTICATED)) return { decision: 'Allow', reason: 'placeholder: every authenticated user is allowed until RBAC' };
    if (!a.resourceRequest && (a.verb === 'get' || a.verb === 'head') && anonymousAllowed(a.path)) return { decision: 'Allow' };
    return { decision: 'NoOpinion' };
  },
};
