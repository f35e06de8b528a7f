// The compiled decoder must answer exactly what zod answers, or NO_MATCH (then zod decides):
// for every example manifest, each one defaulted, and many broken variants of them, against
// every kind's schema; and for the zod constructs it hands back to zod.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileDecoder, NO_MATCH } from '../../api/compiled-decoder.js';
import { applyDefaults } from '../../api/defaults.js';
import { kindRules, RESOURCES } from '../../api/resources.js';

const manifests = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../manifests');

function examples(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const f of fs.readdirSync(manifests).filter((n) => n.endsWith('.yaml'))) {
    for (const doc of yaml.loadAll(fs.readFileSync(path.join(manifests, f), 'utf8'))) {
      if (doc && typeof doc === 'object' && kindRules((doc as { kind: string }).kind)) out.push(doc as Record<string, unknown>);
    }
  }
  return out;
}

/** The invariant: NO_MATCH, or zod's own success with the same value and key order. */
function agrees(schema: z.ZodType, value: unknown): 'compiled' | 'zod' {
  const input = structuredClone(value);
  const fast = compileDecoder(schema)(input);
  expect(input).toEqual(value); // the decoder never changes its input
  const r = schema.safeParse(structuredClone(value));
  if (fast === NO_MATCH) return 'zod';
  expect(r.success).toBe(true);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(r.data));
  expect(fast).toStrictEqual(r.data);
  return 'compiled';
}

/** Deterministic variants of an object with one leaf broken, dropped or an unknown key added. */
function* variants(obj: unknown, seed = 1): Generator<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    paths.push(p);
    if (Array.isArray(v)) v.forEach((e, i) => walk(e, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, e] of Object.entries(v)) walk(e, [...p, k]);
  };
  walk(obj, []);
  const replacements: unknown[] = ['x', 7, 1.5, -0, true, null, undefined, [], {}, NaN, Infinity, 2 ** 60, { unknownField: 1 }];
  let s = seed;
  for (const p of paths) {
    if (p.length === 0) continue;
    s = (s * 1103515245 + 12345) % 2 ** 31;
    for (const r of [replacements[s % replacements.length], replacements[(s >> 4) % replacements.length], 'DELETE']) {
      const copy = structuredClone(obj) as Record<string | number, unknown>;
      let cur = copy;
      for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
      const last = p[p.length - 1]!;
      if (r === 'DELETE') {
        if (Array.isArray(cur)) cur.splice(last as number, 1);
        else delete cur[last];
      } else cur[last] = r;
      yield copy;
    }
    // An unknown sibling: dropped by both.
    const copy = structuredClone(obj) as Record<string | number, unknown>;
    let cur = copy;
    for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
    if (cur && typeof cur === 'object' && !Array.isArray(cur)) {
      cur.notInTheSchema = { a: 1 };
      yield copy;
    }
  }
}

describe('compiled decoder against zod', () => {
  const docs = examples();

  it('gives zod\'s output for every example manifest, raw and defaulted', () => {
    expect(docs.length).toBeGreaterThan(5);
    let compiled = 0;
    for (const doc of docs) {
      const schema = kindRules(doc.kind as string)!.schema as z.ZodType;
      if (agrees(schema, doc) === 'compiled') compiled++;
      const decoded = schema.parse(structuredClone(doc)) as Record<string, unknown>;
      if (agrees(schema, applyDefaults(doc.kind as string, decoded)) === 'compiled') compiled++;
    }
    // Valid objects are the compiled path's to answer, not zod's.
    expect(compiled).toBe(docs.length * 2);
  });

  it('answers NO_MATCH or zod\'s output for broken variants of every example', () => {
    let n = 0;
    let toZod = 0;
    for (const doc of docs) {
      const schema = kindRules(doc.kind as string)!.schema as z.ZodType;
      for (const v of variants(doc)) {
        n++;
        if (agrees(schema, v) === 'zod') toZod++;
      }
    }
    expect(n).toBeGreaterThan(500);
    expect(toZod).toBeGreaterThan(0);
  });

  it('compiles every kind\'s schema and refuses what is not an object', () => {
    for (const info of RESOURCES) {
      const schema = info.schema as z.ZodType;
      for (const v of [null, 1, 'x', [], undefined]) agrees(schema, v);
      agrees(schema, { metadata: { name: 'a' } });
    }
  });

  it('keeps the schema\'s key order, drops unknown keys, keeps a present undefined', () => {
    const s = z.object({ b: z.string(), a: z.number().int().optional(), m: z.record(z.string(), z.union([z.string(), z.number()])).nullable().optional() });
    const out = compileDecoder(s)({ zz: 1, a: 2, b: 'x', m: { q: '1', p: 2 } });
    expect(JSON.stringify(out)).toBe('{"b":"x","a":2,"m":{"q":"1","p":2}}');
    const u = compileDecoder(s)({ b: 'x', a: undefined }) as Record<string, unknown>;
    expect('a' in u).toBe(true);
    agrees(s, { b: 'x', a: undefined });
    expect(compileDecoder(s)({ b: 'x', a: 1.5 })).toBe(NO_MATCH);
    expect(compileDecoder(s)({ b: 'x', a: 2 ** 60 })).toBe(NO_MATCH);
    expect(compileDecoder(s)({ a: 1 })).toBe(NO_MATCH);
    expect(compileDecoder(s)({ b: 'x', m: JSON.parse('{"__proto__":"x"}') })).toBe(NO_MATCH);
  });

  it('hands the constructs it does not compile to zod, with zod\'s output', () => {
    const s = z.object({
      d: z.string().default('dflt'),
      t: z.string().transform((v) => v.length),
      r: z.string().min(2).optional(),
      p: z.object({ a: z.string() }).passthrough().optional(),
      n: z.number().min(0).optional(),
      u: z.unknown(),
    });
    expect(compileDecoder(s)({ t: 'abc', u: 1, p: { a: 'x', extra: 1 } })).toEqual({ d: 'dflt', t: 3, p: { a: 'x', extra: 1 }, u: 1 });
    for (const v of [{ t: 'abc', u: 1, r: 'x' }, { t: 'abc', u: 1, n: -1 }, { t: 'abc', u: 1, r: 'xyz' }, { t: 'abc', u: undefined }, { t: 'abc', u: { any: 'thing' } }, { t: 'abc' }]) agrees(s, v);
  });

  it('hands string formats, coercion and checked numbers to zod (a Secret\'s base64 data)', () => {
    const s = z.object({ b: z.base64().optional(), c: z.coerce.string().optional(), i: z.int().optional(), m: z.record(z.string(), z.base64()).optional() });
    for (const v of [{ b: 'aGk=' }, { b: 'not base64!' }, { c: 5 }, { i: 1 }, { i: 1.5 }, { m: { k: 'aGk=' } }, { m: { k: '%%' } }]) agrees(s, v);
    expect(compileDecoder(s)({ b: 'not base64!' })).toBe(NO_MATCH);
    expect(compileDecoder(s)({ c: 5 })).toEqual({ c: '5' });
    const secret = kindRules('Secret')!.schema as z.ZodType;
    expect(agrees(secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: 'hunter2' } })).toBe('zod');
    expect(agrees(secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: 'aHVudGVyMg==' } })).toBe('compiled');
    const configMap = kindRules('ConfigMap')!.schema as z.ZodType;
    expect(agrees(configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, binaryData: { z: '!!' } })).toBe('zod');
  });

  it('follows recursive schemas through z.lazy', () => {
    interface Tree { name: string; children?: Tree[] }
    const Tree: z.ZodType<Tree> = z.lazy(() => z.object({ name: z.string(), children: z.array(Tree).optional() }));
    const t = { name: 'a', children: [{ name: 'b', children: [{ name: 'c', x: 1 }] }] };
    expect(agrees(Tree, t)).toBe('compiled');
    expect(agrees(Tree, { name: 'a', children: [{ name: 1 }] })).toBe('zod');
  });
});
