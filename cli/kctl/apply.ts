// `kctl apply -f FILE|DIR|- [-R]`: client-side apply as kubectl does it. The object as
// written in the file is kept in the `kubectl.kubernetes.io/last-applied-configuration`
// annotation; on the next apply a three-way strategic merge patch (last applied → file,
// against the live object) is sent, so a field removed from the file is removed from the
// object while fields others set (status, replicas a user scaled…) are left alone.
// `--server-side` sends the file as an apply patch instead (the server tracks field owners).
import type { KubeObject } from '../../api/meta.js';
import { createThreeWayMergePatch } from '../../api/patch/strategic.js';
import type { Command } from './command.js';
import { connect, type Connection } from './connection.js';
import { formatError, isConflict, isNotFound, ReportedFailure } from './errors.js';
import type { OptionDefs } from './flags.js';
import { readManifests } from './manifests.js';
import { kindName, manifestTarget, type ManifestTarget } from './resource-args.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const FIELD_MANAGER = 'kubectl-client-side-apply';

export type ApplyPlan =
  | { action: 'create'; body: KubeObject }
  | { action: 'patch'; patch: Record<string, unknown> }
  | { action: 'unchanged' };

/** The file's object with the last-applied annotation set to the file's object itself (minus that annotation). */
export function withLastApplied(fileObj: KubeObject): KubeObject {
  const copy = structuredClone(fileObj);
  const annotations = { ...(copy.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  const forAnnotation = structuredClone(copy);
  if (Object.keys(annotations).length > 0) forAnnotation.metadata.annotations = annotations;
  else delete forAnnotation.metadata.annotations;
  copy.metadata.annotations = { ...annotations, [LAST_APPLIED_ANNOTATION]: JSON.stringify(forAnnotation) + '\n' };
  return copy;
}

function isEmptyPatch(p: unknown): boolean {
  return p === null || p === undefined || (typeof p === 'object' && Object.keys(p as object).length === 0);
}

/**
 * Decide what apply does for one object. Pure: the file's object and the live object (or
 * undefined when it does not exist) in; create / patch / nothing out.
 *
 *   planApply(file, undefined)            → create file + annotation
 *   planApply(file, liveAppliedFromFile)  → unchanged
 *   planApply(fileWithoutLabelX, live)    → patch {metadata:{labels:{x:null}}, …annotation}
 */
export function planApply(fileObj: KubeObject, current: KubeObject | undefined): ApplyPlan {
  const modified = withLastApplied(fileObj);
  if (!current) return { action: 'create', body: modified };
  const lastApplied = current.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  let original: KubeObject | undefined;
  if (lastApplied) {
    try {
      original = JSON.parse(lastApplied) as KubeObject;
    } catch {
      original = undefined; // a mangled annotation: treat as never applied (nothing gets deleted)
    }
  }
  const patch = createThreeWayMergePatch(original ?? null, modified, current, fileObj.kind) as Record<string, unknown>;
  if (isEmptyPatch(patch)) return { action: 'unchanged' };
  return { action: 'patch', patch };
}

/** Apply one object as `kctl apply` does (also used by `kctl compose up`). */
export async function applyOne(conn: Connection, t: ManifestTarget): Promise<'created' | 'configured' | 'unchanged'> {
  const rc = conn.client.resource<KubeObject>(t.info.kind);
  const fileObj = structuredClone(t.object);
  for (let attempt = 0; ; attempt++) {
    let current: KubeObject | undefined;
    try {
      current = await rc.get(t.name, t.namespace);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const plan = planApply(fileObj, current);
    try {
      if (plan.action === 'create') {
        await rc.create(plan.body, { namespace: t.namespace, fieldManager: FIELD_MANAGER });
        return 'created';
      }
      if (plan.action === 'unchanged') return 'unchanged';
      await rc.patch(t.name, plan.patch, 'strategic', { namespace: t.namespace, fieldManager: FIELD_MANAGER });
      return 'configured';
    } catch (e) {
      // Someone changed it between our read and write (or created it): read again, up to 5 times.
      const raced = isConflict(e) || (plan.action === 'create' && (e as { status?: { reason?: string } }).status?.reason === 'AlreadyExists');
      if (!raced || attempt >= 4) throw e;
    }
  }
}

const OPTIONS: OptionDefs = {
  filename: { type: 'string', short: 'f', multiple: true, help: 'file, directory or - (stdin) with the objects to apply' },
  recursive: { type: 'boolean', short: 'R', help: 'read directories given with -f recursively' },
  output: { type: 'string', short: 'o', help: 'name: print only kind/name' },
  'server-side': { type: 'boolean', help: 'apply on the server (field ownership tracked there)' },
  'force-conflicts': { type: 'boolean', help: 'with --server-side, take over fields other managers own' },
  'field-manager': { type: 'string', help: 'the field manager for --server-side (default kubectl)' },
  validate: { type: 'string', help: 'accepted for kubectl compatibility (the server validates)' },
};

export const apply: Command = {
  usage: 'kctl apply -f FILE|DIR|- [-R] [--server-side]',
  summary: 'Apply a configuration to resources from files or stdin: create them if missing, patch them to match otherwise.',
  options: OPTIONS,
  async run(flags, io) {
    const manifests = readManifests(flags.strings('filename'), flags.bool('recursive'), 'apply');
    const conn = await connect(flags);
    const serverSide = flags.bool('server-side');
    const succeeded: string[] = [];
    let failed = 0;
    for (const m of manifests) {
      let target: ManifestTarget | undefined;
      try {
        target = manifestTarget(m, conn.namespace, conn.namespaceExplicit);
        const ref = `${kindName(target.info)}/${target.name}`;
        let result: string;
        if (serverSide) {
          const rc = conn.client.resource<KubeObject>(target.info.kind);
          await rc.patch(target.name, target.object, 'apply', {
            namespace: target.namespace,
            fieldManager: flags.string('field-manager') ?? 'kubectl',
            force: flags.bool('force-conflicts'),
          });
          result = 'serverside-applied';
        } else {
          result = await applyOne(conn, target);
        }
        succeeded.push(ref);
        io.out(flags.string('output') === 'name' ? `${ref}\n` : `${ref} ${result}\n`);
      } catch (e) {
        failed++;
        const context = target ? `error when applying "${m.source}"` : undefined;
        io.err(formatError(e, conn.server, context) + '\n');
      }
    }
    if (failed > 0) {
      if (succeeded.length > 0) {
        io.err(`error: ${failed} of ${manifests.length} objects failed to apply; applied: ${succeeded.join(', ')}\n`);
      }
      throw new ReportedFailure(1);
    }
  },
};
