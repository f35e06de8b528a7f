// RFC 6902 JSON patch (`application/json-patch+json`): a list of operations, applied in
// order to a copy of the document; if any fails, nothing is applied.
//
//   applyJSONPatch({spec: {replicas: 1}}, [{op: 'test', path: '/spec/replicas', value: 1},
//                                          {op: 'replace', path: '/spec/replicas', value: 3}])
//     → {spec: {replicas: 3}}
//
// A malformed patch document is a 400 BadRequest; a patch that does not apply to the object
// (missing path, failed test, bad index) is a 422, as kube-apiserver answers.
import { badRequest, StatusError } from '../errors.js';
import { deepCopy, deepEqual, isPlainObject } from './merge.js';

export type JSONPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function unprocessable(message: string): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Invalid', code: 422, details: {} });
}

/** Split a JSON pointer into unescaped tokens ('' is the whole document). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (pointer[0] !== '/') throw badRequest(`invalid JSON pointer ${JSON.stringify(pointer)}: must be empty or start with '/'`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => {
      if (/~[^01]|~$/.test(t)) throw badRequest(`invalid JSON pointer ${JSON.stringify(pointer)}: '~' must be followed by 0 or 1`);
      const token = t.replace(/~1/g, '/').replace(/~0/g, '~');
      if (token === '__proto__') throw badRequest(`invalid JSON pointer ${JSON.stringify(pointer)}: '__proto__' is not a field name`);
      return token;
    });
}

/** Escape one token for a JSON pointer: '~' → '~0', '/' → '~1'. */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Validate the shape of a patch document; throws 400 naming what is wrong. */
export function decodeJSONPatch(patch: unknown): JSONPatchOperation[] {
  if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch: a JSON patch must be a list of operations');
  patch.forEach((op, i) => {
    if (!isPlainObject(op)) throw badRequest(`invalid JSON patch: operation ${i} is not an object`);
    if (typeof op.op !== 'string' || !OPS.has(op.op)) throw badRequest(`Unexpected kind: ${String(op.op)}`);
    if (typeof op.path !== 'string') throw badRequest(`invalid JSON patch: operation ${i} (${op.op}) is missing "path"`);
    parsePointer(op.path);
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) throw badRequest(`invalid JSON patch: operation ${i} (${op.op}) is missing "value"`);
    if (op.op === 'move' || op.op === 'copy') {
      if (typeof op.from !== 'string') throw badRequest(`invalid JSON patch: operation ${i} (${op.op}) is missing "from"`);
      parsePointer(op.from);
    }
  });
  return patch as JSONPatchOperation[];
}

function arrayIndex(token: string, length: number, allowEnd: boolean, opName: string, path: string): number {
  if (token === '-' && allowEnd) return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw unprocessable(`${opName} operation does not apply: invalid array index ${JSON.stringify(token)} in path ${JSON.stringify(path)}`);
  const i = Number(token);
  if (i > length || (!allowEnd && i >= length)) throw unprocessable(`${opName} operation does not apply: Unable to access invalid index: ${i}: invalid index referenced in path ${JSON.stringify(path)}`);
  return i;
}

/** The container holding the last token of the pointer, and that token. */
function resolveParent(doc: unknown, tokens: string[], opName: string, path: string): { parent: unknown; key: string } {
  let cur = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false, opName, path)];
    else if (isPlainObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t];
    else throw unprocessable(`${opName} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`);
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) throw unprocessable(`${opName} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`);
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

function getAt(doc: unknown, pointer: string, opName: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const { parent, key } = resolveParent(doc, tokens, opName, pointer);
  if (Array.isArray(parent)) return parent[arrayIndex(key, parent.length, false, opName, pointer)];
  const obj = parent as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(obj, key)) throw unprocessable(`${opName} operation does not apply: doc is missing key: ${pointer}: missing value`);
  return obj[key];
}

/** Returns the new document (the root may be replaced). */
function addAt(doc: unknown, pointer: string, value: unknown, opName = 'add'): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = resolveParent(doc, tokens, opName, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, true, opName, pointer), 0, value);
  else (parent as Record<string, unknown>)[key] = value;
  return doc;
}

function removeAt(doc: unknown, pointer: string, opName = 'remove'): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw unprocessable(`${opName} operation does not apply: cannot remove the whole document`);
  const { parent, key } = resolveParent(doc, tokens, opName, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(key, parent.length, false, opName, pointer), 1)[0];
  const obj = parent as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(obj, key)) throw unprocessable(`${opName} operation does not apply: doc is missing key: ${pointer}: missing value`);
  const old = obj[key];
  delete obj[key];
  return old;
}

/** Apply a JSON patch; the input document is not modified. Throws 400 / 422 StatusErrors. */
export function applyJSONPatch(document: unknown, patch: unknown): unknown {
  const ops = decodeJSONPatch(patch);
  let doc = deepCopy(document);
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, deepCopy(op.value));
        break;
      case 'remove':
        removeAt(doc, op.path);
        break;
      case 'replace': {
        getAt(doc, op.path, 'replace'); // must exist
        const tokens = parsePointer(op.path);
        if (tokens.length === 0) { doc = deepCopy(op.value); break; }
        const { parent, key } = resolveParent(doc, tokens, 'replace', op.path);
        if (Array.isArray(parent)) parent[arrayIndex(key, parent.length, false, 'replace', op.path)] = deepCopy(op.value);
        else (parent as Record<string, unknown>)[key] = deepCopy(op.value);
        break;
      }
      case 'move': {
        if (op.path !== op.from && op.path.startsWith(op.from + '/')) throw unprocessable(`move operation does not apply: "from" ${JSON.stringify(op.from)} is a prefix of "path" ${JSON.stringify(op.path)}`);
        if (op.path === op.from) { getAt(doc, op.from, 'move'); break; }
        const v = removeAt(doc, op.from, 'move');
        doc = addAt(doc, op.path, v, 'move');
        break;
      }
      case 'copy':
        doc = addAt(doc, op.path, deepCopy(getAt(doc, op.from, 'copy')), 'copy');
        break;
      case 'test': {
        let actual: unknown;
        try {
          actual = getAt(doc, op.path, 'test');
        } catch {
          throw unprocessable(`testing value ${op.path} failed: test failed`);
        }
        if (!deepEqual(actual, op.value)) throw unprocessable(`testing value ${op.path} failed: test failed`);
        break;
      }
    }
  }
  return doc;
}
