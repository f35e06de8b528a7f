// The object-model rules the registry applies, gathered in one place: schema decoding,
// defaulting, validation, unknown-field detection and patch application. The rules
// themselves live in api/ (shared with kctl); this file is the one seam where the registry
// calls them, so swapping an implementation is a one-line change here.
import type { z } from 'zod';
import type { KubeObject } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import { invalid, StatusError, type FieldError } from '../../api/errors.js';
import { validate, unknownFieldsOf } from '../../api/validation.js';
import { applyDefaults as defaultsFor } from '../../api/defaults.js';
import { applyPatch as patchWith } from '../../api/patch/index.js';
import { decodeCompiled, NO_MATCH } from '../../api/compiled-decoder.js';
export { fillListKeyDefaults } from '../../api/patch/strategic.js';

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** zod path → Kubernetes field path: ['spec','containers',0,'name'] → spec.containers[0].name */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/**
 * Check a body against its kind's schema. Returns the decoded object (unknown fields
 * dropped, as kube-apiserver drops them unless fieldValidation=Strict) or throws 422 with
 * one cause per offending field.
 */
export function decodeObject(info: ResourceInfo, body: unknown, name: string): KubeObject {
  // The decoder compiled from the schema answers valid bodies; zod itself everything else.
  const fast = decodeCompiled(info.schema as z.ZodType, body);
  if (fast !== NO_MATCH) return fast as KubeObject;
  const r = (info.schema as z.ZodType).safeParse(body);
  if (r.success) return r.data as KubeObject;
  // The full validation reports type errors and semantic ones together: every field at once.
  const all = validate(info.kind, body);
  if (all.length) throw invalid(info.kind, info.group, name, all);
  const errors: FieldError[] = r.error.issues.map((issue) => {
    const field = fieldPath(issue.path);
    const isMissing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    return {
      type: isMissing ? 'FieldValueRequired' : 'FieldValueInvalid',
      field: field || '<root>',
      message: isMissing ? 'Required value' : `Invalid value: ${issue.message}`,
    };
  });
  throw invalid(info.kind, info.group, name, errors);
}

/** Kubernetes defaults for a kind (filled in place). */
export function applyDefaults(info: ResourceInfo, obj: KubeObject): void {
  defaultsFor(info.kind, obj);
}

/** Field errors for a new object, or an update of `old` (immutable fields included). */
export function validateObject(info: ResourceInfo, obj: KubeObject, old?: KubeObject): FieldError[] {
  return validate(info.kind, obj, old);
}

/**
 * Field errors for a new object that decodeObject returned and only defaults and admission
 * changed since: the semantic rules, without a second pass of the schema over its types
 * (test/api/defaults-schema.test.ts holds every kind's defaults to the schema).
 */
export function validateDecodedObject(info: ResourceInfo, obj: KubeObject): FieldError[] {
  return validate(info.kind, obj, undefined, { decoded: true });
}

/** Field errors for a write to the status subresource (a terminal pod's history is final). */
export function validateStatusUpdate(info: ResourceInfo, obj: KubeObject, old: KubeObject): FieldError[] {
  return info.validateStatusUpdate?.(obj, old) ?? [];
}

/** Field paths of an object's fields its schema does not know (for fieldValidation=Strict). */
export function findUnknownFields(info: ResourceInfo, body: unknown): string[] {
  return unknownFieldsOf(info.kind, body);
}

/** Apply a patch document to an object (a plain JSON value); returns the patched object. */
export function applyPatch(type: PatchType, original: unknown, patch: unknown, info: ResourceInfo | undefined): unknown {
  // Apply is not a patch of its own: Store.apply merges the configuration strategically.
  if (type === 'apply') {
    throw new StatusError({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 415, reason: 'UnsupportedMediaType',
      message: 'server-side apply (application/apply-patch+yaml) is supported on whole objects only, not on subresources',
    });
  }
  return patchWith(type, original, patch, info?.kind);
}
