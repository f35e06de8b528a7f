// `kctl set image deployment/NAME CONTAINER=IMAGE…` (`*=IMAGE` for every container) and
// `kctl set env deployment/NAME KEY=VALUE… | KEY-`: strategic merge patches on the pod
// template, shaped as kubectl sends them (containers merged by name, $setElementOrder).
// `kctl rolling-update NAME --image=IMAGE` is the classic command as a friendly alias:
// set image on the Deployment, then wait like `rollout status`; `--rollback` = `rollout undo`.
import type { KubeObject } from '../../api/meta.js';
import type { Container, EnvVar } from '../../api/core/index.js';
import type { Command, Output } from './command.js';
import { connect, type Connection } from './connection.js';
import { formatError, ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { kindName, parseResourceArgs, resolveKind, type ResourceInfo } from './resource-args.js';

/** Where the containers are: spec.template.spec for controllers, spec for pods. */
function podSpecPath(info: ResourceInfo): string[] {
  return info.kind === 'Pod' ? ['spec'] : ['spec', 'template', 'spec'];
}

function podSpecOf(obj: KubeObject, info: ResourceInfo): { containers?: Container[]; initContainers?: Container[] } | undefined {
  let cur: unknown = obj;
  for (const k of podSpecPath(info)) cur = (cur as Record<string, unknown> | undefined)?.[k];
  return cur as { containers?: Container[]; initContainers?: Container[] } | undefined;
}

function nest(path: string[], leaf: Record<string, unknown>): Record<string, unknown> {
  return path.reduceRight<Record<string, unknown>>((acc, k) => ({ [k]: acc }), leaf);
}

/**
 * The patch `set image` sends, or undefined when nothing changes. Pure.
 *   imagePatch(deploy with [web:host], {web:'host:v2'}) →
 *   {spec:{template:{spec:{'$setElementOrder/containers':[{name:'web'}], containers:[{image:'host:v2', name:'web'}]}}}}
 */
export function imagePatch(obj: KubeObject, info: ResourceInfo, images: Record<string, string>): Record<string, unknown> | undefined {
  const spec = podSpecOf(obj, info);
  const containers = spec?.containers ?? [];
  const inits = spec?.initContainers ?? [];
  for (const name of Object.keys(images)) {
    if (name !== '*' && !containers.some((c) => c.name === name) && !inits.some((c) => c.name === name)) {
      throw new UsageError(`unable to find container named "${name}"`);
    }
  }
  const changed = (list: Container[]) =>
    list
      .map((c) => ({ c, image: images[c.name] ?? images['*'] }))
      .filter(({ c, image }) => image !== undefined && image !== c.image)
      .map(({ c, image }) => ({ image, name: c.name }));
  const leaf: Record<string, unknown> = {};
  const cs = changed(containers);
  const is = changed(inits);
  if (cs.length) {
    leaf['$setElementOrder/containers'] = containers.map((c) => ({ name: c.name }));
    leaf.containers = cs;
  }
  if (is.length) {
    leaf['$setElementOrder/initContainers'] = inits.map((c) => ({ name: c.name }));
    leaf.initContainers = is;
  }
  if (!cs.length && !is.length) return undefined;
  return nest(podSpecPath(info), leaf);
}

/** The patch `set env` sends for KEY=VALUE (set) and KEY- (remove) on the chosen containers. Pure. */
export function envPatch(obj: KubeObject, info: ResourceInfo, set: Record<string, string>, remove: string[], container?: string): Record<string, unknown> | undefined {
  const containers = podSpecOf(obj, info)?.containers ?? [];
  const targets = containers.filter((c) => !container || container === '*' || c.name === container);
  if (container && container !== '*' && targets.length === 0) throw new UsageError(`unable to find container named "${container}"`);
  const patched: Record<string, unknown>[] = [];
  for (const c of targets) {
    const env: EnvVar[] = c.env ?? [];
    const adds = Object.entries(set).filter(([k, v]) => env.find((e) => e.name === k)?.value !== v || env.find((e) => e.name === k)?.valueFrom);
    const dels = remove.filter((k) => env.some((e) => e.name === k));
    if (!adds.length && !dels.length) continue;
    const order = [...env.filter((e) => !dels.includes(e.name)).map((e) => e.name)];
    for (const [k] of adds) if (!order.includes(k)) order.push(k);
    patched.push({
      '$setElementOrder/env': order.map((name) => ({ name })),
      env: [...adds.map(([name, value]) => ({ name, value })), ...dels.map((name) => ({ $patch: 'delete', name }))],
      name: c.name,
    });
  }
  if (patched.length === 0) return undefined;
  return nest(podSpecPath(info), { '$setElementOrder/containers': containers.map((c) => ({ name: c.name })), containers: patched });
}

function splitPairs(args: string[]): { refs: string[]; pairs: string[] } {
  const firstPair = args.findIndex((a) => a.includes('=') || /^[A-Za-z_][A-Za-z0-9_.-]*-$/.test(a));
  if (firstPair < 0) return { refs: args, pairs: [] };
  return { refs: args.slice(0, firstPair), pairs: args.slice(firstPair) };
}

async function patchEach(
  conn: Connection,
  io: Output,
  refs: string[],
  what: string,
  makePatch: (obj: KubeObject, info: ResourceInfo) => Record<string, unknown> | undefined,
): Promise<void> {
  let failed = false;
  for (const sel of parseResourceArgs(refs, 'set')) {
    if (sel.names.length === 0) throw new UsageError('resource(s) were provided, but no name was specified');
    const rc = conn.client.resource<KubeObject>(sel.info.kind);
    for (const name of sel.names) {
      try {
        const obj = await rc.get(name, conn.namespace);
        const patch = makePatch(obj, sel.info);
        const ref = `${kindName(sel.info)}/${name}`;
        if (!patch) {
          io.err(`info: ${ref} was not changed\n`);
          continue;
        }
        await rc.patch(name, patch, 'strategic', { namespace: conn.namespace, fieldManager: 'kubectl-set' });
        io.out(`${ref} ${what}\n`);
      } catch (e) {
        if (e instanceof UsageError) throw e;
        failed = true;
        io.err(formatError(e, conn.server) + '\n');
      }
    }
  }
  if (failed) throw new ReportedFailure(1);
}

/** CONTAINER=IMAGE pairs into a map. */
export function parseImagePairs(pairs: string[]): Record<string, string> {
  if (pairs.length === 0) throw new UsageError('at least one image update is required (CONTAINER=IMAGE)');
  const images: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0 || eq === p.length - 1) throw new UsageError(`invalid image update "${p}": expected CONTAINER=IMAGE`);
    images[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return images;
}

const SET_OPTIONS: OptionDefs = {
  container: { type: 'string', short: 'c', help: 'set env|resources: only this container (default: all)' },
  limits: { type: 'string', help: 'set resources: limits, e.g. cpu=200m,memory=512Mi' },
  requests: { type: 'string', help: 'set resources: requests, e.g. cpu=100m,memory=256Mi' },
};

export const set: Command = {
  usage: 'kctl set image (TYPE/NAME | TYPE NAME) CONTAINER=IMAGE… | kctl set env (TYPE/NAME) KEY=VALUE… KEY-…\n'
    + '       | kctl set resources (TYPE/NAME)… [-c CONTAINER] [--limits=cpu=200m,memory=512Mi] [--requests=…] | kctl set selector (TYPE/NAME) KEY=VALUE[,…]',
  summary: 'Update the image or environment of the containers of a deployment, replica set or pod.',
  options: SET_OPTIONS,
  async run(flags, io) {
    const [what, ...rest] = flags.positionals;
    const { refs, pairs } = splitPairs(rest);
    if (what === 'image') {
      const images = parseImagePairs(pairs);
      if (refs.length === 0) throw new UsageError('you must specify a resource, e.g. deployment/web');
      const conn = await connect(flags);
      await patchEach(conn, io, refs, 'image updated', (obj, info) => imagePatch(obj, info, images));
      return;
    }
    if (what === 'env') {
      const setVars: Record<string, string> = {};
      const remove: string[] = [];
      for (const p of pairs) {
        const eq = p.indexOf('=');
        if (eq > 0) setVars[p.slice(0, eq)] = p.slice(eq + 1);
        else if (p.endsWith('-')) remove.push(p.slice(0, -1));
        else throw new UsageError(`invalid env "${p}": expected KEY=VALUE or KEY-`);
      }
      if (pairs.length === 0) throw new UsageError('at least one environment variable (KEY=VALUE or KEY-) is required');
      if (refs.length === 0) throw new UsageError('you must specify a resource, e.g. deployment/web');
      const conn = await connect(flags);
      await patchEach(conn, io, refs, 'env updated', (obj, info) => envPatch(obj, info, setVars, remove, flags.string('container')));
      return;
    }
    if (what === 'resources') {
      const { parseResourceList, resourcesPatch } = await import('./set-resources.js');
      const limits = parseResourceList(flags.string('limits'), 'limits');
      const requests = parseResourceList(flags.string('requests'), 'requests');
      if (!limits && !requests) throw new UsageError('you must specify an update to requests or limits (in the form of --requests/--limits)');
      if (rest.length === 0) throw new UsageError('you must specify a resource, e.g. deployment/web');
      const conn = await connect(flags);
      await patchEach(conn, io, rest, 'resource requirements updated', (obj, info) => resourcesPatch(obj, info, flags.string('container'), limits, requests));
      return;
    }
    if (what === 'selector') {
      const { parseSelector, selectorPatch } = await import('./set-resources.js');
      // The selector is the last argument: `set selector svc/web app=web` or `set selector svc web app=web`.
      const selector = parseSelector(rest[rest.length - 1]);
      const refs = rest.slice(0, -1);
      if (refs.length === 0) throw new UsageError('you must specify a resource, e.g. service/web');
      const conn = await connect(flags);
      await patchEach(conn, io, refs, 'selector updated', (obj) => selectorPatch(obj, selector));
      return;
    }
    throw new UsageError(what ? `unknown command "${what}" for "kctl set" (image, env, resources, selector)` : 'a subcommand is required: image, env, resources or selector');
  },
};

const ROLLING_OPTIONS: OptionDefs = {
  image: { type: 'string', help: 'the new image' },
  container: { type: 'string', short: 'c', help: 'the container to update (required when the deployment has several)' },
  rollback: { type: 'boolean', help: 'undo the last rollout instead' },
  timeout: { type: 'string', help: 'give up waiting after this long (e.g. 5m)' },
};

export const rollingUpdate: Command = {
  usage: 'kctl rolling-update NAME --image=IMAGE [-c CONTAINER] | kctl rolling-update NAME --rollback',
  summary: "Roll a deployment to a new image and wait until it is done (or --rollback). Alias for 'set image' + 'rollout status' / 'rollout undo'.",
  options: ROLLING_OPTIONS,
  async run(flags, io) {
    let [name] = flags.positionals;
    if (!name) throw new UsageError('NAME is required (the deployment to update)');
    if (name.includes('/')) {
      const [kind, n] = name.split('/');
      if (resolveKind(kind!).kind !== 'Deployment') throw new UsageError('rolling-update works on deployments');
      name = n!;
    }
    const { rolloutStatus, rolloutUndo } = await import('./rollout.js');
    const conn = await connect(flags);
    if (flags.bool('rollback')) {
      await rolloutUndo(conn, name, io, 0);
      await rolloutStatus(conn, name, io, { timeoutMs: flags.durationMs('timeout') });
      return;
    }
    const image = flags.string('image');
    if (!image) throw new UsageError('--image (or --rollback) is required');
    const info = resolveKind('deployments');
    const d = await conn.client.deployments().get(name, conn.namespace);
    const containers = d.spec.template.spec.containers;
    const container = flags.string('container') ?? (containers.length === 1 ? containers[0]!.name : undefined);
    if (!container) throw new UsageError(`deployment "${name}" has ${containers.length} containers; choose one with --container`);
    const patch = imagePatch(d as unknown as KubeObject, info, { [container]: image });
    if (patch) {
      await conn.client.deployments().patch(name, patch, 'strategic', { namespace: conn.namespace, fieldManager: 'kubectl-set' });
      io.out(`deployment.apps/${name} image updated\n`);
    } else {
      io.out(`deployment.apps/${name} already runs ${image}\n`);
    }
    await rolloutStatus(conn, name, io, { timeoutMs: flags.durationMs('timeout') });
  },
};
