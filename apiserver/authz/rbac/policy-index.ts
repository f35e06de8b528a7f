// The RBAC policy the authorizer decides with, indexed by subject: roles and cluster roles by
// name, and every binding under each of its subjects, so a decision visits only the bindings
// that name the user, one of its groups or its ServiceAccount — never a scan of all bindings
// (10,000 RoleBindings cost a lookup, not a loop). Pure data: the API server fills it from its
// watch caches (policy-source.ts); tests fill it directly.
import type { PolicyRule, RoleRef, Subject } from '../../../api/rbac/index.js';
import type { UserInfo } from '../../authn/user.js';

export interface BindingRecord {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  /** RoleBindings: the namespace they grant in. */
  namespace?: string;
  roleRef: RoleRef;
  subjects: Subject[];
}

/** Kubernetes' ServiceAccount user name: system:serviceaccount:NAMESPACE:NAME. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** The index key a subject is filed under; a ServiceAccount is the user it authenticates as. */
function subjectKey(s: Subject, bindingNamespace: string | undefined): string | undefined {
  if (s.kind === 'User') return `u:${s.name}`;
  if (s.kind === 'Group') return `g:${s.name}`;
  if (s.kind === 'ServiceAccount') {
    const ns = s.namespace || bindingNamespace;
    return ns ? `u:${serviceAccountUsername(ns, s.name)}` : undefined;
  }
  return undefined;
}

export function bindingKey(kind: BindingRecord['kind'], namespace: string | undefined, name: string): string {
  return kind === 'RoleBinding' ? `rb/${namespace}/${name}` : `crb/${name}`;
}

/** What a decision visits: the rules of one binding's role, and which binding granted them. */
export interface GrantedRules {
  binding: BindingRecord;
  rules: readonly PolicyRule[];
}

export class PolicyIndex {
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  private readonly bindings = new Map<string, BindingRecord>();
  private readonly bySubject = new Map<string, Set<BindingRecord>>();

  setRole(namespace: string, name: string, rules: PolicyRule[] | null | undefined): void {
    this.roles.set(`${namespace}/${name}`, rules ?? []);
  }
  deleteRole(namespace: string, name: string): void {
    this.roles.delete(`${namespace}/${name}`);
  }
  setClusterRole(name: string, rules: PolicyRule[] | null | undefined): void {
    this.clusterRoles.set(name, rules ?? []);
  }
  deleteClusterRole(name: string): void {
    this.clusterRoles.delete(name);
  }
  clusterRoleRules(name: string): readonly PolicyRule[] | undefined {
    return this.clusterRoles.get(name);
  }

  setBinding(b: BindingRecord): void {
    const key = bindingKey(b.kind, b.namespace, b.name);
    this.deleteBinding(b.kind, b.namespace, b.name);
    this.bindings.set(key, b);
    for (const s of b.subjects) {
      const k = subjectKey(s, b.namespace);
      if (!k) continue;
      let set = this.bySubject.get(k);
      if (!set) this.bySubject.set(k, (set = new Set()));
      set.add(b);
    }
  }

  deleteBinding(kind: BindingRecord['kind'], namespace: string | undefined, name: string): void {
    const key = bindingKey(kind, namespace, name);
    const old = this.bindings.get(key);
    if (!old) return;
    this.bindings.delete(key);
    for (const s of old.subjects) {
      const k = subjectKey(s, old.namespace);
      const set = k ? this.bySubject.get(k) : undefined;
      if (!set) continue;
      set.delete(old);
      if (set.size === 0) this.bySubject.delete(k!);
    }
  }

  /** The rules a role reference grants (a RoleBinding's Role lives in its namespace); unknown roles grant nothing. */
  roleRefRules(ref: RoleRef, namespace: string | undefined): readonly PolicyRule[] {
    if (ref.kind === 'ClusterRole') return this.clusterRoles.get(ref.name) ?? [];
    if (ref.kind === 'Role' && namespace) return this.roles.get(`${namespace}/${ref.name}`) ?? [];
    return [];
  }

  /**
   * Every grant that applies to the user in the namespace ('' = cluster scope: only
   * ClusterRoleBindings), until visit returns true. A binding reached by two subjects
   * (the user and a group) is visited once.
   */
  visit(user: UserInfo, namespace: string, visit: (g: GrantedRules) => boolean): boolean {
    const seen = new Set<BindingRecord>();
    for (const key of [`u:${user.name}`, ...user.groups.map((g) => `g:${g}`)]) {
      const set = this.bySubject.get(key);
      if (!set) continue;
      for (const b of set) {
        if (seen.has(b)) continue;
        seen.add(b);
        if (b.kind === 'RoleBinding' && b.namespace !== namespace) continue;
        if (visit({ binding: b, rules: this.roleRefRules(b.roleRef, b.namespace) })) return true;
      }
    }
    return false;
  }

  /** All rules the user holds in the namespace (cluster-wide ones included). */
  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    const out: PolicyRule[] = [];
    this.visit(user, namespace, (g) => { out.push(...g.rules); return false; });
    return out;
  }
}
