// `kctl scale deployment/NAME --replicas N` (and replicasets, statefulsets): a merge patch on the scale
// subresource, as kubectl sends it. With `--current-replicas M` it is a precondition: read
// the Scale, refuse if spec.replicas ≠ M, then PUT the Scale at the resourceVersion read,
// so a concurrent change is a 409 Conflict rather than a lost update.
import type { KubeObject } from '../../api/meta.js';
import type { Command } from './command.js';
import { connect } from './connection.js';
import { formatError, ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { kindName, parseResourceArgs } from './resource-args.js';

const OPTIONS: OptionDefs = {
  replicas: { type: 'string', help: 'the new number of replicas (required)' },
  'current-replicas': { type: 'string', help: 'precondition: only scale if the current size is this' },
  'resource-version': { type: 'string', help: 'precondition: only scale if the resourceVersion is this' },
  output: { type: 'string', short: 'o', help: 'name: print only kind/name' },
};

/** The precondition check kubectl makes before a --current-replicas scale. Pure. */
export function checkCurrentReplicas(expected: number | undefined, actual: number | undefined): string | undefined {
  if (expected === undefined || expected === -1) return undefined;
  if ((actual ?? 0) !== expected) return `Expected replicas to be ${expected}, was ${actual ?? 0}`;
  return undefined;
}

export const scale: Command = {
  usage: 'kctl scale (deployment/NAME | replicaset/NAME | statefulset/NAME | KIND NAME…) --replicas=N [--current-replicas=M]',
  summary: 'Set a new size for a deployment or replica set.',
  options: OPTIONS,
  async run(flags, io) {
    const replicas = flags.int('replicas');
    if (replicas === undefined) throw new UsageError('required flag(s) "replicas" not set');
    if (replicas < 0) throw new UsageError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
    const selections = parseResourceArgs(flags.positionals, 'scale');
    for (const s of selections) {
      if (!s.info.subresources.includes('scale')) throw new UsageError(`cannot scale ${s.info.plural}: it has no scale subresource`);
      if (s.names.length === 0) throw new UsageError('resource(s) were provided, but no name was specified');
    }
    const current = flags.int('current-replicas');
    const rv = flags.string('resource-version');
    const conn = await connect(flags);
    let failed = false;
    for (const s of selections) {
      const rc = conn.client.resource<KubeObject>(s.info.kind);
      for (const name of s.names) {
        try {
          if (current !== undefined || rv !== undefined) {
            const sc = await rc.getScale(name, conn.namespace);
            const why = checkCurrentReplicas(current, sc.spec?.replicas);
            if (why) throw new UsageError(why);
            if (rv !== undefined && sc.metadata.resourceVersion !== rv) {
              throw new UsageError(`Expected resource version to be ${rv}, was ${sc.metadata.resourceVersion}`);
            }
            await rc.updateScale(name, { ...sc, spec: { ...sc.spec, replicas } }, conn.namespace);
          } else {
            // kubectl reads the object first (a missing one is NotFound), then patches its scale.
            await rc.get(name, conn.namespace);
            await rc.patch(name, { spec: { replicas } }, 'merge', { namespace: conn.namespace, subresource: 'scale' });
          }
          const ref = `${kindName(s.info)}/${name}`;
          io.out(flags.string('output') === 'name' ? `${ref}\n` : `${ref} scaled\n`);
        } catch (e) {
          failed = true;
          io.err(formatError(e, conn.server) + '\n');
        }
      }
    }
    if (failed) throw new ReportedFailure(1);
  },
};
