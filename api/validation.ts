// Validation, as kube-apiserver's pkg/apis/*/validation: each problem is a FieldError with
// the field's path (`spec.template.spec.containers[0].image`) and Kubernetes' own wording.
//
// validate(kind, obj, old?) runs the kind's zod schema (types, enums), ObjectMeta's rules,
// then the kind's own semantic checks and — on update — its immutability rules, all as its
// API group declares them (api/<group>/register.ts).
import type { FieldError } from './errors.js';
import { dedupeFieldErrors, fieldErr } from './field-errors.js';
import { isObj } from './json-object.js';
import { validateObjectMeta, validateObjectMetaUpdate, validateSubdomainName } from './meta-validation.js';
import { kindRules, resourceByKind } from './resources.js';
import { findUnknownFields, schemaErrors } from './schema-errors.js';

export interface ValidateOptions {
  /**
   * The object was just decoded by its kind's schema and changed since only by the server's
   * own typed code (defaults, admission): its types are not checked a second time. Go's
   * decoder makes the same guarantee in kube-apiserver, whose validation never re-checks types.
   */
  decoded?: boolean;
}

/**
 * Validate an object of `kind` (after defaulting). With `old`, also the update rules
 * (immutable fields). Returns every problem found; empty means valid.
 */
export function validate(kind: string, obj: unknown, old?: unknown, opts: ValidateOptions = {}): FieldError[] {
  if (!isObj(obj)) return [fieldErr.invalid('<root>', obj, 'must be an object')];
  const rules = kindRules(kind);
  const typeErrs = rules && !opts.decoded ? schemaErrors(rules.schema, obj) : [];
  const errs: FieldError[] = [];
  // Kinds that are not resources of their own (Scale) are namespaced like their parent.
  const namespaced = resourceByKind(kind)?.namespaced ?? true;
  errs.push(...validateObjectMeta(obj.metadata, { namespaced, nameFn: rules?.nameValidator ?? validateSubdomainName }));
  if (rules?.validate) errs.push(...rules.validate(obj));
  if (isObj(old)) {
    if (isObj(obj.metadata) && isObj(old.metadata)) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    if (rules?.validateUpdate) errs.push(...rules.validateUpdate(obj, old));
  }
  // A field with a type error gets that one error, not also the semantic ones after it.
  const typed = new Set(typeErrs.map((e) => e.field));
  return dedupeFieldErrors([...typeErrs, ...errs.filter((e) => !typed.has(e.field))]);
}

/** Unknown fields of an object of `kind` (empty for kinds without a schema), for fieldValidation=Strict. */
export function unknownFieldsOf(kind: string, obj: unknown): string[] {
  const rules = kindRules(kind);
  return rules ? findUnknownFields(rules.schema, obj) : [];
}
