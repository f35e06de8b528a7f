// Resource quantities, as k8s.io/apimachinery/pkg/api/resource: "500m", "2", "1.5Gi",
// "1e3", "100k". A Quantity holds its value exactly as a BigInt count of nano-units
// (1 = 1_000_000_000n), so "1.5Gi" is exactly 1610612736 and "0.1" + "0.2" is exactly "300m".
// Precision finer than a nano-unit is rounded up (away from zero), like Kubernetes.
//
// Canonical form keeps the family of suffix the user wrote:
//   "1500m" → "1500m", "1.5" → "1500m", "1000" → "1k", "1024Mi" → "1Gi", "1.5Gi" → "1536Mi",
//   "1e3" → "1e3", "0.5Ki" → "512" (binary that is not a whole multiple of 1024 prints decimal).

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export const QUANTITY_REGEX = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

export class QuantityParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityParseError';
  }
}

const NANO = 1_000_000_000n;

export interface Quantity {
  /** The value in nano-units (value × 10^9), exact. */
  readonly nanos: bigint;
  /** Which suffix family it was written in; decides how it is formatted. */
  readonly format: QuantityFormat;
}

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXP: Record<number, string> = Object.fromEntries(Object.entries(DECIMAL_SUFFIX).map(([k, v]) => [v, k]));

const wholeRe = new RegExp(QUANTITY_REGEX);

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** a / b rounded away from zero (b > 0). */
function divUp(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b === a ? q : a < 0n ? q - 1n : q + 1n;
}

// Every pod repeats a handful of quantities ("100m", "64Mi"), parsed by validation and
// normalized by defaulting on each write: both answers are kept by the string, a bounded few.
const MEMO_MAX = 4096;
const parsedMemo = new Map<string, Quantity>();
const canonicalMemo = new Map<string, string>();

function remember<V>(memo: Map<string, V>, key: string, value: V): V {
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(key, value);
  return value;
}

/** Parse a quantity string (or a bare number from YAML). Throws QuantityParseError. */
export function parseQuantity(input: string | number): Quantity {
  if (typeof input !== 'string') return parse(input);
  return parsedMemo.get(input) ?? remember(parsedMemo, input, Object.freeze(parse(input)));
}

function parse(input: string | number): Quantity {
  const s = typeof input === 'number' ? numberToString(input) : input.trim();
  if (s.length === 0) throw new QuantityParseError('quantities must match the regular expression ' + `'${QUANTITY_REGEX}'`);
  const m = wholeRe.exec(s);
  if (!m) throw new QuantityParseError(`quantities must match the regular expression '${QUANTITY_REGEX}'`);
  let num = m[1]!;
  const suffix = m[2]!;
  let negative = false;
  if (num[0] === '+' || num[0] === '-') {
    negative = num[0] === '-';
    num = num.slice(1);
  }
  const dot = num.indexOf('.');
  if (num === '.' || (dot >= 0 && num.indexOf('.', dot + 1) >= 0)) throw new QuantityParseError('unable to parse numeric part of quantity');
  const intPart = dot >= 0 ? num.slice(0, dot) : num;
  const fracPart = dot >= 0 ? num.slice(dot + 1) : '';
  // digits = the number with the point removed; value = digits × 10^(-fracLen).
  const digits = BigInt((intPart + fracPart) || '0');
  let exp10 = -fracPart.length;
  let exp2 = 0;
  let format: QuantityFormat;
  if (suffix in DECIMAL_SUFFIX) {
    exp10 += DECIMAL_SUFFIX[suffix]!;
    format = 'DecimalSI';
  } else if (suffix in BINARY_SUFFIX) {
    exp2 = BINARY_SUFFIX[suffix]!;
    format = 'BinarySI';
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    exp10 += Number(suffix.slice(1));
    format = 'DecimalExponent';
  } else {
    throw new QuantityParseError("unable to parse quantity's suffix");
  }
  // nanos = digits × 2^exp2 × 10^(exp10 + 9), rounded up when exp10 + 9 < 0.
  let n = digits << BigInt(exp2);
  const shift = exp10 + 9;
  n = shift >= 0 ? n * pow10(shift) : divUp(n, pow10(-shift));
  if (negative) n = -n;
  return { nanos: n, format };
}

function numberToString(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityParseError(`quantities must match the regular expression '${QUANTITY_REGEX}'`);
  return String(n).replace('e+', 'e');
}

/** True if the string (or number) is a valid quantity. */
export function isQuantity(input: unknown): boolean {
  if (typeof input !== 'string' && typeof input !== 'number') return false;
  try {
    parseQuantity(input);
    return true;
  } catch {
    return false;
  }
}

export function quantityFromNanos(nanos: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nanos, format };
}

/** A whole number of base units (bytes, cores). */
export function quantityFromInt(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nanos: BigInt(value) * NANO, format };
}

export function quantityFromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nanos: BigInt(milli) * 1_000_000n, format };
}

/** Milli-units, rounded up (MilliValue): "500m" → 500n, "1.5" → 1500n, "1Ki" → 1024000n. */
export function toMilli(q: Quantity | string | number): bigint {
  return divUp(asQuantity(q).nanos, 1_000_000n);
}

/** Whole base units, rounded up (Value): "128Mi" → 134217728n, "500m" → 1n. */
export function toUnits(q: Quantity | string | number): bigint {
  return divUp(asQuantity(q).nanos, NANO);
}

/** milli-units as a JS number (exact below 2^53; scheduler arithmetic on CPU). */
export function milliValue(q: Quantity | string | number): number {
  return Number(toMilli(q));
}

/** Base units (bytes for memory) as a JS number (exact below 2^53 ≈ 8 PiB). */
export function value(q: Quantity | string | number): number {
  return Number(toUnits(q));
}

function asQuantity(q: Quantity | string | number): Quantity {
  return typeof q === 'object' ? q : parseQuantity(q);
}

export function compareQuantities(a: Quantity | string | number, b: Quantity | string | number): -1 | 0 | 1 {
  const x = asQuantity(a).nanos;
  const y = asQuantity(b).nanos;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function addQuantities(a: Quantity | string | number, b: Quantity | string | number): Quantity {
  const qa = asQuantity(a);
  return { nanos: qa.nanos + asQuantity(b).nanos, format: qa.format };
}

export function subtractQuantities(a: Quantity | string | number, b: Quantity | string | number): Quantity {
  const qa = asQuantity(a);
  return { nanos: qa.nanos - asQuantity(b).nanos, format: qa.format };
}

/** Canonical string form, as Kubernetes serializes a Quantity. */
export function formatQuantity(q: Quantity): string {
  const n = q.nanos;
  if (n === 0n) return '0';
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const sign = neg ? '-' : '';
  let format = q.format;
  if (format === 'BinarySI') {
    // Binary suffixes only when the value is a whole number of units and at least 1024.
    if (abs % NANO !== 0n || abs < 1024n * NANO) format = 'DecimalSI';
    else {
      let units = abs / NANO;
      let e = 0;
      while (e < 60 && units % 1024n === 0n) {
        units /= 1024n;
        e += 10;
      }
      const suffix = e === 0 ? '' : Object.keys(BINARY_SUFFIX).find((k) => BINARY_SUFFIX[k] === e)!;
      return sign + units.toString() + suffix;
    }
  }
  // Decimal: abs = mantissa × 10^(exp-9) with the largest exp (a multiple of 3, ≥ 0 in nanos).
  let mantissa = abs;
  let exp = -9;
  while (mantissa % 1000n === 0n && (format === 'DecimalExponent' || exp < 18)) {
    mantissa /= 1000n;
    exp += 3;
  }
  if (format === 'DecimalExponent') return sign + mantissa.toString() + (exp === 0 ? '' : `e${exp}`);
  return sign + mantissa.toString() + DECIMAL_BY_EXP[exp]!;
}

/** Parse and re-format: "1.5" → "1500m", "1024Mi" → "1Gi". */
export function canonicalQuantity(input: string | number): string {
  if (typeof input !== 'string') return formatQuantity(parseQuantity(input));
  return canonicalMemo.get(input) ?? remember(canonicalMemo, input, formatQuantity(parseQuantity(input)));
}
