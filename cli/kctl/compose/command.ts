// `kctl compose up|down|convert [-f FILE] [-p PROJECT] [-n NS]`: a Compose file as Kubernetes
// objects. convert prints them (multi-document YAML for `kubectl apply -f -`); up applies them
// through kctl apply's own code; down deletes everything labelled with the project and waits
// until it is gone. A file with problems is refused before any request (load.ts).
import yaml from 'js-yaml';
import type { KubeObject } from '../../../api/meta.js';
import { applyOne, planApply } from '../apply.js';
import type { Command, Output } from '../command.js';
import { connect, type Connection } from '../connection.js';
import { formatError, isNotFound, ReportedFailure, UsageError } from '../errors.js';
import type { Flags, OptionDefs } from '../flags.js';
import { kindName, manifestTarget, resolveKind, type ResourceInfo } from '../resource-args.js';
import { convert, projectSelector, SERVICE_LABEL, type ConvertOptions } from './convert.js';
import { loadComposeFile, normalizeProjectName, type ComposeProject } from './load.js';

const OPTIONS: OptionDefs = {
  file: { type: 'string', short: 'f', help: 'the Compose file (default: compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml here; - for stdin)' },
  'project-name': { type: 'string', short: 'p', help: 'the project name (default: the file\'s name key, else its directory\'s name)' },
  profile: { type: 'string', multiple: true, help: 'bring in the services of this profile (repeatable)' },
  'dry-run': { type: 'boolean', help: 'up: say what would be created or changed, change nothing' },
  'remove-orphans': { type: 'boolean', help: 'up: delete objects of the project that the file no longer makes' },
  volumes: { type: 'boolean', short: 'v', help: 'down: also delete the named volumes\' PersistentVolumeClaims' },
  timeout: { type: 'string', help: 'down: how long to wait until everything is gone (default 5m)' },
  'node-port-range': { type: 'string', help: 'the cluster\'s NodePort range (default 30000-32767): published ports inside it become NodePorts' },
  'wait-image': { type: 'string', help: 'image of the init containers that wait for depends_on (needs sh, and nc or bash; default busybox)' },
};

/** What `up` may make and `down` deletes, in the order down deletes them (workloads first). */
const KINDS = ['Deployment', 'Pod', 'Service', 'ConfigMap', 'Secret', 'PersistentVolumeClaim'];
/** What down waits for besides those: what the Deployments made. */
const DEPENDENTS = ['ReplicaSet', 'Pod'];

function convertOptions(flags: Flags): ConvertOptions {
  const range = flags.string('node-port-range') ?? '30000-32767';
  const m = /^(\d+)-(\d+)$/.exec(range);
  if (!m || Number(m[1]) > Number(m[2])) throw new UsageError(`invalid argument "${range}" for "--node-port-range" flag: must be like 30000-32767`);
  return { nodePortRange: [Number(m[1]), Number(m[2])], waitImage: flags.string('wait-image') ?? 'busybox', profiles: flags.strings('profile') };
}

function load(flags: Flags, io: Output): { project: ComposeProject; objects: KubeObject[] } {
  const project = loadComposeFile(flags.string('file'), { projectName: flags.string('project-name') });
  const { objects, warnings } = convert(project, convertOptions(flags));
  for (const w of warnings) io.err(`Warning: ${w}\n`);
  return { project, objects };
}

const refOf = (info: ResourceInfo, name: string) => `${kindName(info)}/${name}`;

async function up(flags: Flags, io: Output): Promise<void> {
  const { project, objects } = load(flags, io);
  const conn = await connect(flags);
  const dryRun = flags.bool('dry-run');
  const made = new Set<string>();
  let failed = 0;
  for (const object of objects) {
    const t = manifestTarget({ source: project.source, object }, conn.namespace, conn.namespaceExplicit);
    const ref = refOf(t.info, t.name);
    made.add(ref);
    try {
      if (dryRun) {
        let current: KubeObject | undefined;
        try {
          current = await conn.client.resource<KubeObject>(t.info.kind).get(t.name, t.namespace);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        const plan = planApply(object, current);
        io.out(`${ref} ${plan.action === 'create' ? 'created' : plan.action === 'patch' ? 'configured' : 'unchanged'} (dry run)\n`);
      } else {
        io.out(`${ref} ${await applyOne(conn, t)}\n`);
      }
    } catch (e) {
      failed++;
      io.err(formatError(e, conn.server, `error when applying ${ref} from "${project.source}"`) + '\n');
    }
  }
  // Claims hold data: like Compose's volumes, only `down --volumes` deletes them.
  const orphans = (await listProject(conn, project.name, KINDS)).filter((o) => !made.has(o.ref) && o.info.kind !== 'PersistentVolumeClaim');
  if (orphans.length > 0) {
    if (flags.bool('remove-orphans') && !dryRun) {
      await deleteAll(conn, orphans, io);
      await waitGone(conn, project.name, orphans, Date.now() + 300_000);
    } else {
      io.err(`Warning: found objects of project "${project.name}" the file no longer makes (${orphans.map((o) => o.ref).join(', ')}): up --remove-orphans deletes them\n`);
    }
  }
  if (!dryRun) await printEndpoints(conn, objects, io);
  if (failed > 0) throw new ReportedFailure(1);
}

/** Where published ports answer: the NodePorts the Services got. */
async function printEndpoints(conn: Connection, objects: KubeObject[], io: Output): Promise<void> {
  for (const o of objects) {
    if (o.kind !== 'Service') continue;
    try {
      const svc = await conn.client.resource<KubeObject>('Service').get(o.metadata.name!, conn.namespace);
      const ports = ((svc.spec as { ports?: { port: number; protocol?: string; nodePort?: number }[] })?.ports ?? []).filter((p) => p.nodePort);
      for (const p of ports) io.out(`${o.metadata.name}: localhost:${p.nodePort} -> ${p.port}/${(p.protocol ?? 'TCP').toLowerCase()}\n`);
    } catch {
      // Reported when it was applied.
    }
  }
}

interface Found {
  info: ResourceInfo;
  name: string;
  ref: string;
  /** Its compose.service label: whose ReplicaSets and pods to wait for when it is a Deployment. */
  service?: string;
}

async function listKind(conn: Connection, project: string, kind: string): Promise<KubeObject[]> {
  const list = await conn.client.resource<KubeObject>(resolveKind(kind).kind).listAll({ namespace: conn.namespace, labelSelector: projectSelector(project) });
  return list.items ?? [];
}

async function listProject(conn: Connection, project: string, kinds: string[]): Promise<Found[]> {
  const out: Found[] = [];
  for (const kind of kinds) {
    const info = resolveKind(kind);
    for (const o of await listKind(conn, project, kind)) {
      // What a Deployment made is the garbage collector's to delete (and not an orphan).
      if (o.metadata.ownerReferences?.length) continue;
      if (o.metadata.deletionTimestamp && kind !== 'Pod') continue;
      const service = o.metadata.labels?.[SERVICE_LABEL];
      out.push({ info, name: o.metadata.name!, ref: refOf(info, o.metadata.name!), ...(service ? { service } : {}) });
    }
  }
  return out;
}

async function deleteAll(conn: Connection, victims: Found[], io: Output): Promise<void> {
  for (const v of victims) {
    try {
      await conn.client.resource<KubeObject>(v.info.kind).delete(v.name, { namespace: conn.namespace, propagationPolicy: 'Background' });
      io.out(`${v.info.group ? `${v.info.singular}.${v.info.group}` : v.info.singular} "${v.name}" deleted\n`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Until the deleted objects, and the ReplicaSets and pods their Deployments made, are gone. */
async function waitGone(conn: Connection, project: string, deleted: Found[], deadline: number): Promise<void> {
  const services = new Set(deleted.filter((d) => d.info.kind === 'Deployment' && d.service).map((d) => d.service!));
  const kinds = [...new Set([...deleted.map((d) => d.info.kind), ...(services.size ? DEPENDENTS : [])])];
  let delay = 200;
  for (;;) {
    const left: string[] = [];
    for (const kind of kinds) {
      const info = resolveKind(kind);
      for (const o of await listKind(conn, project, kind)) {
        const name = o.metadata.name!;
        const mine = deleted.some((d) => d.info.kind === info.kind && d.name === name) || (DEPENDENTS.includes(kind) && services.has(o.metadata.labels?.[SERVICE_LABEL] ?? ''));
        if (mine) left.push(refOf(info, name));
      }
    }
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new UsageError(`timed out waiting for ${left.join(', ')} to be deleted`);
    await sleep(delay);
    delay = Math.min(delay * 2, 1000);
  }
}

async function down(flags: Flags, io: Output): Promise<void> {
  // -p alone is enough (the file may be gone); otherwise the name comes from the file, as Compose.
  const given = flags.string('project-name');
  const name = given ? normalizeProjectName(given) : loadComposeFile(flags.string('file')).name;
  if (!name) throw new UsageError(`invalid project name "${given}"`);
  const conn = await connect(flags);
  const withVolumes = flags.bool('volumes');
  const found = await listProject(conn, name, KINDS);
  const victims = found.filter((f) => withVolumes || f.info.kind !== 'PersistentVolumeClaim');
  if (found.length === 0) io.err(`No resources found for project "${name}" in ${conn.namespace} namespace.\n`);
  await deleteAll(conn, victims, io);
  const timeoutMs = flags.durationMs('timeout') ?? 300_000;
  await waitGone(conn, name, victims, Date.now() + timeoutMs);
  for (const kept of found.filter((f) => !victims.includes(f))) io.err(`${kept.ref} kept (down --volumes deletes it)\n`);
}

async function convertCommand(flags: Flags, io: Output): Promise<void> {
  const { objects } = load(flags, io);
  io.out(objects.map((o) => yaml.dump(o, { lineWidth: -1, noRefs: true, quotingType: '"' })).join('---\n'));
}

export const compose: Command = {
  usage: 'kctl compose up|down|convert [-f FILE] [-p PROJECT] [-n NAMESPACE] [--profile P] [--dry-run] [--remove-orphans] [-v]',
  summary: 'Run a Compose file (docker-compose.yml) as Kubernetes objects: convert prints them, up applies them, down deletes them.',
  options: OPTIONS,
  async run(flags, io) {
    const [sub, ...extra] = flags.positionals;
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')} (services cannot be picked one by one)`);
    switch (sub) {
      case 'up':
        return up(flags, io);
      case 'down':
        return down(flags, io);
      case 'convert':
      case 'config':
        return convertCommand(flags, io);
      case undefined:
        throw new UsageError('a subcommand is required: up, down or convert');
      default:
        throw new UsageError(`unknown compose subcommand "${sub}": up, down or convert`);
    }
  },
};
