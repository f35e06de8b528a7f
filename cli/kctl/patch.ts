// `kctl patch (TYPE NAME | TYPE/NAME) -p PATCH|--patch-file FILE [--type strategic|merge|json]
// [--subresource status|scale] [--dry-run=client|server]`: the patch (JSON or YAML, turned into JSON
// as kubectl does) sent as it is; the server applies it. `patched (no change)` when the
// object's resourceVersion did not move, as kubectl reports an unchanged object.
import fs from 'node:fs';
import yaml from 'js-yaml';
import type { KubeObject } from '../../api/meta.js';
import type { Command } from './command.js';
import { connect } from './connection.js';
import { formatError, ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { formatObjects, parseOutputFormat } from './printers.js';
import { kindName, parseSingleRef } from './resource-args.js';

const OPTIONS: OptionDefs = {
  patch: { type: 'string', short: 'p', help: 'the patch, JSON or YAML' },
  'patch-file': { type: 'string', help: 'a file holding the patch' },
  type: { type: 'string', help: 'strategic (default), merge or json' },
  subresource: { type: 'string', help: 'status or scale' },
  'dry-run': { type: 'string', help: 'none, client or server' },
  output: { type: 'string', short: 'o', help: 'yaml, json or name' },
};

export type PatchFlavour = 'strategic' | 'merge' | 'json';

/** The --type and the patch text, checked and parsed as kubectl does (YAML is JSON's superset). Pure. */
export function parsePatchArgs(type: string | undefined, text: string | undefined): { type: PatchFlavour; body: unknown } {
  const t = type ?? 'strategic';
  if (t !== 'strategic' && t !== 'merge' && t !== 'json') throw new UsageError(`--type must be one of [json merge strategic], not "${t}"`);
  if (text === undefined || text.trim() === '') throw new UsageError('must specify --patch or --patch-file containing the contents of the patch');
  let body: unknown;
  try {
    body = yaml.load(text, { schema: yaml.JSON_SCHEMA });
  } catch (e) {
    throw new UsageError(`unable to parse "${text}": ${(e as Error).message.split('\n')[0]}`);
  }
  return { type: t, body };
}

export const patch: Command = {
  usage: 'kctl patch (TYPE NAME | TYPE/NAME) (-p PATCH | --patch-file FILE) [--type strategic|merge|json] [--subresource status|scale]',
  summary: 'Update fields of a resource with a strategic merge, JSON merge or JSON patch.',
  options: OPTIONS,
  async run(flags, io) {
    const { info, name, rest } = parseSingleRef(flags.positionals, 'patch');
    if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')} (one resource at a time)`);
    const file = flags.string('patch-file');
    if (file && flags.has('patch')) throw new UsageError('--patch and --patch-file are mutually exclusive');
    let text = flags.string('patch');
    if (file) {
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        throw new UsageError(`unable to read patch file: ${(e as Error).message}`);
      }
    }
    const { type, body } = parsePatchArgs(flags.string('type'), text);
    const dryRun = flags.string('dry-run') ?? 'none';
    if (!['none', 'client', 'server'].includes(dryRun)) throw new UsageError(`Invalid dry-run value (${dryRun}). Must be "none", "server", or "client".`);
    const conn = await connect(flags);
    const rc = conn.client.resource<KubeObject>(info.kind);
    const ns = info.namespaced ? conn.namespace : undefined;
    const ref = `${kindName(info)}/${name}`;
    try {
      const before = await rc.get(name, ns);
      // client: kubectl only checks the object exists and prints what it would do.
      const after = dryRun === 'client' ? before : await rc.patch(name, body, type, {
        namespace: ns, dryRun: dryRun === 'server', ...(flags.string('subresource') ? { subresource: flags.string('subresource')! } : {}),
      });
      const output = flags.string('output');
      if (output && output !== 'name') return io.out(formatObjects([{ obj: after, info }], parseOutputFormat(output), true));
      if (output === 'name') return io.out(`${ref}\n`);
      const unchanged = dryRun === 'none' && after.metadata.resourceVersion === before.metadata.resourceVersion;
      io.out(`${ref} patched${unchanged ? ' (no change)' : dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : ''}\n`);
    } catch (e) {
      io.err(formatError(e, conn.server) + '\n');
      throw new ReportedFailure(1);
    }
  },
};
