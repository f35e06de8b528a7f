// The resource table: every kind Skiff serves, with the names, scope and subresources that
// the API server routes and advertises in discovery, the client builds paths from, and kctl
// resolves short names against — assembled from what each API group declares (api/<group>/
// register.ts), so adding a kind touches its group only.
import { coreV1 } from './core/register.js';
import { appsV1 } from './apps/register.js';
import { autoscalingV1, autoscalingV2 } from './autoscaling/register.js';
import { coordinationV1 } from './coordination/register.js';
import { discoveryV1 } from './discovery/register.js';
import { authenticationV1 } from './authentication/register.js';
import { authorizationV1 } from './authorization/register.js';
import { rbacV1 } from './rbac/register.js';
import { certificatesV1 } from './certificates/register.js';
import { batchV1 } from './batch/register.js';
import { storageV1 } from './storage/register.js';
import { metricsV1beta1 } from './metrics/register.js';
import { Binding } from './core/pod.js';
import { apiVersionOf, type APIGroupVersion, type KindRules, type ResourceInfo } from './resource-definition.js';

export { apiVersionOf, type APIGroupVersion, type KindRules, type ResourceInfo, type SelectableField } from './resource-definition.js';

/** Every group-version Skiff serves, in discovery order. */
export const GROUP_VERSIONS: readonly APIGroupVersion[] = [coreV1, appsV1, autoscalingV1, autoscalingV2, batchV1, coordinationV1, discoveryV1, authenticationV1, authorizationV1, rbacV1, certificatesV1, storageV1, metricsV1beta1];

export const RESOURCES: readonly ResourceInfo[] = GROUP_VERSIONS.flatMap((gv) => gv.resources);

/** Resources served as conversions of another version's objects (APIGroupVersion.views): in discovery, not in RESOURCES. */
export const RESOURCE_VIEWS: readonly ResourceInfo[] = GROUP_VERSIONS.flatMap((gv) => gv.views ?? []);

const KINDS = new Map<string, KindRules>();
for (const gv of GROUP_VERSIONS) for (const k of [...gv.resources, ...(gv.kinds ?? [])]) KINDS.set(k.kind, k);

/** A kind's rules, whether it is served as a resource or only through a subresource (Scale). */
export function kindRules(kind: string): KindRules | undefined {
  return KINDS.get(kind);
}

/** Binding is accepted only as the pods/binding subresource (and POST /bindings). */
export const BindingSchema = Binding;

export function resourceByKind(kind: string, apiVersion?: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.kind === kind && (apiVersion === undefined || apiVersionOf(r) === apiVersion));
}

export function resourceByPlural(group: string, version: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** Resolve what a user typed (`po`, `pods`, `pod`, `Deployment`, `deployments.apps`). */
export function resolveResource(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  const [base, ...groupParts] = lower.split('.');
  const group = groupParts.join('.');
  return RESOURCES.find(
    (r) =>
      (group === '' || r.group === group) &&
      (r.plural === base || r.singular === base || r.kind.toLowerCase() === base || r.shortNames.includes(base!)),
  );
}

/** "deployments.apps" / "pods": how Kubernetes names a resource in error messages. */
export function groupResource(r: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/**
 * The storage key of an object: /registry/<group>/<plural>/<namespace>/<name>, as
 * kube-apiserver lays out etcd (core group resources have no group segment).
 */
export function storageKey(r: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace: string | undefined, name: string): string {
  return storagePrefix(r, namespace) + name;
}

/** The prefix to range or watch: all objects of a resource, or those of one namespace. */
export function storagePrefix(r: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace?: string): string {
  const base = r.group ? `/registry/${r.group}/${r.plural}/` : `/registry/${r.plural}/`;
  return r.namespaced && namespace ? `${base}${namespace}/` : base;
}
