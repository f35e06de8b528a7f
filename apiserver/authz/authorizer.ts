// The authorization seam: an Authorizer says Allow, Deny or NoOpinion for Attributes; a union
// asks each in turn until one decides (Kubernetes' union authorizer). A request nobody allows
// is a 403 Forbidden Status in Kubernetes' own words (forbiddenStatus).
import type { Status } from '../../api/meta.js';
import type { Attributes } from './attributes.js';

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

export interface AuthorizationResult {
  decision: Decision;
  /** Why, when there is something to say (appended to the 403's message). */
  reason?: string;
}

export interface Authorizer {
  authorize(a: Attributes): AuthorizationResult | Promise<AuthorizationResult>;
}

export function unionAuthorizer(...authorizers: Authorizer[]): Authorizer {
  return {
    async authorize(a) {
      const reasons: string[] = [];
      for (const z of authorizers) {
        const r = await z.authorize(a);
        if (r.decision !== 'NoOpinion') return r;
        if (r.reason) reasons.push(r.reason);
      }
      return { decision: 'NoOpinion', ...(reasons.length ? { reason: reasons.join('\n') } : {}) };
    },
  };
}

/** kube-apiserver's forbiddenMessage: what the user may not do. */
export function forbiddenMessage(a: Attributes): string {
  const user = a.user.name;
  if (!a.resourceRequest) return `User ${JSON.stringify(user)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (a.namespace) return `User ${JSON.stringify(user)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} in the namespace ${JSON.stringify(a.namespace)}`;
  return `User ${JSON.stringify(user)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} at the cluster scope`;
}

/** The 403 Status: `pods "web" is forbidden: User "jane" cannot get resource "pods" in API group "" in the namespace "default"`. */
export function forbiddenStatus(a: Attributes, reason?: string): Status {
  const why = forbiddenMessage(a) + (reason ? `: ${reason}` : '');
  if (!a.resourceRequest) {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `forbidden: ${why}`, reason: 'Forbidden', details: {}, code: 403 };
  }
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const message = a.name ? `${qualified} ${JSON.stringify(a.name)} is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden',
    details: { ...(a.name ? { name: a.name } : {}), group: a.apiGroup, kind: a.resource }, code: 403,
  };
}
