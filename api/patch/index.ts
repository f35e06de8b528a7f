// The three patch types the API server accepts, by content type (server-side apply and
// managedFields live in apiserver/registry/field-manager.ts).
export * from './merge.js';
export * from './last-applied.js';
export * from './json.js';
export * from './strategic.js';
import { applyJSONPatch } from './json.js';
import { applyMergePatch } from './merge.js';
import { applyStrategicMergePatch } from './strategic.js';
import { badRequest } from '../errors.js';

export type PatchKind = 'merge' | 'json' | 'strategic';

export const PATCH_CONTENT_TYPES: Record<string, PatchKind> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
};

/** The patch kind for a Content-Type header (parameters ignored); undefined if not a patch type. */
export function patchKindOf(contentType: string | undefined): PatchKind | undefined {
  const base = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return PATCH_CONTENT_TYPES[base];
}

/** Apply a patch of the given kind to an object of `kind` (used for strategic merge keys). */
export function applyPatch(type: PatchKind, original: unknown, patch: unknown, kind?: string): unknown {
  switch (type) {
    case 'merge':
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('a merge patch for an object must be a JSON object');
      return applyMergePatch(original, patch);
    case 'json':
      return applyJSONPatch(original, patch);
    case 'strategic':
      return applyStrategicMergePatch(original, patch, kind);
  }
}
