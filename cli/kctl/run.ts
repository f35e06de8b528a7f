// `kctl run NAME --image=IMG [--port P] [--env K=V]… [--labels a=b,…] [--restart=Always|OnFailure|Never]
// [--command] [-- CMD ARGS…]`: the Pod kubectl 1.32 makes (label run=NAME unless --labels).
// `--replicas N` (which kubectl 1.32 no longer has) makes a Deployment of that pod template
// instead, as the classic tutorials expect, and says so (`deployment.apps/NAME created`).
// `-i [-t] [--rm]` (or --attach), as kubectl: the container gets stdin (stdinOnce unless
// --leave-stdin-open) and a terminal, the restart policy defaults to OnFailure; once the pod
// runs kctl attaches to it, then (restart Never/OnFailure) waits for the pod to finish and
// exits with its container's exit code; --rm deletes the pod afterwards (`pod "NAME" deleted`).
import type { Container, Pod } from '../../api/core/index.js';
import type { KubeObject } from '../../api/meta.js';
import { attachTo } from './attach.js';
import type { Command, Output } from './command.js';
import { connect, type Connection } from './connection.js';
import { DRY_RUN_OPTIONS, parseDryRun, printWritten } from './dry-run.js';
import { formatError, isNotFound, ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { resolveKind } from './resource-args.js';
import { watchUntil } from './wait.js';

const OPTIONS: OptionDefs = {
  image: { type: 'string', help: 'the container image (required)' },
  port: { type: 'string', help: 'the port the container exposes' },
  env: { type: 'string', multiple: true, help: 'KEY=VALUE environment variable (repeatable)' },
  labels: { type: 'string', short: 'l', help: 'comma-separated labels (default run=NAME)' },
  restart: { type: 'string', help: 'Always (default), OnFailure or Never' },
  command: { type: 'boolean', help: 'the arguments after -- are the command, not args' },
  replicas: { type: 'string', short: 'r', help: 'make a Deployment of N replicas instead of a Pod (kctl only)' },
  'image-pull-policy': { type: 'string', help: 'Always, IfNotPresent or Never' },
  rm: { type: 'boolean', help: 'delete the pod after it exits (only when attached: -i or --attach)' },
  stdin: { type: 'boolean', short: 'i', help: 'keep stdin open on the container, and attach to it' },
  tty: { type: 'boolean', short: 't', help: 'allocate a TTY for the container (needs -i)' },
  attach: { type: 'boolean', help: 'wait for the pod to run, then attach to it (default with -i)' },
  'leave-stdin-open': { type: 'boolean', help: 'leave stdin open after the first attach (no stdinOnce)' },
  quiet: { type: 'boolean', short: 'q', help: 'suppress prompt messages' },
  'pod-running-timeout': { type: 'string', help: 'how long to wait for the pod to run (default 1m)' },
  ...DRY_RUN_OPTIONS,
};

export interface RunSpec {
  name: string;
  image: string;
  port?: number;
  env: string[];
  labels?: string;
  restart?: string;
  command: boolean;
  args?: string[];
  imagePullPolicy?: string;
  /** -i: stdin on the container (stdinOnce unless leaveStdinOpen); -t: a terminal. */
  stdin?: boolean;
  leaveStdinOpen?: boolean;
  tty?: boolean;
}

/** kubectl's restart policy: Always, or OnFailure for an interactive run, when not given. Pure. */
export function restartPolicyFor(restart: string | undefined, interactive: boolean): string {
  if (!restart) return interactive ? 'OnFailure' : 'Always';
  if (!['Always', 'OnFailure', 'Never'].includes(restart)) throw new UsageError(`invalid restart policy: ${restart}`);
  return restart;
}

/** kubectl run's checks of the attach flags (its words). Pure. */
export function checkAttachFlags(f: { stdin: boolean; tty: boolean; attach: boolean; rm: boolean; dryRun: boolean; replicas: boolean }): void {
  if (f.tty && !f.stdin) throw new UsageError('-i/--stdin is required for containers with -t/--tty=true');
  if (f.rm && !f.attach) throw new UsageError('--rm should only be used for attached containers');
  if (f.attach && f.dryRun) throw new UsageError("--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)");
  if (f.attach && f.replicas) throw new UsageError('--replicas makes a Deployment, which kctl run does not attach to: leave out -i/--attach/--rm');
}

/** `a=b,c=d` → {a:'b',c:'d'}; kubectl's error for a malformed pair. Pure. */
export function parseLabelList(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of s.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid label spec: ${pair}`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** The Pod `kubectl run` builds (field for field as kubectl 1.32's generator). Pure. */
export function podFor(s: RunSpec): Pod {
  const restart = restartPolicyFor(s.restart, !!s.stdin);
  if (s.command && !(s.args && s.args.length)) throw new UsageError('--command requires a command after --');
  const env = s.env.map((e) => {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid env: ${e}`);
    return { name: e.slice(0, eq), value: e.slice(eq + 1) };
  });
  const container: Container = {
    name: s.name,
    image: s.image,
    ...(s.args && s.args.length ? (s.command ? { command: s.args } : { args: s.args }) : {}),
    ...(env.length ? { env } : {}),
    ...(s.imagePullPolicy ? { imagePullPolicy: s.imagePullPolicy as Container['imagePullPolicy'] } : {}),
    ...(s.port !== undefined ? { ports: [{ containerPort: s.port }] } : {}),
    resources: {},
    ...(s.stdin ? { stdin: true, ...(s.leaveStdinOpen ? {} : { stdinOnce: true }) } : {}),
    ...(s.tty ? { tty: true } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: s.name, labels: s.labels ? parseLabelList(s.labels) : { run: s.name } },
    spec: { containers: [container], dnsPolicy: 'ClusterFirst', restartPolicy: restart as 'Always' },
  } as Pod;
}

/** `run --replicas N`: a Deployment whose template is the Pod run would make (restart must be Always). Pure. */
export function runDeploymentFor(s: RunSpec, replicas: number): KubeObject {
  if (s.restart && s.restart !== 'Always') throw new UsageError(`--replicas makes a Deployment, whose pods must restart Always, not ${s.restart}`);
  const pod = podFor(s);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: s.name, labels: pod.metadata.labels },
    spec: {
      replicas,
      selector: { matchLabels: pod.metadata.labels },
      template: { metadata: { labels: pod.metadata.labels }, spec: pod.spec },
    },
  };
}

export const run: Command = {
  usage: 'kctl run NAME --image=IMAGE [--port=P] [--env=K=V]… [--labels=a=b,…] [--restart=Always|OnFailure|Never] [--replicas=N] [--dry-run=client|server] [-o yaml] [--command] [-- COMMAND|ARGS…]',
  summary: 'Create and run a pod with one container (or, with --replicas, a deployment).',
  options: OPTIONS,
  async run(flags, io) {
    const [name, ...extra] = flags.positionals;
    if (!name) throw new UsageError('NAME is required for run');
    const image = flags.string('image');
    if (!image) throw new UsageError('required flag(s) "image" not set');
    const dryRun = parseDryRun(flags.string('dry-run'));
    const stdin = flags.bool('stdin');
    const attach = flags.has('attach') ? flags.bool('attach') : stdin;
    checkAttachFlags({ stdin, tty: flags.bool('tty'), attach, rm: flags.bool('rm'), dryRun: dryRun !== 'none', replicas: flags.has('replicas') });
    const spec: RunSpec = {
      stdin, tty: flags.bool('tty'), leaveStdinOpen: flags.bool('leave-stdin-open'),
      name, image, env: flags.strings('env'), command: flags.bool('command'),
      args: flags.afterDash ?? (extra.length ? extra : undefined),
      ...(flags.int('port') !== undefined ? { port: flags.int('port')! } : {}),
      ...(flags.string('labels') ? { labels: flags.string('labels')! } : {}),
      ...(flags.string('restart') ? { restart: flags.string('restart')! } : {}),
      ...(flags.string('image-pull-policy') ? { imagePullPolicy: flags.string('image-pull-policy')! } : {}),
    };
    const replicas = flags.int('replicas');
    if (replicas !== undefined && replicas < 0) throw new UsageError('--replicas must be 0 or more');
    const obj = replicas !== undefined ? runDeploymentFor(spec, replicas) : podFor(spec);
    const info = resolveKind(obj.kind!);
    if (dryRun === 'client') return printWritten(io, obj, info, 'created', dryRun, flags.string('output'));
    const conn = await connect(flags);
    let created: KubeObject;
    try {
      created = await conn.client.resource<KubeObject>(info.kind).create(obj, { namespace: conn.namespace, dryRun: dryRun === 'server' });
    } catch (e) {
      io.err(formatError(e, conn.server) + '\n');
      throw new ReportedFailure(1);
    }
    if (!attach) return printWritten(io, created, info, 'created', dryRun, flags.string('output'));
    const pod = created as Pod;
    let end: { code: number; message?: string };
    try {
      end = await runAttached(conn, io, pod, {
        stdin, tty: flags.bool('tty'), quiet: flags.bool('quiet'),
        waitForExit: !flags.bool('leave-stdin-open') && pod.spec.restartPolicy !== 'Always',
        timeoutMs: flags.durationMs('pod-running-timeout') ?? 60_000,
      });
    } finally {
      if (flags.bool('rm')) await removePod(conn, io, pod, flags.bool('quiet'));
    }
    // After the deletion, as kubectl reports the error its deferred removal ran before.
    if (end.message) io.err(end.message);
    if (end.code !== 0) throw new ReportedFailure(end.code);
  },
};

/**
 * kubectl run's attached half: wait for the pod to run (a pod that already finished: its logs),
 * attach, then, when its exit code matters (restart Never/OnFailure), wait for it to finish and
 * return its container's exit code with kubectl's message for a failure (both waits bounded by
 * --pod-running-timeout, as kubectl's).
 */
async function runAttached(
  conn: Connection, io: Output, pod: Pod, o: { stdin: boolean; tty: boolean; quiet: boolean; waitForExit: boolean; timeoutMs: number },
): Promise<{ code: number; message?: string }> {
  const info = resolveKind('Pod');
  const name = pod.metadata.name!;
  const finished = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
  const running = await watchUntil(conn, info, name, (p) => !p || finished(p as Pod) || (p as Pod).status?.phase === 'Running', Date.now() + o.timeoutMs);
  if (running === 'timeout' || running === 'absent') throw new UsageError(`timed out waiting for pod ${conn.namespace}/${name} to run`);
  const current = running.obj as Pod | undefined;
  if (!current) throw new UsageError(`pod ${conn.namespace}/${name} was deleted before it ran`);
  if (finished(current)) {
    await printLogs(conn, io, name);
  } else {
    try {
      await attachTo(conn, io, current, { container: name, stdin: o.stdin, tty: o.tty, quiet: o.quiet });
    } catch (e) {
      io.err(`warning: couldn't attach to pod/${name}, falling back to streaming logs: ${e instanceof Error ? e.message : String(e)}\n`);
      await printLogs(conn, io, name);
    }
  }
  if (!o.waitForExit) return { code: 0 };
  const succeeded = pod.spec.restartPolicy === 'OnFailure';
  const done = await watchUntil(conn, info, name, (p) => !p || (succeeded ? (p as Pod).status?.phase === 'Succeeded' : finished(p as Pod)), Date.now() + o.timeoutMs);
  const end = typeof done === 'object' ? (done.obj as Pod | undefined) : undefined;
  if (done === 'timeout') return { code: 1, message: `error: timed out waiting for pod ${conn.namespace}/${name} to finish\n` };
  if (!end) return { code: 1, message: `error: pod ${conn.namespace}/${name} was deleted before it finished\n` };
  if (end.status?.phase === 'Succeeded') return { code: 0 };
  const terminated = end.status?.containerStatuses?.[0]?.state?.terminated;
  if (!terminated || !terminated.exitCode) return { code: 1, message: `error: pod ${conn.namespace}/${name} failed with unknown exit code\n` };
  return { code: terminated.exitCode, message: `pod ${conn.namespace}/${name} terminated (${terminated.reason ?? 'Error'})\n${terminated.message ?? ''}` };
}

/** The run container's whole log (a pod that finished before kctl could attach). */
async function printLogs(conn: Connection, io: Output, name: string): Promise<void> {
  const stream = await conn.client.podLogs(conn.namespace, name, { container: name });
  for await (const chunk of stream as AsyncIterable<Buffer | string>) io.out(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
}

/** --rm: delete the pod at once (kubectl's grace period -1: the pod's own), `pod "NAME" deleted`. */
async function removePod(conn: Connection, io: Output, pod: Pod, quiet: boolean): Promise<void> {
  try {
    await conn.client.pods().delete(pod.metadata.name!, { namespace: conn.namespace });
    if (!quiet) io.out(`pod "${pod.metadata.name}" deleted\n`);
  } catch (e) {
    if (!isNotFound(e)) io.err(formatError(e, conn.server) + '\n');
  }
}
