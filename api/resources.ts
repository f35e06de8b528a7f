// The resource table: every kind Skiff serves, with the names, scope and subresources that
// the API server routes and advertises in discovery, the client builds paths from, and kctl
// resolves short names against. One row per resource; nothing else hard-codes these facts.
import type { z } from 'zod';
import { Binding, Event, Namespace, Node, Pod, Service } from './core.js';
import { Deployment, ReplicaSet } from './apps.js';
import { Lease } from './coordination.js';

export interface ResourceInfo {
  group: string; // '' for the core group
  version: string;
  kind: string;
  plural: string; // the path segment: 'pods', 'deployments'
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: string[]; // 'status', 'scale', 'binding', 'log', 'exec'
  /** Does a write to the main resource leave status alone (true when a status subresource exists)? */
  hasStatus: boolean;
  schema: z.ZodType;
}

export function apiVersionOf(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export const RESOURCES: readonly ResourceInfo[] = [
  {
    group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', singular: 'namespace',
    namespaced: false, shortNames: ['ns'], categories: [], subresources: ['status'], hasStatus: true, schema: Namespace,
  },
  {
    group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod',
    namespaced: true, shortNames: ['po'], categories: ['all'],
    subresources: ['status', 'binding', 'log', 'exec'], hasStatus: true, schema: Pod,
  },
  {
    group: '', version: 'v1', kind: 'Node', plural: 'nodes', singular: 'node',
    namespaced: false, shortNames: ['no'], categories: [], subresources: ['status'], hasStatus: true, schema: Node,
  },
  {
    group: '', version: 'v1', kind: 'Event', plural: 'events', singular: 'event',
    namespaced: true, shortNames: ['ev'], categories: [], subresources: [], hasStatus: false, schema: Event,
  },
  {
    group: '', version: 'v1', kind: 'Service', plural: 'services', singular: 'service',
    namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status'], hasStatus: true, schema: Service,
  },
  {
    group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset',
    namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'], hasStatus: true, schema: ReplicaSet,
  },
  {
    group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', singular: 'deployment',
    namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'], hasStatus: true, schema: Deployment,
  },
  {
    group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', singular: 'lease',
    namespaced: true, shortNames: [], categories: [], subresources: [], hasStatus: false, schema: Lease,
  },
];

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
