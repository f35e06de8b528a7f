// `kctl expose deployment/NAME --port P [--target-port T] [--type NodePort] [--name N]`:
// a Service selecting what the workload's selector selects, as kubectl expose builds it.
import type { Service } from '../../api/core/index.js';
import type { KubeObject, LabelSelector } from '../../api/meta.js';
import type { Command } from './command.js';
import { connect } from './connection.js';
import { formatError, ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { parseResourceArgs } from './resource-args.js';

const OPTIONS: OptionDefs = {
  port: { type: 'string', help: 'the port the Service serves on (required)' },
  'target-port': { type: 'string', help: 'the pods\' port, a number or a container port name (default: --port)' },
  type: { type: 'string', help: 'ClusterIP (default) or NodePort' },
  name: { type: 'string', help: 'the Service\'s name (default: the exposed object\'s)' },
  protocol: { type: 'string', help: 'TCP (default), UDP or SCTP' },
};

/** The Service kubectl expose makes for a workload with this selector. Pure. */
export function serviceFor(name: string, namespace: string, selector: LabelSelector | undefined, labels: Record<string, string> | undefined, opts: { port: number; targetPort?: string; type?: string; protocol?: string }): Service {
  if (!selector?.matchLabels || Object.keys(selector.matchLabels).length === 0 || (selector.matchExpressions ?? []).length > 0) {
    throw new UsageError(`couldn't retrieve selectors via --selector flag or introspection: the selector must be matchLabels only`);
  }
  const tp = opts.targetPort === undefined ? opts.port : /^\d+$/.test(opts.targetPort) ? Number(opts.targetPort) : opts.targetPort;
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: {
      selector: selector.matchLabels,
      ports: [{ port: opts.port, targetPort: tp, protocol: (opts.protocol ?? 'TCP') as 'TCP' }],
      ...(opts.type ? { type: opts.type as 'NodePort' } : {}),
    },
  };
}

export const expose: Command = {
  usage: 'kctl expose deployment/NAME --port P [--target-port T] [--type NodePort] [--name N]',
  summary: 'Make a Service for a deployment or replica set.',
  options: OPTIONS,
  async run(flags, io) {
    const port = flags.int('port');
    if (port === undefined) throw new UsageError('required flag(s) "port" not set');
    const type = flags.string('type');
    if (type !== undefined && type !== 'ClusterIP' && type !== 'NodePort') throw new UsageError(`invalid --type "${type}": supported values: ClusterIP, NodePort`);
    const [sel] = parseResourceArgs(flags.positionals, 'expose');
    if (!sel || sel.names.length !== 1) throw new UsageError('expose takes exactly one resource, e.g. deployment/web');
    if (sel.info.kind !== 'Deployment' && sel.info.kind !== 'ReplicaSet') throw new UsageError(`cannot expose a ${sel.info.kind}: only deployments and replicasets`);
    const conn = await connect(flags);
    try {
      const obj = await conn.client.resource<KubeObject & { spec: { selector?: LabelSelector; template?: { metadata?: { labels?: Record<string, string> } } } }>(sel.info.kind).get(sel.names[0]!, conn.namespace);
      const svc = serviceFor(flags.string('name') ?? obj.metadata.name!, conn.namespace, obj.spec.selector, obj.metadata.labels ?? undefined, {
        port, ...(flags.string('target-port') !== undefined ? { targetPort: flags.string('target-port')! } : {}),
        ...(type ? { type } : {}), ...(flags.string('protocol') ? { protocol: flags.string('protocol')! } : {}),
      });
      const created = await conn.client.resource<Service>('Service').create(svc, { namespace: conn.namespace });
      io.out(`service/${created.metadata.name} exposed\n`);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      io.err(formatError(e, conn.server) + '\n');
      throw new ReportedFailure(1);
    }
  },
};
