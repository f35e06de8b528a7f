// The data sources of `kctl create configmap|secret generic`, as kubectl reads them:
// `--from-literal=KEY=VALUE`, `--from-file=[KEY=]PATH` (a file, or every regular file of a
// directory under its own name) and `--from-env-file=PATH` (KEY=VALUE lines). Each becomes a
// key and its bytes; the kind decides how bytes are stored (ConfigMap: text in data, other
// bytes in binaryData; Secret: base64 in data).
import fs from 'node:fs';
import path from 'node:path';
import { isConfigMapKey } from '../../api/names.js';
import { UsageError } from './errors.js';

export interface DataSources {
  literals: string[];
  files: string[];
  envFiles: string[];
}

export interface DataEntry { key: string; value: Buffer }

/** ParseLiteralSource: `key=value`, split at the first '=' (values may hold more). */
export function parseLiteralSource(source: string): DataEntry {
  const i = source.indexOf('=');
  if (i <= 0) throw new UsageError(`invalid literal source ${source}, expected key=value`);
  return { key: source.slice(0, i), value: Buffer.from(source.slice(i + 1), 'utf8') };
}

/** ParseFileSource: `path` (the key is its base name) or `key=path`. */
export function parseFileSource(source: string): { key?: string; path: string } {
  const parts = source.split('=');
  if (parts.length === 1) return { path: source };
  if (parts.length > 2) throw new UsageError("key names or file paths cannot contain '='");
  const [key, p] = parts as [string, string];
  if (!key) throw new UsageError(`key name for file path ${p} missing`);
  if (!p) throw new UsageError(`file path for key name ${key} missing`);
  return { key, path: p };
}

/**
 * An env file: one `KEY=VALUE` per line, blank lines and `#` comments skipped, leading
 * whitespace ignored; a bare `KEY` takes its value from this process's environment (kubectl's rule).
 */
export function parseEnvFile(text: string, file: string, env: NodeJS.ProcessEnv = process.env): DataEntry[] {
  const out: DataEntry[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq >= 0 ? line.slice(0, eq) : line;
    if (!key || /\s/.test(key)) throw new UsageError(`"${key}" is not a valid key name: line ${i + 1} of ${file}`);
    const value = eq >= 0 ? line.slice(eq + 1) : env[key];
    if (value !== undefined) out.push({ key, value: Buffer.from(value, 'utf8') });
  });
  return out;
}

function readFileSource(source: string): DataEntry[] {
  const { key, path: p } = parseFileSource(source);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch {
    throw new UsageError(`error reading ${p}: no such file or directory`);
  }
  if (!stat.isDirectory()) return [{ key: key ?? path.basename(p), value: fs.readFileSync(p) }];
  if (key) throw new UsageError('cannot give a key name for a directory path');
  // A directory: each regular file directly in it, under its own name (subdirectories are not walked).
  return fs.readdirSync(p, { withFileTypes: true })
    .filter((d) => d.isFile())
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((d) => ({ key: d.name, value: fs.readFileSync(path.join(p, d.name)) }));
}

/**
 * Every entry of the sources, in kubectl's order (literals, then files, then env files);
 * a key that is not a config key, or that comes twice, is an error naming the kind.
 */
export function readDataSources(sources: DataSources, kind: 'ConfigMap' | 'Secret', name: string): DataEntry[] {
  const entries = [
    ...sources.literals.map(parseLiteralSource),
    ...sources.files.flatMap(readFileSource),
    ...sources.envFiles.flatMap((f) => {
      let text: string;
      try {
        text = fs.readFileSync(f, 'utf8');
      } catch {
        throw new UsageError(`error reading ${f}: no such file or directory`);
      }
      return parseEnvFile(text, f);
    }),
  ];
  const seen = new Set<string>();
  for (const { key } of entries) {
    const errs = isConfigMapKey(key);
    if (errs.length) throw new UsageError(`"${key}" is not a valid key name for a ${kind}: ${errs.join(',')}`);
    if (seen.has(key)) throw new UsageError(`cannot add key "${key}", another key by that name already exists in Data for ${kind} "${name}"`);
    seen.add(key);
  }
  return entries;
}

/** Is this valid UTF-8 text (kubectl's utf8.Valid), so it may go in a ConfigMap's data? */
export function isUTF8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}
