// `kctl autoscale deployment/NAME --max N [--min M] [--cpu-percent P] [--name H]`: an
// autoscaling/v2 HorizontalPodAutoscaler for a scalable workload, as kubectl autoscale
// builds it (the target read first, so a missing one is NotFound; the HPA named after it).
import type { HorizontalPodAutoscaler } from '../../api/autoscaling/index.js';
import type { KubeObject } from '../../api/meta.js';
import { apiVersionOf } from '../../api/resources.js';
import type { Command } from './command.js';
import { connect } from './connection.js';
import { formatError, ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { parseResourceArgs } from './resource-args.js';

const OPTIONS: OptionDefs = {
  min: { type: 'string', help: 'the lower limit for the number of pods (default: the server\'s, 1)' },
  max: { type: 'string', help: 'the upper limit for the number of pods (required)' },
  'cpu-percent': { type: 'string', help: 'the target average CPU utilization over all the pods, percent of requests (default: the server\'s, 80%)' },
  name: { type: 'string', help: 'the HPA\'s name (default: the target\'s)' },
  output: { type: 'string', short: 'o', help: 'name: print only kind/name' },
};

/** The HPA kubectl autoscale makes (-1 = a flag left out, as kubectl's defaults). Pure. */
export function autoscalerFor(target: { kind: string; apiVersion: string; name: string }, namespace: string, opts: { name?: string; min: number; max: number; cpuPercent: number }): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: { name: opts.name || target.name, namespace },
    spec: {
      scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
      ...(opts.min >= 0 ? { minReplicas: opts.min } : {}),
      maxReplicas: opts.max,
      ...(opts.cpuPercent >= 0 ? { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: opts.cpuPercent } } }] } : {}),
    },
  };
}

/** kubectl's AutoscaleOptions.Validate. Pure. */
export function validateAutoscaleFlags(min: number, max: number): string | undefined {
  if (max < 1) return `--max=MAXPODS is required and must be at least 1, max: ${max}`;
  if (max < min) return `--max=MAXPODS must be larger or equal to --min=MINPODS, max: ${max}, min: ${min}`;
  return undefined;
}

export const autoscale: Command = {
  usage: 'kctl autoscale (deployment/NAME | replicaset/NAME | statefulset/NAME | KIND NAME) --max=MAXPODS [--min=MINPODS] [--cpu-percent=CPU]',
  summary: 'Auto-scale a deployment, replica set or stateful set.',
  options: OPTIONS,
  async run(flags, io) {
    const min = flags.int('min') ?? -1;
    const max = flags.int('max') ?? -1;
    const cpuPercent = flags.int('cpu-percent') ?? -1;
    const why = validateAutoscaleFlags(min, max);
    if (why) throw new UsageError(why);
    const selections = parseResourceArgs(flags.positionals, 'autoscale');
    for (const s of selections) {
      if (!s.info.subresources.includes('scale')) throw new UsageError(`cannot autoscale a ${s.info.kind}: it has no scale subresource`);
      if (s.names.length === 0) throw new UsageError('resource(s) were provided, but no name was specified');
    }
    const conn = await connect(flags);
    let failed = false;
    for (const s of selections) {
      for (const name of s.names) {
        try {
          await conn.client.resource<KubeObject>(s.info.kind).get(name, conn.namespace);
          const hpa = autoscalerFor({ kind: s.info.kind, apiVersion: apiVersionOf(s.info), name }, conn.namespace, { name: flags.string('name'), min, max, cpuPercent });
          const created = await conn.client.resource<HorizontalPodAutoscaler>('HorizontalPodAutoscaler').create(hpa, { namespace: conn.namespace });
          const ref = `horizontalpodautoscaler.autoscaling/${created.metadata.name}`;
          io.out(flags.string('output') === 'name' ? `${ref}\n` : `${ref} autoscaled\n`);
        } catch (e) {
          failed = true;
          io.err(formatError(e, conn.server) + '\n');
        }
      }
    }
    if (failed) throw new ReportedFailure(1);
  },
};
