// The RBAC authorizer: Allow when a role bound to the user (by name, by one of its groups, or
// as its ServiceAccount) has a rule that matches; otherwise NoOpinion, so the next authorizer
// in the union may still allow and a refusal is the union's 403. Decisions read the subject
// index (policy-index.ts): cost grows with the user's own bindings, not with all of them.
import type { Attributes } from '../attributes.js';
import type { AuthorizationResult, Authorizer } from '../authorizer.js';
import type { BindingRecord, PolicyIndex } from './policy-index.js';
import { rulesAllow } from './rule-matching.js';

export class RBACAuthorizer implements Authorizer {
  constructor(readonly policy: PolicyIndex) {}

  authorize(a: Attributes): AuthorizationResult {
    let by: BindingRecord | undefined;
    const allowed = this.policy.visit(a.user, a.namespace, (g) => {
      if (!rulesAllow(a, g.rules)) return false;
      by = g.binding;
      return true;
    });
    if (!allowed) return { decision: 'NoOpinion' };
    return { decision: 'Allow', reason: allowReason(by!) };
  }
}

/** The Allow reason per binding record, made once: every request allowed by it carries it. */
const allowReasons = new WeakMap<BindingRecord, string>();
function allowReason(b: BindingRecord): string {
  let r = allowReasons.get(b);
  if (r === undefined) allowReasons.set(b, (r = `RBAC: allowed by ${describeBinding(b)}`));
  return r;
}

/** `ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin"`, as the audit reason reads. */
export function describeBinding(b: BindingRecord): string {
  const name = b.kind === 'RoleBinding' ? `${b.namespace}/${b.name}` : b.name;
  return `${b.kind} ${JSON.stringify(name)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)}`;
}
