// `kctl create -f` (POST each object; an existing one is an AlreadyExists error),
// `kctl create namespace NAME`, `kctl create deployment NAME --image=I [--replicas=N] [-- CMD…]`,
// `kctl create job NAME --image=I [-- CMD…]` or `--from=cronjob/NAME` (a Job from a CronJob's
// template, as kubectl makes it), `kctl create configmap NAME` and
// `kctl create secret generic NAME [--type=T]` from
// `--from-literal`/`--from-file`/`--from-env-file` (data-sources.ts),
// `kctl create secret docker-registry NAME --docker-server=S --docker-username=U --docker-password=P`
// (a kubernetes.io/dockerconfigjson Secret for imagePullSecrets), and `kctl replace -f`
// (PUT each object whole, at the live resourceVersion unless the file pins one).
import type { ConfigMap, Secret } from '../../api/core/index.js';
import type { CronJob, Job } from '../../api/batch/index.js';
import type { KubeObject } from '../../api/meta.js';
import type { Command, Output } from './command.js';
import { connect, type Connection } from './connection.js';
import { isUTF8, readDataSources, type DataEntry } from './data-sources.js';
import { parseDryRun, printWritten } from './dry-run.js';
import { formatError, ReportedFailure, UsageError } from './errors.js';
import type { Flags, OptionDefs } from './flags.js';
import { readManifests } from './manifests.js';
import { kindName, manifestTarget, resolveKind, type ManifestTarget } from './resource-args.js';

/** Run `each` on every object of -f, printing `kind/name verb`; report failures like kubectl, exit 1 if any. */
async function forEachManifest(
  flags: Flags,
  io: Output,
  verb: string,
  /** Does the work; answers the object's name (generateName may pick it) and what happened. */
  each: (conn: Connection, t: ManifestTarget) => Promise<{ name: string; result: string }>,
): Promise<void> {
  const manifests = readManifests(flags.strings('filename'), flags.bool('recursive'), verb);
  const conn = await connect(flags);
  const succeeded: string[] = [];
  let failed = 0;
  for (const m of manifests) {
    let target: ManifestTarget | undefined;
    try {
      target = manifestTarget(m, conn.namespace, conn.namespaceExplicit, verb !== 'create');
      const { name, result } = await each(conn, target);
      const ref = `${kindName(target.info)}/${name}`;
      succeeded.push(ref);
      io.out(flags.string('output') === 'name' ? `${ref}\n` : `${ref} ${result}\n`);
    } catch (e) {
      failed++;
      const gerund = verb === 'create' ? 'creating' : 'replacing';
      io.err(formatError(e, conn.server, target ? `error when ${gerund} "${m.source}"` : undefined) + '\n');
    }
  }
  if (failed > 0) {
    if (succeeded.length > 0) io.err(`error: ${failed} of ${manifests.length} objects failed to ${verb}; ${verb}d: ${succeeded.join(', ')}\n`);
    throw new ReportedFailure(1);
  }
}

const FILE_OPTIONS: OptionDefs = {
  filename: { type: 'string', short: 'f', multiple: true, help: 'file, directory or - (stdin)' },
  recursive: { type: 'boolean', short: 'R', help: 'read directories recursively' },
  output: { type: 'string', short: 'o', help: 'name: print only kind/name' },
  image: { type: 'string', help: 'create deployment: the container image' },
  replicas: { type: 'string', short: 'r', help: 'create deployment: the number of replicas' },
  port: { type: 'string', help: 'create deployment: the containerPort' },
  'from-literal': { type: 'string', multiple: true, help: 'create configmap|secret: KEY=VALUE (repeatable)' },
  'from-file': { type: 'string', multiple: true, help: 'create configmap|secret: [KEY=]FILE or a directory (repeatable)' },
  'from-env-file': { type: 'string', multiple: true, help: 'create configmap|secret: a file of KEY=VALUE lines (repeatable)' },
  type: { type: 'string', help: 'create secret generic: the Secret type (default Opaque)' },
  'docker-server': { type: 'string', help: 'create secret docker-registry: the registry (default https://index.docker.io/v1/)' },
  'docker-username': { type: 'string', help: 'create secret docker-registry: the user name' },
  'docker-password': { type: 'string', help: 'create secret docker-registry: the password' },
  'docker-email': { type: 'string', help: 'create secret docker-registry: an email (optional)' },
  from: { type: 'string', help: 'create job: the resource to make it from (cronjob/NAME)' },
  save: { type: 'boolean', help: 'accepted for compatibility; ignored' },
  validate: { type: 'string', help: 'accepted for kubectl compatibility (the server validates)' },
  'dry-run': { type: 'string', help: 'create NAME: client (print only) or server (checked, not stored)' },
  tcp: { type: 'string', multiple: true, help: 'create service: PORT[:TARGET] (repeatable)' },
  'node-port': { type: 'string', help: 'create service nodeport: the port on every node' },
  clusterip: { type: 'string', help: 'create service clusterip: the address, or None for a headless Service' },
  'external-name': { type: 'string', help: 'create service externalname: the DNS name it points to' },
};

/** The Deployment `kubectl create deployment NAME --image=I` makes. Pure. */
export function deploymentFor(name: string, image: string, replicas: number, command: string[] | undefined, port: number | undefined): KubeObject {
  const containerName = image.replace(/[:@].*$/, '').split('/').pop()!.replace(/[^a-z0-9-]/g, '-') || 'main';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: containerName,
              image,
              ...(command && command.length ? { command } : {}),
              ...(port ? { ports: [{ containerPort: port }] } : {}),
            },
          ],
        },
      },
    },
  };
}

/** The ConfigMap `kubectl create configmap` makes: UTF-8 values in data, other bytes in binaryData. Pure. */
export function configMapFor(name: string, entries: DataEntry[]): ConfigMap {
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  for (const { key, value } of entries) {
    if (isUTF8(value)) data[key] = value.toString('utf8');
    else binaryData[key] = value.toString('base64');
  }
  return {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name },
    ...(Object.keys(data).length ? { data } : {}),
    ...(Object.keys(binaryData).length ? { binaryData } : {}),
  };
}

/** The Secret `kubectl create secret generic` makes: every value base64 in data; the type only when given. Pure. */
export function secretFor(name: string, entries: DataEntry[], type?: string): Secret {
  const data: Record<string, string> = {};
  for (const { key, value } of entries) data[key] = value.toString('base64');
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, ...(type ? { type } : {}), ...(entries.length ? { data } : {}) };
}

/** Where kubectl's docker-registry Secrets point by default: Docker Hub's v1 index URL. */
export const DEFAULT_DOCKER_SERVER = 'https://index.docker.io/v1/';

/**
 * The Secret `kubectl create secret docker-registry` makes: `.dockerconfigjson` holding
 * {"auths": {SERVER: {username, password, email?, auth: base64(user:password)}}}. Pure.
 */
export function dockerRegistrySecretFor(name: string, o: { server?: string; username?: string; password?: string; email?: string }): Secret {
  if (!o.username || !o.password) throw new UsageError('create secret docker-registry needs --docker-username and --docker-password (and --docker-server for a registry other than Docker Hub)');
  const server = o.server || DEFAULT_DOCKER_SERVER;
  const entry = { username: o.username, password: o.password, ...(o.email ? { email: o.email } : {}), auth: Buffer.from(`${o.username}:${o.password}`).toString('base64') };
  const json = JSON.stringify({ auths: { [server]: entry } });
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(json).toString('base64') } };
}

/** The Job `kubectl create job NAME --image=I [-- CMD…]` makes: one container, restartPolicy Never. Pure. */
export function jobFor(name: string, image: string, command: string[] | undefined): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name, image, ...(command && command.length ? { command } : {}) }] } } },
  };
}

/**
 * The Job `kubectl create job NAME --from=cronjob/CJ` makes: the CronJob's job template, marked
 * `cronjob.kubernetes.io/instantiate: manual`, the CronJob as controller (without
 * blockOwnerDeletion, as kubectl: that would need the cronjobs/finalizers permission). Pure.
 */
export function jobFromCronJob(name: string, cj: CronJob): Job {
  const tpl = cj.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: {
      name,
      annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', ...(tpl.metadata?.annotations ?? {}) },
      ...(tpl.metadata?.labels ? { labels: tpl.metadata.labels } : {}),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name!, uid: cj.metadata.uid!, controller: true }],
    },
    spec: structuredClone(tpl.spec!) as Job['spec'],
  };
}

/** `--from=cronjob/NAME` (kubectl accepts only CronJobs there). */
async function jobFromFlag(conn: Connection, name: string, from: string): Promise<Job> {
  const m = /^([^/]+)\/(.+)$/.exec(from);
  const kind = m ? resolveKind(m[1]!) : undefined;
  if (!m || kind?.kind !== 'CronJob') throw new UsageError(`from must be an existing cronjob: --from=cronjob/NAME, not ${JSON.stringify(from)}`);
  const cj = await conn.client.resource<CronJob>('CronJob').get(m[2]!, conn.namespace);
  return jobFromCronJob(name, cj);
}

export const create: Command = {
  usage: 'kctl create -f FILE|DIR|- [-R] | create namespace NAME | create deployment NAME --image=IMAGE [--replicas=N] [-- COMMAND…]\n'
    + '       | create job NAME --image=IMAGE [-- COMMAND…] | create job NAME --from=cronjob/NAME\n'
    + '       | create configmap NAME [--from-literal=K=V] [--from-file=[K=]PATH] [--from-env-file=PATH]\n'
    + '       | create secret generic NAME [--type=TYPE] [--from-literal=K=V] [--from-file=[K=]PATH] [--from-env-file=PATH]\n'
    + '       | create secret docker-registry NAME --docker-server=SERVER --docker-username=USER --docker-password=PASSWORD [--docker-email=EMAIL]\n'
    + '       | create service clusterip|nodeport|loadbalancer|externalname NAME [--tcp=PORT[:TARGET]]… [--node-port=N] [--clusterip=None] [--external-name=DNS]',
  summary: 'Create resources from files or stdin (an existing object is an error; see apply).',
  options: FILE_OPTIONS,
  async run(flags, io) {
    const [what] = flags.positionals;
    if (what && flags.strings('filename').length === 0) {
      const kind = resolveKind(what);
      // `create secret generic NAME`: the Secret's generators are subcommands (kctl has `generic` and `docker-registry`).
      const generator = kind.kind === 'Secret' || kind.kind === 'Service' ? flags.positionals[1] : undefined;
      if (kind.kind === 'Secret' && generator !== 'generic' && generator !== 'docker-registry') {
        throw new UsageError(generator ? `kctl create secret ${generator} is not supported; use create secret generic (with --type) or create -f` : 'create secret needs a type: generic or docker-registry');
      }
      const name = flags.positionals[generator ? 2 : 1];
      if (!name) throw new UsageError(`NAME is required for create ${generator ? `${what} ${generator}` : what}`);
      const sources = { literals: flags.strings('from-literal'), files: flags.strings('from-file'), envFiles: flags.strings('from-env-file') };
      let obj: KubeObject;
      let conn: Connection | undefined;
      if (kind.kind === 'Job') {
        const from = flags.string('from');
        const image = flags.string('image');
        if (from && image) throw new UsageError('either --image or --from must be specified, not both');
        if (from) obj = await jobFromFlag((conn = await connect(flags)), name, from);
        else if (image) obj = jobFor(name, image, flags.afterDash);
        else throw new UsageError('either --image or --from must be specified');
      } else if (kind.kind === 'Namespace') obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
      else if (kind.kind === 'ConfigMap') obj = configMapFor(name, readDataSources(sources, 'ConfigMap', name));
      else if (kind.kind === 'Secret' && generator === 'docker-registry') {
        obj = dockerRegistrySecretFor(name, { server: flags.string('docker-server'), username: flags.string('docker-username'), password: flags.string('docker-password'), email: flags.string('docker-email') });
      } else if (kind.kind === 'Secret') obj = secretFor(name, readDataSources(sources, 'Secret', name), flags.string('type'));
      else if (kind.kind === 'Service') {
        const { serviceFor } = await import('./create-service.js');
        if (!generator) throw new UsageError('create service needs a type: clusterip, nodeport, loadbalancer or externalname');
        obj = serviceFor({
          generator, name, tcp: flags.strings('tcp'), nodePort: flags.int('node-port'),
          clusterIP: flags.string('clusterip'), externalName: flags.string('external-name'),
        });
      } else if (kind.kind === 'Deployment') {
        const image = flags.string('image');
        if (!image) throw new UsageError('required flag(s) "image" not set');
        obj = deploymentFor(name, image, flags.int('replicas') ?? 1, flags.afterDash, flags.int('port'));
      } else throw new UsageError(`kctl create ${what} NAME is not supported; write a manifest and use create -f`);
      const dryRun = parseDryRun(flags.string('dry-run'));
      if (dryRun === 'client') return printWritten(io, obj, kind, 'created', dryRun, flags.string('output'));
      conn ??= await connect(flags);
      const created = await conn.client.resource<KubeObject>(kind.kind).create(obj, { namespace: kind.namespaced ? conn.namespace : undefined, dryRun: dryRun === 'server' });
      printWritten(io, created, kind, 'created', dryRun, flags.string('output'));
      return;
    }
    await forEachManifest(flags, io, 'create', async (conn, t) => {
      const created = await conn.client.resource<KubeObject>(t.info.kind).create(t.object, { namespace: t.namespace });
      return { name: created.metadata.name ?? t.name, result: 'created' };
    });
  },
};

export const replace: Command = {
  usage: 'kctl replace -f FILE|DIR|- [-R]',
  summary: 'Replace resources with the objects in files or stdin (PUT: the whole object is replaced).',
  options: FILE_OPTIONS,
  async run(flags, io) {
    await forEachManifest(flags, io, 'replace', async (conn, t) => {
      const rc = conn.client.resource<KubeObject>(t.info.kind);
      const obj = structuredClone(t.object);
      obj.metadata = { ...obj.metadata, ...(t.namespace ? { namespace: t.namespace } : {}) };
      if (!obj.metadata.resourceVersion) {
        // kubectl replaces at the live version: read it (a missing object is NotFound, as kubectl).
        const live = await rc.get(t.name, t.namespace);
        obj.metadata.resourceVersion = live.metadata.resourceVersion;
      }
      await rc.update(obj);
      return { name: t.name, result: 'replaced' };
    });
  },
};
