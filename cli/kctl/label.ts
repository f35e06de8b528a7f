// `kctl label` and `kctl annotate` (TYPE NAME… | TYPE/NAME… | TYPE -l SEL | TYPE --all)
// KEY=VALUE… KEY-…: a merge patch on metadata.labels / metadata.annotations, as kubectl sends
// it. An existing key with a different value needs --overwrite (kubectl's error otherwise);
// removing a missing key says `label "k" not found.` and goes on.
import type { KubeObject } from '../../api/meta.js';
import type { Command } from './command.js';
import { connect } from './connection.js';
import { formatError, ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { kindName, parseResourceArgs } from './resource-args.js';

const OPTIONS: OptionDefs = {
  overwrite: { type: 'boolean', help: 'replace a key that already has a different value' },
  selector: { type: 'string', short: 'l', help: 'act on the objects matching this label selector' },
  all: { type: 'boolean', help: 'act on every object of the type in the namespace' },
  'resource-version': { type: 'string', help: 'only update if the object is at this resourceVersion' },
  'dry-run': { type: 'string', help: 'none, client or server' },
  output: { type: 'string', short: 'o', help: 'name: print only kind/name' },
};

export interface MetaChanges {
  set: Record<string, string>;
  remove: string[];
}

/** `a=b c- d=` → {set:{a:'b',d:''}, remove:['c']}; where the pairs start among the arguments. Pure. */
export function parseMetaChanges(args: string[], what: 'label' | 'annotation'): { refs: string[]; changes: MetaChanges } {
  const isChange = (a: string) => a.includes('=') || (a.endsWith('-') && !a.includes('/'));
  const first = args.findIndex(isChange);
  const refs = first < 0 ? args : args.slice(0, first);
  const pairs = first < 0 ? [] : args.slice(first);
  if (pairs.length === 0) throw new UsageError(`at least one ${what} update is required`);
  const changes: MetaChanges = { set: {}, remove: [] };
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq > 0) changes.set[p.slice(0, eq)] = p.slice(eq + 1);
    else if (eq < 0 && p.endsWith('-') && p.length > 1) changes.remove.push(p.slice(0, -1));
    else throw new UsageError(`invalid ${what} spec: ${p}`);
  }
  for (const k of changes.remove) {
    if (k in changes.set) throw new UsageError(`can not both modify and remove ${what}s in the same command`);
  }
  return { refs, changes };
}

/**
 * The merge patch for one object's labels or annotations, or undefined when nothing changes;
 * notes (`label "x" not found.`) for removals of missing keys. Pure.
 */
export function metaPatch(current: Record<string, string> | undefined, changes: MetaChanges, field: 'labels' | 'annotations', overwrite: boolean, resourceVersion?: string): { patch?: Record<string, unknown>; notes: string[] } {
  const cur = current ?? {};
  const noun = field === 'labels' ? 'label' : 'annotation';
  const notes: string[] = [];
  const delta: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(changes.set)) {
    if (k in cur && cur[k] !== v && !overwrite) throw new UsageError(`'${k}' already has a value (${cur[k]}), and --overwrite is false`);
    if (cur[k] !== v) delta[k] = v;
  }
  for (const k of changes.remove) {
    if (k in cur) delta[k] = null;
    else notes.push(`${noun} "${k}" not found.`);
  }
  if (Object.keys(delta).length === 0) return { notes };
  return { patch: { metadata: { [field]: delta, ...(resourceVersion ? { resourceVersion } : {}) } }, notes };
}

function metaCommand(field: 'labels' | 'annotations'): Command {
  const noun = field === 'labels' ? 'label' : 'annotation';
  const verb = field === 'labels' ? 'label' : 'annotate';
  const done = field === 'labels' ? 'labeled' : 'annotated';
  return {
    usage: `kctl ${verb} (TYPE NAME… | TYPE/NAME… | TYPE -l SELECTOR | TYPE --all) KEY=VALUE… KEY-… [--overwrite]`,
    summary: `Update the ${field} of resources.`,
    options: OPTIONS,
    async run(flags, io) {
      const { refs, changes } = parseMetaChanges(flags.positionals, noun);
      const dryRun = flags.string('dry-run');
      if (dryRun && !['none', 'client', 'server'].includes(dryRun)) throw new UsageError(`Invalid dry-run value (${dryRun}). Must be "none", "server", or "client".`);
      const selector = flags.string('selector');
      const all = flags.bool('all');
      const selections = parseResourceArgs(refs, verb);
      if ((selector || all) && selections.some((s) => s.names.length > 0)) throw new UsageError('cannot set --all and --selector at the same time as naming resources');
      if (!selector && !all && selections.some((s) => s.names.length === 0)) throw new UsageError('resource(s) were provided, but no name was specified');
      const conn = await connect(flags);
      let failed = false;
      for (const sel of selections) {
        const rc = conn.client.resource<KubeObject>(sel.info.kind);
        const ns = sel.info.namespaced ? conn.namespace : undefined;
        const objects: (KubeObject | string)[] = sel.names.length
          ? sel.names
          : (await rc.listAll({ namespace: ns, ...(selector ? { labelSelector: selector } : {}) })).items;
        for (const o of objects) {
          const name = typeof o === 'string' ? o : o.metadata.name!;
          const ref = `${kindName(sel.info)}/${name}`;
          try {
            const obj = typeof o === 'string' ? await rc.get(name, ns) : o;
            const { patch, notes } = metaPatch(obj.metadata[field] as Record<string, string> | undefined, changes, field, flags.bool('overwrite'), flags.string('resource-version'));
            for (const n of notes) io.out(`${n}\n`);
            if (patch && dryRun !== 'client') await rc.patch(name, patch, 'merge', { namespace: ns, dryRun: dryRun === 'server' });
            const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
            if (flags.string('output') === 'name') io.out(`${ref}\n`);
            else if (!patch) io.out(`${ref} not ${done}\n`);
            else io.out(field === 'labels' && Object.keys(changes.set).length === 0 ? `${ref} un${done}${suffix}\n` : `${ref} ${done}${suffix}\n`);
          } catch (e) {
            if (e instanceof UsageError) {
              io.err(`error: ${e.message}\n`);
              failed = true;
              continue;
            }
            failed = true;
            io.err(formatError(e, conn.server) + '\n');
          }
        }
      }
      if (failed) throw new ReportedFailure(1);
    },
  };
}

export const label = metaCommand('labels');
export const annotate = metaCommand('annotations');
