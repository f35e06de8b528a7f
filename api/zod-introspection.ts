// A narrow, typed view of zod 4's schema internals (`schema._zod.def`), for the places that
// walk schemas rather than parse with them: the OpenAPI generator (api/openapi.ts), strict
// unknown-field detection (api/schema-errors.ts) and server-side apply (api/patch/apply.ts).
// Kept in one place so a zod upgrade that moves these internals is mended once.
import type { z } from 'zod';

export interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string | number>;
  values?: unknown[];
  in?: z.ZodType;
  getter?: () => z.ZodType;
  catchall?: z.ZodType;
  /** A string format (z.base64(): 'base64'). */
  format?: string;
}

export function defOf(schema: z.ZodType): ZodDef {
  return (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** The schema under optional/nullable/default/… wrappers, pipes and lazies, and whether a wrapper made it optional. */
export function unwrap(schema: z.ZodType): { schema: z.ZodType; optional: boolean } {
  let optional = false;
  let cur = schema;
  for (;;) {
    const d = defOf(cur);
    if (WRAPPERS.has(d.type) && d.innerType) {
      if (d.type === 'optional' || d.type === 'default' || d.type === 'prefault') optional = true;
      cur = d.innerType;
    } else if (d.type === 'pipe' && d.in) cur = d.in;
    else if (d.type === 'lazy' && d.getter) cur = d.getter();
    else return { schema: cur, optional };
  }
}
