// `kctl rollout status|history|undo|pause|resume|restart deployment/NAME`, and
// `status|history|undo|restart daemonset/NAME|statefulset/NAME` (their history is their
// ControllerRevisions).
// status lists the Deployment by name, then watches it from the list's resourceVersion and
// judges each version with deploymentRolloutStatus (kubectl's rule); on a terminal it keeps
// one live line with updated/ready/available figures, otherwise it prints a line per change.
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../api/apps/index.js';
import type { KubeObject } from '../../api/meta.js';
import type { Command, Output } from './command.js';
import { connect, type Connection } from './connection.js';
import { UsageError } from './errors.js';
import type { Flags, OptionDefs } from './flags.js';
import { tabwrite } from './printers.js';
import { kindName, parseSingleRef } from './resource-args.js';
import {
  daemonSetHistory, daemonSetProgressFigures, daemonSetRevisionTemplate, daemonSetRolloutStatus, deploymentRolloutStatus, planDaemonSetUndo, planUndo,
  progressFigures, rolloutHistory, statefulSetProgressFigures, statefulSetRolloutStatus, CHANGE_CAUSE_ANNOTATION, type RolloutStatus,
} from './rollout-status.js';

const OPTIONS: OptionDefs = {
  timeout: { type: 'string', help: 'status: give up after this long (e.g. 2m); default: wait until done' },
  watch: { type: 'boolean', short: 'w', help: 'status: watch until done (default true; --watch=false checks once)' },
  revision: { type: 'string', help: 'status: wait for this revision; history: show this revision in detail' },
  'to-revision': { type: 'string', help: 'undo: the revision to go back to (default: the previous one)' },
};

async function deploymentRef(flags: Flags, verb: string): Promise<{ conn: Connection; name: string }> {
  const args = flags.positionals.slice(1);
  const { info, name } = parseSingleRef(args, `rollout ${verb}`);
  if (info.kind !== 'Deployment') throw new UsageError(`no rollout ${verb} for ${kindName(info)} (only deployments have rollouts)`);
  return { conn: await connect(flags), name };
}

type Workload = 'Deployment' | 'DaemonSet' | 'StatefulSet';
/** The workloads whose history is ControllerRevisions. */
type Revisioned = 'DaemonSet' | 'StatefulSet';
const WORKLOADS: readonly string[] = ['Deployment', 'DaemonSet', 'StatefulSet'];
/** How kubectl names them in its output: `daemonset.apps/NAME`. */
const refOf = (kind: Workload, name: string) => `${kind.toLowerCase()}.apps/${name}`;

/** deployment/NAME, daemonset/NAME or statefulset/NAME (for the verbs the latter two have). */
async function workloadRef(flags: Flags, verb: string): Promise<{ conn: Connection; name: string; kind: Workload }> {
  const { info, name } = parseSingleRef(flags.positionals.slice(1), `rollout ${verb}`);
  if (!WORKLOADS.includes(info.kind)) throw new UsageError(`no rollout ${verb} for ${kindName(info)} (only deployments, daemonsets and statefulsets have rollouts)`);
  return { conn: await connect(flags), name, kind: info.kind as Workload };
}

/** How `rollout status` reads each kind (kubectl's StatusViewers). */
const VIEWERS: Record<Workload, { noun: string; status: (o: KubeObject) => RolloutStatus; figures: (o: KubeObject) => string }> = {
  Deployment: { noun: 'deployment', status: (o) => deploymentRolloutStatus(o as unknown as Deployment), figures: (o) => progressFigures(o as unknown as Deployment) },
  DaemonSet: { noun: 'daemon set', status: (o) => daemonSetRolloutStatus(o as unknown as DaemonSet), figures: (o) => daemonSetProgressFigures(o as unknown as DaemonSet) },
  StatefulSet: { noun: 'statefulset', status: (o) => statefulSetRolloutStatus(o as unknown as StatefulSet), figures: (o) => statefulSetProgressFigures(o as unknown as StatefulSet) },
};

async function listReplicaSets(conn: Connection, d: Deployment): Promise<ReplicaSet[]> {
  const labels = Object.entries(d.spec.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const list = await conn.client.replicaSets().list({ namespace: d.metadata.namespace ?? conn.namespace, ...(labels ? { labelSelector: labels } : {}) });
  return list.items ?? [];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function status(flags: Flags, io: Output): Promise<void> {
  const { conn, name, kind } = await workloadRef(flags, 'status');
  await rolloutStatus(conn, name, io, { timeoutMs: flags.durationMs('timeout'), watch: flags.bool('watch', true), kind });
}

/** Wait for a Deployment's rollout as `kubectl rollout status` does; throws on failure or timeout. */
export async function rolloutStatus(conn: Connection, name: string, io: Output, opts: { timeoutMs?: number; watch?: boolean; kind?: Workload } = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs;
  const deadline = timeoutMs ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  const kind = opts.kind ?? 'Deployment';
  const viewer = VIEWERS[kind];
  const rc = conn.client.resource<KubeObject>(kind);
  const live = io.isTTY;
  let lastLine = '';
  let liveShown = false;
  const show = (d: KubeObject, text: string, final: boolean) => {
    if (live) {
      const line = final ? text : `${text}  [${viewer.figures(d)}]`;
      if (line !== lastLine) io.out(`\r\x1b[K${line}`);
      lastLine = line;
      liveShown = true;
      if (final) io.out('\n');
    } else if (text !== lastLine) {
      io.out(text + '\n');
      lastLine = text;
    }
  };
  const endLive = () => {
    if (live && liveShown && !lastLine.endsWith('\n')) io.out('\n');
  };
  /** true = done; throws on failure. */
  const judge = (d: KubeObject): boolean => {
    const st = viewer.status(d);
    if (st.error) {
      endLive();
      throw new UsageError(st.error);
    }
    show(d, st.message, st.done);
    return st.done;
  };

  const first = await rc.get(name, conn.namespace);
  if (judge(first)) return;
  if (opts.watch === false) return;

  const controller = new AbortController();
  const timer = Number.isFinite(deadline) ? setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now())) : undefined;
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    for (;;) {
      if (controller.signal.aborted) break;
      const list = await rc.list({ namespace: conn.namespace, fieldSelector: `metadata.name=${name}` });
      const d = list.items?.[0];
      if (!d) throw new UsageError(`${viewer.noun} "${name}" was deleted while waiting for its rollout`);
      if (judge(d)) return;
      const w = rc.watch({ namespace: conn.namespace, fieldSelector: `metadata.name=${name}`, resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true, signal: controller.signal });
      try {
        for await (const ev of w) {
          if (ev.type === 'BOOKMARK') continue;
          if (ev.type === 'ERROR') break; // e.g. 410 Expired: list again
          if (ev.type === 'DELETED') throw new UsageError(`${viewer.noun} "${name}" was deleted while waiting for its rollout`);
          if (judge(ev.object as KubeObject)) return;
        }
      } catch (e) {
        if (!controller.signal.aborted) {
          if (e instanceof UsageError) throw e;
          await sleep(500); // the stream broke (server restart?): list and watch again
        }
      }
    }
  } finally {
    if (timer) clearTimeout(timer);
    process.removeListener('SIGINT', stop);
  }
  endLive();
  if (Date.now() >= deadline) throw new UsageError('timed out waiting for the condition');
  throw new UsageError('interrupted');
}

async function listRevisions(conn: Connection, ds: DaemonSet | StatefulSet): Promise<ControllerRevision[]> {
  return (await conn.client.resource<ControllerRevision>('ControllerRevision').list({ namespace: ds.metadata.namespace ?? conn.namespace })).items ?? [];
}

async function daemonSetHistoryCmd(conn: Connection, name: string, flags: Flags, io: Output, kind: Revisioned): Promise<void> {
  const ds = await conn.client.resource<DaemonSet | StatefulSet>(kind).get(name, conn.namespace);
  const revs = daemonSetHistory(ds, await listRevisions(conn, ds));
  const wanted = flags.int('revision');
  if (wanted !== undefined && wanted > 0) {
    const r = revs.find((x) => x.revision === wanted);
    if (!r) throw new UsageError(`unable to find the specified revision`);
    const { describePodTemplate } = await import('./describe.js');
    io.out(`${refOf(kind, name)} with revision #${wanted}\n${describePodTemplate(daemonSetRevisionTemplate(r))}`);
    return;
  }
  if (revs.length === 0) {
    io.out(`No rollout history found in ${kind.toLowerCase()} "${name}"\n`);
    return;
  }
  const lines = ['REVISION\tCHANGE-CAUSE', ...revs.map((r) => `${r.revision}\t${r.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] ?? '<none>'}`)];
  io.out(`${refOf(kind, name)}\n${tabwrite(lines.join('\n'))}\n\n`);
}

async function history(flags: Flags, io: Output): Promise<void> {
  const ref = await workloadRef(flags, 'history');
  if (ref.kind !== 'Deployment') return daemonSetHistoryCmd(ref.conn, ref.name, flags, io, ref.kind);
  const { conn, name } = ref;
  const d = await conn.client.deployments().get(name, conn.namespace);
  const entries = rolloutHistory(d, await listReplicaSets(conn, d));
  const wanted = flags.int('revision');
  if (wanted !== undefined && wanted > 0) {
    const e = entries.find((x) => x.revision === wanted);
    if (!e) throw new UsageError(`unable to find the specified revision`);
    const { describePodTemplate } = await import('./describe.js');
    const tmpl = structuredClone(e.replicaSet.spec.template);
    io.out(`deployment.apps/${name} with revision #${wanted}\n${describePodTemplate(tmpl)}`);
    return;
  }
  if (entries.length === 0) {
    io.out(`No rollout history found in deployment "${name}"\n`);
    return;
  }
  const lines = ['REVISION\tCHANGE-CAUSE', ...entries.map((e) => `${e.revision}\t${e.changeCause ?? '<none>'}`)];
  io.out(`deployment.apps/${name}\n${tabwrite(lines.join('\n'))}\n\n`);
}

async function undo(flags: Flags, io: Output): Promise<void> {
  const { conn, name, kind } = await workloadRef(flags, 'undo');
  if (kind !== 'Deployment') return daemonSetUndo(conn, name, io, flags.int('to-revision') ?? 0, kind);
  await rolloutUndo(conn, name, io, flags.int('to-revision') ?? 0);
}

/** Put a revision's template back into the DaemonSet or StatefulSet (kubectl's DaemonSetRollbacker, StatefulSetRollbacker); the controller makes it a new revision. */
async function daemonSetUndo(conn: Connection, name: string, io: Output, toRevision: number, kind: Revisioned): Promise<void> {
  const rc = conn.client.resource<DaemonSet | StatefulSet>(kind);
  const ds = await rc.get(name, conn.namespace);
  const plan = planDaemonSetUndo(ds, await listRevisions(conn, ds), toRevision);
  if (plan.kind === 'error') throw new UsageError(plan.message);
  if (plan.kind === 'skip') {
    io.out(`${refOf(kind, name)} ${plan.message}\n`);
    return;
  }
  await rc.patch(name, plan.patch, 'json', { namespace: conn.namespace });
  io.out(`${refOf(kind, name)} rolled back\n`);
}

/** Roll a Deployment back to a revision (0 = the previous one), as `kubectl rollout undo`. */
export async function rolloutUndo(conn: Connection, name: string, io: Output, toRevision = 0): Promise<void> {
  const d = await conn.client.deployments().get(name, conn.namespace);
  const plan = planUndo(d, await listReplicaSets(conn, d), toRevision);
  if (plan.kind === 'error') throw new UsageError(plan.message);
  if (plan.kind === 'skip') {
    io.out(`deployment.apps/${name} ${plan.message}\n`);
    return;
  }
  await conn.client.deployments().patch(name, plan.patch, 'json', { namespace: conn.namespace });
  io.out(`deployment.apps/${name} rolled back\n`);
}

async function pauseResume(flags: Flags, io: Output, pause: boolean): Promise<void> {
  const { conn, name } = await deploymentRef(flags, pause ? 'pause' : 'resume');
  const d = await conn.client.deployments().get(name, conn.namespace);
  if (!!d.spec.paused === pause) throw new UsageError(`deployments.apps "${name}" is ${pause ? 'already paused' : 'not paused'}`);
  await conn.client.deployments().patch(name, { spec: { paused: pause ? true : null } }, 'strategic', { namespace: conn.namespace, fieldManager: 'kubectl-rollout' });
  io.out(`deployment.apps/${name} ${pause ? 'paused' : 'resumed'}\n`);
}

async function restart(flags: Flags, io: Output): Promise<void> {
  const { conn, name, kind } = await workloadRef(flags, 'restart');
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (kind !== 'Deployment') {
    await conn.client.resource<DaemonSet | StatefulSet>(kind)
      .patch(name, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } } } }, 'strategic', { namespace: conn.namespace, fieldManager: 'kubectl-rollout' });
    io.out(`${refOf(kind, name)} restarted\n`);
    return;
  }
  const d = await conn.client.deployments().get(name, conn.namespace);
  if (d.spec.paused) throw new UsageError(`deployments.apps "${name}" can't restart paused deployment (run rollout resume first)`);
  await conn.client
    .deployments()
    .patch(name, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } } } }, 'strategic', { namespace: conn.namespace, fieldManager: 'kubectl-rollout' });
  io.out(`deployment.apps/${name} restarted\n`);
}

export const rollout: Command = {
  usage: 'kctl rollout (status|history|undo|pause|resume|restart) deployment/NAME | (status|history|undo|restart) (daemonset|statefulset)/NAME [--to-revision N] [--timeout D]',
  summary: 'Manage the rollout of a deployment, daemon set or stateful set.',
  options: OPTIONS,
  async run(flags, io) {
    const sub = flags.positionals[0];
    switch (sub) {
      case 'status':
        return status(flags, io);
      case 'history':
        return history(flags, io);
      case 'undo':
        return undo(flags, io);
      case 'pause':
        return pauseResume(flags, io, true);
      case 'resume':
        return pauseResume(flags, io, false);
      case 'restart':
        return restart(flags, io);
      default:
        throw new UsageError(
          sub ? `unknown command "${sub}" for "kctl rollout"` : 'a subcommand is required: status, history, undo, pause, resume or restart',
        );
    }
  },
};
