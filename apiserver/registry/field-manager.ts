// Field ownership (managedFields) and server-side apply, after Kubernetes' fieldmanager:
// each manager owns a set of fields, written in the FieldsV1 format
//   {"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{}}}}}}}
// (maps by field name, lists merged by key by their merge key, other lists whole).
//
// Apply (PATCH application/apply-patch+yaml):
//   - fields in the applied configuration that another manager owns with a different value
//     are conflicts: 409 naming each field and its manager, unless force=true, which takes
//     them over;
//   - the configuration is merged into the live object (keyed lists merge by key);
//   - fields this manager applied before but no longer applies, and nobody else owns, are
//     removed;
//   - the manager's Apply entry becomes exactly the applied field set.
// Updates (POST/PUT/PATCH) that name a fieldManager take ownership of the fields they set or
// change (operation Update), so a later apply conflicts with them as on a real cluster.
import type { KubeObject, ManagedFieldsEntry } from '../../api/meta.js';
import { now } from '../../api/meta.js';
import { StatusError } from '../../api/errors.js';
import { deepEqual, isPlainObject } from '../../api/patch/merge.js';
import { listElementKey, patchMetaFor, type PatchMeta } from '../../api/patch/strategic.js';

export type FieldSet = { [token: string]: FieldSet };

/** Metadata fields that identify or are owned by the server; never tracked. */
const UNTRACKED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName']);

/** The field set of an object (status excluded: it has its own subresource). */
export function fieldSetOf(kind: string, obj: KubeObject): FieldSet {
  const meta = patchMetaFor(kind);
  const out: FieldSet = {};
  // for…in over plain JSON objects (own keys only): every write of a managed object walks it,
  // and this allocates nothing but the set itself.
  for (const k in obj) {
    const v = (obj as Record<string, unknown>)[k];
    if (k === 'apiVersion' || k === 'kind' || k === 'status' || v === undefined || v === null) continue;
    if (k === 'metadata' && isPlainObject(v)) {
      const m: FieldSet = {};
      let any = false;
      const metaFields = meta.fields?.metadata?.fields;
      for (const mk in v) {
        const mv = v[mk];
        if (UNTRACKED_META.has(mk) || mv === undefined || mv === null) continue;
        m[token(mk)] = valueSet(mv, metaFields?.[mk]);
        any = true;
      }
      if (any) out['f:metadata'] = m;
      continue;
    }
    out[token(k)] = valueSet(v, meta.fields?.[k]);
  }
  return out;
}

/**
 * The set of a leaf (a field with no fields of its own under it, a list item's "." marker):
 * one shared, frozen empty set. A pod's field set has ~20 leaves, and every create held them
 * until its write was durable; nothing writes into a set fieldSetOf returned (fromLeaves
 * builds its own), and the freeze turns any future attempt into a TypeError, not corruption.
 */
const LEAF: FieldSet = Object.freeze({}) as FieldSet;

/** `f:NAME`, made once per field name seen (a bounded few: schema field names and map keys). */
const tokens = new Map<string, string>();
function token(field: string): string {
  let t = tokens.get(field);
  if (t === undefined) {
    t = `f:${field}`;
    if (tokens.size < 10_000) tokens.set(field, t);
  }
  return t;
}

function valueSet(v: unknown, meta: PatchMeta | undefined): FieldSet {
  if (isPlainObject(v)) {
    const out: FieldSet = {};
    const fields = meta?.fields;
    for (const k in v) if (v[k] !== undefined) out[token(k)] = valueSet(v[k], fields?.[k]);
    return out;
  }
  if (Array.isArray(v) && meta?.strategy === 'merge') {
    const out: FieldSet = {};
    if (meta.mergeKey) {
      for (const e of v) {
        if (!isPlainObject(e) || e[meta.mergeKey] === undefined) return LEAF;
        const item: FieldSet = { '.': LEAF };
        Object.assign(item, valueSet(e, meta));
        out[`k:${JSON.stringify(listElementKey(meta, e))}`] = item;
      }
    } else {
      for (const e of v) out[`v:${JSON.stringify(e)}`] = LEAF;
    }
    return out;
  }
  return LEAF;
}

/** Leaf paths of a field set (a path ends where a set is empty or at a "." marker). */
export function leaves(set: FieldSet, prefix: string[] = [], out: string[][] = []): string[][] {
  for (const [tok, sub] of Object.entries(set)) {
    if (tok === '.') {
      out.push(prefix);
      continue;
    }
    const p = [...prefix, tok];
    if (Object.keys(sub).length === 0) out.push(p);
    else leaves(sub, p, out);
  }
  return out;
}

const pathKey = (p: string[]) => p.join('\u0000');

export function fromLeaves(paths: string[][]): FieldSet {
  const out: FieldSet = {};
  for (const p of paths) {
    let cur = out;
    for (const tok of p) cur = cur[tok] ??= {};
    if (p.length && p[p.length - 1]!.startsWith('k:')) cur['.'] = {};
  }
  return out;
}

/** The value at a field path, or undefined. */
function valueAt(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const tok of path) {
    if (cur === undefined || cur === null) return undefined;
    if (tok.startsWith('f:')) cur = isPlainObject(cur) ? cur[tok.slice(2)] : undefined;
    else if (tok.startsWith('k:')) {
      const key = JSON.parse(tok.slice(2)) as Record<string, unknown>;
      cur = Array.isArray(cur) ? cur.find((e) => isPlainObject(e) && Object.entries(key).every(([k, v]) => deepEqual(e[k], v))) : undefined;
    } else if (tok.startsWith('v:')) {
      const v = JSON.parse(tok.slice(2));
      cur = Array.isArray(cur) && cur.some((e) => deepEqual(e, v)) ? v : undefined;
    } else return undefined;
  }
  return cur;
}

/** Is this path a key field of a keyed list element (`…k:{"name":"x"}, f:name`)? */
function isKeyFieldOf(p: string[]): boolean {
  const last = p[p.length - 1];
  const parent = p[p.length - 2];
  if (!last?.startsWith('f:') || !parent?.startsWith('k:')) return false;
  return Object.prototype.hasOwnProperty.call(JSON.parse(parent.slice(2)), last.slice(2));
}

/** Remove the field at a path from obj (in place). */
function removeAt(obj: unknown, path: string[]): void {
  if (path.length === 0) return;
  const parent = valueAt(obj, path.slice(0, -1));
  const tok = path[path.length - 1]!;
  if (tok.startsWith('f:') && isPlainObject(parent)) delete parent[tok.slice(2)];
  else if (tok.startsWith('k:') && Array.isArray(parent)) {
    const key = JSON.parse(tok.slice(2)) as Record<string, unknown>;
    const i = parent.findIndex((e) => isPlainObject(e) && Object.entries(key).every(([k, v]) => deepEqual(e[k], v)));
    if (i >= 0) parent.splice(i, 1);
  } else if (tok.startsWith('v:') && Array.isArray(parent)) {
    const v = JSON.parse(tok.slice(2));
    const i = parent.findIndex((e) => deepEqual(e, v));
    if (i >= 0) parent.splice(i, 1);
  }
}

/** `.spec.template.spec.containers[name="web"].image`, as kube-apiserver names conflicting fields. */
export function describePath(path: string[]): string {
  let s = '';
  for (const tok of path) {
    if (tok.startsWith('f:')) s += `.${tok.slice(2)}`;
    else if (tok.startsWith('k:')) {
      const key = JSON.parse(tok.slice(2)) as Record<string, unknown>;
      s += `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    } else if (tok.startsWith('v:')) s += `[${tok.slice(2)}]`;
  }
  return s;
}

function entriesOf(obj: KubeObject): ManagedFieldsEntry[] {
  return [...(obj.metadata.managedFields ?? [])];
}

function sameOwner(e: ManagedFieldsEntry, manager: string, operation: 'Apply' | 'Update', subresource?: string): boolean {
  return e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '');
}

/** Take `paths` away from every entry but the one owned by (manager, operation); drop emptied entries. */
function releaseFrom(entries: ManagedFieldsEntry[], paths: Set<string>, manager: string, operation: 'Apply' | 'Update', subresource?: string): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    if (sameOwner(e, manager, operation, subresource)) {
      out.push(e);
      continue;
    }
    const mine = leaves((e.fieldsV1 ?? {}) as FieldSet);
    const kept = mine.filter((p) => !paths.has(pathKey(p)));
    if (kept.length === 0) continue;
    out.push(kept.length === mine.length ? e : { ...e, fieldsV1: fromLeaves(kept) });
  }
  return out;
}

/**
 * Record an update by `manager`: it owns every field it set or changed (relative to `old`,
 * or all fields on create); other managers lose those fields.
 */
export function recordUpdate(kind: string, apiVersion: string, next: KubeObject, old: KubeObject | undefined, manager: string, subresource?: string): void {
  const set = fieldSetOf(kind, next);
  if (!old) {
    // A create: the manager owns everything it wrote.
    const others = entriesOf(next).filter((e) => e.manager !== undefined && !sameOwner(e, manager, 'Update', subresource));
    next.metadata.managedFields = [...others, { manager, operation: 'Update', apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: set, ...(subresource ? { subresource } : {}) }];
    return;
  }
  const changed = leaves(set).filter((p) => !deepEqual(valueAt(next, p), valueAt(old, p)));
  const base = entriesOf(old);
  if (changed.length === 0) {
    next.metadata.managedFields = base.length ? base : undefined;
    if (!next.metadata.managedFields) delete next.metadata.managedFields;
    return;
  }
  const keys = new Set(changed.map(pathKey));
  const entries = releaseFrom(base, keys, manager, 'Update', subresource);
  const i = entries.findIndex((e) => sameOwner(e, manager, 'Update', subresource));
  const prior = i >= 0 ? leaves((entries[i]!.fieldsV1 ?? {}) as FieldSet) : [];
  const merged = new Map<string, string[]>();
  for (const p of [...prior, ...changed]) merged.set(pathKey(p), p);
  const entry: ManagedFieldsEntry = { manager, operation: 'Update', apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: fromLeaves([...merged.values()]), ...(subresource ? { subresource } : {}) };
  if (i >= 0) entries[i] = entry;
  else entries.push(entry);
  next.metadata.managedFields = entries;
}

export interface ApplyConflict { manager: string; field: string }

/**
 * Server-side apply of `config` (the applied configuration, already merged into `merged`
 * by the caller's strategic merge) against `live`. Returns the object to store.
 * Throws 409 listing conflicts unless `force`.
 */
export function apply(kind: string, apiVersion: string, live: KubeObject, config: KubeObject, merged: KubeObject, manager: string, force: boolean): KubeObject {
  const applied = fieldSetOf(kind, config);
  const appliedLeaves = leaves(applied);
  const appliedKeys = new Set(appliedLeaves.map(pathKey));
  let entries = entriesOf(live);

  const conflicts: ApplyConflict[] = [];
  const taken = new Set<string>();
  for (const e of entries) {
    if (sameOwner(e, manager, 'Apply')) continue;
    for (const p of leaves((e.fieldsV1 ?? {}) as FieldSet)) {
      const k = pathKey(p);
      if (!appliedKeys.has(k)) continue;
      // A list item's "." marker only says the item exists (its fields are leaves of their
      // own): both sides having it is shared ownership, whatever defaults the live item has.
      if (p[p.length - 1]?.startsWith('k:') ? valueAt(live, p) !== undefined && valueAt(config, p) !== undefined : deepEqual(valueAt(live, p), valueAt(config, p))) continue; // same value: shared ownership
      conflicts.push({ manager: e.subresource ? `${e.manager ?? ''}" with subresource "${e.subresource}` : (e.manager ?? ''), field: describePath(p) });
      taken.add(k);
    }
  }
  if (conflicts.length && !force) throw conflictError(conflicts, apiVersion);
  if (taken.size) entries = releaseFrom(entries, taken, manager, 'Apply');

  // Fields this manager applied before, no longer applies, and nobody else owns: removed.
  const mineBefore = entries.find((e) => sameOwner(e, manager, 'Apply'));
  if (mineBefore) {
    const others = new Set<string>();
    for (const e of entries) if (!sameOwner(e, manager, 'Apply')) for (const p of leaves((e.fieldsV1 ?? {}) as FieldSet)) others.add(pathKey(p));
    const dropped = leaves((mineBefore.fieldsV1 ?? {}) as FieldSet).filter((p) => !appliedKeys.has(pathKey(p)) && !others.has(pathKey(p)));
    // Deepest first, so removing a list element does not shift a sibling's path.
    // An element's key fields go only with the element (removed first, it could not be found).
    for (const p of dropped.sort((a, b) => b.length - a.length)) if (!isKeyFieldOf(p)) removeAt(merged, p);
  }
  const entry: ManagedFieldsEntry = { manager, operation: 'Apply', apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: applied };
  const i = entries.findIndex((e) => sameOwner(e, manager, 'Apply'));
  if (i >= 0) entries[i] = entry;
  else entries.push(entry);
  merged.metadata.managedFields = entries;
  return merged;
}

function conflictError(conflicts: ApplyConflict[], apiVersion: string): StatusError {
  const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${apiVersion}: ${c.field}`);
  const message = conflicts.length === 1 ? `Apply failed with 1 conflict: ${lines[0]}` : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 409, reason: 'Conflict', message,
    details: { causes: conflicts.map((c, i) => ({ reason: 'FieldManagerConflict', message: lines[i], field: c.field })) },
  });
}

/**
 * The manager a request without `?fieldManager=` is recorded under: its User-Agent up to the
 * first "/" (kube-apiserver's rule), e.g. "kubectl" for "kubectl/v1.32.4 (linux/amd64)".
 */
export function managerFromUserAgent(userAgent: string | undefined): string | undefined {
  if (!userAgent) return undefined;
  const m = userAgent.split('/')[0]!.trim().slice(0, 128);
  return m || undefined;
}
