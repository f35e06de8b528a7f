// YAML loaded with the line of every key and sequence item, so a Compose error can say
// `services.web.ports[1] (line 9)`. js-yaml reports each node it composes to a listener
// (open: where it starts; close: what it became); the nesting of those calls is the tree.
import yaml from 'js-yaml';

/** `services.web.ports[1]` → 1-based line. */
export type LineMap = Map<string, number>;

interface Node {
  line: number;
  result?: unknown;
  children: Node[];
}

/** A path as Compose's own messages print it: `services.web.ports[0]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/** Parse one YAML document; throws js-yaml's error (with its mark) on a syntax error. */
export function loadWithLines(text: string, filename: string): { doc: unknown; lines: LineMap } {
  const stack: Node[] = [{ line: 0, children: [] }];
  const doc = yaml.load(text, {
    filename,
    listener(event, state) {
      if (event === 'open') stack.push({ line: state.line, children: [] });
      else {
        const n = stack.pop()!;
        n.result = state.result;
        stack[stack.length - 1]!.children.push(n);
      }
    },
  });
  const lines: LineMap = new Map();
  const root = stack[0]!.children[0];
  if (root) walk(root, [], lines);
  return { doc, lines };
}

/** A block sequence item comes wrapped in a node of the same value: look through it. */
function unwrap(n: Node): Node {
  let cur = n;
  while (cur.children.length === 1 && cur.children[0]!.result === cur.result) cur = cur.children[0]!;
  return cur;
}

function walk(node: Node, path: (string | number)[], lines: LineMap): void {
  const n = unwrap(node);
  if (Array.isArray(n.result)) {
    n.children.forEach((c, i) => {
      const item = unwrap(c);
      lines.set(formatPath([...path, i]), item.line + 1);
      walk(item, [...path, i], lines);
    });
  } else if (n.result && typeof n.result === 'object') {
    // A mapping's children alternate key, value.
    for (let i = 0; i + 1 < n.children.length; i += 2) {
      const key = String(unwrap(n.children[i]!).result);
      lines.set(formatPath([...path, key]), n.children[i]!.line + 1);
      walk(n.children[i + 1]!, [...path, key], lines);
    }
  }
}

/** The line of `path`, or of its nearest ancestor that has one. */
export function lineOf(lines: LineMap, path: readonly (string | number)[]): number | undefined {
  for (let k = path.length; k > 0; k--) {
    const l = lines.get(formatPath(path.slice(0, k)));
    if (l !== undefined) return l;
  }
  return undefined;
}
