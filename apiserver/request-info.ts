// RequestInfo, as Kubernetes' RequestInfoFactory derives it from a URL:
//   /api/v1/namespaces/default/pods/web/log      → pods, ns default, name web, sub log
//   /apis/apps/v1/watch/namespaces/x/deployments → deployments, watch
//   /api/v1/namespaces/web/finalize              → namespaces, name web, sub finalize
import type { ResourceInfo } from '../api/resources.js';
import { RESOURCES } from '../api/resources.js';
import { queryBool, queryString, type Query } from './query-params.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'proxy';

export interface RequestInfo {
  /** true for /api and /apis resource paths (false for discovery roots and everything else). */
  isResourceRequest: boolean;
  group: string;
  version: string;
  /** The plural resource name as written in the URL. */
  resource: string;
  info?: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  verb: Verb;
}

/** Namespace paths whose third segment is a subresource of the namespace, not a resource. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** group/version/plural → resource: every request looks its resource up (RESOURCES is a list). */
let byPath: Map<string, ResourceInfo> | undefined;
function lookupResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  if (!byPath) {
    byPath = new Map();
    for (const r of RESOURCES) {
      const key = `${r.group}/${r.version}/${r.plural}`;
      if (!byPath.has(key)) byPath.set(key, r); // the first, as resourceByPlural finds it
    }
  }
  return byPath.get(`${group}/${version}/${plural}`);
}

/** Parse a request path (no query) and method. Returns undefined for non-resource paths. */
export function parseRequestInfo(method: string, path: string, query: Query): RequestInfo | undefined {
  const parts: string[] = [];
  for (const p of path.split('/')) if (p !== '') parts.push(p.includes('%') ? safeDecode(p) : p);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length < 3) return undefined; // /api, /api/v1: discovery
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length < 4) return undefined; // /apis, /apis/g, /apis/g/v: discovery
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else return undefined;

  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  const resource = rest[0] ?? '';
  const name = rest[1];
  const subresource = rest[2];
  let ns: string | undefined = namespace;
  let n: string | undefined = name;
  if (resource === 'namespaces') {
    // /api/v1/namespaces/NAME[/status|/finalize]: the namespace is the object.
    ns = undefined;
    n = namespace;
  }
  const info = lookupResource(group, version, resource);
  const method_ = method.toUpperCase();
  const watchParam = queryBool(query, 'watch');
  let verb: Verb;
  switch (method_) {
    case 'GET':
    case 'HEAD':
      verb = n ? (watchPath || watchParam ? 'watch' : 'get') : watchPath || watchParam ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = n ? 'delete' : 'deletecollection';
      break;
    default:
      verb = 'proxy';
  }
  // A list or watch of one name (fieldSelector metadata.name=NAME) is about that object, as
  // Kubernetes' RequestInfoFactory reads it: authorizers (the Node authorizer's graph, RBAC's
  // resourceNames) see the name.
  if (!n && (verb === 'list' || verb === 'watch')) {
    const selected = /(?:^|,)\s*metadata\.name\s*==?\s*([^,\s]+)\s*(?:,|$)/.exec(queryString(query, 'fieldSelector') ?? '');
    if (selected) n = selected[1];
  }
  return {
    isResourceRequest: true,
    group,
    version,
    resource,
    info,
    namespace: info && !info.namespaced ? undefined : ns,
    name: n,
    subresource: resource === 'namespaces' ? (rest.length > 2 ? rest[2] : undefined) : subresource,
    verb,
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Group/version pairs that exist at all (a path under an unknown one is a 404). */
export function knownGroupVersion(group: string, version: string): boolean {
  return RESOURCES.some((r) => r.group === group && r.version === version);
}
