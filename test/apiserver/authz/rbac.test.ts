// RBAC's pure parts: rule matching, the subject index the authorizer decides with,
// escalation checks (Covers and its message), aggregation, and bootstrap reconciliation.
import { describe, expect, it } from 'vitest';
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from '../../../api/rbac/index.js';
import type { Attributes } from '../../../apiserver/authz/attributes.js';
import { ruleAllows } from '../../../apiserver/authz/rbac/rule-matching.js';
import { PolicyIndex } from '../../../apiserver/authz/rbac/policy-index.js';
import { RBACAuthorizer } from '../../../apiserver/authz/rbac/rbac-authorizer.js';
import { compactString, escalationMessage, uncoveredRules } from '../../../apiserver/authz/rbac/escalation.js';
import { reconcileBinding, reconcileRole } from '../../../apiserver/authz/rbac/reconcile.js';
import { CLUSTER_ROLES } from '../../../apiserver/authz/rbac/bootstrap-policy.js';
import { planAggregation } from '../../../controllers/clusterrole-aggregation/planner.js';
import type { UserInfo } from '../../../apiserver/authn/user.js';

const jane: UserInfo = { name: 'jane', groups: ['dev', 'system:authenticated'] };

function res(verb: string, resource: string, o: Partial<Attributes> = {}): Attributes {
  const [r, sub = ''] = resource.split('/');
  return { user: jane, verb, resourceRequest: true, path: '', apiGroup: '', apiVersion: 'v1', resource: r!, subresource: sub, namespace: 'default', name: '', ...o };
}
const url = (verb: string, path: string): Attributes => ({ ...res(verb, ''), resourceRequest: false, path, namespace: '' });

describe('rule matching', () => {
  it('verbs, groups, resources, subresources, names and URLs, with their wildcards', () => {
    const pods: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };
    expect(ruleAllows(res('list', 'pods'), pods)).toBe(true);
    expect(ruleAllows(res('delete', 'pods'), pods)).toBe(false);
    expect(ruleAllows(res('get', 'pods/log'), pods)).toBe(false);
    expect(ruleAllows(res('list', 'deployments', { apiGroup: 'apps' }), pods)).toBe(false);
    expect(ruleAllows(res('get', 'pods/log'), { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] })).toBe(true);
    expect(ruleAllows(res('update', 'deployments/scale', { apiGroup: 'apps' }), { verbs: ['update'], apiGroups: ['*'], resources: ['*/scale'] })).toBe(true);
    expect(ruleAllows(res('update', 'deployments', { apiGroup: 'apps' }), { verbs: ['update'], apiGroups: ['*'], resources: ['*/scale'] })).toBe(false);
    const named: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['app'] };
    expect(ruleAllows(res('get', 'configmaps', { name: 'app' }), named)).toBe(true);
    expect(ruleAllows(res('get', 'configmaps', { name: 'other' }), named)).toBe(false);
    expect(ruleAllows(res('list', 'configmaps'), { ...named, verbs: ['list'] })).toBe(false);
    expect(ruleAllows(url('get', '/healthz'), { verbs: ['get'], nonResourceURLs: ['/healthz'] })).toBe(true);
    expect(ruleAllows(url('get', '/healthz/etcd'), { verbs: ['get'], nonResourceURLs: ['/healthz'] })).toBe(false);
    expect(ruleAllows(url('get', '/apis/apps/v1'), { verbs: ['get'], nonResourceURLs: ['/apis/*'] })).toBe(true);
    expect(ruleAllows(url('post', '/apis'), { verbs: ['*'], nonResourceURLs: ['*'] })).toBe(true);
    expect(ruleAllows(res('get', 'pods'), { verbs: ['get'], nonResourceURLs: ['*'] })).toBe(false);
  });
});

describe('the RBAC authorizer over the subject index', () => {
  const index = () => {
    const ix = new PolicyIndex();
    ix.setClusterRole('view', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }]);
    ix.setRole('team', 'deployer', [{ verbs: ['*'], apiGroups: ['apps'], resources: ['deployments'] }]);
    return ix;
  };

  it('a RoleBinding grants in its namespace only; a ClusterRoleBinding everywhere; groups and ServiceAccounts are subjects', () => {
    const ix = index();
    const z = new RBACAuthorizer(ix);
    expect(z.authorize(res('list', 'pods')).decision).toBe('NoOpinion');
    ix.setBinding({ kind: 'RoleBinding', name: 'dev-view', namespace: 'default', roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'dev' }] });
    expect(z.authorize(res('list', 'pods'))).toEqual({ decision: 'Allow', reason: 'RBAC: allowed by RoleBinding "default/dev-view" of ClusterRole "view"' });
    expect(z.authorize(res('list', 'pods', { namespace: 'team' })).decision).toBe('NoOpinion');
    expect(z.authorize(res('list', 'pods', { namespace: '' })).decision).toBe('NoOpinion');
    ix.setBinding({ kind: 'RoleBinding', name: 'ci', namespace: 'team', roleRef: { kind: 'Role', name: 'deployer' }, subjects: [{ kind: 'ServiceAccount', name: 'ci' }] });
    const sa: UserInfo = { name: 'system:serviceaccount:team:ci', groups: ['system:serviceaccounts', 'system:authenticated'] };
    expect(z.authorize(res('delete', 'deployments', { user: sa, apiGroup: 'apps', namespace: 'team' })).decision).toBe('Allow');
    expect(z.authorize(res('delete', 'deployments', { user: sa, apiGroup: 'apps', namespace: 'default' })).decision).toBe('NoOpinion');
    ix.setBinding({ kind: 'ClusterRoleBinding', name: 'jane-view', roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'jane' }] });
    expect(z.authorize(res('list', 'pods', { namespace: '' })).decision).toBe('Allow');
    ix.deleteBinding('ClusterRoleBinding', undefined, 'jane-view');
    expect(z.authorize(res('list', 'pods', { namespace: '' })).decision).toBe('NoOpinion');
  });

  it('a role that does not exist (yet) grants nothing; its rules count as soon as it appears', () => {
    const ix = new PolicyIndex();
    const z = new RBACAuthorizer(ix);
    ix.setBinding({ kind: 'ClusterRoleBinding', name: 'b', roleRef: { kind: 'ClusterRole', name: 'later' }, subjects: [{ kind: 'User', name: 'jane' }] });
    expect(z.authorize(res('get', 'pods')).decision).toBe('NoOpinion');
    ix.setClusterRole('later', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]);
    expect(z.authorize(res('get', 'pods')).decision).toBe('Allow');
  });

  it('rulesFor collects what the user holds in a namespace', () => {
    const ix = index();
    ix.setBinding({ kind: 'RoleBinding', name: 'a', namespace: 'team', roleRef: { kind: 'Role', name: 'deployer' }, subjects: [{ kind: 'User', name: 'jane' }] });
    ix.setBinding({ kind: 'RoleBinding', name: 'b', namespace: 'team', roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'dev' }, { kind: 'User', name: 'jane' }] });
    expect(ix.rulesFor(jane, 'team')).toHaveLength(2);
    expect(ix.rulesFor(jane, 'default')).toEqual([]);
  });
});

describe('escalation checks', () => {
  const owner: PolicyRule[] = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] },
    { verbs: ['update'], apiGroups: ['*'], resources: ['*/scale'] },
    { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['app'] },
    { verbs: ['get'], nonResourceURLs: ['/metrics/*'] },
  ];
  it('covered: subsets, */subresource, named resources, URL prefixes', () => {
    expect(uncoveredRules(owner, [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }])).toEqual([]);
    expect(uncoveredRules(owner, [{ verbs: ['update'], apiGroups: ['apps'], resources: ['deployments/scale'] }])).toEqual([]);
    expect(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['app'] }])).toEqual([]);
    expect(uncoveredRules(owner, [{ verbs: ['get'], nonResourceURLs: ['/metrics/cadvisor'] }])).toEqual([]);
  });
  it('not covered: another verb, every name when one is held, a wildcard when only names are held', () => {
    expect(uncoveredRules(owner, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }])).toEqual([{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]);
    expect(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }])).toHaveLength(1);
    expect(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['*'] }])).toHaveLength(1);
    expect(uncoveredRules(owner, [{ verbs: ['*'], apiGroups: [''], resources: ['pods'] }])).toHaveLength(1);
    expect(uncoveredRules([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['*'], apiGroups: ['x'], resources: ['*'], resourceNames: ['a'] }])).toEqual([]);
  });
  it('says what is missing in Kubernetes\' words, compacted by target', () => {
    const missing = uncoveredRules(owner, [{ verbs: ['delete', 'create'], apiGroups: [''], resources: ['pods'] }]);
    expect(escalationMessage(jane, missing)).toBe(
      'user "jane" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete" "create"]}',
    );
    expect(compactString({ verbs: ['get'], nonResourceURLs: ['/x'] })).toBe('{NonResourceURLs:["/x"], Verbs:["get"]}');
  });
});

describe('aggregation', () => {
  const role = (name: string, labels: Record<string, string>, rules: PolicyRule[] = []): ClusterRole => ({ metadata: { name, labels }, rules });
  it('an aggregated role takes the matching roles\' rules, in name order, each once', () => {
    const view: ClusterRole = { metadata: { name: 'view' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] }, rules: [] };
    const a = role('b-crd', { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, [{ verbs: ['get'], apiGroups: ['x'], resources: ['widgets'] }]);
    const b = role('a-core', { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], apiGroups: ['x'], resources: ['widgets'] }]);
    const other = role('other', {}, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
    const rules = planAggregation(view, [view, a, b, other])!;
    expect(rules).toEqual([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], apiGroups: ['x'], resources: ['widgets'] }]);
    expect(planAggregation({ ...view, rules }, [view, a, b, other])).toBeUndefined();
    expect(planAggregation(other, [view, a, b, other])).toBeUndefined();
  });
});

describe('bootstrap reconciliation', () => {
  const view = CLUSTER_ROLES.find((r) => r.metadata.name === 'system:aggregate-to-view')!;
  it('creates what is missing, adds back lost rules and keeps an admin\'s additions; autoupdate=false is left alone', () => {
    expect(reconcileRole(undefined, view)).toEqual({ type: 'create', obj: view });
    expect(reconcileRole(view, view)).toBeUndefined();
    const extra: PolicyRule = { verbs: ['get'], apiGroups: ['x'], resources: ['widgets'] };
    const edited: ClusterRole = { ...view, rules: [view.rules![1]!, extra] };
    const r = reconcileRole(edited, view)!;
    expect(r.type).toBe('update');
    expect(r.obj.rules).toContainEqual(extra);
    expect(uncoveredRules(r.obj.rules!, view.rules!)).toEqual([]);
    const pinned = { ...edited, metadata: { ...edited.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } } };
    expect(reconcileRole(pinned, view)).toBeUndefined();
  });
  it('bindings get their subjects back; a changed roleRef is recreated', () => {
    const want: ClusterRoleBinding = { metadata: { name: 'cluster-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' }] };
    expect(reconcileBinding({ ...want, subjects: [] }, want)).toMatchObject({ type: 'update', obj: { subjects: want.subjects } });
    expect(reconcileBinding({ ...want, roleRef: { ...want.roleRef, name: 'view' } }, want)).toEqual({ type: 'recreate', obj: want });
    expect(reconcileBinding(want, want)).toBeUndefined();
  });
});
