// The object-model rules the registry applies, gathered in one place: schema decoding,
// defaulting, validation, unknown-field detection and patch application. The rules
// themselves live in api/ (shared with kctl); this file is the one seam where the registry
// calls them, so swapping an implementation is a one-line change here.
import type { z } from 'zod';
import type { KubeObject } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import { badRequest, invalid, unsupportedMediaType, type FieldError } from '../../api/errors.js';
import { isDNS1123Subdomain } from '../../api/names.js';

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
  const r = (info.schema as z.ZodType).safeParse(body);
  if (r.success) return r.data as KubeObject;
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
export function applyDefaults(_info: ResourceInfo, _obj: KubeObject): void {
  // api/defaults.ts lands here.
}

/** Field errors for a new or updated object (beyond what its schema checks). */
export function validateObject(info: ResourceInfo, obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = obj.metadata.name ?? '';
  if (!name) errs.push({ type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
  else for (const m of isDNS1123Subdomain(name)) errs.push({ type: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: ${m}` });
  return errs;
}

/** Field paths of an object's fields its schema does not know (for fieldValidation=Strict). */
export function findUnknownFields(_info: ResourceInfo, _body: unknown): string[] {
  return [];
}

/** Apply a patch document to an object (a plain JSON value); returns the patched object. */
export function applyPatch(type: PatchType, original: unknown, patch: unknown, _info: ResourceInfo | undefined): unknown {
  switch (type) {
    case 'merge':
      return mergePatch(original, patch);
    case 'json':
      return jsonPatch(original, patch);
    case 'strategic':
      throw unsupportedMediaType('application/strategic-merge-patch+json');
    case 'apply':
      throw unsupportedMediaType('application/apply-patch+yaml');
  }
}

// ---- interim patch implementations (replaced by api/patch/*) ----

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902 JSON patch. */
function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  let root = structuredClone(doc);
  const parse = (p: unknown): string[] => {
    if (typeof p !== 'string' || (p !== '' && !p.startsWith('/'))) throw badRequest(`invalid json patch path ${JSON.stringify(p)}`);
    return p === '' ? [] : p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  };
  const parentOf = (path: string[]): [any, string] => {
    let cur: any = root;
    for (const seg of path.slice(0, -1)) {
      cur = Array.isArray(cur) ? cur[Number(seg)] : isObject(cur) ? cur[seg] : undefined;
      if (cur === undefined) throw badRequest(`json patch: path /${path.join('/')} does not exist`);
    }
    return [cur, path[path.length - 1]!];
  };
  const get = (path: string[]): unknown => {
    let cur: any = root;
    for (const seg of path) {
      cur = Array.isArray(cur) ? cur[Number(seg)] : isObject(cur) ? cur[seg] : undefined;
      if (cur === undefined) throw badRequest(`json patch: path /${path.join('/')} does not exist`);
    }
    return cur;
  };
  const remove = (path: string[]): unknown => {
    const [parent, last] = parentOf(path);
    if (Array.isArray(parent)) {
      const i = Number(last);
      if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw badRequest(`json patch: index ${last} out of range`);
      return parent.splice(i, 1)[0];
    }
    if (!isObject(parent) || !(last in parent)) throw badRequest(`json patch: path /${path.join('/')} does not exist`);
    const v = parent[last];
    delete parent[last];
    return v;
  };
  const add = (path: string[], value: unknown, replace: boolean): void => {
    if (path.length === 0) { root = value; return; }
    const [parent, last] = parentOf(path);
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(i) || i < 0 || i > parent.length || (replace && i >= parent.length)) throw badRequest(`json patch: index ${last} out of range`);
      if (replace) parent[i] = value; else parent.splice(i, 0, value);
    } else if (isObject(parent)) {
      if (replace && !(last in parent)) throw badRequest(`json patch: path /${path.join('/')} does not exist`);
      parent[last] = value;
    } else throw badRequest(`json patch: path /${path.join('/')} does not exist`);
  };
  for (const op of ops as Array<Record<string, unknown>>) {
    if (!isObject(op)) throw badRequest('json patch operation must be an object');
    const path = parse(op.path);
    switch (op.op) {
      case 'add': add(path, structuredClone(op.value), false); break;
      case 'replace': add(path, structuredClone(op.value), true); break;
      case 'remove': remove(path); break;
      case 'move': { const v = remove(parse(op.from)); add(path, v, false); break; }
      case 'copy': add(path, structuredClone(get(parse(op.from))), false); break;
      case 'test':
        if (JSON.stringify(get(path)) !== JSON.stringify(op.value)) throw badRequest(`json patch test failed at ${String(op.path)}`);
        break;
      default: throw badRequest(`unknown json patch operation ${JSON.stringify(op.op)}`);
    }
  }
  return root;
}
