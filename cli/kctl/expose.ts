// `kctl expose deployment/NAME [--port P] [--target-port T] [--type NodePort] [--name N]`:
// a Service selecting what the workload's selector selects, as kubectl expose builds it.
import type { PodSpec, Service } from '../../api/core/index.js';
import type { KubeObject, LabelSelector } from '../../api/meta.js';
import type { Command } from './command.js';
import { connect } from './connection.js';
import { formatError, ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { DRY_RUN_OPTIONS, parseDryRun, printWritten } from './dry-run.js';
import { parseResourceArgs, resolveKind } from './resource-args.js';

const OPTIONS: OptionDefs = {
  port: { type: 'string', help: 'the port the Service serves on (default: the pod template\'s container ports)' },
  'target-port': { type: 'string', help: 'the pods\' port, a number or a container port name (default: --port)' },
  type: { type: 'string', help: 'ClusterIP (default) or NodePort' },
  name: { type: 'string', help: 'the Service\'s name (default: the exposed object\'s)' },
  protocol: { type: 'string', help: 'TCP (default), UDP or SCTP' },
  ...DRY_RUN_OPTIONS,
};

type Protocol = 'TCP' | 'UDP' | 'SCTP';

/**
 * The Service kubectl expose makes for a workload with this selector: the `--port` asked, or
 * without one the container ports of its pod template (several are named port-1, port-2…,
 * each keeping its container port's protocol). Pure.
 */
export function serviceFor(
  name: string, namespace: string, selector: LabelSelector | undefined, labels: Record<string, string> | undefined,
  opts: { port?: number; containerPorts?: { containerPort: number; protocol?: Protocol }[]; targetPort?: string; type?: string; protocol?: string },
): Service {
  if (!selector?.matchLabels || Object.keys(selector.matchLabels).length === 0 || (selector.matchExpressions ?? []).length > 0) {
    throw new UsageError(`couldn't retrieve selectors via --selector flag or introspection: the selector must be matchLabels only`);
  }
  const ports = opts.port !== undefined
    ? [{ port: opts.port, protocol: (opts.protocol ?? 'TCP') as Protocol }]
    : (opts.containerPorts ?? []).map((p) => ({ port: p.containerPort, protocol: (opts.protocol ?? p.protocol ?? 'TCP') as Protocol }));
  if (ports.length === 0) throw new UsageError(`couldn't find port via --port flag or introspection`);
  const target = (port: number) => (opts.targetPort === undefined ? port : /^\d+$/.test(opts.targetPort) ? Number(opts.targetPort) : opts.targetPort);
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: {
      selector: selector.matchLabels,
      ports: ports.map((p, i) => ({ ...(ports.length > 1 ? { name: `port-${i + 1}` } : {}), port: p.port, targetPort: target(p.port), protocol: p.protocol })),
      ...(opts.type ? { type: opts.type as 'NodePort' } : {}),
    },
  };
}

export const expose: Command = {
  usage: 'kctl expose deployment/NAME [--port P] [--target-port T] [--type NodePort] [--name N]',
  summary: 'Make a Service for a deployment or replica set.',
  options: OPTIONS,
  async run(flags, io) {
    const port = flags.int('port');
    if (port !== undefined && (port < 1 || port > 65535)) throw new UsageError(`invalid --port ${port}: must be between 1 and 65535`);
    const type = flags.string('type');
    if (type !== undefined && type !== 'ClusterIP' && type !== 'NodePort') throw new UsageError(`invalid --type "${type}": supported values: ClusterIP, NodePort`);
    const [sel] = parseResourceArgs(flags.positionals, 'expose');
    if (!sel || sel.names.length !== 1) throw new UsageError('expose takes exactly one resource, e.g. deployment/web');
    if (sel.info.kind !== 'Deployment' && sel.info.kind !== 'ReplicaSet') throw new UsageError(`cannot expose a ${sel.info.kind}: only deployments and replicasets`);
    const conn = await connect(flags);
    try {
      const obj = await conn.client.resource<KubeObject & { spec: { selector?: LabelSelector; template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } } }>(sel.info.kind).get(sel.names[0]!, conn.namespace);
      const containerPorts = (obj.spec.template?.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
      const svc = serviceFor(flags.string('name') ?? obj.metadata.name!, conn.namespace, obj.spec.selector, obj.metadata.labels ?? undefined, {
        ...(port !== undefined ? { port } : { containerPorts }), ...(flags.string('target-port') !== undefined ? { targetPort: flags.string('target-port')! } : {}),
        ...(type ? { type } : {}), ...(flags.string('protocol') ? { protocol: flags.string('protocol')! } : {}),
      });
      const dryRun = parseDryRun(flags.string('dry-run'));
      const created = dryRun === 'client' ? svc : await conn.client.resource<Service>('Service').create(svc, { namespace: conn.namespace, dryRun: dryRun === 'server' });
      printWritten(io, created, resolveKind('services'), 'exposed', dryRun, flags.string('output'));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      io.err(formatError(e, conn.server) + '\n');
      throw new ReportedFailure(1);
    }
  },
};
