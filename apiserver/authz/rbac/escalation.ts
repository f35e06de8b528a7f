// Escalation prevention, as Kubernetes' RBAC storage enforces it: nobody grants what they do
// not hold. Writing a Role or ClusterRole needs every one of its rules to be covered by the
// writer's own rules (or the `escalate` verb on it); writing a binding needs the referenced
// role's rules to be covered (or the `bind` verb on that role). system:masters is exempt. A
// refusal is a 403 listing the rules the user lacks, in Kubernetes' words.
import type { KubeObject } from '../../../api/meta.js';
import type { PolicyRule, RoleRef } from '../../../api/rbac/index.js';
import { RBAC_GROUP } from '../../../api/rbac/index.js';
import { forbiddenObject, notFound } from '../../../api/errors.js';
import { groupResource } from '../../../api/resources.js';
import { SYSTEM_PRIVILEGED_GROUP, type UserInfo } from '../../authn/user.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../../admission.js';
import type { Authorizer } from '../authorizer.js';
import type { PolicyIndex } from './policy-index.js';

/** One verb on one group/resource/name, or one verb on one URL: the unit Covers works in. */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
    for (const g of rule.apiGroups ?? []) {
      for (const r of rule.resources ?? []) {
        const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
        for (const n of names) out.push({ verbs: [verb], apiGroups: [g], resources: [r], ...(n !== undefined ? { resourceNames: [n] } : {}) });
      }
    }
  }
  return out;
}

const has = (xs: readonly string[] | undefined, x: string) => (xs ?? []).includes(x);
const hasAll = (xs: readonly string[] | undefined, ys: readonly string[] | undefined) => (ys ?? []).every((y) => has(xs, y));

/** Kubernetes' ruleCovers: an owner rule grants everything the sub rule does (`*` in the sub rule only by `*`). */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = has(owner.resources, '*') || (sub.resources ?? []).every((r) => {
    if (has(owner.resources, r)) return true;
    const slash = r.indexOf('/');
    return slash >= 0 && has(owner.resources, `*/${r.slice(slash + 1)}`);
  });
  const urls = (sub.nonResourceURLs ?? []).every((u) => (owner.nonResourceURLs ?? []).some((o) => o === u || (o.endsWith('*') && u.startsWith(o.replace(/\*+$/, '')))));
  const names = !sub.resourceNames?.length ? !owner.resourceNames?.length : !owner.resourceNames?.length || hasAll(owner.resourceNames, sub.resourceNames);
  return verbs && groups && resources && urls && names;
}

/** The servant rules' atoms no owner rule covers (Kubernetes' validation.Covers). */
export function uncoveredRules(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): PolicyRule[] {
  return servant.flatMap(breakdown).filter((atom) => !owner.some((o) => ruleCovers(o, atom)));
}

/** Merge atoms that differ only in verb, as CompactRules does, for a readable message. */
function compact(rules: PolicyRule[]): PolicyRule[] {
  const byTarget = new Map<string, PolicyRule>();
  for (const r of rules) {
    const key = JSON.stringify([r.apiGroups, r.resources, r.resourceNames, r.nonResourceURLs]);
    const had = byTarget.get(key);
    if (had) { if (!had.verbs.includes(r.verbs[0]!)) had.verbs.push(r.verbs[0]!); } else byTarget.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...byTarget.values()];
}

/** Go's %q of a []string: ["a" "b"]. */
const q = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

/** rbacv1helpers.CompactString: {APIGroups:[""], Resources:["pods"], Verbs:["delete"]} */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

export function escalationMessage(user: UserInfo, missing: PolicyRule[]): string {
  return `user ${JSON.stringify(user.name)} (groups=${q(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${compact(missing).map(compactString).join('\n')}`;
}

export function rbacEscalationCheck(policy: PolicyIndex, authorizer: Authorizer): AdmissionPlugin {
  const allowedVerb = async (a: AdmissionAttributes, verb: string, resource: string, namespace: string, name: string) =>
    (await authorizer.authorize({
      user: a.user, verb, resourceRequest: true, path: '', apiGroup: RBAC_GROUP, apiVersion: 'v1', resource, subresource: '', namespace, name,
    })).decision === 'Allow';

  const check = async (a: AdmissionAttributes) => {
    const obj = a.object as KubeObject & { rules?: PolicyRule[]; roleRef?: RoleRef; aggregationRule?: unknown };
    const refuse = (why: string) => { throw forbiddenObject(groupResource(a.info), a.name, why); };
    if (a.info.kind === 'Role' || a.info.kind === 'ClusterRole') {
      if (await allowedVerb(a, 'escalate', a.info.plural, a.namespace, a.name)) return;
      if (obj.aggregationRule) refuse('must have cluster-admin privileges to use the aggregationRule');
      const missing = uncoveredRules(policy.rulesFor(a.user, a.namespace), obj.rules ?? []);
      if (missing.length) refuse(escalationMessage(a.user, missing));
      return;
    }
    // RoleBinding / ClusterRoleBinding
    const ref = obj.roleRef!;
    const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
    // In the binding's namespace (cluster scope for a ClusterRoleBinding), as BindingAuthorized asks.
    if (await allowedVerb(a, 'bind', roleResource, a.namespace, ref.name)) return;
    const roleRules = ref.kind === 'ClusterRole' ? policy.clusterRoleRules(ref.name) : policy.roleRefRules(ref, a.namespace);
    if (ref.kind === 'ClusterRole' && roleRules === undefined) throw notFound(`clusterroles.${RBAC_GROUP}`, ref.name);
    const missing = uncoveredRules(policy.rulesFor(a.user, a.namespace), roleRules ?? []);
    if (missing.length) refuse(escalationMessage(a.user, missing));
  };
  // Anything but an RBAC object written by someone outside system:masters: nothing to do (synchronously).
  return (a) => (a.info.group !== RBAC_GROUP || a.operation === 'DELETE' || !a.object || a.user.groups.includes(SYSTEM_PRIVILEGED_GROUP) ? undefined : check(a));
}
