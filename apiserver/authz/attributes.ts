// What is being asked, as Kubernetes' authorizer.Attributes: who, which verb, and either a
// resource (API group, resource, subresource, namespace, name) or a non-resource path
// (/healthz, /version, /api, /openapi/v3…). Built from the request's RequestInfo.
import type { RequestInfo } from '../request-info.js';
import type { UserInfo } from '../authn/user.js';

export interface Attributes {
  user: UserInfo;
  /** Resource requests: get, list, watch, create, update, patch, delete, deletecollection, proxy.
   *  Non-resource requests: the lowercase HTTP method (get, post, put, …). */
  verb: string;
  resourceRequest: boolean;
  /** Non-resource requests: the URL path. */
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export function resourceAttributes(user: UserInfo, ri: RequestInfo, path: string): Attributes {
  return {
    user, verb: ri.verb, resourceRequest: true, path, apiGroup: ri.group, apiVersion: ri.version,
    resource: ri.resource, subresource: ri.subresource ?? '', namespace: ri.namespace ?? '', name: ri.name ?? '',
  };
}

export function nonResourceAttributes(user: UserInfo, method: string, path: string): Attributes {
  return {
    user, verb: method.toLowerCase(), resourceRequest: false, path, apiGroup: '', apiVersion: '',
    resource: '', subresource: '', namespace: '', name: '',
  };
}
