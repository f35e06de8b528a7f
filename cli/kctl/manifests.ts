// Reading manifests for -f: files, directories (with -R, recursively), or `-` for stdin;
// multi-document YAML (`---`), JSON, and `kind: List` (flattened). A syntax error names
// the file and the line, as kubectl does: `error parsing web.yaml: yaml: line 4: …`.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { KubeObject } from '../../api/meta.js';
import { UsageError } from './errors.js';

export interface Manifest {
  /** Where it came from, for messages: the file path or "STDIN". */
  source: string;
  object: KubeObject;
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * kubectl reads YAML 1.1 integers (go-yaml v2): `defaultMode: 0400` is octal 256, the mode a
 * user means. js-yaml speaks YAML 1.2, where it would be decimal 400 — mode 0620. One int type
 * that reads a leading-zero octal first and defers to js-yaml's own for everything else.
 */
const LEGACY_OCTAL = /^[-+]?0[0-7]+$/;
// js-yaml exports its built-in types at runtime; @types/js-yaml does not declare them.
const yamlInt = (yaml as unknown as { types: { int: yaml.Type } }).types.int;
const YAML11_INT = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string) => (data !== null && LEGACY_OCTAL.test(data)) || yamlInt.resolve(data),
  construct: (data: string) => (LEGACY_OCTAL.test(data) ? parseInt(data, 8) : yamlInt.construct(data)),
  predicate: yamlInt.predicate ?? undefined,
  represent: yamlInt.represent ?? undefined,
  defaultStyle: yamlInt.defaultStyle ?? undefined,
});
const MANIFEST_SCHEMA = yaml.DEFAULT_SCHEMA.extend({ implicit: [YAML11_INT] });

/** Expand -f arguments into files: a directory lists its manifests (recursing with -R), sorted. */
export function expandFilenames(filenames: string[], recursive: boolean): string[] {
  const files: string[] = [];
  for (const f of filenames) {
    if (f === '-') {
      files.push('-');
      continue;
    }
    let st;
    try {
      st = statSync(f);
    } catch {
      throw new UsageError(`the path "${f}" does not exist`);
    }
    if (st.isDirectory()) {
      const walk = (dir: string, top: boolean) => {
        for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
          const p = join(dir, entry.name);
          if (entry.isDirectory()) {
            if (recursive) walk(p, false);
          } else if (MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
            files.push(p);
          }
        }
        void top;
      };
      walk(f, true);
    } else {
      files.push(f);
    }
  }
  return files;
}

/** Parse one file's text into objects. Throws UsageError naming `source` and the line. */
export function parseManifests(text: string, source: string): Manifest[] {
  let docs: unknown[];
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      docs = [JSON.parse(text)];
    } catch (e) {
      // Fall back to YAML (JSON with trailing commas, comments… or a YAML flow map).
      try {
        docs = yaml.loadAll(text, undefined, { filename: source, schema: MANIFEST_SCHEMA });
      } catch {
        throw new UsageError(`error parsing ${source}: ${jsonErrorWithLine(text, e)}`);
      }
    }
  } else {
    try {
      docs = yaml.loadAll(text, undefined, { filename: source, schema: MANIFEST_SCHEMA });
    } catch (e) {
      throw new UsageError(`error parsing ${source}: ${yamlErrorMessage(e)}`);
    }
  }
  const out: Manifest[] = [];
  docs.forEach((doc, i) => {
    for (const obj of flattenList(doc)) {
      if (obj === null || obj === undefined) continue; // empty document (`---` at the end)
      if (typeof obj !== 'object' || Array.isArray(obj)) {
        throw new UsageError(`error validating "${source}": document ${i + 1} is not an object`);
      }
      const missing: string[] = [];
      const o = obj as Record<string, unknown>;
      if (typeof o.apiVersion !== 'string' || !o.apiVersion) missing.push('apiVersion not set');
      if (typeof o.kind !== 'string' || !o.kind) missing.push('kind not set');
      if (missing.length) {
        throw new UsageError(`error validating "${source}": error validating data: [${missing.join(', ')}]`);
      }
      if (!o.metadata || typeof o.metadata !== 'object') o.metadata = {};
      out.push({ source, object: o as KubeObject });
    }
  });
  return out;
}

function flattenList(doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc.flatMap(flattenList);
  if (doc && typeof doc === 'object') {
    const o = doc as { kind?: unknown; items?: unknown };
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) return o.items.flatMap(flattenList);
  }
  return [doc];
}

/** js-yaml's error as kubectl prints a YAML error: `yaml: line N: reason`. */
export function yamlErrorMessage(e: unknown): string {
  const err = e as { reason?: string; mark?: { line?: number; column?: number }; message?: string };
  if (err.mark && typeof err.mark.line === 'number') {
    return `yaml: line ${err.mark.line + 1}: ${err.reason ?? err.message}`;
  }
  return err.message ?? String(e);
}

function jsonErrorWithLine(text: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const pos = /position (\d+)/.exec(msg);
  if (pos) {
    const line = text.slice(0, Number(pos[1])).split('\n').length;
    return `json: line ${line}: ${msg.replace(/ in JSON at position \d+.*$/, '')}`;
  }
  return `json: ${msg}`;
}

/** Read every object named by -f (and -R). `readStdin` supplies `-`. */
export function readManifests(
  filenames: string[],
  recursive: boolean,
  verb = 'apply',
  readStdin: () => string = () => readFileSync(0, 'utf8'),
): Manifest[] {
  if (filenames.length === 0) throw new UsageError('must specify one of -f and -k');
  const files = expandFilenames(filenames, recursive);
  const out: Manifest[] = [];
  for (const f of files) {
    const text = f === '-' ? readStdin() : readText(f);
    out.push(...parseManifests(text, f === '-' ? 'STDIN' : f));
  }
  if (out.length === 0) throw new UsageError(`no objects passed to ${verb}`);
  return out;
}

function readText(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new UsageError(`the path "${f}" does not exist`);
    throw new UsageError(`unable to read ${f}: ${(e as Error).message}`);
  }
}
