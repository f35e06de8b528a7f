// Validating admission: checks that need the object and the user together, run after
// defaults and validation and before the write (kube-apiserver's validating admission
// phase). Each plugin throws a StatusError to refuse. The REST handler binds the request's
// user, resource and subresource into the store's WriteOptions.admit (registry/store.ts).
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

export type ValidatingAdmission = (a: AdmissionAttributes) => void | Promise<void>;

/** Every plugin in turn; the first refusal wins. */
export function admissionChain(plugins: readonly ValidatingAdmission[]): ValidatingAdmission {
  return async (a) => {
    for (const p of plugins) await p(a);
  };
}

/** The store's admit hook for one request (names come from the objects: a collection delete has none on the URL). */
export function admitFor(admission: ValidatingAdmission, user: UserInfo, info: ResourceInfo, subresource: string): AdmitWrite {
  return (operation, object, oldObject) => {
    const meta = (object ?? oldObject)?.metadata ?? {};
    return admission({ user, operation, info, subresource, namespace: meta.namespace ?? '', name: meta.name ?? '', object, oldObject });
  };
}
