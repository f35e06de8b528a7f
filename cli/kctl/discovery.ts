// Which resources a server serves, for resolving what the user typed (`po`, `deploy`,
// `deployments.apps`): the built-in resource table (api/resources.ts) for most commands, or
// the server's discovery (aggregated apidiscovery.k8s.io/v2, two requests, else the legacy
// documents, as kubectl) for `get`, which then starts without loading the zod object model. Like kubectl,
// `get` keeps what discovery said on disk (~/.kube/cache/discovery/HOST_PORT, 6 hours) so a
// run makes one request, not three; a name the cached list does not know is looked up afresh.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ResourceInfo as ApiResourceInfo } from '../../api/resources.js';
import type { ApiHttp } from './http.js';

/** What kctl needs to know about a resource (the built-in table has more: schemas…). */
export type ResourceInfo = Omit<ApiResourceInfo, 'schema' | 'hasStatus'>;

/** Resolve a typed name as api/resources.ts resolveResource does (plural, singular, Kind, short name, `.group`). */
export function resolveIn(list: readonly ResourceInfo[], name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  const [base, ...groupParts] = lower.split('.');
  const group = groupParts.join('.');
  return list.find(
    (r) =>
      (group === '' || r.group === group) &&
      (r.plural === base || r.singular === base || r.kind.toLowerCase() === base || r.shortNames.includes(base!)),
  );
}

export function byKindIn(list: readonly ResourceInfo[], kind: string, apiVersion?: string): ResourceInfo | undefined {
  return list.find((r) => r.kind === kind && (apiVersion === undefined || (r.group ? `${r.group}/${r.version}` : r.version) === apiVersion));
}

interface GroupDiscovery {
  metadata?: { name?: string };
  versions?: {
    version: string;
    resources?: {
      resource: string;
      responseKind?: { group?: string; version?: string; kind?: string };
      scope?: string;
      singularResource?: string;
      shortNames?: string[];
      categories?: string[];
      subresources?: { subresource: string }[];
    }[];
  }[];
}

/** Resources from apidiscovery.k8s.io/v2 APIGroupDiscoveryList documents (first version of each group first). Pure. */
export function fromAggregatedDiscovery(lists: { items?: GroupDiscovery[] }[]): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  for (const list of lists) {
    for (const g of list.items ?? []) {
      const group = g.metadata?.name ?? '';
      for (const v of g.versions ?? []) {
        for (const r of v.resources ?? []) {
          out.push({
            group,
            version: v.version,
            kind: r.responseKind?.kind ?? r.resource,
            plural: r.resource,
            singular: r.singularResource ?? r.resource,
            namespaced: r.scope === 'Namespaced',
            shortNames: r.shortNames ?? [],
            categories: r.categories ?? [],
            subresources: (r.subresources ?? []).map((s) => s.subresource),
          });
        }
      }
    }
  }
  return out;
}

export const AGGREGATED_DISCOVERY_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

interface APIResourceList {
  groupVersion?: string;
  resources?: { name: string; singularName?: string; namespaced?: boolean; kind?: string; shortNames?: string[]; categories?: string[] }[];
}

/**
 * Resources from legacy discovery documents (one APIResourceList per group version, first
 * version of each group first), subresources (`pods/log`) folded into their resource. Pure.
 */
export function fromLegacyDiscovery(lists: APIResourceList[]): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  for (const list of lists) {
    const gv = list.groupVersion ?? '';
    const slash = gv.indexOf('/');
    const group = slash < 0 ? '' : gv.slice(0, slash);
    const version = slash < 0 ? gv : gv.slice(slash + 1);
    const here: ResourceInfo[] = [];
    for (const r of list.resources ?? []) {
      const [plural, sub] = r.name.split('/');
      if (sub !== undefined) {
        here.find((x) => x.plural === plural)?.subresources.push(sub);
        continue;
      }
      const kind = r.kind ?? r.name;
      here.push({
        group, version, kind, plural: r.name,
        // Servers before 1.9 leave singularName empty; kubectl then uses the kind in lower case.
        singular: r.singularName || kind.toLowerCase(),
        namespaced: r.namespaced === true,
        shortNames: r.shortNames ?? [], categories: r.categories ?? [], subresources: [],
      });
    }
    out.push(...here);
  }
  return out;
}

type DiscoveryDoc = { kind?: string; items?: GroupDiscovery[]; versions?: string[]; groups?: { name: string; preferredVersion?: { groupVersion?: string }; versions?: { groupVersion: string }[] }[] };

/**
 * Ask the server: GET /api and /apis, aggregated (apidiscovery.k8s.io/v2) where it serves it,
 * else the legacy documents, then each group's preferred version, as kubectl falls back.
 */
async function askServer(api: ApiHttp): Promise<ResourceInfo[]> {
  // One after the other, not together: on a fresh keep-alive agent two requests at once open
  // two connections (two TLS handshakes); in turn, the second and the list reuse the first.
  const core = await api.getJson<DiscoveryDoc>('/api', undefined, AGGREGATED_DISCOVERY_ACCEPT);
  const groups = await api.getJson<DiscoveryDoc>('/apis', undefined, AGGREGATED_DISCOVERY_ACCEPT);
  if (core.kind === 'APIGroupDiscoveryList' && groups.kind === 'APIGroupDiscoveryList') return fromAggregatedDiscovery([core, groups]);
  const paths = [
    ...(core.versions ?? []).slice(0, 1).map((v) => `/api/${v}`),
    ...(groups.groups ?? []).map((g) => g.preferredVersion?.groupVersion ?? g.versions?.[0]?.groupVersion).filter((gv): gv is string => !!gv).map((gv) => `/apis/${gv}`),
  ];
  return fromLegacyDiscovery(await Promise.all(paths.map((p) => api.getJson<APIResourceList>(p))));
}

/** kubectl's discovery cache TTL (cli-runtime's ConfigFlags): an older cache is fetched anew. */
export const DISCOVERY_CACHE_TTL_MS = 6 * 60 * 60 * 1000;

/** The cache root: --cache-dir, else $KUBECACHEDIR, else ~/.kube/cache (kubectl's order). Pure. */
export function cacheRoot(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.KUBECACHEDIR || join(env.HOME || homedir(), '.kube', 'cache');
}

/**
 * kubectl's per-server discovery directory (computeDiscoverCacheDir): ROOT/discovery/ then the
 * server without its scheme, every character but word characters, `/`, `.` and parentheses
 * made `_` — https://127.0.0.1:6443 is 127.0.0.1_6443. Pure.
 */
export function discoveryCacheDir(root: string, server: string): string {
  const schemeless = server.replace('https://', '').replace('http://', '');
  return join(root, 'discovery', schemeless.replace(/[^(\w/.)]/g, '_'));
}

/** kctl's file in that directory: kubectl's own files there (servergroups.json, …) are left to kubectl. */
export const DISCOVERY_CACHE_FILE = 'kctl-resources.json';

const isInfo = (r: unknown): r is ResourceInfo => {
  const o = r as Record<string, unknown> | null;
  return (
    typeof o === 'object' && o !== null && typeof o.group === 'string' && typeof o.version === 'string' && typeof o.kind === 'string' &&
    typeof o.plural === 'string' && typeof o.singular === 'string' && typeof o.namespaced === 'boolean' &&
    Array.isArray(o.shortNames) && Array.isArray(o.categories) && Array.isArray(o.subresources)
  );
};

/**
 * The cached resources, if the file is younger than the TTL (by its mtime, as kubectl) and
 * well-formed; anything else (missing, stale, unreadable, another program's garbage) is a miss.
 * Checked by hand rather than with a zod schema: loading zod would cost more than the request saved.
 */
export function readDiscoveryCache(file: string, now = Date.now()): ResourceInfo[] | undefined {
  try {
    if (now - statSync(file).mtimeMs > DISCOVERY_CACHE_TTL_MS) return undefined;
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { resources?: unknown };
    if (!Array.isArray(doc.resources) || doc.resources.length === 0 || !doc.resources.every(isInfo)) return undefined;
    return doc.resources;
  } catch {
    return undefined;
  }
}

/** Write the cache as kubectl writes its own: directories 0750, the file 0660, renamed into place whole. */
export function writeDiscoveryCache(file: string, resources: readonly ResourceInfo[]): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o750 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ resources }), { mode: 0o660 });
    renameSync(tmp, file);
  } catch {
    // A read-only home only costs the next run its discovery requests (kubectl goes on the same way).
  }
}

/** What a command resolves names against, and whether it was asked of the server in this run. */
export interface Discovered {
  resources: ResourceInfo[];
  fresh: boolean;
}

/**
 * The server's resources through the cache `file`: the cached list when fresh enough, else
 * asked of the server and written back. `refresh` skips the cache (kubectl's Invalidate, used
 * when a typed name is not in a cached list: the server may have gained it since).
 */
export async function cachedDiscovery(api: ApiHttp, file: string | undefined, refresh = false): Promise<Discovered> {
  if (file && !refresh) {
    const cached = readDiscoveryCache(file);
    if (cached) return { resources: cached, fresh: false };
  }
  const resources = await askServer(api);
  if (file) writeDiscoveryCache(file, resources);
  return { resources, fresh: true };
}
