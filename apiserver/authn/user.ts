// The authenticated user of a request, as Kubernetes' user.Info: a name, a uid, groups and
// extra attributes. Authorization (apiserver/authz/) decides on nothing else.
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Every authenticated user is in it (added by the chain, as Kubernetes' AuthenticatedGroupAdder). */
export const ALL_AUTHENTICATED = 'system:authenticated';
/** Anonymous requests' only group. */
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';
/** The superuser group: `skiff up`'s admin certificate carries it. */
export const SYSTEM_PRIVILEGED_GROUP = 'system:masters';

/**
 * Everyone on the plain-HTTP development port, as kube-apiserver's old insecure port treated
 * its callers: a superuser, no credentials asked.
 */
export const INSECURE_USER: UserInfo = { name: 'system:unsecured', groups: [SYSTEM_PRIVILEGED_GROUP, ALL_AUTHENTICATED] };
