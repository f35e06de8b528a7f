// `kctl logs POD [CONTAINER] [-c C] [-f] [--tail N] [--previous] [--since 5m]`, and
// `kctl logs deploy/NAME` / `rs/NAME` / `-l SELECTOR`: the controller's pods are listed by
// its selector and one is picked the way kubectl picks (running and ready first, then the
// oldest), with `Found N pods, using pod/X` on stderr.
import type { KubeObject, LabelSelector } from '../../api/meta.js';
import type { Pod } from '../../api/core/index.js';
import type { Command, Output } from './command.js';
import { connect, type Connection } from './connection.js';
import { UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { resolveKind } from './resource-args.js';

/** kubectl's podutils.ByLogging order: the best pod to show logs of comes first. Pure. */
export function byLogging(a: Pod, b: Pod): number {
  const assigned = (p: Pod) => (p.spec.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(b) - assigned(a);
  const phaseRank: Record<string, number> = { Running: 0, Pending: 1, Unknown: 2 };
  const ra = phaseRank[a.status?.phase ?? 'Pending'] ?? 3;
  const rb = phaseRank[b.status?.phase ?? 'Pending'] ?? 3;
  if (ra !== rb) return ra - rb;
  const ready = (p: Pod) => (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(b) - ready(a);
  const restarts = (p: Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount));
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: Pod) => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  return created(a) - created(b);
}

export function selectorString(sel: LabelSelector | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

/** Resolve `POD`, `pod/P`, `deploy/NAME`, `rs/NAME` to one pod (or throw NotFound / "no pods"). */
export async function podFor(conn: Connection, io: Output, ref: string, announce = true): Promise<Pod> {
  const slash = ref.indexOf('/');
  if (slash < 0) return conn.client.pods().get(ref, conn.namespace);
  const info = resolveKind(ref.slice(0, slash));
  const name = ref.slice(slash + 1);
  if (info.kind === 'Pod') return conn.client.pods().get(name, conn.namespace);
  const owner = await conn.client.resource<KubeObject>(info.kind).get(name, conn.namespace);
  const selector = (owner as { spec?: { selector?: LabelSelector } }).spec?.selector;
  if (!selector) throw new UsageError(`cannot attach to ${info.kind.toLowerCase()}/${name}: it selects no pods`);
  const pods = (await conn.client.pods().list({ namespace: conn.namespace, labelSelector: selectorString(selector) })).items ?? [];
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  const candidates = (live.length ? live : pods).sort(byLogging);
  if (candidates.length === 0) throw new UsageError(`no pods found for ${info.singular}/${name} (selector ${selectorString(selector)})`);
  if (candidates.length > 1 && announce) io.err(`Found ${candidates.length} pods, using pod/${candidates[0]!.metadata.name}\n`);
  return candidates[0]!;
}

/** The container to use: the one asked for, else the only one, else the first (with kubectl's note). */
export function pickContainer(pod: Pod, asked: string | undefined, io: Output): string | undefined {
  if (asked) return asked;
  const names = pod.spec.containers.map((c) => c.name);
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && names.includes(annotated)) return annotated;
  if (names.length > 1) io.err(`Defaulted container "${names[0]}" out of: ${names.join(', ')}\n`);
  return names[0];
}

const OPTIONS: OptionDefs = {
  container: { type: 'string', short: 'c', help: 'the container (default: the first)' },
  follow: { type: 'boolean', short: 'f', help: 'keep streaming new output' },
  tail: { type: 'string', help: 'only the last N lines' },
  previous: { type: 'boolean', short: 'p', help: 'the logs of the previous (crashed) instance of the container' },
  since: { type: 'string', help: 'only logs newer than this duration, e.g. 5m' },
  timestamps: { type: 'boolean', help: 'prefix each line with its time' },
  selector: { type: 'string', short: 'l', help: 'logs of every pod matching this selector' },
  prefix: { type: 'boolean', help: 'prefix each line with the pod and container name' },
};

async function streamLogs(conn: Connection, io: Output, pod: Pod, container: string | undefined, flags: import('./flags.js').Flags, prefix: boolean, signal: AbortSignal): Promise<void> {
  const tail = flags.int('tail');
  const sinceMs = flags.durationMs('since');
  const stream = await conn.client.podLogs(pod.metadata.namespace ?? conn.namespace, pod.metadata.name!, {
    ...(container ? { container } : {}),
    follow: flags.bool('follow'),
    ...(tail !== undefined && tail >= 0 ? { tailLines: tail } : {}),
    ...(sinceMs !== undefined ? { sinceSeconds: Math.max(1, Math.ceil(sinceMs / 1000)) } : {}),
    previous: flags.bool('previous'),
    timestamps: flags.bool('timestamps'),
    signal,
  });
  const tag = `[pod/${pod.metadata.name}/${container ?? pod.spec.containers[0]?.name}] `;
  let partial = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      if (!prefix) {
        io.out(text);
        continue;
      }
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) io.out(tag + l + '\n');
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
  if (prefix && partial) io.out(tag + partial + '\n');
}

export const logs: Command = {
  usage: 'kctl logs (POD | TYPE/NAME | -l SELECTOR) [CONTAINER] [-c CONTAINER] [-f] [--tail N] [--previous]',
  summary: "Print the logs of a pod's container.",
  options: OPTIONS,
  async run(flags, io) {
    const [ref, containerArg] = flags.positionals;
    const selector = flags.string('selector');
    if (!ref && !selector) throw new UsageError('expected POD or TYPE/NAME (e.g. kctl logs deploy/web), or -l SELECTOR');
    const conn = await connect(flags);
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    if (selector) {
      const pods = ((await conn.client.pods().list({ namespace: conn.namespace, labelSelector: selector })).items ?? []).sort(byLogging);
      if (pods.length === 0) {
        io.err(`No resources found in ${conn.namespace} namespace.\n`);
        return;
      }
      const prefix = flags.bool('prefix') || pods.length > 1;
      await Promise.all(pods.slice(0, 5).map((p) => streamLogs(conn, io, p, pickContainer(p, flags.string('container'), io), flags, prefix, controller.signal)));
      return;
    }
    const pod = await podFor(conn, io, ref!);
    const container = pickContainer(pod, flags.string('container') ?? containerArg, io);
    await streamLogs(conn, io, pod, container, flags, flags.bool('prefix'), controller.signal);
  },
};
