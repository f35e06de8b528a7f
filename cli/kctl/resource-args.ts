// What the user named on the command line: `pods`, `pods a b`, `po/a deploy/web`,
// `pods,deployments`, resolved through the resource table (short names, singular, plural,
// Kind, `deployments.apps`), plus the paths and display names kubectl uses for them.
import { byKindIn, resolveIn, type ResourceInfo } from './discovery.js';
import { UsageError } from './errors.js';

export type { ResourceInfo };

// The resources names are resolved against: the built-in table (most commands) or what the
// server's discovery said (get). Set once per command, before arguments are parsed.
let catalog: readonly ResourceInfo[] | undefined;

export function useCatalog(list: readonly ResourceInfo[]): void {
  catalog = list;
}


function currentCatalog(): readonly ResourceInfo[] {
  if (!catalog) throw new Error('internal: resource catalog not loaded');
  return catalog;
}

export interface ResourceSelection {
  info: ResourceInfo;
  /** Named objects, or empty for "all of this kind". */
  names: string[];
}

export function resolveKind(typed: string): ResourceInfo {
  const info = resolveIn(currentCatalog(), typed);
  if (!info) throw new UsageError(`the server doesn't have a resource type "${typed}"`);
  return info;
}

/**
 * `get pods a b` → [{pods, [a, b]}]; `get po/a deploy/web` → [{pods,[a]}, {deployments,[web]}];
 * `get pods,deploy` → [{pods,[]}, {deployments,[]}]. Same-kind groups are merged, order kept.
 */
export function parseResourceArgs(args: string[], verb = 'get'): ResourceSelection[] {
  if (args.length === 0) {
    throw new UsageError(
      `You must specify the type of resource to ${verb}. Use "kctl api-resources" for a complete list of supported resources.`,
    );
  }
  const out: ResourceSelection[] = [];
  const add = (info: ResourceInfo, name?: string) => {
    let sel = out.find((s) => s.info === info);
    if (!sel) out.push((sel = { info, names: [] }));
    if (name !== undefined && !sel.names.includes(name)) sel.names.push(name);
  };
  if (args.every((a) => a.includes('/'))) {
    for (const a of args) {
      const slash = a.indexOf('/');
      const kind = a.slice(0, slash);
      const name = a.slice(slash + 1);
      if (!kind || !name) throw new UsageError(`arguments in resource/name form must have a single resource and name`);
      add(resolveKind(kind), name);
    }
    return out;
  }
  if (args.slice(1).some((a) => a.includes('/'))) {
    throw new UsageError('there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. \'kctl get resource/<resource_name>\' instead of \'kctl get resource resource/<resource_name>\')');
  }
  const [kinds, ...names] = args;
  // `all` is kubectl's category: every kind that lists it (pods, replicasets, deployments…).
  const infos = kinds!
    .split(',')
    .filter(Boolean)
    .flatMap((k) => (k.toLowerCase() === 'all' ? currentCatalog().filter((r) => r.categories.includes('all')) : [resolveKind(k)]));
  for (const info of infos) {
    out.push({ info, names: [...names] });
  }
  return out;
}

/** One object named as `KIND/NAME` or `KIND NAME` (scale, rollout, logs, set image). */
export function parseSingleRef(args: string[], verb: string): { info: ResourceInfo; name: string; rest: string[] } {
  const first = args[0];
  if (!first) throw new UsageError(`you must specify a resource to ${verb} (e.g. deployment/web)`);
  if (first.includes('/')) {
    const [kind, name] = [first.slice(0, first.indexOf('/')), first.slice(first.indexOf('/') + 1)];
    if (!name) throw new UsageError(`arguments in resource/name form must have a single resource and name`);
    return { info: resolveKind(kind), name, rest: args.slice(1) };
  }
  const name = args[1];
  if (!name) throw new UsageError(`you must specify the name of the ${first} to ${verb}`);
  return { info: resolveKind(first), name, rest: args.slice(2) };
}

/** `deployment.apps` / `pod`: how kubectl prefixes names (`deployment.apps/web created`). */
export function kindName(info: Pick<ResourceInfo, 'singular' | 'group'>): string {
  return info.group ? `${info.singular}.${info.group}` : info.singular;
}

/** `deployments.apps` / `pods`: how kubectl names a resource in messages (`deployments.apps "web" deleted`). */
export function resourceName(info: Pick<ResourceInfo, 'plural' | 'group'>): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

/** The collection path: /api/v1/namespaces/NS/pods, /apis/apps/v1/deployments (all namespaces), /api/v1/nodes. */
export function collectionPath(info: ResourceInfo, namespace: string | undefined): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  return info.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${info.plural}` : `${base}/${info.plural}`;
}

export function objectPath(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${collectionPath(info, namespace)}/${encodeURIComponent(name)}`;
}

export function apiVersionOfInfo(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** An object from a manifest, with where it goes on the server. */
export interface ManifestTarget {
  info: ResourceInfo;
  /** undefined for cluster-scoped kinds. */
  namespace: string | undefined;
  name: string;
  object: import('../../api/meta.js').KubeObject;
  source: string;
}

/**
 * Where a manifest object lives: its kind resolved by apiVersion+kind, its namespace from
 * the object or the command's namespace. Refuses (like kubectl) an object whose namespace
 * disagrees with an explicit -n, and a kind the server does not serve.
 */
export function manifestTarget(
  m: { source: string; object: import('../../api/meta.js').KubeObject },
  namespace: string,
  namespaceExplicit: boolean,
  requireName = true,
): ManifestTarget {
  const { object, source } = m;
  const info = byKindIn(currentCatalog(), String(object.kind), String(object.apiVersion));
  const name = object.metadata?.name ?? '';
  if (!info) {
    throw new UsageError(
      `resource mapping not found for name: "${name}" namespace: "${object.metadata?.namespace ?? ''}" from "${source}": no matches for kind "${object.kind}" in version "${object.apiVersion}"`,
      'ensure the kind and apiVersion are ones the server serves (kctl api-resources)',
    );
  }
  if (requireName && !name) {
    throw new UsageError(`error when retrieving current configuration of ${info.kind} from "${source}": resource name may not be empty`);
  }
  let ns: string | undefined;
  if (info.namespaced) {
    const own = object.metadata?.namespace;
    if (own && namespaceExplicit && own !== namespace) {
      throw new UsageError(
        `the namespace from the provided object "${own}" does not match the namespace "${namespace}". You must pass '--namespace=${own}' to perform this operation.`,
      );
    }
    ns = own || namespace;
  }
  return { info, namespace: ns, name, object, source };
}
