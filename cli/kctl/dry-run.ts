// `--dry-run=none|client|server` and `-o yaml|json|name` on the commands that write one object
// (run, create NAME, expose): client builds and prints without asking the server; server
// sends the write with `dryRun=All` (validated and admitted, not persisted); both say so.
import type { KubeObject } from '../../api/meta.js';
import type { Output } from './command.js';
import { UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { formatObjects, parseOutputFormat } from './printers.js';
import { kindName, type ResourceInfo } from './resource-args.js';

export type DryRun = 'none' | 'client' | 'server';

export const DRY_RUN_OPTIONS: OptionDefs = {
  'dry-run': { type: 'string', help: 'none (default), client (print only) or server (the server checks, nothing is stored)' },
  output: { type: 'string', short: 'o', help: 'yaml, json or name: print the object instead of a message' },
};

/** kubectl's values and its error for anything else. Pure. */
export function parseDryRun(v: string | undefined): DryRun {
  if (v === undefined || v === '' || v === 'none') return 'none';
  if (v === 'client' || v === 'server') return v;
  throw new UsageError(`Invalid dry-run value (${v}). Must be "none", "server", or "client".`);
}

/** What kubectl prints after a write: `pod/web created`, `… created (server dry run)`, or the object with -o. */
export function printWritten(io: Output, obj: KubeObject, info: ResourceInfo, verb: string, dryRun: DryRun, output: string | undefined): void {
  if (output && output !== 'name') {
    io.out(formatObjects([{ obj, info }], parseOutputFormat(output), true));
    return;
  }
  const ref = `${kindName(info)}/${obj.metadata.name}`;
  if (output === 'name') io.out(`${ref}\n`);
  else io.out(`${ref} ${verb}${dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : ''}\n`);
}
