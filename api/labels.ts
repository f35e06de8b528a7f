// Label selectors, as k8s.io/apimachinery/pkg/labels: the string form used by
// `?labelSelector=` and `kubectl -l`, and the metav1.LabelSelector object form used by
// ReplicaSets and Deployments. Both become a Selector: a list of requirements, all of which
// must hold (AND).
//
//   parseSelector('app=web,tier!=db,env in (prod,staging),!canary').matches({app:'web', env:'prod'}) === true
import type { LabelSelector } from './meta.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

export type Operator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: Operator;
  /** Sorted; one value for = == != gt lt, one or more for in/notin, none for exists/!. */
  values: string[];
}

export type Labels = Readonly<Record<string, string>> | null | undefined;

export class LabelSelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelSelectorParseError';
  }
}

export class Selector {
  /** Requirements, sorted by key (as Kubernetes sorts them). */
  readonly requirements: readonly Requirement[];
  /** True only for the selector that matches nothing (a nil metav1.LabelSelector). */
  readonly matchesNothing: boolean;

  constructor(requirements: Requirement[], matchesNothing = false) {
    this.requirements = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.matchesNothing = matchesNothing;
  }

  matches(labels: Labels): boolean {
    if (this.matchesNothing) return false;
    const l = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, l));
  }

  /** Matches everything (no requirements)? */
  empty(): boolean {
    return !this.matchesNothing && this.requirements.length === 0;
  }

  /** The canonical string form; parseSelector(s.toString()) is equivalent to s. */
  toString(): string {
    return this.requirements.map(requirementToString).join(',');
  }

  /** If the selector pins `key` to exactly one value (`key=v` or `key in (v)`), that value. */
  requiresExactMatch(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    }
    return undefined;
  }

  /** A new selector with one more requirement. */
  add(...reqs: Requirement[]): Selector {
    return new Selector([...this.requirements, ...reqs], this.matchesNothing);
  }
}

function hasOwn(l: Readonly<Record<string, string>>, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(l, k);
}

function requirementMatches(r: Requirement, l: Readonly<Record<string, string>>): boolean {
  const has = hasOwn(l, r.key);
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(l[r.key]!);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(l[r.key]!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has) return false;
      const v = l[r.key]!;
      if (!/^-?\d+$/.test(v)) return false;
      const lv = BigInt(v);
      const rv = BigInt(r.values[0]!);
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

function requirementToString(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case '=':
    case '==':
    case '!=':
      return `${r.key}${r.operator}${r.values[0] ?? ''}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0]}`;
    case 'lt':
      return `${r.key}<${r.values[0]}`;
  }
}

/** Build and validate a requirement; throws LabelSelectorParseError naming the problem. */
export function newRequirement(key: string, operator: Operator, values: string[]): Requirement {
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) throw new LabelSelectorParseError(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) throw new LabelSelectorParseError(`values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) throw new LabelSelectorParseError(`values: Invalid value: ${JSON.stringify(values)}: exact-match compatibility requires one single value`);
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) throw new LabelSelectorParseError(`values: Invalid value: ${JSON.stringify(values)}: values set must be empty for exists and does not exist`);
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) throw new LabelSelectorParseError(`values: Invalid value: ${JSON.stringify(values)}: for 'Gt', 'Lt' operators, exactly one value is required`);
      if (!/^-?\d+$/.test(values[0]!)) throw new LabelSelectorParseError(`values[0]: Invalid value: ${JSON.stringify(values[0])}: for 'Gt', 'Lt' operators, the value must be an integer`);
      break;
  }
  if (operator !== 'gt' && operator !== 'lt') {
    values.forEach((v, i) => {
      const errs = isValidLabelValue(v);
      if (errs.length) throw new LabelSelectorParseError(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
    });
  }
  return { key, operator, values: [...new Set(values)].sort() };
}

// ---- string form ----

type TokenKind = 'ident' | '!' | '=' | '==' | '!=' | '>' | '<' | ',' | '(' | ')' | 'in' | 'notin' | 'end';
interface Token { kind: TokenKind; text: string }

const SPECIAL = new Set(['!', '=', ',', '(', ')', '<', '>']);

function lex(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '!' && s[i + 1] === '=') { out.push({ kind: '!=', text: '!=' }); i += 2; continue; }
    if (c === '=' && s[i + 1] === '=') { out.push({ kind: '==', text: '==' }); i += 2; continue; }
    if (SPECIAL.has(c)) { out.push({ kind: c as TokenKind, text: c }); i++; continue; }
    let j = i;
    while (j < s.length && !SPECIAL.has(s[j]!) && !/\s/.test(s[j]!)) j++;
    const word = s.slice(i, j);
    out.push({ kind: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'ident', text: word });
    i = j;
  }
  out.push({ kind: 'end', text: '' });
  return out;
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'EOS' : t.text;
}

/**
 * Parse the string form: `a=b,c!=d,e in (x,y),f notin (z),g,!h`, also `==`, `x>1`, `x<1`.
 * The empty string selects everything. Throws LabelSelectorParseError for malformed input.
 */
export function parseSelector(input: string): Selector {
  const toks = lex(input);
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const reqs: Requirement[] = [];
  const fail = (msg: string): never => {
    throw new LabelSelectorParseError(`unable to parse requirement: ${msg}`);
  };
  if (peek().kind === 'end') return new Selector([]);
  for (;;) {
    let t = next();
    let negate = false;
    if (t.kind === '!') {
      negate = true;
      t = next();
    }
    if (t.kind !== 'ident') fail(`found '${describe(t)}', expected: !, identifier`);
    const key = t.text;
    const op = peek();
    if (negate || op.kind === ',' || op.kind === 'end') {
      if (negate && op.kind !== ',' && op.kind !== 'end') fail(`found '${describe(op)}', expected: ',' or end of selector after '!${key}'`);
      reqs.push(newRequirement(key, negate ? '!' : 'exists', []));
    } else {
      next();
      switch (op.kind) {
        case '=':
        case '==':
        case '!=':
        case '>':
        case '<': {
          const v = peek();
          let value = '';
          // `a=` means "label a has the empty value".
          if (v.kind === 'ident' || v.kind === 'in' || v.kind === 'notin') { value = v.text; next(); }
          else if (v.kind !== ',' && v.kind !== 'end') fail(`found '${describe(v)}', expected: identifier`);
          const operator: Operator = op.kind === '>' ? 'gt' : op.kind === '<' ? 'lt' : op.kind;
          if ((operator === 'gt' || operator === 'lt') && !value) fail(`found '${describe(v)}', expected: integer`);
          reqs.push(newRequirement(key, operator, [value]));
          break;
        }
        case 'in':
        case 'notin': {
          const open = next();
          if (open.kind !== '(') fail(`found '${describe(open)}', expected: '('`);
          const values: string[] = [];
          // `x in ()`, `x in (a,)` and `x in (,a)` are allowed by Kubernetes: an empty slot is "".
          let expectValue = true;
          for (;;) {
            const v = next();
            if (v.kind === ')') { if (values.length > 0 && expectValue) values.push(''); break; }
            if (v.kind === ',') { if (expectValue) values.push(''); expectValue = true; continue; }
            if ((v.kind === 'ident' || v.kind === 'in' || v.kind === 'notin') && expectValue) { values.push(v.text); expectValue = false; continue; }
            fail(`found '${describe(v)}', expected: ',', ')' or identifier`);
          }
          reqs.push(newRequirement(key, op.kind, values));
          break;
        }
        default:
          fail(`found '${describe(op)}', expected: '=', '!=', '==', 'in', 'notin'`);
      }
    }
    const sep = next();
    if (sep.kind === 'end') break;
    if (sep.kind !== ',') fail(`found '${describe(sep)}', expected: ',' or 'end of string'`);
    if (peek().kind === 'end') fail(`found 'EOS', expected: identifier after ','`);
  }
  return new Selector(reqs);
}

/** A selector from a map: every key must equal its value (SelectorFromSet). */
export function selectorFromSet(set: Labels): Selector {
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(set ?? {})) reqs.push(newRequirement(k, '=', [v]));
  return new Selector(reqs);
}

/**
 * metav1.LabelSelectorAsSelector: a missing (null/undefined) selector matches nothing; an
 * empty one ({}) matches everything.
 */
export function fromLabelSelector(ls: LabelSelector | null | undefined): Selector {
  if (ls === null || ls === undefined) return nothing();
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push(newRequirement(k, '=', [v]));
  for (const e of ls.matchExpressions ?? []) {
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': reqs.push(newRequirement(e.key, 'in', values)); break;
      case 'NotIn': reqs.push(newRequirement(e.key, 'notin', values)); break;
      case 'Exists': reqs.push(newRequirement(e.key, 'exists', values)); break;
      case 'DoesNotExist': reqs.push(newRequirement(e.key, '!', values)); break;
      default: throw new LabelSelectorParseError(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    }
  }
  return new Selector(reqs);
}

/** metav1.FormatLabelSelector: the string kubectl and Scale.status.selector show. */
export function formatLabelSelector(ls: LabelSelector | null | undefined): string {
  if (ls === null || ls === undefined) return '<none>';
  const s = fromLabelSelector(ls).toString();
  return s === '' ? '<none>' : s;
}

export function everything(): Selector {
  return new Selector([]);
}

export function nothing(): Selector {
  return new Selector([], true);
}

/** Do two label maps select each other exactly (used for "selector matches template labels"). */
export function labelsMatch(selector: LabelSelector | null | undefined, labels: Labels): boolean {
  return fromLabelSelector(selector).matches(labels);
}
