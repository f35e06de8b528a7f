// A resource's strategy: the per-kind rules the generic store consults (the equivalent of
// Kubernetes' RESTCreateStrategy / RESTUpdateStrategy / RESTGracefulDeleteStrategy). Every
// hook is optional; the store's defaults are what most kinds need.
import type { DeleteOptions, KubeObject } from '../../api/meta.js';
import type { FieldError } from '../../api/errors.js';
import type { Storage } from '../storage/interface.js';

/** A key an object holds in storage besides its own (a Service's cluster IP, a node port). */
export interface Claim { key: string; value: string }

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
  /**
   * The keys an object holds, read from its fields. The store writes new ones in the same
   * transaction as the object, each guarded by "does not exist", and deletes them in the
   * transaction that removes the object (or that stops holding them), so two objects can
   * never hold one key.
   */
  claims?(obj: KubeObject): Claim[];
  /**
   * Fill in the values the object asks the server to choose (a Service's cluster IP and node
   * ports) and check the ones it chose itself (422 if held by another object). Runs before
   * each write attempt on a fresh copy; `taken` holds claim keys an earlier attempt lost.
   */
  allocate?(obj: KubeObject, old: KubeObject | undefined, storage: Storage, taken: ReadonlySet<string>): Promise<void>;
  /** Whether metadata.generation is tracked (kinds with a spec). */
  tracksGeneration?: boolean;
}
