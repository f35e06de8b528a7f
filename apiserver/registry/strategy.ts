// A resource's strategy: the per-kind rules the generic store consults (the equivalent of
// Kubernetes' RESTCreateStrategy / RESTUpdateStrategy / RESTGracefulDeleteStrategy). Every
// hook is optional; the store's defaults are what most kinds need.
import type { DeleteOptions, KubeObject } from '../../api/meta.js';
import type { FieldError } from '../../api/errors.js';

export interface Strategy {
  /** Server-owned fields on create (e.g. reset status: clients cannot create a "Running" pod). */
  prepareForCreate?(obj: KubeObject): void;
  /** A main-resource update; status was already carried over from `old`. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  /** Kind-specific checks on create. */
  validate?(obj: KubeObject): FieldError[];
  /** Kind-specific checks on update (immutable fields). */
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Seconds of graceful deletion (0 or undefined: delete at once, or once finalized). */
  gracePeriodSeconds?(obj: KubeObject, options: DeleteOptions): number;
  /** Anything besides metadata.finalizers that holds a deleted object back (namespaces: spec.finalizers). */
  pendingFinalization?(obj: KubeObject): boolean;
  /** Mark an object as being deleted (namespaces: phase Terminating). */
  markDeleting?(obj: KubeObject): void;
  /** Throws when the object may not be deleted at all (the default namespaces). */
  checkDelete?(obj: KubeObject): void;
  /** PUT of a missing object creates it (events). */
  allowCreateOnUpdate?: boolean;
  /** DELETE answers with the deleted object rather than a Status (pods). */
  returnDeletedObject?: boolean;
  /** Whether metadata.generation is tracked (kinds with a spec). */
  tracksGeneration?: boolean;
}
