// `kctl cordon|uncordon NODE…` (spec.unschedulable) and `kctl drain NODE`: cordon, then
// delete the node's pods and wait until they are gone. As kubectl, drain refuses pods no
// controller would recreate unless --force, DaemonSet pods unless --ignore-daemonsets, and
// pods with emptyDir data unless --delete-emptydir-data; mirror pods are skipped.
import type { Pod } from '../../api/core/index.js';
import type { Command, Output } from './command.js';
import { connect, type Connection } from './connection.js';
import { formatError, isNotFound, ReportedFailure, UsageError } from './errors.js';
import type { Flags, OptionDefs } from './flags.js';

export interface DrainPlan {
  /** Pods to delete. */
  evict: Pod[];
  /** Pods left alone on purpose (DaemonSet pods with --ignore-daemonsets, mirror pods). */
  ignored: Pod[];
  /** Why the drain cannot go on (empty = it can). */
  errors: string[];
}

const key = (p: Pod) => `${p.metadata.namespace}/${p.metadata.name}`;

/** Which of a node's pods drain deletes, and what stops it. Pure. */
export function planDrain(pods: Pod[], opts: { force: boolean; ignoreDaemonSets: boolean; deleteEmptyDirData: boolean }): DrainPlan {
  const evict: Pod[] = [];
  const ignored: Pod[] = [];
  const unreplicated: string[] = [];
  const daemonSet: string[] = [];
  const localStorage: string[] = [];
  for (const p of pods) {
    if (p.metadata.annotations?.['kubernetes.io/config.mirror']) {
      ignored.push(p);
      continue;
    }
    const finished = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
    const controller = p.metadata.ownerReferences?.find((o) => o.controller);
    if (controller?.kind === 'DaemonSet') {
      if (opts.ignoreDaemonSets) ignored.push(p);
      else daemonSet.push(key(p));
      continue;
    }
    if (!controller && !finished && !opts.force) {
      unreplicated.push(key(p));
      continue;
    }
    if (!finished && (p.spec.volumes ?? []).some((v) => v.emptyDir) && !opts.deleteEmptyDirData) {
      localStorage.push(key(p));
      continue;
    }
    evict.push(p);
  }
  const errors: string[] = [];
  if (unreplicated.length) errors.push(`cannot delete Pods that declare no controller (use --force to override): ${unreplicated.join(', ')}`);
  if (daemonSet.length) errors.push(`cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${daemonSet.join(', ')}`);
  if (localStorage.length) errors.push(`cannot delete Pods with local storage (use --delete-emptydir-data to override): ${localStorage.join(', ')}`);
  return { evict, ignored, errors };
}

async function setUnschedulable(conn: Connection, io: Output, node: string, unschedulable: boolean): Promise<void> {
  const rc = conn.client.nodes();
  const n = await rc.get(node);
  const word = unschedulable ? 'cordoned' : 'uncordoned';
  if (!!n.spec?.unschedulable === unschedulable) {
    io.out(`node/${node} already ${word}\n`);
    return;
  }
  await rc.patch(node, { spec: { unschedulable: unschedulable ? true : null } }, 'strategic');
  io.out(`node/${node} ${word}\n`);
}

function cordonCommand(unschedulable: boolean): Command {
  const verb = unschedulable ? 'cordon' : 'uncordon';
  return {
    usage: `kctl ${verb} NODE…`,
    summary: unschedulable ? 'Mark nodes as unschedulable (running pods stay).' : 'Mark nodes as schedulable again.',
    options: {},
    async run(flags, io) {
      if (flags.positionals.length === 0) throw new UsageError(`a node name is required: kctl ${verb} NODE`);
      const conn = await connect(flags);
      let failed = false;
      for (const node of flags.positionals) {
        try {
          await setUnschedulable(conn, io, node, unschedulable);
        } catch (e) {
          failed = true;
          io.err(formatError(e, conn.server) + '\n');
        }
      }
      if (failed) throw new ReportedFailure(1);
    },
  };
}

export const cordon = cordonCommand(true);
export const uncordon = cordonCommand(false);

const DRAIN_OPTIONS: OptionDefs = {
  force: { type: 'boolean', help: 'also delete pods no controller manages (they will not come back)' },
  'ignore-daemonsets': { type: 'boolean', help: 'leave DaemonSet-managed pods' },
  'delete-emptydir-data': { type: 'boolean', help: 'delete pods with emptyDir volumes (their data is lost)' },
  'grace-period': { type: 'string', help: 'seconds each pod gets to stop (default: its own)' },
  timeout: { type: 'string', help: 'give up after this long (e.g. 2m); default: wait' },
  'pod-selector': { type: 'string', help: 'only pods matching this label selector' },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function drainNode(conn: Connection, io: Output, node: string, flags: Flags): Promise<void> {
  await setUnschedulable(conn, io, node, true);
  const pods = (await conn.client.pods().listAll({ fieldSelector: `spec.nodeName=${node}`, labelSelector: flags.string('pod-selector') })).items ?? [];
  const plan = planDrain(pods, {
    force: flags.bool('force'),
    ignoreDaemonSets: flags.bool('ignore-daemonsets'),
    deleteEmptyDirData: flags.bool('delete-emptydir-data'),
  });
  if (plan.errors.length) {
    throw new UsageError(`unable to drain node "${node}" due to error: ${plan.errors.join(', ')}`, 'There are pending nodes to be drained:\n ' + node);
  }
  if (plan.ignored.length) io.err(`Warning: ignoring DaemonSet-managed or mirror Pods: ${plan.ignored.map(key).join(', ')}\n`);
  const grace = flags.int('grace-period');
  const timeoutMs = flags.durationMs('timeout');
  const deadline = timeoutMs ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  const waiting: Pod[] = [];
  for (const p of plan.evict) {
    io.out(`evicting pod ${key(p)}\n`);
    try {
      await conn.client.pods().delete(p.metadata.name!, { namespace: p.metadata.namespace, ...(grace !== undefined && grace >= 0 ? { gracePeriodSeconds: grace } : {}) });
      waiting.push(p);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  for (const p of waiting) {
    for (;;) {
      try {
        const cur = await conn.client.pods().get(p.metadata.name!, p.metadata.namespace);
        if (cur.metadata.uid !== p.metadata.uid) break;
      } catch (e) {
        if (isNotFound(e)) break;
        throw e;
      }
      if (Date.now() > deadline) throw new UsageError(`drain did not complete within ${flags.string('timeout')}: pod ${key(p)} is still there`);
      await sleep(250);
    }
    io.out(`pod/${p.metadata.name} evicted\n`);
  }
  io.out(`node/${node} drained\n`);
}

export const drain: Command = {
  usage: 'kctl drain NODE [--force] [--ignore-daemonsets] [--delete-emptydir-data] [--timeout D]',
  summary: 'Cordon a node, then delete its pods (controllers recreate them elsewhere) and wait until they are gone.',
  options: DRAIN_OPTIONS,
  async run(flags, io) {
    if (flags.positionals.length === 0) throw new UsageError('a node name is required: kctl drain NODE');
    const conn = await connect(flags);
    for (const node of flags.positionals) await drainNode(conn, io, node, flags);
  },
};
