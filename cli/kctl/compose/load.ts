// Reading a Compose file: YAML with the line of every key, `.env` and interpolation, the
// schema (schema.ts), then the checks across the file (a service needs an image; depends_on,
// volumes, configs and secrets must name something defined). Every problem found is listed
// with its key and line, and nothing is applied: this module throws before any request.
// It also reads the files the project refers to (env_file, configs and secrets), so the
// converter after it is pure.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { UsageError } from '../errors.js';
import { yamlErrorMessage } from '../manifests.js';
import { interpolate, parseEnvFile, type Env } from './interpolate.js';
import { formatPath, lineOf, loadWithLines, type LineMap } from './positions.js';
import { ComposeSchema, type ComposeFile } from './schema.js';
import { shellSplit } from './shell-words.js';

/** The file names `docker compose` looks for when no -f is given, in its order. */
export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

export interface ComposeProject {
  name: string;
  /** Directory relative paths in the file are resolved against. */
  dir: string;
  source: string;
  file: ComposeFile;
  lines: LineMap;
  /** Interpolation values: the shell's, then .env's. */
  env: Env;
  /** Contents of the env_files, config and secret files, by absolute path. */
  files: Record<string, Buffer>;
  warnings: string[];
}

/** A file that cannot be used: every problem, each with its key and line. */
export class ComposeError extends UsageError {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`${source} is invalid, nothing was applied:\n  ${sortByLine(problems).join('\n  ')}`);
    this.name = 'ComposeError';
  }
}

/** Problems in file order (those without a line last). */
function sortByLine(problems: string[]): string[] {
  const line = (p: string) => Number(/\(line (\d+)\)/.exec(p)?.[1] ?? Infinity);
  return [...problems].sort((a, b) => line(a) - line(b));
}

export function findComposeFile(cwd: string): string {
  const f = DEFAULT_FILES.map((n) => path.join(cwd, n)).find((p) => existsSync(p));
  if (!f) throw new UsageError(`no configuration file provided: none of ${DEFAULT_FILES.join(', ')} in ${cwd}; pass -f FILE`);
  return f;
}

/** Compose's project name rule: lowercase, letters digits dashes underscores, starting with a letter or digit. */
export function normalizeProjectName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z0-9]+/, '');
}

/** Interpolate every string value (keys stay as written); drop `x-` extension keys. */
function prepare(v: unknown, env: Env, p: (string | number)[], unset: Set<string>, problems: { path: (string | number)[]; msg: string }[]): unknown {
  if (typeof v === 'string') {
    const r = interpolate(v, env);
    r.unset.forEach((n) => unset.add(n));
    r.errors.forEach((msg) => problems.push({ path: p, msg }));
    return r.value;
  }
  if (Array.isArray(v)) return v.map((x, i) => prepare(x, env, [...p, i], unset, problems));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k.startsWith('x-') && (p.length === 0 || (p.length === 2 && p[0] === 'services'))) continue;
      out[k] = prepare(x, env, [...p, k], unset, problems);
    }
    return out;
  }
  return v;
}

/** The most telling issue of a union that failed: the branch that got furthest. */
function flattenIssues(issues: readonly z.core.$ZodIssue[], base: PropertyKey[] = []): { path: PropertyKey[]; msg: string }[] {
  const out: { path: PropertyKey[]; msg: string }[] = [];
  for (const i of issues) {
    const p = [...base, ...i.path];
    if (i.code === 'invalid_union' && i.errors.length > 0) {
      // Branches that failed only on their type at this very path did not match the value's shape.
      const branches = i.errors.filter((b) => !(b.length === 1 && b[0]!.code === 'invalid_type' && b[0]!.path.length === 0));
      if (branches.length >= 1) {
        out.push(...flattenIssues(branches[0]!, p));
        continue;
      }
      out.push({ path: p, msg: `unexpected value: expected ${i.errors.map((b) => (b[0] as { expected?: string })?.expected).filter(Boolean).join(' or ') || 'another shape'}` });
      continue;
    }
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ path: [...p, k], msg: p.length === 0 ? `unknown top-level key "${k}"` : `unknown key "${k}"` });
      continue;
    }
    out.push({ path: p, msg: i.message });
  }
  return out;
}

export interface LoadOptions {
  projectName?: string;
  /** The shell's environment (interpolation, `environment: [KEY]`). */
  env?: Env;
  readFile?: (p: string) => Buffer;
}

/** Load, interpolate and check a Compose file; throws ComposeError listing every problem. */
export function loadCompose(text: string, source: string, opts: LoadOptions = {}): ComposeProject {
  const dir = path.dirname(path.resolve(source));
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p));
  const shellEnv = opts.env ?? process.env;
  let dotEnv: Record<string, string> = {};
  const dotEnvPath = path.join(dir, '.env');
  try {
    dotEnv = parseEnvFile(readFile(dotEnvPath).toString('utf8'));
  } catch {
    // No .env: fine.
  }
  const env: Env = { ...dotEnv, ...shellEnv };

  let raw: unknown;
  let lines: LineMap;
  try {
    ({ doc: raw, lines } = loadWithLines(text, source));
  } catch (e) {
    throw new ComposeError(source, [yamlErrorMessage(e)]);
  }
  const at = (p: readonly PropertyKey[]) => {
    const l = lineOf(lines, p.map((x) => (typeof x === 'number' ? x : String(x))));
    return `${formatPath(p.map((x) => (typeof x === 'number' ? x : String(x)))) || '(top level)'}${l ? ` (line ${l})` : ''}`;
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ComposeError(source, ['the file must be a mapping with a "services" key']);

  const unset = new Set<string>();
  const interpolationProblems: { path: (string | number)[]; msg: string }[] = [];
  const prepared = prepare(raw, env, [], unset, interpolationProblems);
  const problems = interpolationProblems.map((p) => `${at(p.path)}: ${p.msg}`);
  const parsed = ComposeSchema.safeParse(prepared);
  if (!parsed.success) {
    for (const i of flattenIssues(parsed.error.issues)) problems.push(`${at(i.path)}: ${i.msg}`);
    throw new ComposeError(source, problems);
  }
  const file = parsed.data;
  const warnings = [...unset].map((n) => `the "${n}" variable is not set: using a blank string`);

  // Checks across the file.
  const services = file.services;
  if (Object.keys(services).length === 0) problems.push(`${at(['services'])}: no services defined`);
  const files: Record<string, Buffer> = {};
  const read = (p: (string | number)[], f: string, required = true) => {
    const abs = path.resolve(dir, f);
    if (abs in files) return;
    try {
      files[abs] = readFile(abs);
    } catch (e) {
      if (required) problems.push(`${at(p)}: cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  for (const [name, svc] of Object.entries(services)) {
    const sp = ['services', name];
    if (!svc.image && (svc as Record<string, unknown>).build === undefined) problems.push(`${at(sp)}: service "${name}" has neither an image nor a build context`);
    for (const key of ['command', 'entrypoint'] as const) {
      const v = svc[key];
      if (typeof v === 'string' && shellSplit(v) === undefined) problems.push(`${at([...sp, key])}: unclosed quote in "${v}"`);
    }
    const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
    deps.forEach((d, i) => {
      if (!(d in services)) problems.push(`${at([...sp, 'depends_on', Array.isArray(svc.depends_on) ? i : d])}: service "${name}" depends on undefined service "${d}"`);
      if (d === name) problems.push(`${at([...sp, 'depends_on'])}: service "${name}" depends on itself`);
    });
    (svc.volumes ?? []).forEach((v, i) => {
      const source = typeof v === 'string' ? shortVolumeSource(v) : v.type === 'volume' ? v.source : undefined;
      const named = typeof v === 'string' ? source !== undefined && !isPathLike(source) : v.type === 'volume' && !!source;
      if (named && source && !(file.volumes && source in file.volumes)) {
        problems.push(`${at([...sp, 'volumes', i])}: service "${name}" refers to undefined volume "${source}"`);
      }
      if (typeof v === 'string' && v.split(':').length > 3 && !/^[A-Za-z]:\\/.test(v)) problems.push(`${at([...sp, 'volumes', i])}: invalid volume spec "${v}"`);
      if (typeof v === 'object' && v.type === 'bind' && !v.source) problems.push(`${at([...sp, 'volumes', i])}: a bind mount needs a source`);
    });
    for (const kind of ['configs', 'secrets'] as const) {
      (svc[kind] ?? []).forEach((r, i) => {
        const src = typeof r === 'string' ? r : r.source;
        if (!file[kind] || !(src in file[kind]!)) problems.push(`${at([...sp, kind, i])}: service "${name}" refers to undefined ${kind.slice(0, -1)} "${src}"`);
      });
    }
    const envFiles = svc.env_file === undefined ? [] : typeof svc.env_file === 'string' ? [svc.env_file] : svc.env_file;
    envFiles.forEach((f, i) => {
      const p = typeof svc.env_file === 'string' ? [...sp, 'env_file'] : [...sp, 'env_file', i];
      if (typeof f === 'string') read(p, f);
      else read(p, f.path, f.required !== false);
    });
  }
  for (const kind of ['configs', 'secrets'] as const) {
    for (const [name, def] of Object.entries(file[kind] ?? {})) {
      const sources = [def.file, def.content, def.environment, def.external].filter((x) => x !== undefined && x !== false);
      if (sources.length !== 1) problems.push(`${at([kind, name])}: ${kind.slice(0, -1)} "${name}" needs exactly one of file, content, environment or external`);
      if (def.file) read([kind, name, 'file'], def.file);
      if (def.environment !== undefined && env[def.environment] === undefined) problems.push(`${at([kind, name, 'environment'])}: the variable "${def.environment}" is not set`);
      if (def.content !== undefined && kind === 'secrets') problems.push(`${at([kind, name, 'content'])}: a secret takes file, environment or external (content is for configs)`);
    }
  }
  if (problems.length > 0) throw new ComposeError(source, problems);

  const fromFile = file.name;
  const name = normalizeProjectName(opts.projectName ?? fromFile ?? shellEnv.COMPOSE_PROJECT_NAME ?? path.basename(dir));
  if (!name) throw new UsageError(`cannot derive a project name from "${path.basename(dir)}": pass -p NAME`);
  return { name, dir, source, file, lines, env, files, warnings };
}

/** A path-like volume source (a bind mount), not a volume name. */
export function isPathLike(s: string): boolean {
  return s.startsWith('/') || s.startsWith('.') || s.startsWith('~') || /^[A-Za-z]:[\\/]/.test(s);
}

/** `SOURCE:TARGET[:MODE]` → SOURCE; `TARGET` alone (an anonymous volume) → undefined. */
export function shortVolumeSource(v: string): string | undefined {
  const parts = v.split(':');
  return parts.length >= 2 ? parts[0] : undefined;
}

/** Read a Compose file from disk (or the default one in cwd) and load it. */
export function loadComposeFile(file: string | undefined, opts: LoadOptions = {}): ComposeProject {
  const source = file ?? findComposeFile(process.cwd());
  let text: string;
  try {
    text = source === '-' ? readFileSync(0, 'utf8') : readFileSync(source, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`the path "${source}" does not exist`);
    throw new UsageError(`unable to read ${source}: ${(e as Error).message}`);
  }
  return loadCompose(text, source === '-' ? path.join(process.cwd(), 'STDIN') : source, opts);
}
