// `kctl explain TYPE[.FIELD…] [--recursive] [--api-version=GROUP/VERSION]`: the documentation
// of a kind or one of its fields, read from the API server's OpenAPI v3 (the document of the
// kind's group-version, found by `x-kubernetes-group-version-kind`), printed in kubectl 1.32's
// plaintext layout. Nothing is built in: what the server publishes is what is shown.
import type { Command } from './command.js';
import { connect } from './connection.js';
import { formatError, ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { resolveKind } from './resource-args.js';

const OPTIONS: OptionDefs = {
  recursive: { type: 'boolean', help: 'print every field of every level (names and types only)' },
  'api-version': { type: 'string', help: 'the group/version to explain (default: the preferred one)' },
  output: { type: 'string', short: 'o', help: 'plaintext (default)' },
};

export type Schema = {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  anyOf?: Schema[];
  enum?: unknown[];
  $ref?: string;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
};

export interface OpenAPIDocument {
  components?: { schemas?: Record<string, Schema> };
}

/** Follow $ref and a lone allOf to the schema that has the content. Pure. */
export function resolveSchema(doc: OpenAPIDocument, s: Schema | undefined, depth = 0): Schema | undefined {
  if (!s || depth > 20) return s;
  if (s.$ref) return resolveSchema(doc, doc.components?.schemas?.[s.$ref.split('/').pop()!], depth + 1);
  if (s.allOf?.length === 1 && !s.properties) return resolveSchema(doc, s.allOf[0], depth + 1);
  return s;
}

/**
 * kubectl's type name for a field (its plaintext template's guess): `DeploymentSpec` for a
 * reference to an object, `[]Container`, `map[string]string`, `Object` for an inline object,
 * else the JSON type (a Quantity or IntOrString reference is a `string`). Pure.
 */
export function typeName(doc: OpenAPIDocument, s: Schema | undefined): string {
  if (!s) return 'Object';
  if (s.items) return `[]${typeName(doc, s.items)}`;
  if (s.additionalProperties && typeof s.additionalProperties === 'object') return `map[string]${typeName(doc, s.additionalProperties)}`;
  if (s.allOf?.length === 1 && !s.properties) return typeName(doc, s.allOf[0]);
  if (s.$ref) {
    const name = s.$ref.split('/').pop()!;
    const target = doc.components?.schemas?.[name];
    if (target && (target.type === 'object' || target.properties)) return name.split('.').pop()!;
    return typeName(doc, target);
  }
  if (s.properties || s.type === 'object') return 'Object';
  if (s.type) return s.type;
  return 'Object';
}

/** Words wrapped to `width` columns after `indent` spaces, paragraphs kept. Pure. */
export function wrap(text: string, indent: number, width = 80): string {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    if (para.trim() === '') {
      out.push(pad);
      continue;
    }
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && pad.length + line.length + 1 + word.length > width) {
        out.push(pad + line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    out.push(pad + line);
  }
  return out.join('\n') + '\n';
}

function enumLine(s: Schema | undefined, indent: number): string {
  if (!s?.enum?.length) return '';
  // kubectl lists four values and elides the rest.
  const shown = s.enum.slice(0, 4).map((v) => (v === '' ? '""' : String(v))).join(', ');
  return `${' '.repeat(indent)}enum: ${shown}${s.enum.length > 4 ? ', ....' : ''}\n`;
}

/** The object under a field: through arrays to their items. */
function bodyOf(doc: OpenAPIDocument, s: Schema | undefined): Schema | undefined {
  let b = resolveSchema(doc, s);
  while (b?.items) b = resolveSchema(doc, b.items);
  return b;
}

function fieldList(doc: OpenAPIDocument, s: Schema, indent: number, recursive: boolean, seen: Set<Schema>): string {
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  const pad = ' '.repeat(indent);
  let out = '';
  for (const name of Object.keys(props).sort()) {
    const f = props[name]!;
    out += `${pad}${name}\t<${typeName(doc, f)}>${required.has(name) ? ' -required-' : ''}\n`;
    out += enumLine(resolveSchema(doc, f), indent);
    if (recursive) {
      // Each kind is expanded once per branch: recursive types (JSONSchemaProps) would not end.
      const inner = bodyOf(doc, f);
      if (inner?.properties && !seen.has(inner)) {
        seen.add(inner);
        out += fieldList(doc, inner, indent + 2, true, seen);
        seen.delete(inner);
      }
      continue;
    }
    out += f.description ? wrap(f.description, indent + 2) : `${pad}  <no description>\n`;
    out += '\n';
  }
  return out;
}

/** kubectl explain's text for a kind's schema and a field path within it. Pure. */
export function explainText(
  doc: OpenAPIDocument,
  gvk: { group: string; version: string; kind: string },
  root: Schema,
  fieldPath: string[],
  recursive: boolean,
): string {
  let out = '';
  if (gvk.group) out += `GROUP:      ${gvk.group}\n`;
  out += `KIND:       ${gvk.kind}\nVERSION:    ${gvk.version}\n\n`;
  let field: Schema | undefined;
  let current = resolveSchema(doc, root)!;
  for (const name of fieldPath) {
    let container = bodyOf(doc, current)!;
    if (container.additionalProperties && typeof container.additionalProperties === 'object' && !container.properties) {
      container = resolveSchema(doc, container.additionalProperties)!;
    }
    const next = container.properties?.[name];
    if (!next) throw new UsageError(`field "${name}" does not exist`);
    field = next;
    current = resolveSchema(doc, next)!;
  }
  const body = bodyOf(doc, current)!;
  if (field) {
    out += `FIELD: ${fieldPath[fieldPath.length - 1]} <${typeName(doc, field)}>\n`;
    out += current.enum?.length ? `ENUM:\n${current.enum.map((e) => `    ${e === '' ? '""' : String(e)}\n`).join('')}` : '\n';
    out += '\n';
  }
  // A field's own words, then those of the kind it holds (as kubectl shows both).
  const descriptions = field ? [field.description, body !== field ? body.description : undefined] : [body.description];
  out += 'DESCRIPTION:\n';
  if (descriptions.some(Boolean)) {
    for (const d of descriptions) if (d) out += wrap(d, 4);
    out += '    \n';
  } else {
    out += '    <empty>\n';
  }
  if (body.properties) out += `FIELDS:\n${fieldList(doc, body, 2, recursive, new Set([body]))}`;
  return out + '\n';
}

type Gvk = { group: string; version: string; kind: string };

export const explain: Command = {
  usage: 'kctl explain TYPE[.FIELD…] [--recursive] [--api-version=GROUP/VERSION]',
  summary: "Describe a kind's fields and their meaning, from the API server's OpenAPI schema.",
  options: OPTIONS,
  async run(flags, io) {
    const [what, ...extra] = flags.positionals;
    if (!what) throw new UsageError('You must specify the type of resource to explain. Use "kctl api-resources" for a complete list of supported resources.');
    if (extra.length) throw new UsageError(`We accept only this format: explain RESOURCE`);
    const output = flags.string('output') ?? 'plaintext';
    if (output !== 'plaintext') throw new UsageError(`unsupported output format: ${output}; supported formats: plaintext`);
    const [typed, ...fieldPath] = what.split('.');
    // `deployments.apps.spec` is ambiguous with kubectl too: it takes the first word as the type.
    const info = resolveKind(typed!);
    let gvk: Gvk = { group: info.group, version: info.version, kind: info.kind };
    const apiVersion = flags.string('api-version');
    if (apiVersion) {
      const slash = apiVersion.lastIndexOf('/');
      gvk = { group: slash >= 0 ? apiVersion.slice(0, slash) : '', version: apiVersion.slice(slash + 1), kind: info.kind };
    }
    const conn = await connect(flags);
    let doc: OpenAPIDocument;
    try {
      const index = await conn.client.request<{ paths?: Record<string, { serverRelativeURL?: string }> }>('GET', '/openapi/v3');
      const key = gvk.group ? `apis/${gvk.group}/${gvk.version}` : `api/${gvk.version}`;
      const url = index.paths?.[key]?.serverRelativeURL;
      if (!url) throw new UsageError(`couldn't find resource for "${gvk.group ? `${gvk.group}/` : ''}${gvk.version}, Kind=${gvk.kind}"`);
      doc = await conn.client.request<OpenAPIDocument>('GET', url);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      io.err(formatError(e, conn.server) + '\n');
      throw new ReportedFailure(1);
    }
    const root = Object.values(doc.components?.schemas ?? {}).find((s) =>
      s['x-kubernetes-group-version-kind']?.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind),
    );
    if (!root) throw new UsageError(`couldn't find resource for "${gvk.group ? `${gvk.group}/` : ''}${gvk.version}, Kind=${gvk.kind}"`);
    io.out(explainText(doc, gvk, root, fieldPath, flags.bool('recursive')));
  },
};
