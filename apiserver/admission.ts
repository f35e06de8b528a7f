// Admission: plugins that need the object and the user together. Validating plugins run
// after defaults and validation, before the write, and throw a StatusError to refuse
// (NodeRestriction, RBAC escalation, CSR rules); mutating plugins run on create before
// validation and may change the object (the ServiceAccount plugin) — kube-apiserver's two
// admission phases. The REST handler binds the request's user, resource and subresource into
// the store's WriteOptions.admit / .mutate (registry/store.ts).
import type { ResourceInfo } from '../api/resources.js';
import type { KubeObject } from '../api/meta.js';
import type { UserInfo } from './authn/user.js';
import type { AdmitWrite } from './registry/store.js';

export interface AdmissionAttributes {
  user: UserInfo;
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  info: ResourceInfo;
  subresource: string;
  namespace: string;
  name: string;
  /** The object to be written (CREATE, UPDATE). */
  object?: KubeObject;
  /** The stored object (UPDATE, DELETE). */
  oldObject?: KubeObject;
}

/**
 * A validating plugin throws to refuse; a mutating one (create only) may change a.object. A
 * plugin that has nothing to do with a request answers synchronously (undefined), so a chain
 * of such plugins costs no promise or microtask per write.
 */
export type AdmissionPlugin = (a: AdmissionAttributes) => void | Promise<void>;

/** Every plugin in turn; the first refusal wins. Synchronous until a plugin returns a promise. */
export function admissionChain(plugins: readonly AdmissionPlugin[]): AdmissionPlugin {
  const from = (a: AdmissionAttributes, start: number): void | Promise<void> => {
    for (let i = start; i < plugins.length; i++) {
      const pending = plugins[i]!(a);
      if (pending) return pending.then(() => from(a, i + 1));
    }
  };
  return (a) => from(a, 0);
}

/** The store's admit hook for one request (names come from the objects: a collection delete has none on the URL). */
export function admitFor(admission: AdmissionPlugin, user: UserInfo, info: ResourceInfo, subresource: string): AdmitWrite {
  return (operation, object, oldObject) => {
    const meta = (object ?? oldObject)?.metadata ?? {};
    return admission({ user, operation, info, subresource, namespace: meta.namespace ?? '', name: meta.name ?? '', object, oldObject });
  };
}
