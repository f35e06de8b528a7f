// `kctl run NAME --image=IMG [--port P] [--env K=V]… [--labels a=b,…] [--restart=Always|OnFailure|Never]
// [--command] [-- CMD ARGS…]`: the Pod kubectl 1.32 makes (label run=NAME unless --labels).
// `--replicas N` (which kubectl 1.32 no longer has) makes a Deployment of that pod template
// instead, as the classic tutorials expect, and says so (`deployment.apps/NAME created`).
import type { Container, Pod } from '../../api/core/index.js';
import type { KubeObject } from '../../api/meta.js';
import type { Command } from './command.js';
import { connect } from './connection.js';
import { DRY_RUN_OPTIONS, parseDryRun, printWritten } from './dry-run.js';
import { formatError, ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { resolveKind } from './resource-args.js';

const OPTIONS: OptionDefs = {
  image: { type: 'string', help: 'the container image (required)' },
  port: { type: 'string', help: 'the port the container exposes' },
  env: { type: 'string', multiple: true, help: 'KEY=VALUE environment variable (repeatable)' },
  labels: { type: 'string', short: 'l', help: 'comma-separated labels (default run=NAME)' },
  restart: { type: 'string', help: 'Always (default), OnFailure or Never' },
  command: { type: 'boolean', help: 'the arguments after -- are the command, not args' },
  replicas: { type: 'string', short: 'r', help: 'make a Deployment of N replicas instead of a Pod (kctl only)' },
  'image-pull-policy': { type: 'string', help: 'Always, IfNotPresent or Never' },
  rm: { type: 'boolean', help: 'not supported yet: interactive runs need exec -it' },
  stdin: { type: 'boolean', short: 'i', help: 'not supported yet' },
  tty: { type: 'boolean', short: 't', help: 'not supported yet' },
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
  const restart = s.restart ?? 'Always';
  if (!['Always', 'OnFailure', 'Never'].includes(restart)) throw new UsageError(`invalid restart policy: ${restart}`);
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
    if (flags.bool('rm') || flags.bool('stdin') || flags.bool('tty')) {
      throw new UsageError('kctl run does not attach yet (--rm, -i, -t): run the pod, then use kctl exec or kctl logs');
    }
    const image = flags.string('image');
    if (!image) throw new UsageError('required flag(s) "image" not set');
    const dryRun = parseDryRun(flags.string('dry-run'));
    const spec: RunSpec = {
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
    try {
      const created = await conn.client.resource<KubeObject>(info.kind).create(obj, { namespace: conn.namespace, dryRun: dryRun === 'server' });
      printWritten(io, created, info, 'created', dryRun, flags.string('output'));
    } catch (e) {
      io.err(formatError(e, conn.server) + '\n');
      throw new ReportedFailure(1);
    }
  },
};
