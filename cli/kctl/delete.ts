// `kctl delete -f FILE` / `kctl delete KIND NAME…` / `KIND/NAME` / `KIND -l SEL` / `KIND --all`:
// DELETE with a propagation policy from --cascade (background by default, as kubectl),
// print `deployment.apps "web" deleted`, then wait until each object is really gone
// (finalizers, foreground cascade and pod grace periods can keep it around) unless --wait=false.
import type { KubeObject } from '../../api/meta.js';
import type { Command } from './command.js';
import { connect, type Connection } from './connection.js';
import { formatError, isNotFound, ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { readManifests } from './manifests.js';
import { manifestTarget, parseResourceArgs, resourceName, type ResourceInfo } from './resource-args.js';

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

/** --cascade as kubectl reads it: background|foreground|orphan, plus the old true/false. */
export function parseCascade(v: string | undefined): Propagation {
  switch ((v ?? 'background').toLowerCase()) {
    case 'background':
    case 'true':
      return 'Background';
    case 'foreground':
      return 'Foreground';
    case 'orphan':
    case 'false':
      return 'Orphan';
    default:
      throw new UsageError(`invalid cascade value (${v}). Must be "background", "foreground", or "orphan"`);
  }
}

interface Victim {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until GET says NotFound, or the name now belongs to a new object (another uid). */
async function waitGone(conn: Connection, v: Victim, uid: string | undefined, deadline: number): Promise<boolean> {
  const rc = conn.client.resource<KubeObject>(v.info.kind);
  let delay = 100;
  for (;;) {
    try {
      const cur = await rc.get(v.name, v.namespace);
      if (uid && cur.metadata.uid !== uid) return true;
    } catch (e) {
      if (isNotFound(e)) return true;
      throw e;
    }
    if (Date.now() > deadline) return false;
    await sleep(delay);
    delay = Math.min(delay * 2, 1000);
  }
}

const OPTIONS: OptionDefs = {
  filename: { type: 'string', short: 'f', multiple: true, help: 'file, directory or - with the objects to delete' },
  recursive: { type: 'boolean', short: 'R', help: 'read directories recursively' },
  selector: { type: 'string', short: 'l', help: 'delete the objects matching this label selector' },
  'field-selector': { type: 'string', help: 'delete the objects matching this field selector' },
  all: { type: 'boolean', help: 'delete all objects of the kind in the namespace' },
  'all-namespaces': { type: 'boolean', short: 'A', help: 'with -l or --all: in every namespace' },
  cascade: { type: 'string', help: 'background (default), foreground or orphan' },
  wait: { type: 'boolean', help: 'wait until the objects are gone (default true; --wait=false to return at once)' },
  timeout: { type: 'string', help: 'how long to wait (e.g. 60s); default: until gone' },
  'grace-period': { type: 'string', help: 'seconds a pod gets to stop (overrides its terminationGracePeriodSeconds)' },
  now: { type: 'boolean', help: 'grace period 1s' },
  force: { type: 'boolean', help: 'with --grace-period=0: remove at once' },
  'ignore-not-found': { type: 'boolean', help: 'a missing object is not an error' },
  output: { type: 'string', short: 'o', help: 'name: print only kind/name' },
};

export const del: Command = {
  usage: 'kctl delete (-f FILE | KIND NAME… | KIND/NAME… | KIND -l SELECTOR | KIND --all) [--cascade=background|foreground|orphan] [--wait=false]',
  summary: 'Delete resources by file, by kind and name, or by label selector.',
  options: OPTIONS,
  async run(flags, io) {
    const propagationPolicy = parseCascade(flags.string('cascade'));
    const files = flags.strings('filename');
    if (files.length > 0 && flags.positionals.length > 0) throw new UsageError('you may not specify both -f and resource names');
    const manifests = files.length > 0 ? readManifests(files, flags.bool('recursive'), 'delete') : undefined;
    const selections = manifests ? [] : parseResourceArgs(flags.positionals, 'delete');
    const labelSelector = flags.string('selector');
    const fieldSelector = flags.string('field-selector');
    const all = flags.bool('all');
    if (!manifests) {
      for (const s of selections) {
        if (s.names.length === 0 && !labelSelector && !fieldSelector && !all) {
          throw new UsageError('resource(s) were provided, but no name was specified');
        }
        if (s.names.length > 0 && (labelSelector || all)) throw new UsageError('name cannot be provided when a selector is specified');
      }
    }
    const conn = await connect(flags);
    let gracePeriodSeconds = flags.int('grace-period');
    if (flags.bool('now')) gracePeriodSeconds = 1;
    if (flags.bool('force') && gracePeriodSeconds === undefined) gracePeriodSeconds = 0;

    // Work out what to delete.
    const victims: Victim[] = [];
    const errors: string[] = [];
    if (manifests) {
      for (const m of manifests) {
        try {
          const t = manifestTarget(m, conn.namespace, conn.namespaceExplicit);
          victims.push({ info: t.info, namespace: t.namespace, name: t.name });
        } catch (e) {
          errors.push(formatError(e, conn.server));
        }
      }
    } else {
      for (const s of selections) {
        const ns = s.info.namespaced ? (flags.bool('all-namespaces') ? undefined : conn.namespace) : undefined;
        if (s.names.length > 0) {
          for (const name of s.names) victims.push({ info: s.info, namespace: ns ?? conn.namespace, name });
        } else {
          const list = await conn.client.resource<KubeObject>(s.info.kind).listAll({ namespace: ns, labelSelector, fieldSelector });
          for (const o of list.items ?? []) victims.push({ info: s.info, namespace: o.metadata.namespace, name: o.metadata.name! });
          if ((list.items ?? []).length === 0) {
            io.err(ns ? `No resources found in ${ns} namespace.\n` : 'No resources found\n');
          }
        }
      }
    }

    const deleted: { v: Victim; uid: string | undefined }[] = [];
    for (const v of victims) {
      const rc = conn.client.resource<KubeObject>(v.info.kind);
      try {
        const res = await rc.delete(v.name, {
          namespace: v.namespace,
          propagationPolicy,
          ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
        });
        const uid = (res as KubeObject).metadata?.uid ?? (res as { details?: { uid?: string } }).details?.uid;
        deleted.push({ v, uid });
        const display = v.info.group ? `${v.info.singular}.${v.info.group}` : v.info.singular;
        io.out(flags.string('output') === 'name' ? `${display}/${v.name}\n` : `${display} "${v.name}" deleted\n`);
      } catch (e) {
        if (isNotFound(e) && flags.bool('ignore-not-found')) continue;
        if (isNotFound(e) && manifests) {
          errors.push(`Error from server (NotFound): error when deleting "${files.join(',')}": ${resourceName(v.info)} "${v.name}" not found`);
        } else {
          errors.push(formatError(e, conn.server));
        }
      }
    }

    if (flags.bool('wait', true)) {
      const timeoutMs = flags.durationMs('timeout');
      const deadline = timeoutMs ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
      for (const { v, uid } of deleted) {
        const gone = await waitGone(conn, v, uid, deadline);
        if (!gone) errors.push(`error: timed out waiting for the condition on ${v.info.plural}/${v.name}`);
      }
    }
    for (const e of errors) io.err(e + '\n');
    if (errors.length > 0) throw new ReportedFailure(1);
  },
};
