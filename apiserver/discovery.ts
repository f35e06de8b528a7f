// Discovery: what kubectl asks first. /version (kubectl's dispatcher picks its minor version
// from it), /api and /apis (plain APIVersions/APIGroupList, or aggregated discovery
// apidiscovery.k8s.io/v2 when the Accept header asks — one request per root instead of one
// per group-version), and /api/v1, /apis/<group>/<version> (APIResourceList).
// Everything is derived from the resource table in api/resources.ts.
import { Router, type Request, type Response } from 'express';
import { RESOURCES, RESOURCE_VIEWS, apiVersionOf, type ResourceInfo } from '../api/resources.js';

/** Stored resources first, so a group's preferred version is one with a store (autoscaling: v2, then v1). */
const DISCOVERABLE: readonly ResourceInfo[] = [...RESOURCES, ...RESOURCE_VIEWS];

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-skiff',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-23T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'node',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface SubresourceInfo {
  name: string;
  kind: string;
  group: string;
  version: string;
  verbs: string[];
}

/** What each subresource answers with, and which verbs it takes (as kube-apiserver advertises). */
function subresourceInfo(r: ResourceInfo, sub: string): SubresourceInfo {
  switch (sub) {
    case 'status':
      return { name: sub, kind: r.kind, group: r.group, version: r.version, verbs: ['get', 'patch', 'update'] };
    case 'scale':
      return { name: sub, kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };
    case 'binding':
      return { name: sub, kind: 'Binding', group: '', version: 'v1', verbs: ['create'] };
    case 'log':
      return { name: sub, kind: 'Pod', group: '', version: 'v1', verbs: ['get'] };
    case 'exec':
      return { name: sub, kind: 'PodExecOptions', group: '', version: 'v1', verbs: ['create', 'get'] };
    case 'attach':
      return { name: sub, kind: 'PodAttachOptions', group: '', version: 'v1', verbs: ['create', 'get'] };
    case 'portforward':
      return { name: sub, kind: 'PodPortForwardOptions', group: '', version: 'v1', verbs: ['create', 'get'] };
    case 'proxy':
      return { name: sub, kind: 'NodeProxyOptions', group: '', version: 'v1', verbs: ['get'] };
    default:
      return { name: sub, kind: r.kind, group: r.group, version: r.version, verbs: ['get'] };
  }
}

function groupVersions(): { group: string; version: string; resources: ResourceInfo[] }[] {
  const byGv = new Map<string, { group: string; version: string; resources: ResourceInfo[] }>();
  for (const r of DISCOVERABLE) {
    const key = apiVersionOf(r);
    if (!byGv.has(key)) byGv.set(key, { group: r.group, version: r.version, resources: [] });
    byGv.get(key)!.resources.push(r);
  }
  return [...byGv.values()];
}

/** APIResourceList for one group-version: resources, then their subresources as "pods/status". */
export function apiResourceList(group: string, version: string) {
  const resources = DISCOVERABLE.filter((r) => r.group === group && r.version === version);
  const list: Record<string, unknown>[] = [];
  for (const r of resources) {
    list.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs ?? ALL_VERBS,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const sub of r.subresources) {
      const s = subresourceInfo(r, sub);
      list.push({
        name: `${r.plural}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== r.group || s.version !== r.version ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  if (group === '') {
    // POST /api/v1/namespaces/NS/bindings: the older way to bind, still served by Kubernetes.
    list.push({ name: 'bindings', singularName: 'binding', namespaced: true, kind: 'Binding', verbs: ['create'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: list };
}

function apiGroup(name: string, versions: string[]) {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

function namedGroups(): { name: string; versions: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const gv of groupVersions()) {
    if (gv.group === '') continue;
    const vs = groups.get(gv.group) ?? [];
    if (!vs.includes(gv.version)) vs.push(gv.version);
    groups.set(gv.group, vs);
  }
  return [...groups.entries()].map(([name, versions]) => ({ name, versions }));
}

/** apidiscovery.k8s.io/v2 APIGroupDiscovery for one group ('' = core). */
function groupDiscovery(group: string) {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({
      version: gv.version,
      resources: gv.resources.map((r) => ({
        resource: r.plural,
        responseKind: { group: r.group, version: r.version, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: r.singular,
        verbs: r.verbs ?? ALL_VERBS,
        ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories.length ? { categories: r.categories } : {}),
        ...(r.subresources.length
          ? {
              subresources: r.subresources.map((sub) => {
                const s = subresourceInfo(r, sub);
                return { subresource: sub, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: s.verbs };
              }),
            }
          : {}),
      })),
      freshness: 'Current',
    }));
  return { metadata: { name: group, creationTimestamp: null }, versions };
}

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Does the client accept aggregated discovery v2? (kubectl lists it first, with v2beta1 and plain JSON after.) */
function wantsAggregated(req: Request): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('g=apidiscovery.k8s.io') && params.includes('v=v2') && params.includes('as=APIGroupDiscoveryList');
  });
}

function sendAggregated(res: Response, items: unknown[]): void {
  // res.end, not res.send: express would rewrite the media type (spaces, charset).
  res.setHeader('Content-Type', AGGREGATED);
  res.setHeader('Vary', 'Accept');
  res.end(JSON.stringify({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items }));
}

export function discoveryRouter(): Router {
  const router = Router();

  router.get('/version', (_req, res) => {
    res.json(SERVER_VERSION);
  });

  router.get('/api', (req, res) => {
    if (wantsAggregated(req)) return sendAggregated(res, [groupDiscovery('')]);
    res.setHeader('Vary', 'Accept');
    const host = req.headers.host ?? '127.0.0.1';
    res.json({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] });
  });

  router.get('/apis', (req, res) => {
    const groups = namedGroups();
    if (wantsAggregated(req)) return sendAggregated(res, groups.map((g) => groupDiscovery(g.name)));
    res.setHeader('Vary', 'Accept');
    res.json({ kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => apiGroup(g.name, g.versions)) });
  });

  router.get('/api/v1', (_req, res) => {
    res.json(apiResourceList('', 'v1'));
  });

  for (const g of namedGroups()) {
    router.get(`/apis/${g.name}`, (_req, res) => {
      res.json({ kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g.name, g.versions) });
    });
    for (const v of g.versions) {
      router.get(`/apis/${g.name}/${v}`, (_req, res) => {
        res.json(apiResourceList(g.name, v));
      });
    }
  }

  return router;
}
