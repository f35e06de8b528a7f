// Bootstrap policy reconciliation, as kube-apiserver's post-start hook does it: every start-up
// creates the default roles and bindings that are missing, and adds back to existing ones any
// rule, label, annotation or subject the defaults have and they lost — keeping what an admin
// added. An object annotated rbac.authorization.kubernetes.io/autoupdate=false is left alone.
// A binding whose roleRef differs is recreated (roleRef is immutable). planReconcile is pure.
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Subject } from '../../../api/rbac/index.js';
import { isStatusError } from '../../../api/errors.js';
import type { Registry } from '../../registry/index.js';
import { AUTOUPDATE_ANNOTATION, CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES } from './bootstrap-policy.js';
import { uncoveredRules } from './escalation.js';

export type ReconcileAction<T> =
  | { type: 'create'; obj: T }
  | { type: 'update'; obj: T }
  | { type: 'recreate'; obj: T };

function mergeMap(have: Record<string, string> | null | undefined, want: Record<string, string> | null | undefined): Record<string, string> | undefined {
  if (!have) return want ?? undefined;
  if (!want) return have;
  return { ...want, ...have };
}

function sameMap(a: Record<string, string> | null | undefined, b: Record<string, string> | null | undefined): boolean {
  return JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());
}

const sameSubject = (a: Subject, b: Subject) => a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');

export function reconcileRole(existing: ClusterRole | undefined, want: ClusterRole): ReconcileAction<ClusterRole> | undefined {
  if (!existing) return { type: 'create', obj: want };
  if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return undefined;
  const labels = mergeMap(existing.metadata.labels, want.metadata.labels);
  const annotations = mergeMap(existing.metadata.annotations, want.metadata.annotations);
  // An aggregated role's rules are the aggregation controller's to fill; only its selectors are reconciled.
  const missing: PolicyRule[] = want.aggregationRule ? [] : (want.rules ?? []).filter((r) => uncoveredRules(existing.rules ?? [], [r]).length > 0);
  const selectors = want.aggregationRule?.clusterRoleSelectors ?? [];
  const haveSelectors = existing.aggregationRule?.clusterRoleSelectors ?? [];
  const newSelectors = selectors.filter((s) => !haveSelectors.some((h) => JSON.stringify(h) === JSON.stringify(s)));
  if (!missing.length && !newSelectors.length && sameMap(labels, existing.metadata.labels) && sameMap(annotations, existing.metadata.annotations)) return undefined;
  return {
    type: 'update',
    obj: {
      ...existing,
      metadata: { ...existing.metadata, labels, annotations },
      rules: [...(existing.rules ?? []), ...missing],
      ...(want.aggregationRule ? { aggregationRule: { clusterRoleSelectors: [...haveSelectors, ...newSelectors] } } : {}),
    },
  };
}

export function reconcileBinding(existing: ClusterRoleBinding | undefined, want: ClusterRoleBinding): ReconcileAction<ClusterRoleBinding> | undefined {
  if (!existing) return { type: 'create', obj: want };
  if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return undefined;
  const r = existing.roleRef;
  if (r.kind !== want.roleRef.kind || r.name !== want.roleRef.name || r.apiGroup !== want.roleRef.apiGroup) return { type: 'recreate', obj: want };
  const subjects = existing.subjects ?? [];
  const missing = (want.subjects ?? []).filter((s) => !subjects.some((h) => sameSubject(h, s)));
  const labels = mergeMap(existing.metadata.labels, want.metadata.labels);
  const annotations = mergeMap(existing.metadata.annotations, want.metadata.annotations);
  if (!missing.length && sameMap(labels, existing.metadata.labels) && sameMap(annotations, existing.metadata.annotations)) return undefined;
  return { type: 'update', obj: { ...existing, metadata: { ...existing.metadata, labels, annotations }, subjects: [...subjects, ...missing] } };
}

/**
 * The thin loop: read each default object, plan, write. Another API server reconciling at the
 * same moment makes a create or update lose (409); the next pass re-reads and finds it done.
 */
export async function ensureBootstrapPolicy(registry: Registry): Promise<void> {
  await ensure(registry, 'ClusterRole', CLUSTER_ROLES, reconcileRole);
  await ensure(registry, 'ClusterRoleBinding', CLUSTER_ROLE_BINDINGS, reconcileBinding);
}

async function ensure<T extends ClusterRole | ClusterRoleBinding>(
  registry: Registry, kind: string, wanted: readonly T[], plan: (existing: T | undefined, want: T) => ReconcileAction<T> | undefined,
): Promise<void> {
  const store = registry.byKind(kind);
  for (const want of wanted) {
    const name = want.metadata.name!;
    for (let attempt = 0; ; attempt++) {
      try {
        const existing = await store.get(undefined, name).catch((e: unknown) => {
          if (isStatusError(e, 'NotFound')) return undefined;
          throw e;
        }) as T | undefined;
        const action = plan(existing, structuredClone(want));
        if (!action) break;
        if (action.type === 'recreate') await store.delete(undefined, name);
        if (action.type === 'update') await store.update(undefined, name, action.obj);
        else await store.create(undefined, action.obj);
        break;
      } catch (e) {
        if (attempt < 3 && (isStatusError(e, 'AlreadyExists') || isStatusError(e, 'Conflict') || isStatusError(e, 'NotFound'))) continue;
        throw e;
      }
    }
  }
}
