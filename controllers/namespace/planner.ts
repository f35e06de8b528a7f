// The namespace lifecycle (k8s.io/kubernetes/pkg/controller/namespace), pure: a namespace
// with a deletionTimestamp is marked Terminating, everything in it is deleted, and once
// nothing is left its `kubernetes` finalizer is removed so the API server can delete it.
// Example: ns "team" deleted holding 3 pods and 1 deployment → phase Terminating, delete
// collections of every namespaced resource; next pass finds 0 objects → finalize.
import type { Namespace } from '../../api/core/index.js';

export const KUBERNETES_FINALIZER = 'kubernetes';

export type NamespaceAction =
  | { type: 'markTerminating' }
  | { type: 'deleteAll'; resources: string[] }
  | { type: 'finalize' };

export interface NamespacePlan {
  actions: NamespaceAction[];
  /** Objects still there (pods terminating gracefully): check again after this long. */
  requeueAfterMs?: number;
}

/**
 * remaining: how many objects each namespaced resource (by plural) still has in the
 * namespace, as the loop just listed them (Events included: they are deleted too).
 */
export function planNamespace(ns: Namespace, remaining: Readonly<Record<string, number>>): NamespacePlan {
  if (!ns.metadata.deletionTimestamp) return { actions: [] };
  const actions: NamespaceAction[] = [];
  if (ns.status?.phase !== 'Terminating') actions.push({ type: 'markTerminating' });
  const left = Object.entries(remaining).filter(([, n]) => n > 0).map(([r]) => r);
  if (left.length > 0) {
    actions.push({ type: 'deleteAll', resources: left });
    return { actions, requeueAfterMs: 1000 };
  }
  if ((ns.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) actions.push({ type: 'finalize' });
  return { actions };
}
