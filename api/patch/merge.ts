// RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge key by key,
// `null` deletes a key, and anything else (arrays included) replaces the target value.
//
//   applyMergePatch({a: 1, b: {c: 2, d: 3}}, {b: {c: null, e: 4}, f: [1]})
//     → {a: 1, b: {d: 3, e: 4}, f: [1]}

export type JSONValue = null | boolean | number | string | JSONValue[] | { [k: string]: JSONValue };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy of JSON data (structuredClone would also copy non-JSON values; we only hold JSON). */
export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    // '__proto__' as a key would replace the copy's prototype instead of adding a field.
    for (const [k, x] of Object.entries(v)) if (x !== undefined && k !== '__proto__') out[k] = deepCopy(x);
    return out as T;
  }
  return v;
}

/** Structural equality of JSON values (key order does not matter; undefined keys are absent). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Apply a merge patch; neither argument is modified. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepCopy(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? deepCopy(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '__proto__') continue;
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** The merge patch that turns `original` into `modified` (`applyMergePatch(original, p)` equals `modified`). */
export function createMergePatch(original: unknown, modified: unknown): unknown {
  if (!isPlainObject(original) || !isPlainObject(modified)) return deepCopy(modified);
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(original)) {
    if (original[k] !== undefined && (modified[k] === undefined || !Object.prototype.hasOwnProperty.call(modified, k))) patch[k] = null;
  }
  for (const [k, v] of Object.entries(modified)) {
    if (v === undefined) continue;
    const o = original[k];
    if (deepEqual(o, v)) continue;
    if (isPlainObject(o) && isPlainObject(v)) {
      patch[k] = createMergePatch(o, v);
    } else if (v === null) {
      // A null in `modified` cannot be expressed (it would mean "delete"); the closest is to delete.
      if (o !== undefined) patch[k] = null;
    } else patch[k] = deepCopy(v);
  }
  return patch;
}
