// What the zod schemas alone say about a body: type errors as FieldErrors with readable,
// Kubernetes-like messages, and — for `fieldValidation=Strict` — every field a schema does
// not declare.
import type { z } from 'zod';
import { badRequest, type FieldError, type StatusError } from './errors.js';
import { fieldErr, fieldPath } from './field-errors.js';
import { isObj } from './json-object.js';
import { defOf, unwrap } from './zod-introspection.js';

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  input?: unknown;
  expected?: string;
  values?: unknown[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  keys?: string[];
  format?: string;
}

const TYPE_NAMES: Record<string, string> = { int: 'integer', number: 'number', string: 'string', boolean: 'boolean', object: 'object', array: 'array', record: 'object' };

/** The sub-schema at a path (through optional/nullable, objects, arrays, records), if plain. */
function schemaAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): z.ZodType | undefined {
  let s = schema;
  let i = 0;
  while (s) {
    const def = defOf(s);
    if (def.innerType && ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type)) { s = def.innerType; continue; }
    if (i >= path.length) return s;
    const p = path[i++]!;
    if (def.type === 'object') s = def.shape?.[String(p)];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return undefined;
  }
  return undefined;
}

/**
 * A zod path as a Kubernetes field path, with map keys subscripted as Go's field.Path.Key
 * writes them (`data[username]`, not `data.username`) when the schema says the step is a map.
 */
function issueFieldPath(schema: z.ZodType | undefined, prefix: readonly PropertyKey[], path: readonly PropertyKey[]): string {
  let out = fieldPath(prefix);
  let s = schema;
  for (const p of path) {
    const def = s ? defOf(unwrap(s).schema) : undefined;
    const isKey = def?.type === 'record';
    if (isKey || typeof p === 'number' || !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(String(p))) out += `[${String(p)}]`;
    else out += (out ? '.' : '') + String(p);
    s = def?.type === 'object' ? def.shape?.[String(p)] : def?.type === 'array' ? def.element : def?.type === 'record' ? def.valueType : undefined;
  }
  return out;
}

const BASE64_ALPHABET = /[A-Za-z0-9+/]/;

/**
 * Where Go's base64.StdEncoding gives up on `s` (its CorruptInputError offset): the first byte
 * outside the alphabet that is not the padding of the last quantum, else the start of an
 * incomplete last quantum.
 */
export function corruptBase64Offset(s: string): number {
  const whole = s.length % 4 === 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (BASE64_ALPHABET.test(c)) continue;
    const padding = c === '=' && whole && i >= s.length - 2 && i % 4 >= 2 && s.slice(i).split('').every((x) => x === '=');
    if (!padding) return i;
  }
  return whole ? 0 : s.length - (s.length % 4);
}

/** Map zod issues to FieldErrors with readable, Kubernetes-like messages. */
export function zodIssuesToFieldErrors(issues: readonly ZodIssueLike[], prefix: readonly PropertyKey[] = [], schema?: z.ZodType): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const field = issueFieldPath(schema, prefix, issue.path) || '<root>';
    const input = issue.input;
    switch (issue.code) {
      case 'invalid_type':
        if (input === undefined) out.push(fieldErr.required(field));
        else {
          const isInt = issue.expected === 'number' && (schemaAt(schema, issue.path) as { isInt?: boolean } | undefined)?.isInt === true;
          out.push(fieldErr.invalid(field, input, `must be of type ${isInt ? 'integer' : TYPE_NAMES[issue.expected ?? ''] ?? issue.expected}`));
        }
        break;
      case 'invalid_value':
        out.push(fieldErr.notSupported(field, input, (issue.values ?? []).map(String)));
        break;
      case 'invalid_union':
        out.push(fieldErr.invalid(field, input, unionDetail(input)));
        break;
      case 'too_small':
        out.push(fieldErr.invalid(field, input, `must be greater than or equal to ${String(issue.minimum)}`));
        break;
      case 'too_big':
        out.push(fieldErr.invalid(field, input, `must be less than or equal to ${String(issue.maximum)}`));
        break;
      case 'unrecognized_keys':
        for (const k of issue.keys ?? []) out.push(fieldErr.forbidden(fieldPath([...prefix, ...issue.path, k]), 'unknown field'));
        break;
      case 'invalid_format':
        // Bytes (Secret data, ConfigMap binaryData) are never echoed back: they may be secret,
        // and may be a megabyte long. The detail is what Go's JSON decoder says of them.
        if (issue.format === 'base64') {
          out.push(fieldErr.invalidOmitValue(field, `illegal base64 data at input byte ${corruptBase64Offset(typeof input === 'string' ? input : '')}`));
          break;
        }
        out.push(fieldErr.invalid(field, input, issue.message));
        break;
      default:
        out.push(fieldErr.invalid(field, input, issue.message));
    }
  }
  return out;
}

function unionDetail(input: unknown): string {
  // The unions in our schemas are IntOrString and Quantity (string | number).
  return typeof input === 'number' ? 'must be an integer or a string' : `must be an integer or a string, not ${Array.isArray(input) ? 'a list' : typeof input}`;
}

/** Parse with a zod schema; FieldErrors for everything wrong with the types. */
export function schemaErrors(schema: z.ZodType, obj: unknown): FieldError[] {
  const r = schema.safeParse(obj, { reportInput: true });
  return r.success ? [] : zodIssuesToFieldErrors(r.error.issues as unknown as ZodIssueLike[], [], schema);
}

// ---- strict field validation ----

/**
 * Every field in `value` that `schema` does not declare, as a path like
 * `spec.template.spec.containers[0].foo`, in document order. Used for `fieldValidation=Strict`.
 */
export function findUnknownFields(schema: z.ZodType, value: unknown, path: readonly PropertyKey[] = []): string[] {
  // A null or absent value has no fields, known or not; every case below yields [] for it.
  const def = defOf(unwrap(schema).schema);
  switch (def.type) {
    case 'object': {
      if (!isObj(value)) return [];
      const out: string[] = [];
      const shape = def.shape ?? {};
      const catchall = def.catchall && defOf(def.catchall).type !== 'never' ? def.catchall : undefined;
      for (const [k, v] of Object.entries(value)) {
        const field = shape[k];
        if (field) out.push(...findUnknownFields(field, v, [...path, k]));
        else if (catchall) out.push(...findUnknownFields(catchall, v, [...path, k]));
        else out.push(fieldPath([...path, k]));
      }
      return out;
    }
    case 'array':
      if (!Array.isArray(value)) return [];
      return value.flatMap((v, i) => findUnknownFields(def.element!, v, [...path, i]));
    case 'record':
      if (!isObj(value)) return [];
      return Object.entries(value).flatMap(([k, v]) => findUnknownFields(def.valueType!, v, [...path, k]));
    case 'union': {
      // Use the option that fits best: the first that parses, else the one with fewest unknowns.
      const options = def.options ?? [];
      let best: string[] | undefined;
      for (const o of options) {
        if (o.safeParse(value).success) return findUnknownFields(o, value, path);
      }
      for (const o of options) {
        const r = findUnknownFields(o, value, path);
        if (!best || r.length < best.length) best = r;
      }
      return best ?? [];
    }
    default:
      return [];
  }
}

/**
 * The 400 kube-apiserver answers under `fieldValidation=Strict`. With the kind, the message
 * has the apiserver's prefix: `Deployment in version "v1" cannot be handled as a Deployment:
 * strict decoding error: unknown field "spec.foo"`.
 */
export function strictDecodingError(unknownFields: string[], gvk?: { kind: string; version: string }): StatusError {
  const detail = `strict decoding error: ${unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`;
  return badRequest(gvk ? `${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: ${detail}` : detail);
}

