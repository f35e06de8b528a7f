import { describe, expect, it } from 'vitest';
import { collectionPath, kindName, manifestTarget, objectPath, parseResourceArgs, parseSingleRef, resourceName } from '../../cli/kctl/resource-args.js';
import { useBuiltInCatalog } from '../../cli/kctl/built-in-catalog.js';

await useBuiltInCatalog();

const names = (sel: ReturnType<typeof parseResourceArgs>) => sel.map((s) => [s.info.plural, s.names]);

describe('parseResourceArgs', () => {
  it('reads KIND, KIND NAME…, KIND/NAME…, and KIND,KIND with short names', () => {
    expect(names(parseResourceArgs(['po']))).toEqual([['pods', []]]);
    expect(names(parseResourceArgs(['deploy', 'web', 'api']))).toEqual([['deployments', ['web', 'api']]]);
    expect(names(parseResourceArgs(['pod/a', 'deployment.apps/web', 'po/b']))).toEqual([['pods', ['a', 'b']], ['deployments', ['web']]]);
    expect(names(parseResourceArgs(['rs,no,ns,ev']))).toEqual([['replicasets', []], ['nodes', []], ['namespaces', []], ['events', []]]);
    expect(names(parseResourceArgs(['Deployment', 'web']))).toEqual([['deployments', ['web']]]);
    expect(names(parseResourceArgs(['all'])).map(([p]) => p).sort()).toEqual(['cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'pods', 'replicasets', 'services', 'statefulsets']);
  });
  it('errors like kubectl', () => {
    expect(() => parseResourceArgs([])).toThrow('You must specify the type of resource to get');
    expect(() => parseResourceArgs(['foo'])).toThrow('the server doesn\'t have a resource type "foo"');
    expect(() => parseResourceArgs(['pods', 'pod/x'])).toThrow(/there is no need to specify a resource type/);
  });
  it('single refs', () => {
    expect(parseSingleRef(['deployment/web'], 'scale')).toMatchObject({ name: 'web' });
    expect(parseSingleRef(['deploy', 'web', 'extra'], 'scale')).toMatchObject({ name: 'web', rest: ['extra'] });
    expect(() => parseSingleRef(['deploy'], 'scale')).toThrow(/name/);
  });
});

describe('names and paths', () => {
  const [deploy] = parseResourceArgs(['deploy']);
  const [node] = parseResourceArgs(['node']);
  it('as kubectl prints them', () => {
    expect(kindName(deploy!.info)).toBe('deployment.apps');
    expect(resourceName(deploy!.info)).toBe('deployments.apps');
    expect(kindName(node!.info)).toBe('node');
  });
  it('builds paths', () => {
    expect(collectionPath(deploy!.info, 'shop')).toBe('/apis/apps/v1/namespaces/shop/deployments');
    expect(collectionPath(deploy!.info, undefined)).toBe('/apis/apps/v1/deployments');
    expect(objectPath(node!.info, 'ignored', 'node-1')).toBe('/api/v1/nodes/node-1');
  });
});

describe('manifestTarget', () => {
  const m = (object: Record<string, unknown>) => ({ source: 'f.yaml', object: object as never });
  it('places namespaced objects in their own namespace, else the current one; cluster-scoped in none', () => {
    expect(manifestTarget(m({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: 'shop' } }), 'default', false).namespace).toBe('shop');
    expect(manifestTarget(m({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w' } }), 'dev', false).namespace).toBe('dev');
    expect(manifestTarget(m({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }), 'dev', false).namespace).toBeUndefined();
  });
  it('refuses a namespace that disagrees with -n, an unknown kind, a missing name', () => {
    expect(() => manifestTarget(m({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: 'shop' } }), 'dev', true)).toThrow(
      `the namespace from the provided object "shop" does not match the namespace "dev". You must pass '--namespace=shop' to perform this operation.`,
    );
    expect(() => manifestTarget(m({ apiVersion: 'v1', kind: 'Widget', metadata: { name: 'w' } }), 'default', false)).toThrow(/no matches for kind "Widget" in version "v1"/);
    expect(() => manifestTarget(m({ apiVersion: 'apps/v2', kind: 'Deployment', metadata: { name: 'w' } }), 'default', false)).toThrow(/no matches for kind "Deployment" in version "apps\/v2"/);
    expect(() => manifestTarget(m({ apiVersion: 'v1', kind: 'Pod', metadata: {} }), 'default', false)).toThrow(/resource name may not be empty/);
  });
});

describe('discovery', () => {
  it('reads aggregated discovery into the same resource facts as the built-in table', async () => {
    const { fromAggregatedDiscovery, resolveIn } = await import('../../cli/kctl/discovery.js');
    const { RESOURCES } = await import('../../api/resources.js');
    const list = fromAggregatedDiscovery([
      { items: [{ metadata: { name: '' }, versions: [{ version: 'v1', resources: [{ resource: 'pods', responseKind: { group: '', version: 'v1', kind: 'Pod' }, scope: 'Namespaced', singularResource: 'pod', shortNames: ['po'], subresources: [{ subresource: 'log' }] }] }] }] },
      { items: [{ metadata: { name: 'apps' }, versions: [{ version: 'v1', resources: [{ resource: 'deployments', responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, scope: 'Namespaced', singularResource: 'deployment', shortNames: ['deploy'] }] }] }] },
    ]);
    expect(resolveIn(list, 'po')).toMatchObject({ group: '', plural: 'pods', kind: 'Pod', namespaced: true, subresources: ['log'] });
    expect(resolveIn(list, 'deployments.apps')).toMatchObject({ group: 'apps', singular: 'deployment' });
    expect(resolveIn(list, 'deploy.batch')).toBeUndefined();
    // Same answers as the built-in table for every name it knows.
    // (metrics.k8s.io has no singular names, and its plurals, pods and nodes, resolve to the core kinds as in kubectl.)
    for (const r of RESOURCES) for (const n of [r.plural, r.singular, r.kind, ...r.shortNames].filter(Boolean)) {
      expect(resolveIn(RESOURCES, n)?.plural).toBe(r.plural);
      if (r.group !== 'metrics.k8s.io' || n === r.kind) expect(resolveIn(RESOURCES, n)?.group).toBe(r.group);
    }
  });
});
