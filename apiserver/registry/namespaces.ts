// Namespaces: created Active with the `kubernetes` spec finalizer; deleting one marks it
// Terminating (deletionTimestamp set) and keeps it until the namespace controller has
// emptied it and cleared spec.finalizers through the /finalize subresource. The built-in
// namespaces cannot be deleted.
import type { Namespace } from '../../api/core/index.js';
import type { KubeObject } from '../../api/meta.js';
import { forbidden } from '../../api/errors.js';
import type { Strategy } from './strategy.js';

export const NAMESPACE_FINALIZER = 'kubernetes';
export const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const UNDELETABLE = new Set(['default', 'kube-system', 'kube-public']);

export const namespaceStrategy: Strategy = {
  tracksGeneration: false,
  prepareForCreate(obj) {
    const ns = obj as unknown as Namespace;
    ns.status = { phase: 'Active' };
    const fin = ns.spec?.finalizers;
    ns.spec = { finalizers: fin && fin.length ? fin : [NAMESPACE_FINALIZER] };
  },
  prepareForUpdate(obj, old) {
    // spec.finalizers move only through /finalize.
    const ns = obj as unknown as Namespace;
    const o = old as unknown as Namespace;
    if (o.spec === undefined) delete ns.spec;
    else ns.spec = structuredClone(o.spec);
  },
  pendingFinalization(obj) {
    return ((obj as unknown as Namespace).spec?.finalizers ?? []).length > 0;
  },
  markDeleting(obj) {
    const ns = obj as unknown as Namespace;
    ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
  },
  checkDelete(obj: KubeObject) {
    const name = obj.metadata.name ?? '';
    if (UNDELETABLE.has(name)) throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
  },
};

/** PUT /api/v1/namespaces/NAME/finalize: only spec.finalizers changes. */
export function finalizeNamespace(current: KubeObject, incoming: KubeObject): KubeObject {
  const next = structuredClone(current) as unknown as Namespace;
  const fin = (incoming as unknown as Namespace).spec?.finalizers ?? [];
  next.spec = { ...(next.spec ?? {}), finalizers: [...fin] };
  return next as unknown as KubeObject;
}
