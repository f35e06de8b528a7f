// FieldError constructors with Kubernetes' wording (field.Required, field.Invalid, ... and
// their ErrorBody text), field paths, and the small value checks every group's validation
// shares, so `invalid(kind, group, name, errs)` produces the message kubectl users know:
//
//   Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0
import type { FieldError } from './errors.js';
import { parseQuantity, QuantityParseError } from './quantity.js';

/** How Kubernetes prints a bad value inside a message: strings quoted, numbers bare. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'null';
  return JSON.stringify(v);
}

export const fieldErr = {
  required: (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, message: `Invalid value: ${formatValue(value)}${detail ? `: ${detail}` : ''}` }),
  /** field.Invalid with field.OmitValue: the value is left out of the message (secret or huge). */
  invalidOmitValue: (field: string, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, message: `Invalid value${detail ? `: ${detail}` : ''}` }),
  notSupported: (field: string, value: unknown, valid: string[]): FieldError => ({
    type: 'FieldValueNotSupported', field, message: `Unsupported value: ${formatValue(value)}${valid.length ? `: supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}` : ''}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatValue(value)}` }),
  forbidden: (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` }),
  tooLong: (field: string, max: number): FieldError => ({ type: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({ type: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} items` }),
  notFound: (field: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field, message: `Not found: ${formatValue(value)}` }),
};

/** `spec`, `containers`, 0 → `spec.containers[0]`; keys that are not identifiers → `[key]`. */
export function fieldPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(String(p))) out += (out ? '.' : '') + String(p);
    else out += `[${String(p)}]`;
  }
  return out;
}

/** Each FieldError once (several rules may find the same problem). */
export function dedupeFieldErrors(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.type}\0${e.field}\0${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function nonNegative(errs: FieldError[], field: string, v: unknown): void {
  if (typeof v === 'number' && v < 0) errs.push(fieldErr.invalid(field, v, 'must be greater than or equal to 0'));
}

export function validateQuantityField(errs: FieldError[], field: string, v: unknown): bigint | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    const q = parseQuantity(v);
    if (q.nanos < 0n) {
      errs.push(fieldErr.invalid(field, v, 'must be greater than or equal to 0'));
      return undefined;
    }
    return q.nanos;
  } catch (e) {
    errs.push(fieldErr.invalid(field, v, e instanceof QuantityParseError ? e.message : String(e)));
    return undefined;
  }
}

