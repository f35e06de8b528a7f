// OpenAPI v3 documents generated from the zod schemas, shaped like kube-apiserver's
// /openapi/v3/<api|apis/group>/<version>:
//   - component names in Kubernetes' Go package style (`io.k8s.api.apps.v1.Deployment`,
//     `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`), `$ref`s between them;
//   - `x-kubernetes-group-version-kind` on each kind (kubectl explain finds kinds by it);
//   - `x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy` on merged lists, from
//     the same table the strategic merge patch uses (kubectl apply reads them);
//   - paths whose operations carry `x-kubernetes-group-version-kind`, `x-kubernetes-action`
//     and a `fieldValidation` parameter (kubectl apply checks it before sending
//     `fieldValidation=Strict`);
//   - descriptions for the fields people ask `kubectl explain` about.
import type { z } from 'zod';
import * as meta from './meta.js';
import { Binding } from './core/pod.js';
import { Scale } from './autoscaling/scale.js';
import { GROUP_VERSIONS, RESOURCES, type ResourceInfo } from './resources.js';
import type { PatchMeta } from './patch/patch-meta.js';
import { OPENAPI_DESCRIPTIONS } from './openapi-descriptions.js';
import { defOf, unwrap } from './zod-introspection.js';

export type JSONSchema = Record<string, unknown>;

const META_PKG = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const CORE_PKG = 'io.k8s.api.core.v1';

/** Opaque string-ish types, as Kubernetes publishes them. */
const PRIMITIVE_COMPONENTS: Record<string, JSONSchema> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
  [`${META_PKG}.Time`]: { type: 'string', format: 'date-time' },
  [`${META_PKG}.MicroTime`]: { type: 'string', format: 'date-time' },
};

/** The named schemas: zod object identity → component name. */
function buildRegistry(): Map<z.ZodType, string> {
  const r = new Map<z.ZodType, string>();
  const add = (s: z.ZodType, name: string) => r.set(unwrap(s).schema, name);
  add(meta.QuantityValue, 'io.k8s.apimachinery.pkg.api.resource.Quantity');
  add(meta.IntOrString, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  for (const [name, s] of Object.entries({
    ObjectMeta: meta.ObjectMeta, ListMeta: meta.ListMeta, OwnerReference: meta.OwnerReference,
    ManagedFieldsEntry: meta.ManagedFieldsEntry, LabelSelector: meta.LabelSelector,
    LabelSelectorRequirement: meta.LabelSelectorRequirement, Status: meta.Status, StatusDetails: meta.StatusDetails,
    StatusCause: meta.StatusCause, DeleteOptions: meta.DeleteOptions,
  })) add(s, `${META_PKG}.${name}`);
  for (const gv of GROUP_VERSIONS) {
    for (const [name, s] of Object.entries(gv.components)) add(s, componentName(gv.group, gv.version, name));
  }
  return r;
}

let registryCache: Map<z.ZodType, string> | undefined;
function registry(): Map<z.ZodType, string> {
  return (registryCache ??= buildRegistry());
}

/** The component name of a group/version/kind (`io.k8s.api.apps.v1.Deployment`). */
export function componentName(group: string, version: string, kind: string): string {
  if (kind === 'Scale') return `io.k8s.api.autoscaling.${version}.Scale`;
  const pkg = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '');
  return `io.k8s.api.${pkg}.${version}.${kind}`;
}

const ref = (name: string) => `#/components/schemas/${name}`;

/** Patch metadata for a component's fields, found by walking each kind's patch metadata from its root. */
function patchMetaByComponent(): Map<string, Record<string, PatchMeta>> {
  const out = new Map<string, Record<string, PatchMeta>>();
  const reg = registry();
  const visit = (schema: z.ZodType, pm: PatchMeta | undefined) => {
    if (!pm?.fields) return;
    const s = unwrap(schema).schema;
    const d = defOf(s);
    if (d.type === 'array') return visit(d.element!, pm);
    if (d.type !== 'object') return;
    const name = reg.get(s);
    if (name) out.set(name, { ...(out.get(name) ?? {}), ...pm.fields });
    for (const [k, sub] of Object.entries(pm.fields)) {
      const fs = d.shape?.[k];
      if (fs) visit(fs, sub);
    }
  };
  for (const r of RESOURCES) visit(r.schema, r.patchMeta);
  return out;
}

class Converter {
  readonly schemas: Record<string, JSONSchema> = {};
  private readonly reg = registry();
  private readonly patchMeta = patchMetaByComponent();

  /** Add a named component (and everything it references). */
  define(name: string, schema: z.ZodType, extra: JSONSchema = {}): void {
    if (this.schemas[name]) return;
    if (PRIMITIVE_COMPONENTS[name]) {
      this.schemas[name] = { ...PRIMITIVE_COMPONENTS[name], ...descriptionFor(name) };
      return;
    }
    this.schemas[name] = {}; // placeholder: breaks cycles
    const body = this.convert(unwrap(schema).schema, name, true);
    this.schemas[name] = { ...descriptionFor(name), ...body, ...extra };
  }

  /** Schema for a field value; named schemas become $refs. */
  convert(s: z.ZodType, owner: string, isRoot = false): JSONSchema {
    const { schema } = unwrap(s);
    const named = this.reg.get(schema);
    if (named && !isRoot) {
      this.define(named, schema);
      return { $ref: ref(named) };
    }
    const d = defOf(schema);
    switch (d.type) {
      case 'string':
        // []byte fields (Secret.data, ConfigMap.binaryData) are published as Kubernetes does.
        return d.format === 'base64' ? { type: 'string', format: 'byte' } : { type: 'string' };
      case 'number':
        return (schema as unknown as { isInt?: boolean }).isInt ? { type: 'integer', format: 'int32' } : { type: 'number', format: 'double' };
      case 'int':
        return { type: 'integer', format: 'int32' };
      case 'boolean':
        return { type: 'boolean' };
      case 'enum':
        return { type: 'string', enum: Object.values(d.entries ?? {}) };
      case 'literal':
        return { type: typeof d.values?.[0] === 'number' ? 'integer' : 'string', enum: d.values };
      case 'array':
        return { type: 'array', items: this.convert(d.element!, owner) };
      case 'record': {
        const v = unwrap(d.valueType!).schema;
        if (defOf(v).type === 'unknown' || defOf(v).type === 'any') return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
        return { type: 'object', additionalProperties: this.convert(v, owner) };
      }
      case 'union':
        return { anyOf: (d.options ?? []).map((o) => this.convert(o, owner)) };
      case 'object': {
        const properties: Record<string, JSONSchema> = {};
        const required: string[] = [];
        const descs = isRoot ? OPENAPI_DESCRIPTIONS[owner] ?? {} : {};
        const pm = isRoot ? this.patchMeta.get(owner) ?? {} : {};
        // A kind's top level is published as Kubernetes does: apiVersion/kind plain strings
        // (our schemas pin them with literals), and type meta, metadata and spec not required
        // (`kubectl explain deployment` shows no enum and no "-required-" there).
        const literal = (f: string) => d.shape?.[f] !== undefined && defOf(unwrap(d.shape[f]!).schema).type === 'literal';
        const isKind = isRoot && literal('apiVersion') && literal('kind');
        for (const [k, fs] of Object.entries(d.shape ?? {})) {
          const { optional: declaredOptional } = unwrap(fs);
          const typeMeta = isKind && (k === 'apiVersion' || k === 'kind');
          const optional = declaredOptional || (isKind && (typeMeta || k === 'metadata' || k === 'spec'));
          let p = typeMeta ? { type: 'string' } : this.convert(fs, owner);
          const desc = descs[k] ?? COMMON_FIELD_DESCRIPTIONS[k];
          const fieldPm = pm[k];
          const ext: JSONSchema = {};
          if (fieldPm?.strategy === 'merge' || fieldPm?.retainKeys) {
            ext['x-kubernetes-patch-strategy'] = [fieldPm.strategy, fieldPm.retainKeys ? 'retainKeys' : undefined].filter(Boolean).join(',');
          }
          if (fieldPm?.mergeKey) {
            ext['x-kubernetes-patch-merge-key'] = fieldPm.mergeKey;
            ext['x-kubernetes-list-type'] = 'map';
            ext['x-kubernetes-list-map-keys'] = fieldPm.listMapKeys ?? [fieldPm.mergeKey];
          }
          if (p.$ref && (desc || Object.keys(ext).length)) {
            // Kubernetes wraps a $ref with siblings in allOf.
            p = { allOf: [p] };
          }
          if (desc) p = { ...p, description: desc };
          properties[k] = { ...p, ...ext };
          if (!optional) required.push(k);
        }
        const out: JSONSchema = { type: 'object', properties };
        if (required.length) out.required = required;
        return out;
      }
      default:
        return {};
    }
  }
}

function descriptionFor(name: string): JSONSchema {
  const d = OPENAPI_DESCRIPTIONS[name]?.[''];
  return d ? { description: d } : {};
}

const COMMON_FIELD_DESCRIPTIONS: Record<string, string> = {
  apiVersion: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
  kind: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.',
};

/** The group-versions Skiff serves, as OpenAPI v3 path keys: `api/v1`, `apis/apps/v1`, ... */
export function openAPIGroupVersions(): string[] {
  const seen = new Set<string>();
  for (const r of RESOURCES) seen.add(r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`);
  return [...seen];
}

function resourcesOf(group: string, version: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
}

/** `components.schemas` for one group-version: its kinds, their lists, and everything referenced. */
export function openAPIComponents(group: string, version: string): Record<string, JSONSchema> {
  const c = new Converter();
  for (const r of resourcesOf(group, version)) {
    const name = componentName(r.group, r.version, r.kind);
    c.define(name, r.schema, { 'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version: r.version }] });
    const listName = `${name}List`;
    c.define(`${META_PKG}.ListMeta`, meta.ListMeta);
    c.schemas[listName] = {
      description: `${r.kind}List is a list of ${r.kind} objects.`,
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: { type: 'string', description: COMMON_FIELD_DESCRIPTIONS.apiVersion },
        kind: { type: 'string', description: COMMON_FIELD_DESCRIPTIONS.kind },
        items: { type: 'array', description: `List of ${r.plural}.`, items: { allOf: [{ $ref: ref(name) }], default: {} } },
        metadata: { allOf: [{ $ref: ref(`${META_PKG}.ListMeta`) }], default: {}, description: "Standard list metadata." },
      },
      'x-kubernetes-group-version-kind': [{ group: r.group, kind: `${r.kind}List`, version: r.version }],
    };
    if (r.subresources.includes('scale')) {
      c.define('io.k8s.api.autoscaling.v1.Scale', Scale, { 'x-kubernetes-group-version-kind': [{ group: 'autoscaling', kind: 'Scale', version: 'v1' }] });
    }
    if (r.subresources.includes('binding')) {
      c.define(`${CORE_PKG}.Binding`, Binding, { 'x-kubernetes-group-version-kind': [{ group: '', kind: 'Binding', version: 'v1' }] });
    }
  }
  c.define(`${META_PKG}.Status`, meta.Status);
  c.define(`${META_PKG}.DeleteOptions`, meta.DeleteOptions);
  return c.schemas;
}

// ---- paths ----

const queryParam = (name: string, description: string, type = 'string'): JSONSchema => ({ name, in: 'query', description, schema: { type, uniqueItems: true } });
const pathParam = (name: string, description: string): JSONSchema => ({ name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } });

const P = {
  name: pathParam('name', 'name of the resource'),
  namespace: pathParam('namespace', 'object name and auth scope, such as for teams and projects'),
  pretty: queryParam('pretty', "If 'true', then the output is pretty printed."),
  dryRun: queryParam('dryRun', 'When present, indicates that modifications should not be persisted. Valid value: All'),
  fieldManager: queryParam('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: queryParam('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn (the default) and Strict (fail the request with a BadRequest error naming the unknown fields).'),
  force: queryParam('force', 'Force is going to "force" Apply requests: re-acquire fields owned by other managers.', 'boolean'),
  labelSelector: queryParam('labelSelector', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  fieldSelector: queryParam('fieldSelector', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  limit: queryParam('limit', 'limit is a maximum number of responses to return for a list call.', 'integer'),
  continue: queryParam('continue', 'The continue option should be set when retrieving more results from the server.'),
  resourceVersion: queryParam('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  watch: queryParam('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', 'boolean'),
  allowWatchBookmarks: queryParam('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK".', 'boolean'),
  timeoutSeconds: queryParam('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
  gracePeriodSeconds: queryParam('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'),
  propagationPolicy: queryParam('propagationPolicy', "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
};

const JSON_TYPES = ['application/json', 'application/yaml'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

function content(types: string[], schemaRef: string): JSONSchema {
  return Object.fromEntries(types.map((t) => [t, { schema: { $ref: ref(schemaRef) } }]));
}

function operation(opts: {
  id: string; action: string; gvk: { group: string; version: string; kind: string }; description: string;
  params?: JSONSchema[]; body?: { types: string[]; schema: string }; response: string; tag: string;
}): JSONSchema {
  const op: JSONSchema = {
    tags: [opts.tag],
    description: opts.description,
    operationId: opts.id,
    responses: { '200': { description: 'OK', content: content(['application/json', 'application/yaml'], opts.response) }, '401': { description: 'Unauthorized' } },
    'x-kubernetes-action': opts.action,
    'x-kubernetes-group-version-kind': opts.gvk,
  };
  if (opts.params?.length) op.parameters = opts.params;
  if (opts.body) op.requestBody = { required: true, content: Object.fromEntries(opts.body.types.map((t) => [t, { schema: t.includes('patch') ? { type: 'object' } : { $ref: ref(opts.body!.schema) } }])) };
  if (opts.action === 'post') (op.responses as JSONSchema)['201'] = { description: 'Created', content: content(['application/json', 'application/yaml'], opts.response) };
  return op;
}

function pascal(s: string): string {
  return s.replace(/(^|[.\-/])([a-z])/g, (_m, _p, c: string) => c.toUpperCase());
}

function pathsFor(r: ResourceInfo): Record<string, JSONSchema> {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const name = componentName(r.group, r.version, r.kind);
  const tag = r.group ? `${pascal(r.group.replace(/\.k8s\.io$/, ''))}_${r.version}` : `core_${r.version}`;
  const idPart = `${r.group ? pascal(r.group.replace(/\.k8s\.io$/, '')) : 'Core'}${pascal(r.version)}`;
  const scope = r.namespaced ? 'Namespaced' : '';
  const coll = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const nsParams = r.namespaced ? [P.namespace] : [];
  const write = [P.dryRun, P.fieldManager, P.fieldValidation];
  const paths: Record<string, JSONSchema> = {};
  if (r.verbs && !r.verbs.includes('list')) {
    // A review: POST only.
    paths[coll] = {
      parameters: [...nsParams, P.pretty],
      post: operation({ id: `create${idPart}${scope}${r.kind}`, action: 'post', gvk, tag, description: `create a ${r.kind}`, response: name, params: write, body: { types: JSON_TYPES, schema: name } }),
    };
    return paths;
  }
  if (r.verbs && !r.verbs.includes('create')) {
    // Read-only (metrics.k8s.io): get and list.
    const listOp = (id: string) => operation({ id, action: 'list', gvk, tag, description: `list objects of kind ${r.kind}`, response: `${name}List`, params: [P.labelSelector, P.fieldSelector] });
    paths[coll] = { parameters: [...nsParams, P.pretty], get: listOp(`list${idPart}${scope}${r.kind}`) };
    paths[`${coll}/{name}`] = {
      parameters: [P.name, ...nsParams, P.pretty],
      get: operation({ id: `read${idPart}${scope}${r.kind}`, action: 'get', gvk, tag, description: `read the specified ${r.kind}`, response: name }),
    };
    if (r.namespaced) paths[`${base}/${r.plural}`] = { parameters: [P.pretty], get: listOp(`list${idPart}${r.kind}ForAllNamespaces`) };
    return paths;
  }
  paths[coll] = {
    parameters: [...nsParams, P.pretty],
    get: operation({ id: `list${idPart}${scope}${r.kind}`, action: 'list', gvk, tag, description: `list or watch objects of kind ${r.kind}`, response: `${name}List`,
      params: [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.timeoutSeconds, P.watch] }),
    post: operation({ id: `create${idPart}${scope}${r.kind}`, action: 'post', gvk, tag, description: `create a ${r.kind}`, response: name, params: write, body: { types: JSON_TYPES, schema: name } }),
    delete: operation({ id: `deletecollection${idPart}${scope}${r.kind}`, action: 'deletecollection', gvk, tag, description: `delete collection of ${r.kind}`, response: `${META_PKG}.Status`,
      params: [P.labelSelector, P.fieldSelector, P.gracePeriodSeconds, P.propagationPolicy, P.dryRun] }),
  };
  const item = `${coll}/{name}`;
  paths[item] = {
    parameters: [P.name, ...nsParams, P.pretty],
    get: operation({ id: `read${idPart}${scope}${r.kind}`, action: 'get', gvk, tag, description: `read the specified ${r.kind}`, response: name }),
    put: operation({ id: `replace${idPart}${scope}${r.kind}`, action: 'put', gvk, tag, description: `replace the specified ${r.kind}`, response: name, params: write, body: { types: JSON_TYPES, schema: name } }),
    patch: operation({ id: `patch${idPart}${scope}${r.kind}`, action: 'patch', gvk, tag, description: `partially update the specified ${r.kind}`, response: name, params: [...write, P.force], body: { types: PATCH_TYPES, schema: name } }),
    delete: operation({ id: `delete${idPart}${scope}${r.kind}`, action: 'delete', gvk, tag, description: `delete a ${r.kind}`, response: `${META_PKG}.Status`, params: [P.gracePeriodSeconds, P.propagationPolicy, P.dryRun] }),
  };
  if (r.namespaced) {
    paths[`${base}/${r.plural}`] = {
      parameters: [P.pretty],
      get: operation({ id: `list${idPart}${r.kind}ForAllNamespaces`, action: 'list', gvk, tag, description: `list or watch objects of kind ${r.kind}`, response: `${name}List`,
        params: [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.timeoutSeconds, P.watch] }),
    };
  }
  if (r.subresources.includes('status')) {
    paths[`${item}/status`] = {
      parameters: [P.name, ...nsParams, P.pretty],
      get: operation({ id: `read${idPart}${scope}${r.kind}Status`, action: 'get', gvk, tag, description: `read status of the specified ${r.kind}`, response: name }),
      put: operation({ id: `replace${idPart}${scope}${r.kind}Status`, action: 'put', gvk, tag, description: `replace status of the specified ${r.kind}`, response: name, params: write, body: { types: JSON_TYPES, schema: name } }),
      patch: operation({ id: `patch${idPart}${scope}${r.kind}Status`, action: 'patch', gvk, tag, description: `partially update status of the specified ${r.kind}`, response: name, params: [...write, P.force], body: { types: PATCH_TYPES, schema: name } }),
    };
  }
  if (r.subresources.includes('scale')) {
    const sgvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    const scale = 'io.k8s.api.autoscaling.v1.Scale';
    paths[`${item}/scale`] = {
      parameters: [P.name, ...nsParams, P.pretty],
      get: operation({ id: `read${idPart}${scope}${r.kind}Scale`, action: 'get', gvk: sgvk, tag, description: `read scale of the specified ${r.kind}`, response: scale }),
      put: operation({ id: `replace${idPart}${scope}${r.kind}Scale`, action: 'put', gvk: sgvk, tag, description: `replace scale of the specified ${r.kind}`, response: scale, params: write, body: { types: JSON_TYPES, schema: scale } }),
      patch: operation({ id: `patch${idPart}${scope}${r.kind}Scale`, action: 'patch', gvk: sgvk, tag, description: `partially update scale of the specified ${r.kind}`, response: scale, params: [...write, P.force], body: { types: PATCH_TYPES, schema: scale } }),
    };
  }
  if (r.subresources.includes('binding')) {
    const bgvk = { group: '', version: 'v1', kind: 'Binding' };
    const binding = `${CORE_PKG}.Binding`;
    paths[`${item}/binding`] = {
      parameters: [P.name, ...nsParams, P.pretty],
      post: operation({ id: `create${idPart}${scope}${r.kind}Binding`, action: 'post', gvk: bgvk, tag, description: `create binding of a ${r.kind}`, response: binding, params: write, body: { types: JSON_TYPES, schema: binding } }),
    };
  }
  return paths;
}

/**
 * The whole OpenAPI v3 document for a group-version (`''`/`'v1'`, `'apps'`/`'v1'`), as
 * served at /openapi/v3/api/v1 or /openapi/v3/apis/<group>/<version>. Undefined if Skiff
 * serves nothing there.
 */
export function openAPIDocument(group: string, version: string): JSONSchema | undefined {
  const rs = resourcesOf(group, version);
  if (rs.length === 0) return undefined;
  const paths: Record<string, JSONSchema> = {};
  for (const r of rs) Object.assign(paths, pathsFor(r));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-skiff' },
    paths,
    components: { schemas: openAPIComponents(group, version) },
  };
}

/** Parse an OpenAPI v3 path key (`api/v1`, `apis/apps/v1`) into group and version. */
export function parseOpenAPIGroupVersion(path: string): { group: string; version: string } | undefined {
  const p = path.replace(/^\/+|\/+$/g, '');
  let m = /^api\/([^/]+)$/.exec(p);
  if (m) return { group: '', version: m[1]! };
  m = /^apis\/([^/]+)\/([^/]+)$/.exec(p);
  if (m) return { group: m[1]!, version: m[2]! };
  return undefined;
}

