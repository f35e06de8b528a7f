// Strategic merge patch (`application/strategic-merge-patch+json`), as
// k8s.io/apimachinery/pkg/util/strategicpatch applies and kubectl builds it.
//
// Like a JSON merge patch, except that some lists are merged element by element using a
// merge key instead of being replaced: a pod's `containers` merge by `name`, a container's
// `ports` by `containerPort`, and so on (PATCH_META below, keyed by path from each kind's
// root, so a Deployment's `spec.template.spec.containers` merges like a Pod's
// `spec.containers`). Directives inside the patch:
//   - `null`                                  delete the key
//   - `{"$patch": "delete", "name": "x"}`     in a merged list: delete that element
//   - `{"$patch": "replace", ...}`            in a map: replace the map; in a list: replace the list
//   - `{"$patch": "delete"}`                  in a map: delete its contents
//   - `"$setElementOrder/containers": [...]`  the order of the merged list
//   - `"$retainKeys": ["type"]`               drop every other key of this map
//   - `"$deleteFromPrimitiveList/finalizers"` remove these values from a merged primitive list
//
// Example (kubectl apply after removing a label, an env var and a sidecar):
//   {"metadata":{"labels":{"tier":null}},"spec":{"template":{"spec":{
//     "$setElementOrder/containers":[{"name":"nginx"}],
//     "containers":[{"$setElementOrder/env":[{"name":"B"}],"env":[{"$patch":"delete","name":"A"}],"name":"nginx"},
//                   {"$patch":"delete","name":"sidecar"}]}}}}
import { badRequest, StatusError } from '../errors.js';
import { deepCopy, deepEqual, isPlainObject } from './merge.js';
import { METADATA_ONLY, type PatchMeta } from './patch-meta.js';
import { kindRules } from '../resources.js';

// ---- patch metadata: each kind's, as its API group declares it ----

export type { PatchMeta } from './patch-meta.js';
export { listElementKey } from './patch-meta.js';

export function patchMetaFor(kind: string | undefined): PatchMeta {
  return (kind && kindRules(kind)?.patchMeta) || METADATA_ONLY;
}

/** Patch metadata at a field path like ['spec', 'template', 'spec', 'containers'] (indices omitted). */
export function patchMetaAt(kind: string, path: string[]): PatchMeta | undefined {
  let m: PatchMeta | undefined = patchMetaFor(kind);
  for (const p of path) m = m?.fields?.[p];
  return m;
}

const child = (m: PatchMeta | undefined, k: string): PatchMeta | undefined => m?.fields?.[k];

// ---- directives ----

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

function unprocessable(message: string): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Invalid', code: 422, details: {} });
}

function noMergeKey(elem: unknown, mergeKey: string): StatusError {
  return badRequest(`map: ${JSON.stringify(elem)} does not contain declared merge key: ${mergeKey}`);
}

type Obj = Record<string, unknown>;

// ---- applying a patch ----

/**
 * Apply a strategic merge patch to an object of `kind`. Neither input is modified.
 * Throws 400 for malformed patches and 422 for `$retainKeys` mismatches.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, kind?: string): Obj {
  if (!isPlainObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
  const base = isPlainObject(original) ? deepCopy(original) : {};
  return mergeMap(base, deepCopy(patch), patchMetaFor(kind));
}

/** Merge `patch` into `original` (both owned by us; `original` is mutated and returned). */
function mergeMap(original: Obj, patch: Obj, meta: PatchMeta | undefined): Obj {
  if (DIRECTIVE in patch) {
    const d = patch[DIRECTIVE];
    if (d === 'replace') {
      delete patch[DIRECTIVE];
      return stripDirectives(patch, meta) as Obj;
    }
    if (d === 'delete') return {};
    if (d !== 'merge') throw badRequest(`Unknown patch type: ${String(d)} in map: ${JSON.stringify(patch)}`);
    delete patch[DIRECTIVE];
  }

  if (RETAIN_KEYS in patch) {
    const keep = patch[RETAIN_KEYS];
    if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string')) throw badRequest('invalid patch: $retainKeys must be a list of strings');
    for (const k of Object.keys(patch)) {
      if (k.startsWith('$') || patch[k] === null) continue;
      if (!keep.includes(k)) throw unprocessable(`The $retainKeys directive does not match the patch: the key ${JSON.stringify(k)} is in the patch but not in $retainKeys`);
    }
    for (const k of Object.keys(original)) if (!keep.includes(k)) delete original[k];
    delete patch[RETAIN_KEYS];
  }

  // `$setElementOrder/x` and `$deleteFromPrimitiveList/x` go with the list `x`.
  const orders = new Map<string, unknown[]>();
  const deletions = new Map<string, unknown[]>();
  for (const k of Object.keys(patch)) {
    if (k.startsWith(SET_ELEMENT_ORDER)) {
      const v = patch[k];
      if (!Array.isArray(v)) throw badRequest(`invalid patch: ${k} must be a list`);
      orders.set(k.slice(SET_ELEMENT_ORDER.length), v);
      delete patch[k];
    } else if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const v = patch[k];
      if (!Array.isArray(v)) throw badRequest(`invalid patch: ${k} must be a list`);
      deletions.set(k.slice(DELETE_FROM_PRIMITIVE_LIST.length), v);
      delete patch[k];
    } else if (k.startsWith('$')) {
      throw badRequest(`unknown strategic merge patch directive ${JSON.stringify(k)}`);
    }
  }

  // $setElementOrder orders against the list as it was before this patch.
  const listsBefore = new Map<string, unknown[]>();
  for (const k of orders.keys()) if (Array.isArray(original[k])) listsBefore.set(k, [...(original[k] as unknown[])]);

  for (const [k, del] of deletions) {
    const cur = original[k];
    if (Array.isArray(cur)) original[k] = cur.filter((x) => !del.some((d) => deepEqual(d, x)));
  }

  for (const [k, pv] of Object.entries(patch)) {
    const m = child(meta, k);
    if (pv === null) {
      delete original[k];
      continue;
    }
    const ov = original[k];
    if (isPlainObject(pv) && isPlainObject(ov)) {
      original[k] = mergeMap(ov, pv, m);
    } else if (Array.isArray(pv) && (Array.isArray(ov) || ov === undefined)) {
      original[k] = m?.strategy === 'merge' ? mergeList((ov as unknown[] | undefined) ?? [], pv, m) : stripDirectives(pv, m);
    } else {
      original[k] = stripDirectives(pv, m);
    }
  }

  for (const [k, order] of orders) {
    const cur = original[k];
    if (!Array.isArray(cur)) continue;
    const m = child(meta, k);
    original[k] = orderList(cur, order, m?.mergeKey, listsBefore.get(k) ?? []);
  }
  return original;
}

/** A value taken from the patch where the original had nothing: drop directives inside it. */
function stripDirectives(v: unknown, meta: PatchMeta | undefined): unknown {
  if (Array.isArray(v)) {
    if (meta?.strategy === 'merge') return mergeList([], v, meta);
    return v;
  }
  if (isPlainObject(v)) return mergeMap({}, v, meta);
  return v;
}

function keyOf(elem: unknown, mergeKey: string): unknown {
  if (!isPlainObject(elem) || !(mergeKey in elem)) throw noMergeKey(elem, mergeKey);
  return elem[mergeKey];
}

/**
 * Is `elem` the one a patch element addresses? Same merge key, and the same value for each
 * other list-map key the patch element names (a Service port patch naming `protocol: UDP`
 * leaves the TCP port of the same number alone; one without protocol matches by port, as
 * kubectl's client-side patches expect).
 */
function sameElement(meta: PatchMeta, elem: unknown, patchElem: Obj): boolean {
  const mk = meta.mergeKey!;
  if (!isPlainObject(elem) || !deepEqual(elem[mk], patchElem[mk])) return false;
  for (const k of meta.listMapKeys ?? []) {
    if (k === mk || patchElem[k] === undefined) continue;
    if (!deepEqual(elem[k] ?? meta.keyDefaults?.[k], patchElem[k])) return false;
  }
  return true;
}

/**
 * Fill the defaults of list-map key fields an apply configuration left out (a Service port's
 * protocol: TCP), so that server-side apply addresses elements by their full identity.
 */
export function fillListKeyDefaults(kind: string, obj: unknown): void {
  const visit = (v: unknown, meta: PatchMeta | undefined): void => {
    if (!meta) return;
    if (Array.isArray(v)) {
      for (const e of v) {
        if (!isPlainObject(e)) continue;
        for (const [k, d] of Object.entries(meta.keyDefaults ?? {})) if (e[k] === undefined) e[k] = d;
        if (meta.fields) for (const [k, m] of Object.entries(meta.fields)) visit(e[k], m);
      }
    } else if (isPlainObject(v) && meta.fields) {
      for (const [k, m] of Object.entries(meta.fields)) visit(v[k], m);
    }
  };
  visit(obj, kindRules(kind)?.patchMeta);
}

function mergeList(original: unknown[], patch: unknown[], meta: PatchMeta): unknown[] {
  const mergeKey = meta.mergeKey;
  const elemMeta: PatchMeta | undefined = meta.fields ? { fields: meta.fields, ...(meta.retainKeys ? { retainKeys: true } : {}) } : undefined;
  const isMapList = patch.some(isPlainObject) || original.some(isPlainObject);
  let merged: unknown[];
  let plain: unknown[];
  if (!isMapList) {
    // Primitive list with strategy merge: union, original first.
    merged = [...original];
    for (const x of patch) if (!merged.some((y) => deepEqual(x, y))) merged.push(x);
    plain = patch;
  } else {
    if (!mergeKey) throw badRequest('cannot merge lists without merge key');
    plain = [];
    let replace = false;
    let orig = original;
    for (const e of patch) {
      if (isPlainObject(e) && DIRECTIVE in e) {
        const d = e[DIRECTIVE];
        if (d === 'delete') {
          keyOf(e, mergeKey);
          orig = orig.filter((o) => !sameElement(meta, o, e));
        } else if (d === 'replace') {
          replace = true;
        } else if (d === 'merge') {
          throw badRequest('merging lists cannot yet be specified in the patch');
        } else {
          throw badRequest(`Unknown patch type: ${String(d)} in map: ${JSON.stringify(e)}`);
        }
      } else plain.push(e);
    }
    if (replace) return plain.map((e) => (isPlainObject(e) ? mergeMap({}, e, elemMeta) : e));
    merged = [...orig];
    for (const e of plain) {
      keyOf(e, mergeKey);
      const i = merged.findIndex((o) => sameElement(meta, o, e as Obj));
      if (i >= 0) merged[i] = mergeMap(merged[i] as Obj, e as Obj, elemMeta);
      else merged.push(mergeMap({}, e as Obj, elemMeta));
    }
    original = orig;
  }
  // Patch items in patch order, server-only items where they were (normalizeElementOrder).
  return orderList(merged, plain, mergeKey, original);
}

/**
 * Order a merged list like strategicpatch.normalizeElementOrder: the items named in `order`
 * (the patch, or its `$setElementOrder`) sorted by it, `$patch: delete` items after them;
 * the other (server-only) items in `serverOrder`; then the server-only items are inserted
 * among the patch items only where both appear in `serverOrder` and the server-only item
 * comes first there — otherwise patch items go first. So without `$setElementOrder`, a new
 * element lands at the front of the list, as in Kubernetes.
 */
function orderList(merged: unknown[], order: unknown[], mergeKey: string | undefined, serverOrder: unknown[] = merged): unknown[] {
  const id = (x: unknown): unknown => (mergeKey && isPlainObject(x) ? x[mergeKey] : x);
  const indexIn = (list: unknown[], x: unknown): number => list.findIndex((y) => deepEqual(id(y), id(x)));
  const isDelete = (x: unknown) => isPlainObject(x) && x[DIRECTIVE] === 'delete';
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const x of merged) (indexIn(order, x) >= 0 ? inPatch : serverOnly).push(x);
  const sortBy = (list: unknown[], by: unknown[]) => {
    const keep = list.filter((x) => !isDelete(x)).sort((a, b) => indexIn(by, a) - indexIn(by, b));
    return [...keep, ...list.filter(isDelete)];
  };
  const right = sortBy(inPatch, order);
  const left = sortBy(serverOnly, serverOrder);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i]);
      const ri = indexIn(serverOrder, right[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

// ---- building a patch ----

interface DiffOptions {
  ignoreDeletions?: boolean;
  ignoreChangesAndAdditions?: boolean;
  setElementOrder?: boolean;
}

/**
 * The strategic patch that turns `original` into `modified` (what `kubectl set image`,
 * `edit`, `label` send): changed and added fields, `null` for removed keys, `$patch: delete`
 * for removed list elements, `$setElementOrder` for merged lists that changed.
 */
export function createTwoWayMergePatch(original: unknown, modified: unknown, kind?: string): Obj {
  const o = isPlainObject(original) ? original : {};
  const m = isPlainObject(modified) ? modified : {};
  return sortKeys(diffMaps(o, m, patchMetaFor(kind), { setElementOrder: true })) as Obj;
}

/**
 * Client-side apply (kubectl apply): original = the last-applied configuration, modified =
 * the file, current = the live object. The patch sets what the file changes relative to the
 * live object and deletes what was removed from the file since the last apply, leaving
 * fields the server or other writers set alone. `{}` means nothing to do.
 */
export function createThreeWayMergePatch(original: unknown, modified: unknown, current: unknown, kind?: string): Obj {
  const meta = patchMetaFor(kind);
  const o = isPlainObject(original) ? original : {};
  const m = isPlainObject(modified) ? modified : {};
  const c = isPlainObject(current) ? current : {};
  const delta = diffMaps(c, m, meta, { ignoreDeletions: true, setElementOrder: true });
  const deletions = diffMaps(o, m, meta, { ignoreChangesAndAdditions: true, setElementOrder: true });
  return sortKeys(combinePatches(deletions, delta, meta)) as Obj;
}

function diffMaps(original: Obj, modified: Obj, meta: PatchMeta | undefined, opts: DiffOptions, buildRetainKeys = false): Obj {
  const patch: Obj = {};
  const retain: string[] = [];
  for (const [k, mv] of Object.entries(modified)) {
    if (mv === undefined) continue;
    if (buildRetainKeys && mv !== null) retain.push(k);
    const has = Object.prototype.hasOwnProperty.call(original, k) && original[k] !== undefined;
    const ov = original[k];
    if (!has) {
      if (!opts.ignoreChangesAndAdditions) patch[k] = deepCopy(mv);
      continue;
    }
    const m = child(meta, k);
    if (isPlainObject(ov) && isPlainObject(mv)) {
      const sub = diffMaps(ov, mv, m, opts, !!m?.retainKeys);
      if (Object.keys(sub).length > 0) patch[k] = sub;
    } else if (Array.isArray(ov) && Array.isArray(mv)) {
      diffListInto(patch, k, ov, mv, m, opts);
    } else if (!deepEqual(ov, mv)) {
      if (!opts.ignoreChangesAndAdditions) patch[k] = deepCopy(mv);
    }
  }
  if (!opts.ignoreDeletions) {
    for (const k of Object.keys(original)) {
      if (original[k] !== undefined && (!Object.prototype.hasOwnProperty.call(modified, k) || modified[k] === undefined)) patch[k] = null;
    }
  }
  const hasAdditionalNewField = Object.keys(original).some((k) => !(k in modified));
  if (retain.length > 0 && (Object.keys(patch).length > 0 || hasAdditionalNewField)) patch[RETAIN_KEYS] = [...retain].sort();
  return patch;
}

function diffListInto(patch: Obj, key: string, original: unknown[], modified: unknown[], meta: PatchMeta | undefined, opts: DiffOptions): void {
  if (meta?.strategy !== 'merge') {
    if (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified)) patch[key] = deepCopy(modified);
    return;
  }
  const isMapList = modified.some(isPlainObject) || original.some(isPlainObject);
  if (!isMapList) {
    const additions = opts.ignoreChangesAndAdditions ? [] : modified.filter((x) => !original.some((y) => deepEqual(x, y)));
    const deletions = opts.ignoreDeletions ? [] : original.filter((x) => !modified.some((y) => deepEqual(x, y)));
    if (additions.length) patch[key] = additions;
    if (deletions.length) patch[DELETE_FROM_PRIMITIVE_LIST + key] = deletions;
    if (opts.setElementOrder && ((!opts.ignoreDeletions && deletions.length > 0) || (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified)))) {
      patch[SET_ELEMENT_ORDER + key] = deepCopy(modified);
    }
    return;
  }
  const mergeKey = meta.mergeKey;
  if (!mergeKey) throw badRequest(`cannot diff list ${key} without a merge key`);
  const elemMeta: PatchMeta | undefined = meta.fields ? { fields: meta.fields } : undefined;
  const find = (list: unknown[], k: unknown) => list.find((x) => isPlainObject(x) && deepEqual(x[mergeKey], k)) as Obj | undefined;
  const changes: unknown[] = [];
  for (const mv of modified) {
    if (!isPlainObject(mv) || !(mergeKey in mv)) throw noMergeKey(mv, mergeKey);
    const ov = find(original, mv[mergeKey]);
    if (ov) {
      const sub = diffMaps(ov, mv, elemMeta, opts, !!meta.retainKeys);
      if (Object.keys(sub).length > 0) changes.push({ ...sub, [mergeKey]: mv[mergeKey] });
    } else if (!opts.ignoreChangesAndAdditions) {
      changes.push(deepCopy(mv));
    }
  }
  const deletes: unknown[] = [];
  if (!opts.ignoreDeletions) {
    for (const ov of original) {
      if (!isPlainObject(ov) || !(mergeKey in ov)) throw noMergeKey(ov, mergeKey);
      if (!find(modified, ov[mergeKey])) deletes.push({ [DIRECTIVE]: 'delete', [mergeKey]: ov[mergeKey] });
    }
  }
  const all = [...changes, ...deletes];
  const orderSame = original.length === modified.length && original.every((o, i) => deepEqual((o as Obj)[mergeKey], (modified[i] as Obj)[mergeKey]));
  if (all.length > 0) patch[key] = all;
  if (opts.setElementOrder && ((!opts.ignoreChangesAndAdditions && (all.length > 0 || !orderSame)) || (!opts.ignoreDeletions && all.length > 0))) {
    patch[SET_ELEMENT_ORDER + key] = modified.map((x) => ({ [mergeKey]: (x as Obj)[mergeKey] }));
  }
}

/** Union of two patches built from the same `modified` (deletions first, then changes). */
function combinePatches(a: Obj, b: Obj, meta: PatchMeta | undefined): Obj {
  const out: Obj = deepCopy(a);
  for (const [k, bv] of Object.entries(b)) {
    const av = out[k];
    if (isPlainObject(av) && isPlainObject(bv)) {
      out[k] = combinePatches(av, bv, child(meta, k));
    } else if (Array.isArray(av) && Array.isArray(bv) && !k.startsWith('$')) {
      const m = child(meta, k);
      const mk = m?.mergeKey;
      if (m?.strategy === 'merge' && mk) {
        // Merge b's elements into a's by key, then order them as mergeSlice would.
        const elemMeta: PatchMeta | undefined = m.fields ? { fields: m.fields } : undefined;
        const list = deepCopy(av);
        for (const e of bv) {
          const i = list.findIndex((x) => isPlainObject(x) && isPlainObject(e) && !(DIRECTIVE in x) && deepEqual(x[mk], e[mk]));
          if (i >= 0) list[i] = combinePatches(list[i] as Obj, e as Obj, elemMeta);
          else list.push(deepCopy(e));
        }
        out[k] = orderList(list, bv, mk, av);
      } else if (m?.strategy === 'merge') {
        out[k] = orderList([...av, ...bv.filter((x) => !av.some((y) => deepEqual(x, y)))], bv, undefined, av);
      } else out[k] = deepCopy(bv);
    } else {
      out[k] = deepCopy(bv);
    }
  }
  if (Array.isArray(out[RETAIN_KEYS]) && Array.isArray(b[RETAIN_KEYS])) out[RETAIN_KEYS] = b[RETAIN_KEYS];
  return out;
}

/** Keys sorted like Go's encoding/json writes maps, so patches compare byte-for-byte with kubectl's. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isPlainObject(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}
