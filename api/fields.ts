// Field selectors, as k8s.io/apimachinery/pkg/fields: `metadata.name=web,status.phase!=Running`.
// Only =, == and != exist; each kind supports a fixed set of fields (its "field labels"),
// and asking for another one is a 400 `field label not supported: X`, like kube-apiserver.
import { badRequest } from './errors.js';
import { kindRules, type SelectableField } from './resources.js';

export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  value: string;
}

export class FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  constructor(requirements: FieldRequirement[]) {
    this.requirements = [...requirements].sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  }
  /** Does a field set (from fieldsOf) satisfy every requirement? A field absent from the set is "". */
  matches(fields: Readonly<Record<string, string>>): boolean {
    return this.requirements.every((r) => {
      const v = fields[r.field] ?? '';
      return r.operator === '!=' ? v !== r.value : v === r.value;
    });
  }
  empty(): boolean {
    return this.requirements.length === 0;
  }
  /** If the selector pins `field` to one value (`field=v`), that value (used to narrow a scan). */
  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator !== '!=')?.value;
  }
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`).join(',');
  }
}

function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/=/g, '\\=');
}

function unescapeValue(v: string, whole: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\') {
      const n = v[i + 1];
      if (n !== '\\' && n !== ',' && n !== '=') throw badRequest(`invalid field selector: '${whole}': invalid escape sequence`);
      out += n;
      i++;
    } else if (c === '=' || c === ',') {
      throw badRequest(`invalid field selector: '${whole}': unescaped '${c}' in value`);
    } else out += c;
  }
  return out;
}

/** Split on commas not preceded by an escaping backslash. */
function splitTerms(s: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) { cur += c + s[i + 1]; i++; continue; }
    if (c === ',') { parts.push(cur); cur = ''; continue; }
    cur += c;
  }
  parts.push(cur);
  return parts;
}

/** Parse a field selector; the empty string selects everything. Throws a 400 StatusError. */
export function parseFieldSelector(input: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  if (input.trim() === '') return new FieldSelector([]);
  for (const part of splitTerms(input)) {
    if (part === '') continue;
    // The field name never contains an operator character, so the first one splits the term.
    const m = /!=|==|=/.exec(part);
    const field = m ? part.slice(0, m.index).trim() : '';
    if (!m || field === '') throw badRequest(`invalid selector: '${input}'; can't understand '${part}'`);
    const operator = m[0] as FieldRequirement['operator'];
    reqs.push({ field, operator, value: unescapeValue(part.slice(m.index + operator.length), input) });
  }
  return new FieldSelector(reqs);
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

const META: Record<string, SelectableField> = {
  'metadata.name': (o) => o?.metadata?.name,
  'metadata.namespace': (o) => o?.metadata?.namespace,
};

/** The field labels each kind supports, as its API group declares them (each registry's GetAttrs). */
function fieldsFor(kind: string): Record<string, SelectableField> {
  return { ...META, ...(kindRules(kind)?.selectableFields ?? {}) };
}

/** The field labels a kind supports (metadata.name and metadata.namespace for every kind). */
export function supportedFields(kind: string): string[] {
  return Object.keys(fieldsFor(kind));
}

/** Each kind's field labels and getters, looked up once (the watch cache asks on every write). */
const fieldGetters = new Map<string, [string, SelectableField][]>();

/** The field set of an object: every supported field label → its value as a string. */
export function fieldsOf(kind: string, obj: unknown): Record<string, string> {
  let getters = fieldGetters.get(kind);
  if (!getters) fieldGetters.set(kind, (getters = Object.entries(fieldsFor(kind))));
  const out: Record<string, string> = {};
  for (const [k, fn] of getters) out[k] = str(fn(obj));
  return out;
}

/** 400 unless every field in the selector is supported by the kind. */
export function checkFieldSelector(kind: string, sel: FieldSelector): void {
  const ok = new Set(supportedFields(kind));
  for (const r of sel.requirements) {
    if (!ok.has(r.field)) throw badRequest(`field label not supported: ${r.field}`);
  }
}

/** Parse and check against a kind in one step: what the API server does with `?fieldSelector=`. */
export function parseFieldSelectorFor(kind: string, input: string): FieldSelector {
  const sel = parseFieldSelector(input);
  checkFieldSelector(kind, sel);
  return sel;
}
