import { describe, expect, it } from 'vitest';
import { componentName, openAPIComponents, openAPIDocument, openAPIGroupVersions, parseOpenAPIGroupVersion, type JSONSchema } from '../../api/openapi.js';

/** Follow a field path the way kubectl explain's template does: properties, $ref, allOf, items, additionalProperties. */
function explain(doc: any, gvk: { group: string; version: string; kind: string }, path: string[]): { schema: any; fieldSchema?: any } {
  const schemas = doc.components.schemas as Record<string, any>;
  const root = Object.values(schemas).find((s: any) => (s['x-kubernetes-group-version-kind'] ?? []).some((g: any) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind));
  expect(root, `component for ${gvk.kind}`).toBeDefined();
  const resolve = (s: any): any => {
    if (s?.$ref) return schemas[s.$ref.replace('#/components/schemas/', '')];
    if (s?.allOf?.length === 1 && !s.properties) return resolve(s.allOf[0]);
    if (s?.items) return resolve(s.items);
    return s;
  };
  let cur = root;
  let field: any;
  for (const p of path) {
    const r = resolve(cur);
    field = r?.properties?.[p];
    expect(field, `field ${p}`).toBeDefined();
    cur = field;
  }
  return { schema: resolve(cur), fieldSchema: field };
}

describe('OpenAPI v3', () => {
  const apps = openAPIDocument('apps', 'v1') as any;
  const core = openAPIDocument('', 'v1') as any;

  it('lists the group-versions and parses their paths', () => {
    expect(openAPIGroupVersions()).toEqual(['api/v1', 'apis/apps/v1', 'apis/autoscaling/v2', 'apis/batch/v1', 'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1', 'apis/authentication.k8s.io/v1', 'apis/authorization.k8s.io/v1', 'apis/rbac.authorization.k8s.io/v1', 'apis/certificates.k8s.io/v1', 'apis/storage.k8s.io/v1', 'apis/metrics.k8s.io/v1beta1']);
    expect(parseOpenAPIGroupVersion('apis/apps/v1')).toEqual({ group: 'apps', version: 'v1' });
    expect(parseOpenAPIGroupVersion('/api/v1')).toEqual({ group: '', version: 'v1' });
    expect(parseOpenAPIGroupVersion('apis/x')).toBeUndefined();
    expect(openAPIDocument('policy', 'v1')).toBeUndefined();
    expect(openAPIDocument('batch', 'v1')).toBeDefined();
    expect(componentName('coordination.k8s.io', 'v1', 'Lease')).toBe('io.k8s.api.coordination.v1.Lease');
  });

  it('names components like Kubernetes and tags kinds with their GVK', () => {
    const s = apps.components.schemas;
    expect(s['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    expect(s['io.k8s.api.apps.v1.DeploymentList']).toBeDefined();
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']).toBeDefined();
    expect(s['io.k8s.api.core.v1.PodTemplateSpec']).toBeDefined();
    expect(s['io.k8s.api.autoscaling.v1.Scale']['x-kubernetes-group-version-kind']).toEqual([{ group: 'autoscaling', kind: 'Scale', version: 'v1' }]);
    expect(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ type: 'string', format: 'int-or-string' });
    expect(core.components.schemas['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    expect(core.components.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity'].type).toBe('string');
  });

  it('every $ref resolves', () => {
    for (const doc of [apps, core, openAPIDocument('coordination.k8s.io', 'v1') as any]) {
      const refs: string[] = [];
      const walk = (v: unknown) => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === '$ref' ? refs.push(x as string) : walk(x));
      };
      walk(doc);
      expect(refs.length).toBeGreaterThan(10);
      for (const r of refs) expect(doc.components.schemas[r.replace('#/components/schemas/', '')], r).toBeDefined();
    }
  });

  it('kubectl explain deployment.spec.strategy finds descriptions, fields and types', () => {
    const { schema, fieldSchema } = explain(apps, { group: 'apps', version: 'v1', kind: 'Deployment' }, ['spec', 'strategy']);
    expect(fieldSchema.description).toContain('replace existing pods');
    expect(schema.description).toContain('DeploymentStrategy');
    expect(schema.properties.type.enum).toEqual(['RollingUpdate', 'Recreate']);
    expect(schema.properties.rollingUpdate.allOf[0].$ref).toBe('#/components/schemas/io.k8s.api.apps.v1.RollingUpdateDeployment');
    const ru = explain(apps, { group: 'apps', version: 'v1', kind: 'Deployment' }, ['spec', 'strategy', 'rollingUpdate', 'maxSurge']);
    expect(ru.fieldSchema.description).toContain('Defaults to 25%');
    const containers = explain(apps, { group: 'apps', version: 'v1', kind: 'Deployment' }, ['spec', 'template', 'spec', 'containers', 'image']);
    expect(containers.fieldSchema.type).toBe('string');
    expect(apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].required).toEqual(['selector', 'template']);
  });

  it('publishes a kind\'s apiVersion/kind as plain strings and nothing at its top level as required', () => {
    const deployment = apps.components.schemas['io.k8s.api.apps.v1.Deployment'];
    expect(deployment.properties.apiVersion).toMatchObject({ type: 'string' });
    expect(deployment.properties.apiVersion.enum).toBeUndefined();
    expect(deployment.properties.kind.enum).toBeUndefined();
    expect(deployment.properties.apiVersion.description).toContain('APIVersion defines');
    expect(deployment.required ?? []).toEqual([]);
    // Other objects keep what they require (an owner reference needs its apiVersion and kind).
    expect(core.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference'].required).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'name', 'uid']));
  });

  it('carries patch strategies and merge keys', () => {
    const podSpec = core.components.schemas['io.k8s.api.core.v1.PodSpec'].properties;
    expect(podSpec.containers).toMatchObject({ type: 'array', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
    expect(podSpec.volumes['x-kubernetes-patch-strategy']).toBe('merge,retainKeys');
    expect(podSpec.tolerations['x-kubernetes-patch-strategy']).toBeUndefined();
    const container = core.components.schemas['io.k8s.api.core.v1.Container'].properties;
    expect(container.ports['x-kubernetes-patch-merge-key']).toBe('containerPort');
    expect(container.volumeMounts['x-kubernetes-patch-merge-key']).toBe('mountPath');
    const meta = core.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties;
    expect(meta.finalizers['x-kubernetes-patch-strategy']).toBe('merge');
    const strat = apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy;
    expect(strat['x-kubernetes-patch-strategy']).toBe('retainKeys');
  });

  it('has PATCH operations with GVK and fieldValidation for every kind (kubectl apply checks this)', () => {
    const patchOps: JSONSchema[] = [];
    for (const p of Object.values(apps.paths) as any[]) if (p.patch) patchOps.push(p.patch);
    const deploymentPatch = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(deploymentPatch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(deploymentPatch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
    expect(Object.keys(deploymentPatch.requestBody.content)).toContain('application/strategic-merge-patch+json');
    expect(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch['x-kubernetes-group-version-kind'].kind).toBe('Scale');
    expect(apps.paths['/apis/apps/v1/deployments'].get['x-kubernetes-action']).toBe('list');
    expect(core.paths['/api/v1/nodes/{name}'].patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Node' });
    expect(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/binding'].post).toBeDefined();
    expect(patchOps.length).toBeGreaterThanOrEqual(6);
  });

  it('components for a group-version are self-contained and deterministic', () => {
    expect(JSON.stringify(openAPIComponents('apps', 'v1'))).toBe(JSON.stringify(apps.components.schemas));
  });
});
