// Where in an edited YAML document something went wrong: the line a Kubernetes field path
// (a Status cause's `field`, e.g. `spec.template.spec.containers[0].image`) names, and the
// line of a syntax error. js-yaml keeps no positions for what it parses, so the field is found
// by walking the block structure of the text itself (indentation, `key:` and `- ` items); where
// the text turns to flow style (`{…}`, `[…]`) or the field is absent, the nearest enclosing
// line is given instead and marked inexact. Pure.
import { load, YAMLException } from 'js-yaml';

/** `spec.containers[0].image` → ['spec', 'containers', 0, 'image']; `metadata.labels[a.b/c]` → ['metadata', 'labels', 'a.b/c']. */
export function parseFieldPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  let i = 0;
  let word = '';
  const flush = () => {
    if (word) out.push(word);
    word = '';
  };
  while (i < path.length) {
    const c = path[i]!;
    if (c === '.') {
      flush();
      i++;
    } else if (c === '[') {
      flush();
      const end = path.indexOf(']', i);
      const inner = end < 0 ? path.slice(i + 1) : path.slice(i + 1, end);
      out.push(/^\d+$/.test(inner) ? Number(inner) : inner);
      i = end < 0 ? path.length : end + 1;
    } else {
      word += c;
      i++;
    }
  }
  flush();
  return out;
}

interface Line {
  /** Column of the first character that is not a space (the dash of an item line). */
  lead: number;
  /** Column of the content after any `- ` item markers. */
  content: number;
  /** The content itself (after the markers). */
  text: string;
  /** Whether the line opens a sequence item. */
  item: boolean;
  /** Blank, a comment or a document marker: no part of the structure. */
  skip: boolean;
}

function scan(text: string): Line[] {
  return text.split('\n').map((raw) => {
    const l = raw.replace(/\r$/, '');
    const lead = l.length - l.trimStart().length;
    const markers = /^(?:-(?:[ \t]+|$))+/.exec(l.slice(lead));
    const content = lead + (markers ? markers[0].length : 0);
    const t = l.slice(content);
    const trimmed = l.trim();
    return { lead, content, text: t, item: !!markers, skip: trimmed === '' || trimmed.startsWith('#') || trimmed === '---' || trimmed === '...' };
  });
}

/** The key a `key: value` line opens (unquoted), or undefined. */
function keyOfLine(text: string): string | undefined {
  const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s'"#?{[\-][^#]*?|-[^\s#][^#]*?)[ \t]*:(?:[ \t]|$)/.exec(text);
  if (!m) return undefined;
  const k = m[1]!;
  if (k.startsWith('"')) {
    try {
      return JSON.parse(k) as string;
    } catch {
      return k.slice(1, -1);
    }
  }
  if (k.startsWith("'")) return k.slice(1, -1).replace(/''/g, "'");
  return k;
}

/** A block: the lines [start, end) holding one node's entries, at column `col`. */
interface Block {
  start: number;
  end: number;
  col: number;
  /** A sequence (its items' dashes at `col`) or a mapping (its keys at `col`). */
  seq: boolean;
}

/**
 * The block of a value written on the lines [from, end), nested under column `col` (-1 for
 * the document itself): deeper than `col`, or at `col` if it is a sequence (`containers:\n-
 * name: x`, kubectl's style). Undefined when there is none (the value is on its key's line).
 */
function childBlock(lines: Line[], from: number, end: number, col: number): Block | undefined {
  let i = from;
  while (i < end && lines[i]!.skip) i++;
  if (i >= end) return undefined;
  const first = lines[i]!;
  if (first.lead < col || (first.lead === col && !first.item)) return undefined;
  return first.item ? { start: i, end, col: first.lead, seq: true } : { start: i, end, col: first.content, seq: false };
}

/** Within a mapping block, the line of `key` and the lines of its value. */
function findKey(lines: Line[], b: Block, key: string): { line: number; value?: Block } | undefined {
  for (let i = b.start; i < b.end; i++) {
    const l = lines[i]!;
    if (l.skip || l.content !== b.col || keyOfLine(l.text) !== key) continue;
    // The value runs until the next line at this column or left of it (but a compact sequence).
    let j = i + 1;
    while (j < b.end) {
      const n = lines[j]!;
      if (!n.skip && (n.lead < b.col || (n.lead === b.col && !n.item))) break;
      j++;
    }
    return { line: i, value: childBlock(lines, i + 1, j, b.col) };
  }
  return undefined;
}

/** Within a sequence block, the line of item `index` and the mapping (or sequence) inside it. */
function findItem(lines: Line[], b: Block, index: number): { line: number; value?: Block } | undefined {
  const starts: number[] = [];
  for (let i = b.start; i < b.end; i++) if (!lines[i]!.skip && lines[i]!.lead === b.col && lines[i]!.item) starts.push(i);
  const at = starts[index];
  if (at === undefined) return undefined;
  const end = starts[index + 1] ?? b.end;
  const l = lines[at]!;
  if (l.text === '') return { line: at, value: childBlock(lines, at + 1, end, b.col) };
  // The item's own content begins on its dash line: a mapping whose keys sit at that column.
  return { line: at, value: keyOfLine(l.text) !== undefined ? { start: at, end, col: l.content, seq: false } : undefined };
}

export interface FieldLine {
  /** 1-based line number. */
  line: number;
  /** false when only an enclosing line was found (flow style, or the field is not written). */
  exact: boolean;
}

/** The line of a YAML document a field path names, or the nearest enclosing line found. */
export function lineOfField(text: string, field: string | (string | number)[]): FieldLine | undefined {
  const path = typeof field === 'string' ? parseFieldPath(field) : field;
  const lines = scan(text);
  let block = childBlock(lines, 0, lines.length, -1);
  let found: number | undefined;
  for (const seg of path) {
    if (!block) return found === undefined ? undefined : { line: found + 1, exact: false };
    const hit = block.seq ? (typeof seg === 'number' ? findItem(lines, block, seg) : undefined) : findKey(lines, block, String(seg));
    if (!hit) return found === undefined ? undefined : { line: found + 1, exact: false };
    found = hit.line;
    block = hit.value;
  }
  return found === undefined ? undefined : { line: found + 1, exact: true };
}

export type ParsedEdit =
  | { ok: true; object: Record<string, any> }
  | { ok: false; message: string; /** 1-based, when the parser knows it. */ line?: number };

/** The edited text as one object, or why not (a syntax error with its line, or not an object). */
export function parseEdited(text: string): ParsedEdit {
  let doc: unknown;
  try {
    doc = load(text);
  } catch (e) {
    if (e instanceof YAMLException) return { ok: false, message: `error converting YAML to JSON: ${e.reason}`, line: e.mark ? e.mark.line + 1 : undefined };
    return { ok: false, message: String(e) };
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, message: 'the document is not an object', line: 1 };
  const o = doc as Record<string, any>;
  if (typeof o.kind !== 'string' || !o.kind) return { ok: false, message: "Object 'Kind' is missing", line: 1 };
  return { ok: true, object: o };
}
