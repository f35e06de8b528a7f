// A small JSONPath template evaluator for `-o jsonpath=…`, covering what kubectl users
// write: `{.metadata.name}`, `{.items[*].metadata.name}`, `{.items[0].status.podIP}`,
// `{range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}`,
// `{.items[?(@.status.phase=="Running")].metadata.name}`, `{..image}`, `{.metadata.labels['app\.kubernetes\.io/name']}`.
// Like kubectl: several results of one expression are joined by a space, maps and lists
// print as JSON, and missing keys print nothing (--allow-missing-template-keys=true).
//
//   evaluateTemplate('{range .items[*]}{.metadata.name}{"\n"}{end}', {items:[{metadata:{name:'a'}}]}) === 'a\n'

export class JSONPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JSONPathError';
  }
}

type Step =
  | { t: 'field'; name: string }
  | { t: 'recursive'; name: string | '*' }
  | { t: 'wildcard' }
  | { t: 'index'; i: number }
  | { t: 'slice'; start?: number; end?: number; step?: number }
  | { t: 'union'; keys: (string | number)[] }
  | { t: 'filter'; path: Path; op?: string; value?: unknown };

interface Path {
  root: '$' | '@' | '.';
  steps: Step[];
}

type Node =
  | { t: 'text'; s: string }
  | { t: 'expr'; path: Path }
  | { t: 'range'; path: Path; body: Node[] };

/** Split a template into text and `{…}` actions (quotes inside actions may hold braces). */
function lex(template: string): { text?: string; action?: string }[] {
  const out: { text?: string; action?: string }[] = [];
  let i = 0;
  let text = '';
  while (i < template.length) {
    const c = template[i]!;
    if (c !== '{') {
      text += c;
      i++;
      continue;
    }
    if (text) out.push({ text }), (text = '');
    let j = i + 1;
    let quote: string | null = null;
    let depth = 0;
    for (; j < template.length; j++) {
      const d = template[j]!;
      if (quote) {
        if (d === '\\') j++;
        else if (d === quote) quote = null;
      } else if (d === '"' || d === "'") quote = d;
      else if (d === '[') depth++;
      else if (d === ']') depth--;
      else if (d === '}' && depth <= 0) break;
    }
    if (j >= template.length) throw new JSONPathError(`unclosed action in template ${JSON.stringify(template)}`);
    out.push({ action: template.slice(i + 1, j).trim() });
    i = j + 1;
  }
  if (text) out.push({ text });
  return out;
}

export function parseTemplate(template: string): Node[] {
  const stack: Node[][] = [[]];
  const ranges: { path: Path; body: Node[] }[] = [];
  for (const tok of lex(template)) {
    const top = stack[stack.length - 1]!;
    if (tok.text !== undefined) {
      top.push({ t: 'text', s: tok.text });
      continue;
    }
    const a = tok.action!;
    if (a === 'end') {
      const r = ranges.pop();
      if (!r) throw new JSONPathError('not in range, nothing to end');
      stack.pop();
      stack[stack.length - 1]!.push({ t: 'range', path: r.path, body: r.body });
    } else if (a.startsWith('range ') || a === 'range') {
      const path = parsePath(a.slice(5).trim());
      const body: Node[] = [];
      ranges.push({ path, body });
      stack.push(body);
    } else if (/^(["']).*\1$/s.test(a)) {
      top.push({ t: 'text', s: unquote(a) });
    } else if (a === '') {
      // `{}`: nothing
    } else {
      top.push({ t: 'expr', path: parsePath(a) });
    }
  }
  if (ranges.length) throw new JSONPathError('unclosed range: missing {end}');
  return stack[0]!;
}

function unquote(s: string): string {
  const q = s[0];
  const body = s.slice(1, -1);
  if (q === "'") return body.replace(/\\'/g, "'");
  return body.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' })[c] ?? c);
}

/** Parse `.a.b[*].c`, `$.a`, `@.a`, `..a`, `a.b` (relative, as kubectl's relaxed form). */
export function parsePath(src: string): Path {
  let s = src.trim();
  let root: Path['root'] = '.';
  if (s.startsWith('$')) (root = '$'), (s = s.slice(1));
  else if (s.startsWith('@')) (root = '@'), (s = s.slice(1));
  else if (!s.startsWith('.') && !s.startsWith('[')) s = '.' + s;
  const steps: Step[] = [];
  let i = 0;
  const readName = (): string => {
    let name = '';
    while (i < s.length) {
      const c = s[i]!;
      if (c === '\\' && i + 1 < s.length) {
        name += s[i + 1];
        i += 2;
        continue;
      }
      if (c === '.' || c === '[' || c === ' ' || c === ')' || c === '=' || c === '!' || c === '<' || c === '>') break;
      name += c;
      i++;
    }
    return name;
  };
  while (i < s.length) {
    const c = s[i]!;
    if (c === '.') {
      if (s[i + 1] === '.') {
        i += 2;
        if (s[i] === '*') (i++, steps.push({ t: 'recursive', name: '*' }));
        else if (s[i] === '[') steps.push({ t: 'recursive', name: '*' });
        else steps.push({ t: 'recursive', name: readName() });
        continue;
      }
      i++;
      if (s[i] === '*') {
        i++;
        steps.push({ t: 'wildcard' });
        continue;
      }
      if (i >= s.length || s[i] === '[') continue; // `.` alone means the current node
      steps.push({ t: 'field', name: readName() });
      continue;
    }
    if (c === '[') {
      const close = findClose(s, i);
      const inner = s.slice(i + 1, close).trim();
      i = close + 1;
      steps.push(parseBracket(inner));
      continue;
    }
    if (c === ' ') {
      i++;
      continue;
    }
    throw new JSONPathError(`unrecognized character in path ${JSON.stringify(src)} at ${i}: ${c}`);
  }
  return { root, steps };
}

function findClose(s: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let j = open; j < s.length; j++) {
    const d = s[j]!;
    if (quote) {
      if (d === '\\') j++;
      else if (d === quote) quote = null;
      continue;
    }
    if (d === '"' || d === "'") quote = d;
    else if (d === '[') depth++;
    else if (d === ']' && --depth === 0) return j;
  }
  throw new JSONPathError(`unterminated [ in ${JSON.stringify(s)}`);
}

function parseBracket(inner: string): Step {
  if (inner === '*') return { t: 'wildcard' };
  if (inner.startsWith('?')) {
    const m = /^\?\s*\((.*)\)$/s.exec(inner);
    if (!m) throw new JSONPathError(`invalid filter ${JSON.stringify(inner)}`);
    const expr = m[1]!.trim();
    const cmp = /^(@[^=!<>~]*?)\s*(==|!=|<=|>=|<|>|=~)\s*(.+)$/s.exec(expr);
    if (!cmp) return { t: 'filter', path: parsePath(expr) };
    return { t: 'filter', path: parsePath(cmp[1]!), op: cmp[2]!, value: parseLiteral(cmp[3]!.trim()) };
  }
  if (/^-?\d*:-?\d*(:-?\d+)?$/.test(inner)) {
    const [a, b, c] = inner.split(':');
    return {
      t: 'slice',
      ...(a ? { start: Number(a) } : {}),
      ...(b ? { end: Number(b) } : {}),
      ...(c ? { step: Number(c) } : {}),
    };
  }
  if (/^-?\d+$/.test(inner)) return { t: 'index', i: Number(inner) };
  const parts = splitUnion(inner);
  const keys = parts.map((p) => (/^(["']).*\1$/s.test(p) ? unquote(p) : /^-?\d+$/.test(p) ? Number(p) : p));
  if (keys.length === 1 && typeof keys[0] === 'string') return { t: 'field', name: keys[0] };
  return { t: 'union', keys };
}

function splitUnion(inner: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let j = 0; j < inner.length; j++) {
    const d = inner[j]!;
    if (quote) {
      cur += d;
      if (d === '\\') cur += inner[++j] ?? '';
      else if (d === quote) quote = null;
    } else if (d === '"' || d === "'") (quote = d), (cur += d);
    else if (d === ',') out.push(cur.trim()), (cur = '');
    else cur += d;
  }
  out.push(cur.trim());
  return out;
}

function parseLiteral(s: string): unknown {
  if (/^(["']).*\1$/s.test(s)) return unquote(s);
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v && typeof v === 'object') return Object.values(v);
  return [];
}

function applyStep(values: unknown[], step: Step, root: unknown): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    switch (step.t) {
      case 'field':
        if (v && typeof v === 'object' && !Array.isArray(v) && step.name in (v as object)) out.push((v as Record<string, unknown>)[step.name]);
        break;
      case 'wildcard':
        out.push(...children(v));
        break;
      case 'index':
        if (Array.isArray(v)) {
          const i = step.i < 0 ? v.length + step.i : step.i;
          if (i >= 0 && i < v.length) out.push(v[i]);
        }
        break;
      case 'slice':
        if (Array.isArray(v)) {
          const n = v.length;
          const norm = (x: number | undefined, d: number) => (x === undefined ? d : x < 0 ? Math.max(0, n + x) : Math.min(n, x));
          const start = norm(step.start, 0);
          const end = norm(step.end, n);
          const by = step.step && step.step > 0 ? step.step : 1;
          for (let i = start; i < end; i += by) out.push(v[i]);
        }
        break;
      case 'union':
        for (const k of step.keys) {
          if (typeof k === 'number' && Array.isArray(v)) {
            const i = k < 0 ? v.length + k : k;
            if (i >= 0 && i < v.length) out.push(v[i]);
          } else if (v && typeof v === 'object' && !Array.isArray(v) && String(k) in (v as object)) {
            out.push((v as Record<string, unknown>)[String(k)]);
          }
        }
        break;
      case 'recursive': {
        const walk = (x: unknown) => {
          if (x && typeof x === 'object') {
            if (step.name === '*') out.push(...children(x));
            else if (!Array.isArray(x) && step.name in (x as object)) out.push((x as Record<string, unknown>)[step.name]);
            for (const c of children(x)) walk(c);
          }
        };
        walk(v);
        break;
      }
      case 'filter': {
        for (const item of children(v)) {
          const found = evalPath(step.path, item, root);
          if (step.op === undefined) {
            if (found.length > 0 && found.some((f) => f !== false && f !== null && f !== undefined)) out.push(item);
          } else if (found.some((f) => compare(f, step.op!, step.value))) {
            out.push(item);
          }
        }
        break;
      }
    }
  }
  return out;
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return a === b || (typeof a === 'number' && typeof b === 'string' && String(a) === b);
    case '!=':
      return !(a === b);
    case '=~':
      return typeof a === 'string' && typeof b === 'string' && new RegExp(b.replace(/^\/(.*)\/$/, '$1')).test(a);
    default: {
      if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
      const x = a as number | string;
      const y = b as number | string;
      return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
    }
  }
}

function evalPath(path: Path, current: unknown, root: unknown): unknown[] {
  let values = [path.root === '$' ? root : current];
  for (const step of path.steps) values = applyStep(values, step, root);
  return values;
}

function format(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function render(nodes: Node[], current: unknown, root: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.s;
    else if (n.t === 'expr') out += evalPath(n.path, current, root).map(format).join(' ');
    else for (const item of evalPath(n.path, current, root)) out += render(n.body, item, root);
  }
  return out;
}

/** Evaluate a kubectl-style JSONPath template against one object (or a List). */
export function evaluateTemplate(template: string, data: unknown): string {
  return render(parseTemplate(template), data, data);
}
