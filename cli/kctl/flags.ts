// Flag parsing for kctl, on node's util.parseArgs (strict), shaped like kubectl's flags:
// global flags (--kubeconfig, --context, --server, -n) are accepted anywhere on the line,
// `-o=yaml` and `-oyaml` mean `-o yaml`, boolean flags take `--wait=false`, and everything
// after `--` is kept apart (for `exec POD -- CMD…`).
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export { GLOBAL_OPTIONS, type OptionDef, type OptionDefs } from './options.js';
import { GLOBAL_OPTIONS, type OptionDefs } from './options.js';

export type FlagValue = string | boolean | string[] | undefined;

/** The parsed command line of one kctl command. */
export class Flags {
  constructor(
    readonly values: Record<string, FlagValue>,
    readonly positionals: string[],
    /** Arguments after `--` (exec's command), or undefined if there was no `--`. */
    readonly afterDash: string[] | undefined,
  ) {}

  string(name: string): string | undefined {
    const v = this.values[name];
    if (Array.isArray(v)) return v[v.length - 1];
    return typeof v === 'string' ? v : undefined;
  }

  strings(name: string): string[] {
    const v = this.values[name];
    if (Array.isArray(v)) return v;
    return typeof v === 'string' ? [v] : [];
  }

  bool(name: string, dflt = false): boolean {
    const v = this.values[name];
    return typeof v === 'boolean' ? v : dflt;
  }

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  /** An integer flag; a value that is not an integer is a usage error naming the flag. */
  int(name: string): number | undefined {
    const s = this.string(name);
    if (s === undefined) return undefined;
    if (!/^-?\d+$/.test(s.trim())) throw new UsageError(`invalid argument "${s}" for "--${name}" flag: must be an integer`);
    return Number(s);
  }

  /** A duration flag like kubectl's: `30s`, `2m`, `1h`, `1m30s`, or a bare number of seconds. */
  durationMs(name: string): number | undefined {
    const s = this.string(name);
    if (s === undefined) return undefined;
    const ms = parseDuration(s);
    if (ms === undefined) throw new UsageError(`invalid argument "${s}" for "--${name}" flag: time: invalid duration "${s}"`);
    return ms;
  }
}

/** `1m30s` → 90000; `500ms` → 500; `0` → 0; a bare number is seconds. undefined if malformed. */
export function parseDuration(s: string): number | undefined {
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = t;
  if (rest === '') return undefined;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * unit[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/**
 * Parse one command's arguments with the global flags merged in.
 * Throws UsageError with kubectl's wording (`unknown flag: --foo`).
 */
export function parseFlags(argv: string[], options: OptionDefs): Flags {
  const all: OptionDefs = { ...GLOBAL_OPTIONS, ...options };
  const dash = argv.indexOf('--');
  const before = dash >= 0 ? argv.slice(0, dash) : argv;
  const afterDash = dash >= 0 ? argv.slice(dash + 1) : undefined;

  const shortToLong = new Map<string, string>();
  for (const [name, def] of Object.entries(all)) if (def.short) shortToLong.set(def.short, name);

  // Normalise what util.parseArgs does not take the way kubectl does.
  const args: string[] = [];
  const boolOverrides: Record<string, boolean> = {};
  for (const a of before) {
    const long = /^--([^=]+)=(.*)$/s.exec(a);
    if (long && all[long[1]!]?.type === 'boolean') {
      const v = long[2]!.toLowerCase();
      if (v !== 'true' && v !== 'false') throw new UsageError(`invalid argument "${long[2]}" for "--${long[1]}" flag: strconv.ParseBool: parsing "${long[2]}": invalid syntax`);
      boolOverrides[long[1]!] = v === 'true';
      continue;
    }
    const short = /^-([A-Za-z])=(.*)$/s.exec(a);
    if (short && shortToLong.has(short[1]!)) {
      const name = shortToLong.get(short[1]!)!;
      if (all[name]!.type === 'boolean') boolOverrides[name] = short[2]!.toLowerCase() === 'true';
      else args.push(`--${name}`, short[2]!);
      continue;
    }
    args.push(a);
  }

  const parseOptions: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, def] of Object.entries(all)) {
    parseOptions[name] = { type: def.type, ...(def.short ? { short: def.short } : {}), ...(def.multiple ? { multiple: true } : {}) };
  }
  let parsed: { values: Record<string, FlagValue>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: parseOptions, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw new UsageError(parseArgsMessage(e));
  }
  const values: Record<string, FlagValue> = { ...parsed.values, ...boolOverrides };
  return new Flags(values, parsed.positionals, afterDash);
}

function parseArgsMessage(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const msg = err.message ?? String(e);
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const m = /Unknown option '([^']+)'/.exec(msg);
    if (m) {
      const flag = m[1]!;
      return flag.startsWith('--') ? `unknown flag: ${flag}` : `unknown shorthand flag: '${flag.slice(1)}' in ${flag}`;
    }
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const m = /Option '(?:-\w, )?(--[^ ']+)[^']*' argument missing/.exec(msg);
    if (m) return `flag needs an argument: ${m[1]}`;
  }
  return msg;
}

/** Usage text listing a command's flags (global flags are listed by `kctl options`). */
export function flagsHelp(options: OptionDefs): string {
  const lines = Object.entries(options).map(([name, def]) => {
    const left = `${def.short ? `-${def.short}, ` : '    '}--${name}${def.type === 'string' ? '=…' : ''}`;
    return `  ${left.padEnd(30)} ${def.help ?? ''}`.trimEnd();
  });
  return lines.join('\n');
}
