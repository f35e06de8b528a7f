// Which resources a server serves, for resolving what the user typed (`po`, `deploy`,
// `deployments.apps`): the built-in resource table (api/resources.ts) for most commands, or
// the server's aggregated discovery (apidiscovery.k8s.io/v2, two requests, as kubectl
// does) for `get`, which then starts without loading the zod object model.
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

/** Ask the server (GET /api and /apis, aggregated). A server without aggregated discovery gets the built-in table. */
export async function discoverResources(api: ApiHttp): Promise<ResourceInfo[]> {
  const [core, groups] = await Promise.all([
    api.getJson<{ kind?: string; items?: GroupDiscovery[] }>('/api', undefined, AGGREGATED_DISCOVERY_ACCEPT),
    api.getJson<{ kind?: string; items?: GroupDiscovery[] }>('/apis', undefined, AGGREGATED_DISCOVERY_ACCEPT),
  ]);
  if (core.kind !== 'APIGroupDiscoveryList' || groups.kind !== 'APIGroupDiscoveryList') {
    const { RESOURCES } = await import('../../api/resources.js');
    return [...RESOURCES];
  }
  return fromAggregatedDiscovery([core, groups]);
}
