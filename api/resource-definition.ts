// What an API group declares about each of its kinds. The resource table (resources.ts) is
// assembled from these declarations, and everything generic — defaulting, validation, strict
// field checks, field selectors, strategic merge and server-side apply, discovery, OpenAPI,
// `kctl explain` — reads them, so no shared code switches over kind names.
import type { z } from 'zod';
import type { FieldError } from './errors.js';
import type { Obj } from './json-object.js';
import type { NameValidator } from './meta-validation.js';
import type { PatchMeta } from './patch/patch-meta.js';

/** A field label for `?fieldSelector=`: the object's value of that field, as a string. */
export type SelectableField = (obj: any) => string | undefined;

/** The rules of one kind (served as a resource or spoken only through a subresource). */
export interface KindRules {
  kind: string;
  schema: z.ZodType;
  /** SetDefaults_<Kind>: fill in what a client left out (mutates). */
  defaults?: (obj: Obj) => void;
  /** The kind's semantic validation (after the schema's type checks and ObjectMeta). */
  validate?: (obj: Obj) => FieldError[];
  /** The update rules (immutable fields), given the stored object. */
  validateUpdate?: (obj: Obj, old: Obj) => FieldError[];
  /** The rules for a write to the status subresource, given the stored object. */
  validateStatusUpdate?: (obj: Obj, old: Obj) => FieldError[];
  /** How names of this kind are validated (DNS-1123 subdomain unless said otherwise). */
  nameValidator?: NameValidator;
  /** Field labels beyond metadata.name and metadata.namespace (each registry's GetAttrs). */
  selectableFields?: Record<string, SelectableField>;
  /** Which lists merge by key under strategic merge and server-side apply. */
  patchMeta?: PatchMeta;
}

export interface ResourceInfo extends KindRules {
  group: string; // '' for the core group
  version: string;
  plural: string; // the path segment: 'pods', 'deployments'
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: string[]; // 'status', 'scale', 'binding', 'log', 'exec'
  /** Does a write to the main resource leave status alone (true when a status subresource exists)? */
  hasStatus: boolean;
  /**
   * The verbs served, when not every verb of a stored resource: a review (SelfSubjectReview)
   * is only created and answered, never stored, listed or watched.
   */
  verbs?: readonly string[];
}

/** One API group-version as k8s.io/api cuts it: its resources, and the named types OpenAPI publishes. */
export interface APIGroupVersion {
  group: string;
  version: string;
  resources: ResourceInfo[];
  /**
   * Resources served in this version as a conversion of another version's stored objects
   * (autoscaling/v1 HorizontalPodAutoscaler, a view of v2's): discovery lists them; their
   * route converts; they have no store of their own.
   */
  views?: ResourceInfo[];
  /** Kinds spoken only through a subresource (autoscaling/v1 Scale, core/v1 Binding). */
  kinds?: KindRules[];
  /** OpenAPI component names (the Go type names, `PodSpec`) → their schemas, for `$ref`s. */
  components: Record<string, z.ZodType>;
}

export function apiVersionOf(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}
