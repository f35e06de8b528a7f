// Client-side apply as kubectl does it: the applied file is stored on the object in the
// `kubectl.kubernetes.io/last-applied-configuration` annotation, and the next apply sends
// the three-way strategic merge patch between that record, the new file and the live object.
//
//   const { patch, changed } = clientSideApplyPatch(fileWithNamespace, liveObject, 'Deployment');
//   if (changed) PATCH with Content-Type application/strategic-merge-patch+json
//   (for a new object, POST withLastAppliedAnnotation(file) instead)
import { deepCopy, isPlainObject } from './merge.js';
import { createThreeWayMergePatch } from './strategic.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

type Obj = Record<string, unknown>;

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isPlainObject(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

/**
 * The annotation's value for a file: the object as JSON with keys sorted (as Go writes
 * maps), its own annotation removed (an emptied annotations map stays as {}), and a
 * trailing newline — byte-for-byte what kubectl v1.32 stores.
 */
export function lastAppliedConfiguration(obj: Obj): string {
  const copy = deepCopy(obj);
  const meta: Obj = isPlainObject(copy.metadata) ? copy.metadata : (copy.metadata = {});
  const annotations: Obj = isPlainObject(meta.annotations) ? meta.annotations : {};
  delete annotations[LAST_APPLIED_ANNOTATION];
  meta.annotations = annotations;
  return JSON.stringify(sortKeys(copy)) + '\n';
}

/** A copy of the file carrying its own last-applied annotation (what kubectl creates or patches toward). */
export function withLastAppliedAnnotation(obj: Obj): Obj {
  const out = deepCopy(obj);
  const meta: Obj = isPlainObject(out.metadata) ? out.metadata : (out.metadata = {});
  meta.annotations = { ...(isPlainObject(meta.annotations) ? meta.annotations : {}), [LAST_APPLIED_ANNOTATION]: lastAppliedConfiguration(obj) };
  return out;
}

/** The configuration last applied to a live object, if it was applied client-side. */
export function getLastApplied(live: unknown): Obj | undefined {
  if (!isPlainObject(live) || !isPlainObject(live.metadata) || !isPlainObject(live.metadata.annotations)) return undefined;
  const raw = live.metadata.annotations[LAST_APPLIED_ANNOTATION];
  if (typeof raw !== 'string') return undefined;
  try {
    const v = JSON.parse(raw);
    return isPlainObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The patch `kubectl apply` sends for `file` (with metadata.namespace already set, as kubectl
 * sets it from the context) against `live`. `changed` is false when there is nothing to send.
 */
export function clientSideApplyPatch(file: Obj, live: Obj, kind: string): { patch: Obj; changed: boolean } {
  const modified = withLastAppliedAnnotation(file);
  const original = getLastApplied(live) ?? {};
  const patch = createThreeWayMergePatch(original, modified, live, kind);
  return { patch, changed: Object.keys(patch).length > 0 };
}
