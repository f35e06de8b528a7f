// A decoder compiled from a zod schema, for the API server's hot path: every create and
// update decodes its body against its kind's schema, and zod's general machinery (a payload
// and an issue list per node, a closure per wrapper) was ~10% of the server's CPU per create.
// The schema stays the single source of truth: this walks the same definitions once and
// builds plain functions that give zod's output for valid input — unknown object keys
// dropped, known keys in the schema's order — and answer NO_MATCH for anything they do not
// accept or do not understand. The caller then runs zod itself, so invalid input (and every
// error message) is exactly zod's, and a schema construct this file does not know is handed
// to zod as it is (test/api/compiled-decoder.test.ts holds both outputs equal).
import type { z } from 'zod';
import { defOf, type ZodDef } from './zod-introspection.js';

/** What a compiled decoder answers when zod must decide (invalid, or not understood here). */
export const NO_MATCH: unique symbol = Symbol('NO_MATCH');

export type Decoder = (value: unknown) => unknown;

interface CheckDef { check?: string; format?: string }
type Def = ZodDef & { keyType?: z.ZodType; checks?: Array<{ _zod: { def: CheckDef } }> };

const compiled = new WeakMap<z.ZodType, Decoder>();

/** The decoder for a schema (compiled once per schema object, recursion through z.lazy included). */
export function compileDecoder(schema: z.ZodType): Decoder {
  const done = compiled.get(schema);
  if (done) return done;
  // A placeholder first, so a lazy schema that reaches itself calls the finished decoder.
  let real: Decoder | undefined;
  compiled.set(schema, (v) => real!(v));
  real = build(schema);
  compiled.set(schema, real);
  return real;
}

/** Decode with the compiled decoder; NO_MATCH means "ask zod". */
export function decodeCompiled(schema: z.ZodType, value: unknown): unknown {
  return compileDecoder(schema)(value);
}

const isPlain = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** zod itself for one sub-schema: exact behaviour for constructs not compiled here. */
function viaZod(schema: z.ZodType): Decoder {
  return (v) => {
    const r = schema.safeParse(v);
    return r.success ? r.data : NO_MATCH;
  };
}

/**
 * The definition keys each compiled type may have. Anything more (a string format such as
 * z.base64(), coercion, a record's mode, a check on the def itself) is zod's to run.
 */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  string: ['type'], boolean: ['type'], number: ['type', 'checks'], unknown: ['type'], any: ['type'],
  enum: ['type', 'entries'], literal: ['type', 'values'], optional: ['type', 'innerType'], nullable: ['type', 'innerType'],
  lazy: ['type', 'getter'], array: ['type', 'element'], record: ['type', 'keyType', 'valueType'], union: ['type', 'options'],
  object: ['type', 'shape'],
};

function build(schema: z.ZodType): Decoder {
  const d = defOf(schema) as Def;
  const checks = d.checks ?? [];
  const known = KNOWN_KEYS[d.type];
  if (!known || Object.keys(d).some((k) => !known.includes(k) && !(k === 'checks' && checks.length === 0))) return viaZod(schema);
  switch (d.type) {
    case 'string':
      if (checks.length) return viaZod(schema);
      return (v) => (typeof v === 'string' ? v : NO_MATCH);
    case 'boolean':
      if (checks.length) return viaZod(schema);
      return (v) => (typeof v === 'boolean' ? v : NO_MATCH);
    case 'number': {
      // z.number() refuses NaN and ±Infinity; .int() is the 'safeint' format.
      if (checks.length === 0) return (v) => (typeof v === 'number' && Number.isFinite(v) ? v : NO_MATCH);
      const only = checks.length === 1 ? checks[0]!._zod.def : undefined;
      if (only?.check === 'number_format' && only.format === 'safeint') return (v) => (Number.isSafeInteger(v) ? v : NO_MATCH);
      return viaZod(schema);
    }
    case 'unknown':
    case 'any':
      return (v) => v;
    case 'enum': {
      const allowed = new Set(Object.values(d.entries ?? {}));
      return (v) => (allowed.has(v as string) ? v : NO_MATCH);
    }
    case 'literal': {
      const allowed = new Set(d.values ?? []);
      return (v) => (allowed.has(v) ? v : NO_MATCH);
    }
    case 'optional': {
      const inner = compileDecoder(d.innerType!);
      return (v) => (v === undefined ? undefined : inner(v));
    }
    case 'nullable': {
      const inner = compileDecoder(d.innerType!);
      return (v) => (v === null ? null : inner(v));
    }
    case 'lazy': {
      // Resolved at first use: the getter may name a schema not yet built at compile time.
      let inner: Decoder | undefined;
      return (v) => (inner ??= compileDecoder(d.getter!()))(v);
    }
    case 'array': {
      if (checks.length) return viaZod(schema);
      const element = compileDecoder(d.element!);
      return (v) => {
        if (!Array.isArray(v)) return NO_MATCH;
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const e = element(v[i]);
          if (e === NO_MATCH) return NO_MATCH;
          out[i] = e;
        }
        return out;
      };
    }
    case 'record': {
      const key = d.keyType ? defOf(d.keyType) as Def : undefined;
      if (checks.length || key?.type !== 'string' || key.checks?.length) return viaZod(schema);
      const value = compileDecoder(d.valueType!);
      return (v) => {
        if (!isPlain(v)) return NO_MATCH;
        const out: Record<string, unknown> = {};
        for (const k in v) {
          if (k === '__proto__') return NO_MATCH;
          const e = value(v[k]);
          if (e === NO_MATCH) return NO_MATCH;
          out[k] = e;
        }
        return out;
      };
    }
    case 'union': {
      // Only unions of options that never change their input (string | number, …): the first
      // option that accepts a value is zod's answer too, and gives the value back as it is.
      const options = (d.options ?? []).map((o) => defOf(o) as Def);
      if (!options.every((o) => ['string', 'number', 'boolean', 'enum', 'literal'].includes(o.type))) return viaZod(schema);
      const decoders = (d.options ?? []).map(compileDecoder);
      return (v) => {
        for (const dec of decoders) if (dec(v) !== NO_MATCH) return v;
        return NO_MATCH;
      };
    }
    case 'object': {
      // Strip mode only (z.object): passthrough, strict and catchall objects go to zod.
      if (checks.length || d.catchall) return viaZod(schema);
      const shape = d.shape ?? {};
      const keys = Object.keys(shape);
      const decoders = keys.map((k) => compileDecoder(shape[k]!));
      // A missing optional field stays missing; a missing field with a default takes zod's
      // value for it; any other missing field is zod's to judge (even z.unknown() wants it).
      const missing = keys.map((k) => {
        const t = (defOf(shape[k]!) as Def).type;
        return t === 'optional' ? 'skip' : t === 'default' || t === 'prefault' ? 'decode' : 'refuse';
      });
      return (v) => {
        if (!isPlain(v)) return NO_MATCH;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          const present = Object.prototype.hasOwnProperty.call(v, k);
          if (!present && missing[i] !== 'decode') {
            if (missing[i] === 'skip') continue;
            return NO_MATCH;
          }
          const e = decoders[i]!(present ? v[k] : undefined);
          if (e === NO_MATCH) return NO_MATCH;
          if (e !== undefined || present) out[k] = e;
        }
        return out;
      };
    }
    default:
      // default, pipe, transform, tuple, intersection, …: zod decides, with its own output.
      return viaZod(schema);
  }
}
