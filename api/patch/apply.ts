// Server-side apply (`application/apply-patch+yaml`) and field ownership (managedFields),
// after sigs.k8s.io/structured-merge-diff as kube-apiserver uses it.
//
// Every write records which manager owns which fields, as a field set in the `FieldsV1`
// format kubectl shows with --show-managed-fields:
//   {"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{}}}}}}}
// `f:x` is a field, `k:{...}` a list element by its key, `v:...` an element of a set-like
// list, and `.` the element or map itself.
//
// Apply (serverSideApply): the applier's configuration is merged into the live object; a
// field the configuration sets to a different value than another manager left it is a
// conflict (409 naming the manager and field) unless `force`; fields the applier applied
// before and has now dropped are removed when nobody else owns them; the applier's Apply
// entry becomes exactly the configuration's fields.
// Update (trackUpdate): a PUT/PATCH/POST gives its manager the fields it changed and takes
// them from everyone else; there are no conflicts.
import type { z } from 'zod';
import { StatusError } from '../errors.js';
import type { ManagedFieldsEntry } from '../meta.js';
import { resourceByKind } from '../resources.js';
import { defOf, unwrap } from '../zod-introspection.js';
import { deepCopy, deepEqual, isPlainObject } from './merge.js';
import { listElementKey, type PatchMeta } from './patch-meta.js';
import { patchMetaFor } from './strategic.js';

type Obj = Record<string, unknown>;
/** A field path as FieldsV1 tokens: ['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']. */
export type FieldPath = string[];

/** A set of field paths. Members are JSON-encoded paths. */
export class FieldSet {
  private readonly members = new Set<string>();
  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.add(p);
  }
  add(p: FieldPath): void {
    this.members.add(JSON.stringify(p));
  }
  has(p: FieldPath): boolean {
    return this.members.has(JSON.stringify(p));
  }
  delete(p: FieldPath): void {
    this.members.delete(JSON.stringify(p));
  }
  get size(): number {
    return this.members.size;
  }
  paths(): FieldPath[] {
    return [...this.members].map((m) => JSON.parse(m) as FieldPath);
  }
  /** Does the set hold `p` or anything below it? */
  hasPrefix(p: FieldPath): boolean {
    const pre = JSON.stringify(p).slice(0, -1);
    for (const m of this.members) if (m === pre + ']' || m.startsWith(pre + ',')) return true;
    return false;
  }
  union(o: FieldSet): FieldSet {
    return new FieldSet([...this.paths(), ...o.paths()]);
  }
  difference(o: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => !o.has(p)));
  }
  intersection(o: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => o.has(p)));
  }
  /** Paths with nothing below them in this set (the values that can conflict). */
  leaves(): FieldPath[] {
    const all = this.paths();
    return all.filter((p) => !all.some((q) => q.length > p.length && p.every((t, i) => q[i] === t)));
  }
}

// ---- schema knowledge: keyed lists (from the patch table) and maps (zod records) ----

/** The schema under its optional/nullable/… wrappers, or undefined when there is none. */
const unwrapZod = (s: z.ZodType | undefined): z.ZodType | undefined => (s ? unwrap(s).schema : undefined);

interface Shape { pm?: PatchMeta; zod?: z.ZodType }

function childShape(s: Shape, key: string): Shape {
  const z = unwrapZod(s.zod);
  const d = z ? defOf(z) : undefined;
  let childZod: z.ZodType | undefined;
  if (d?.type === 'object') childZod = d.shape?.[key];
  else if (d?.type === 'record') childZod = d.valueType;
  return { pm: s.pm?.fields?.[key], zod: childZod };
}

function elementShape(s: Shape): Shape {
  const z = unwrapZod(s.zod);
  const d = z ? defOf(z) : undefined;
  return { pm: s.pm?.fields ? { fields: s.pm.fields } : undefined, zod: d?.type === 'array' ? d.element : undefined };
}

function isRecord(s: Shape): boolean {
  const z = unwrapZod(s.zod);
  return !!z && defOf(z).type === 'record';
}

function rootShape(kind: string): Shape {
  return { pm: patchMetaFor(kind), zod: resourceByKind(kind)?.schema };
}

export function keyToken(mergeKey: string, value: unknown): string {
  return `k:${JSON.stringify({ [mergeKey]: value })}`;
}

/** Fields the server owns or that identify the object: never in a field set. */
const IGNORED_TOP = new Set(['apiVersion', 'kind']);
const IGNORED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']);

/**
 * The field set of an object (or an apply configuration). `part` picks what a write can
 * touch: the main resource (everything but status) or the status subresource.
 */
export function fieldSetOf(obj: unknown, kind: string, part: 'main' | 'status' = 'main'): FieldSet {
  const set = new FieldSet();
  if (!isPlainObject(obj)) return set;
  const root = rootShape(kind);
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || IGNORED_TOP.has(k)) continue;
    if (part === 'main' ? k === 'status' : k !== 'status') continue;
    const path = [`f:${k}`];
    const sh = childShape(root, k);
    if (k === 'metadata' && isPlainObject(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (mv === undefined || mv === null || IGNORED_META.has(mk)) continue;
        walk(mv, [...path, `f:${mk}`], childShape(sh, mk), set);
      }
      continue;
    }
    walk(v, path, sh, set);
  }
  return set;
}

function walk(v: unknown, path: FieldPath, shape: Shape, set: FieldSet): void {
  if (isPlainObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    if (keys.length === 0 || isRecord(shape)) set.add(path);
    for (const k of keys) walk(v[k], [...path, `f:${k}`], childShape(shape, k), set);
    return;
  }
  if (Array.isArray(v)) {
    const pm = shape.pm;
    if (pm?.strategy === 'merge' && pm.mergeKey && v.every((e) => isPlainObject(e) && e[pm.mergeKey!] !== undefined)) {
      const el = elementShape(shape);
      for (const e of v as Obj[]) {
        const p = [...path, `k:${JSON.stringify(listElementKey(pm, e))}`];
        set.add(p);
        for (const [k, x] of Object.entries(e)) if (x !== undefined) walk(x, [...p, `f:${k}`], childShape(el, k), set);
      }
      if (v.length === 0) set.add(path);
      return;
    }
    if (pm?.strategy === 'merge' && !pm.mergeKey && v.every((e) => !isPlainObject(e) && !Array.isArray(e))) {
      for (const e of v) set.add([...path, `v:${JSON.stringify(e)}`]);
      if (v.length === 0) set.add(path);
      return;
    }
  }
  set.add(path); // a scalar, or an atomic list
}

// ---- FieldsV1 encoding ----

export function toFieldsV1(set: FieldSet): Obj {
  const root: Obj = {};
  for (const p of set.paths()) {
    let node = root;
    for (const t of p) node = (node[t] ??= {}) as Obj;
    node['.'] = {};
  }
  // '.' marks a member; a member with nothing below it is written as {} alone.
  const tidy = (n: Obj): Obj => {
    const keys = Object.keys(n).filter((k) => k !== '.');
    if (keys.length === 0) return {};
    const out: Obj = {};
    if ('.' in n) out['.'] = {};
    for (const k of keys.sort()) out[k] = tidy(n[k] as Obj);
    return out;
  };
  return tidy(root);
}

export function fromFieldsV1(fields: unknown): FieldSet {
  const set = new FieldSet();
  const visit = (n: unknown, path: FieldPath) => {
    if (!isPlainObject(n)) return;
    const keys = Object.keys(n);
    if (keys.length === 0 && path.length) set.add(path);
    for (const k of keys) {
      if (k === '.') set.add(path);
      else visit(n[k], [...path, k]);
    }
  };
  visit(fields, []);
  return set;
}

// ---- reading, writing and removing at a field path ----

function stepInto(container: unknown, token: string): unknown {
  if (token.startsWith('f:')) return isPlainObject(container) ? container[token.slice(2)] : undefined;
  if (token.startsWith('k:') && Array.isArray(container)) {
    const key = JSON.parse(token.slice(2)) as Obj;
    return container.find((e) => isPlainObject(e) && Object.entries(key).every(([k, v]) => deepEqual(e[k], v)));
  }
  if (token.startsWith('v:') && Array.isArray(container)) {
    const val = JSON.parse(token.slice(2));
    return container.find((e) => deepEqual(e, val));
  }
  return undefined;
}

export function valueAt(obj: unknown, path: FieldPath): unknown {
  let cur = obj;
  for (const t of path) {
    cur = stepInto(cur, t);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Remove the value at a path (a field, a keyed element or a set element). */
function removeAt(obj: unknown, path: FieldPath): void {
  if (path.length === 0) return;
  const parent = valueAt(obj, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (last.startsWith('f:') && isPlainObject(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const target = stepInto(parent, last);
    const i = parent.indexOf(target);
    if (i >= 0) parent.splice(i, 1);
  }
}

// ---- merging an apply configuration ----

function mergeApplied(live: unknown, config: unknown, shape: Shape): unknown {
  if (isPlainObject(config)) {
    const out: Obj = isPlainObject(live) ? deepCopy(live) : {};
    for (const [k, v] of Object.entries(config)) {
      if (v === undefined || k === '__proto__') continue;
      // An explicit null in an apply configuration means "no opinion" here; it owns nothing.
      if (v === null) continue;
      out[k] = mergeApplied(out[k], v, childShape(shape, k));
    }
    return out;
  }
  if (Array.isArray(config)) {
    const pm = shape.pm;
    if (pm?.strategy === 'merge' && pm.mergeKey && Array.isArray(live)) {
      const id = (x: Obj) => listElementKey(pm, x);
      const el = elementShape(shape);
      const out: unknown[] = [];
      for (const c of config) {
        const l = isPlainObject(c) ? live.find((x) => isPlainObject(x) && deepEqual(id(x), id(c))) : undefined;
        out.push(mergeApplied(l, c, el));
      }
      for (const l of live) if (!(isPlainObject(l) && out.some((o) => isPlainObject(o) && deepEqual(id(o), id(l))))) out.push(deepCopy(l));
      return out;
    }
    if (pm?.strategy === 'merge' && !pm.mergeKey && Array.isArray(live)) {
      return [...deepCopy(config), ...live.filter((l) => !config.some((c) => deepEqual(c, l)))];
    }
    return deepCopy(config);
  }
  return config;
}

// ---- managedFields bookkeeping ----

interface ManagerKey { manager: string; operation: 'Apply' | 'Update'; subresource?: string }

function entryKey(e: ManagerKey): string {
  return `${e.manager}\0${e.operation}\0${e.subresource ?? ''}`;
}

function decodeManagedFields(entries: unknown): { key: ManagerKey; apiVersion?: string; time?: string; set: FieldSet }[] {
  if (!Array.isArray(entries)) return [];
  return entries
    .filter((e): e is ManagedFieldsEntry => isPlainObject(e))
    .map((e) => ({
      key: { manager: e.manager ?? '', operation: e.operation === 'Apply' ? 'Apply' : 'Update', ...(e.subresource ? { subresource: e.subresource } : {}) } as ManagerKey,
      apiVersion: e.apiVersion,
      time: e.time,
      set: fromFieldsV1(e.fieldsV1 ?? {}),
    }));
}

function encodeManagedFields(entries: { key: ManagerKey; apiVersion?: string; time?: string; set: FieldSet }[]): ManagedFieldsEntry[] {
  return entries
    .filter((e) => e.set.size > 0)
    .map((e) => ({
      manager: e.key.manager,
      operation: e.key.operation,
      ...(e.apiVersion ? { apiVersion: e.apiVersion } : {}),
      ...(e.time ? { time: e.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(e.set),
      ...(e.key.subresource ? { subresource: e.key.subresource } : {}),
    }));
}

/** `.spec.replicas`, `.spec.template.spec.containers[name="nginx"].image`, as Kubernetes prints conflicts. */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const t of path) {
    if (t.startsWith('f:')) out += `.${t.slice(2)}`;
    else if (t.startsWith('k:')) {
      const key = JSON.parse(t.slice(2)) as Obj;
      out += `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    } else if (t.startsWith('v:')) out += `[=${t.slice(2)}]`;
  }
  return out;
}

export interface Conflict { manager: string; apiVersion?: string; path: FieldPath }

/** The 409 kube-apiserver answers for apply conflicts. */
export function applyConflictError(conflicts: Conflict[], groupResource: string, name: string): StatusError {
  const lines = conflicts.map((c) => `conflict with "${c.manager}"${c.apiVersion ? ` using ${c.apiVersion}` : ''}: ${formatFieldPath(c.path)}`);
  const message = conflicts.length === 1
    ? `Apply failed with 1 conflict: ${lines[0]}`
    : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  const [resource, ...group] = groupResource.split('.');
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 409, reason: 'Conflict', message,
    details: {
      name, group: group.join('.') || undefined, kind: resource,
      causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"${c.apiVersion ? ` using ${c.apiVersion}` : ''}`, field: formatFieldPath(c.path) })),
    },
  });
}

export interface ApplyOptions {
  kind: string;
  /** The apply configuration (the request body, already parsed from YAML/JSON). */
  config: Obj;
  /** The live object, or undefined when apply creates it. */
  live: Obj | undefined;
  manager: string;
  force?: boolean;
  /** 'status' when applying to the status subresource. */
  subresource?: string;
  /** apiVersion recorded in managedFields (e.g. 'apps/v1'). */
  apiVersion?: string;
  /** Time recorded in managedFields (metav1.Time). */
  time?: string;
}

export interface ApplyResult {
  object: Obj;
  conflicts: Conflict[];
}

/**
 * Server-side apply. Returns the new object (with metadata.managedFields updated) or,
 * when other managers own fields the configuration changes and `force` is not set, the
 * conflicts (nothing applied). Use applyConflictError to turn them into the 409.
 */
export function serverSideApply(opts: ApplyOptions): ApplyResult {
  const { kind, config, manager } = opts;
  const part = opts.subresource === 'status' ? 'status' : 'main';
  const live: Obj = opts.live ? deepCopy(opts.live) : {};
  const liveMeta = isPlainObject(live.metadata) ? live.metadata : {};
  const entries = decodeManagedFields(liveMeta.managedFields);
  const me: ManagerKey = { manager, operation: 'Apply', ...(opts.subresource ? { subresource: opts.subresource } : {}) };
  const mine = entries.find((e) => entryKey(e.key) === entryKey(me));
  const previouslyApplied = mine?.set ?? new FieldSet();
  const configSet = fieldSetOf(config, kind, part);

  // Conflicts: a leaf I set to a value different from the live one, owned by someone else.
  const conflicts: Conflict[] = [];
  for (const leaf of configSet.leaves()) {
    const desired = valueAt(config, leaf);
    const current = valueAt(live, leaf);
    if (current === undefined || deepEqual(desired, current)) continue;
    for (const e of entries) {
      if (entryKey(e.key) === entryKey(me)) continue;
      if (e.set.has(leaf)) conflicts.push({ manager: e.key.manager, apiVersion: e.apiVersion, path: leaf });
    }
  }
  if (conflicts.length && !opts.force) return { object: opts.live ? deepCopy(opts.live) : {}, conflicts };

  // Merge the configuration in, then drop what I applied before and no longer do, unless
  // someone else still owns it.
  const shape = rootShape(kind);
  const merged = mergeApplied(live, config, shape) as Obj;
  const others = entries.filter((e) => entryKey(e.key) !== entryKey(me));
  if (opts.force) for (const c of conflicts) for (const e of others) e.set.delete(c.path);
  const ownedByOthers = others.reduce((acc, e) => acc.union(e.set), new FieldSet());
  const dropped = previouslyApplied.difference(configSet).paths().sort((a, b) => b.length - a.length);
  for (const p of dropped) {
    if (ownedByOthers.hasPrefix(p) || configSet.hasPrefix(p)) continue;
    if (isKeyFieldOf(p)) continue; // an element's key goes only with the element itself
    removeAt(merged, p);
  }
  pruneEmptyParents(merged, dropped, configSet, ownedByOthers);

  const next = [...others, { key: me, apiVersion: opts.apiVersion, time: opts.time, set: configSet }];
  // Keep managers in their original order, the applier where it was (or last).
  const order = entries.map((e) => entryKey(e.key));
  next.sort((a, b) => idx(order, entryKey(a.key)) - idx(order, entryKey(b.key)));
  const meta = isPlainObject(merged.metadata) ? merged.metadata : (merged.metadata = {});
  (meta as Obj).managedFields = encodeManagedFields(next);
  return { object: merged, conflicts };
}

/** Is this path the merge-key field of a keyed list element (`…k:{"name":"x"}, f:name`)? */
function isKeyFieldOf(p: FieldPath): boolean {
  const last = p[p.length - 1];
  const parent = p[p.length - 2];
  if (!last?.startsWith('f:') || !parent?.startsWith('k:')) return false;
  return Object.prototype.hasOwnProperty.call(JSON.parse(parent.slice(2)), last.slice(2));
}

function idx(order: string[], k: string): number {
  const i = order.indexOf(k);
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}

/** After removing fields, drop maps that only existed to hold them (e.g. an emptied `labels`). */
function pruneEmptyParents(obj: Obj, dropped: FieldPath[], configSet: FieldSet, others: FieldSet): void {
  const parents = new Set<string>();
  for (const p of dropped) for (let i = p.length - 1; i >= 1; i--) parents.add(JSON.stringify(p.slice(0, i)));
  const sorted = [...parents].map((s) => JSON.parse(s) as FieldPath).sort((a, b) => b.length - a.length);
  for (const p of sorted) {
    if (configSet.hasPrefix(p) || others.hasPrefix(p)) continue;
    const v = valueAt(obj, p);
    if (isPlainObject(v) && Object.keys(v).length === 0) removeAt(obj, p);
  }
}

export interface UpdateTrackingOptions {
  kind: string;
  /** The object before the write (undefined for a create). */
  old: Obj | undefined;
  /** The object about to be stored. */
  updated: Obj;
  manager: string;
  subresource?: string;
  apiVersion?: string;
  time?: string;
}

/**
 * Record a non-apply write (create, update, patch) in managedFields: the manager takes the
 * fields it added or changed; other managers lose them and any field the write removed.
 * Returns `updated` with metadata.managedFields set (mutated in place).
 */
export function trackUpdate(opts: UpdateTrackingOptions): Obj {
  const { kind, updated, manager } = opts;
  const part = opts.subresource === 'status' ? 'status' : 'main';
  const oldMeta = opts.old && isPlainObject(opts.old.metadata) ? opts.old.metadata : {};
  // A client may send managedFields back unchanged (kubectl edit, replace): keep the server's.
  const entries = decodeManagedFields(oldMeta.managedFields);
  const before = opts.old ? fieldSetOf(opts.old, kind, part) : new FieldSet();
  const after = fieldSetOf(updated, kind, part);
  const changed = new FieldSet(after.leaves().filter((p) => !before.has(p) || !deepEqual(valueAt(opts.old, p), valueAt(updated, p))));
  for (const p of after.paths()) if (!before.has(p)) changed.add(p);
  const removed = before.difference(after);
  const me: ManagerKey = { manager, operation: 'Update', ...(opts.subresource ? { subresource: opts.subresource } : {}) };
  let mine = entries.find((e) => entryKey(e.key) === entryKey(me));
  for (const e of entries) {
    if (e === mine) continue;
    for (const p of changed.paths()) e.set.delete(p);
    for (const p of removed.paths()) e.set.delete(p);
  }
  if (!mine && changed.size > 0) {
    mine = { key: me, apiVersion: opts.apiVersion, time: opts.time, set: new FieldSet() };
    entries.push(mine);
  }
  if (mine) {
    mine.set = mine.set.union(changed).difference(removed).intersection(after);
    if (changed.size > 0) {
      if (opts.time) mine.time = opts.time;
      if (opts.apiVersion) mine.apiVersion = opts.apiVersion;
    }
  }
  for (const e of entries) if (e !== mine) e.set = e.set.intersection(after.union(otherPartFields(e.set, part)));
  const meta = isPlainObject(updated.metadata) ? updated.metadata : (updated.metadata = {});
  (meta as Obj).managedFields = encodeManagedFields(entries);
  return updated;
}

/** Fields in the part of the object this write does not touch (status for main writes, and back). */
function otherPartFields(set: FieldSet, part: 'main' | 'status'): FieldSet {
  return new FieldSet(set.paths().filter((p) => (part === 'main' ? p[0] === 'f:status' : p[0] !== 'f:status')));
}
