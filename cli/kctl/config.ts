// `kctl config view [--raw] | current-context | get-contexts [NAME] | use-context NAME |
// set-context (NAME | --current) [--namespace=NS] [--cluster=C] [--user=U]`: the kubeconfig as
// kubectl reads it (--kubeconfig, else $KUBECONFIG's files merged, else ~/.kube/config).
// Changes are written to the first file read, or to the file defining the context changed.
import fs from 'node:fs';
import yaml from 'js-yaml';
import { kubeconfigPaths, mergeKubeconfigs, parseKubeconfig, type KubeconfigFile } from '../../client/kubeconfig.js';
import type { Command } from './command.js';
import { UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { formatColumns } from './printers.js';

const OPTIONS: OptionDefs = {
  raw: { type: 'boolean', help: 'view: show certificate data and secrets' },
  current: { type: 'boolean', help: 'set-context: change the current context' },
  cluster: { type: 'string', help: 'set-context: the cluster of the context' },
  user: { type: 'string', help: 'set-context: the user of the context' },
  output: { type: 'string', short: 'o', help: 'view: yaml (default) or json; get-contexts: name' },
  'no-headers': { type: 'boolean', help: 'get-contexts: no header line' },
};

interface Loaded {
  files: { path: string; config: KubeconfigFile }[];
  merged: KubeconfigFile;
}

function load(kubeconfig: string | undefined): Loaded {
  const files: Loaded['files'] = [];
  for (const p of kubeconfigPaths({ kubeconfig })) {
    let text: string;
    try {
      text = fs.readFileSync(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !kubeconfig) continue;
      throw new UsageError(`cannot read kubeconfig ${p}: ${(e as Error).message}`);
    }
    files.push({ path: p, config: parseKubeconfig(text, p) });
  }
  return { files, merged: mergeKubeconfigs(files.map((f) => f.config)) };
}

function save(path: string, config: KubeconfigFile): void {
  fs.writeFileSync(path, yaml.dump(config, { lineWidth: -1, noRefs: true }), { mode: 0o600 });
}

const SECRET_FIELDS = new Set(['client-key-data', 'token', 'password']);

/** kubectl config view without --raw: certificate data DATA+OMITTED, secrets REDACTED. Pure. */
export function redact(cfg: KubeconfigFile): KubeconfigFile {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' && k.endsWith('-data') ? 'DATA+OMITTED' : typeof x === 'string' && SECRET_FIELDS.has(k) ? 'REDACTED' : walk(x)]));
    }
    return v;
  };
  return walk(cfg) as KubeconfigFile;
}

/** kubectl lists clusters, contexts and users sorted by name. */
function byName<T extends { name: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The rows of `config get-contexts`. Pure. */
export function contextRows(cfg: KubeconfigFile, only?: string): string[][] {
  const contexts = byName(cfg.contexts ?? []).filter((c) => !only || c.name === only);
  if (only && contexts.length === 0) throw new UsageError(`context ${only} not found`);
  return contexts.map((c) => [c.name === cfg['current-context'] ? '*' : '', c.name, String(c.context?.cluster ?? ''), String(c.context?.user ?? ''), String(c.context?.namespace ?? '')]);
}

export const config: Command = {
  usage: 'kctl config view [--raw] | current-context | get-contexts [NAME] | use-context NAME | set-context (NAME | --current) [--namespace=NS] [--cluster=C] [--user=U]',
  summary: 'Show or change the kubeconfig: contexts, the current one and its namespace.',
  options: OPTIONS,
  async run(flags, io) {
    const [sub, ...args] = flags.positionals;
    const kc = load(flags.string('kubeconfig'));
    const cfg = kc.merged;
    switch (sub) {
      case 'view': {
        const base = flags.bool('raw') ? cfg : redact(cfg);
        const shown = { ...base, clusters: byName(base.clusters ?? []), contexts: byName(base.contexts ?? []), users: byName(base.users ?? []), preferences: cfg.preferences ?? {} };
        io.out(flags.string('output') === 'json' ? JSON.stringify(shown, null, 4) + '\n' : yaml.dump(shown, { lineWidth: -1, noRefs: true, sortKeys: true, noArrayIndent: true }));
        return;
      }
      case 'current-context':
        if (!cfg['current-context']) throw new UsageError('current-context is not set');
        io.out(`${cfg['current-context']}\n`);
        return;
      case 'get-contexts': {
        const rows = contextRows(cfg, args[0]);
        if (flags.string('output') === 'name') return io.out(rows.map((r) => `${r[1]}\n`).join(''));
        io.out(formatColumns(flags.bool('no-headers') ? rows : [['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE'], ...rows], [10]));
        return;
      }
      case 'use-context': {
        const name = args[0];
        if (!name) throw new UsageError('Unexpected args: [] (use-context NAME)');
        if (!cfg.contexts?.some((c) => c.name === name)) throw new UsageError(`no context exists with the name: "${name}"`);
        const target = kc.files[0];
        if (!target) throw new UsageError('no kubeconfig file to change');
        target.config['current-context'] = name;
        save(target.path, target.config);
        io.out(`Switched to context "${name}".\n`);
        return;
      }
      case 'set-context': {
        const name = flags.bool('current') ? cfg['current-context'] : args[0];
        if (!name) throw new UsageError(flags.bool('current') ? 'no current context is set' : 'you must specify a non-empty context name or --current');
        const target = kc.files.find((f) => f.config.contexts?.some((c) => c.name === name)) ?? kc.files[0];
        if (!target) throw new UsageError('no kubeconfig file to change');
        const existing = target.config.contexts?.find((c) => c.name === name);
        const ctx = { ...(existing?.context ?? {}) };
        for (const [flag, field] of [['namespace', 'namespace'], ['cluster', 'cluster'], ['user', 'user']] as const) {
          const v = flags.string(flag);
          if (v !== undefined) ctx[field] = v;
        }
        target.config.contexts = [...(target.config.contexts ?? []).filter((c) => c.name !== name), { name, context: ctx }];
        save(target.path, target.config);
        io.out(`Context "${name}" ${existing ? 'modified' : 'created'}.\n`);
        return;
      }
      default:
        throw new UsageError(sub ? `unknown command "${sub}" for "kctl config" (view, current-context, get-contexts, use-context, set-context)` : 'a subcommand is required: view, current-context, get-contexts, use-context or set-context');
    }
  },
};
