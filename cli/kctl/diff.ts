// `kctl diff -f FILE|DIR|- [-R] [--server-side]`, as kubectl 1.32: each object is sent as
// `kctl apply` would send it, with dryRun=All, so the server's defaulting, admission and
// validation shape the result; the live objects go in LIVE-*/ and the answers in MERGED-*/,
// one file per object named GROUP.VERSION.KIND.NAMESPACE.NAME, and `diff -u -N` (or
// $KUBECTL_EXTERNAL_DIFF) compares the two folders. Exit status: 0 no differences, 1
// differences, >1 kctl or diff failed — kubectl's contract, which scripts rely on.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import type { KubeObject } from '../../api/meta.js';
import type { Command } from './command.js';
import { connect } from './connection.js';
import { formatError, isNotFound, ReportedFailure } from './errors.js';
import type { OptionDefs } from './flags.js';
import { readManifests } from './manifests.js';
import { manifestTarget, type ResourceInfo } from './resource-args.js';
import { planApply } from './apply.js';

const OPTIONS: OptionDefs = {
  filename: { type: 'string', short: 'f', multiple: true, help: 'file, directory or - (stdin) with the objects to compare' },
  recursive: { type: 'boolean', short: 'R', help: 'read directories given with -f recursively' },
  'server-side': { type: 'boolean', help: 'compare with what a server-side apply would make' },
  'force-conflicts': { type: 'boolean', help: 'with --server-side, take over fields other managers own' },
  'field-manager': { type: 'string', help: 'the field manager (default kubectl-client-side-apply, or kubectl with --server-side)' },
  'show-managed-fields': { type: 'boolean', help: 'include metadata.managedFields' },
};

/** kubectl's file name for an object: `apps.v1.Deployment.default.web`, `v1.Namespace..shop`. Pure. */
export function diffFileName(info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>, namespace: string | undefined, name: string): string {
  return `${info.group ? `${info.group}.` : ''}${info.version}.${info.kind}.${namespace ?? ''}.${name}`;
}

/**
 * The external diff program: $KUBECTL_EXTERNAL_DIFF split on spaces, keeping only arguments
 * kubectl keeps (letters, digits, `-`, `=`); default `diff -u -N`. Pure.
 */
export function diffCommand(env: string | undefined): string[] {
  const words = (env ?? '').split(' ').filter(Boolean);
  if (words.length === 0) return ['diff', '-u', '-N'];
  return [words[0]!, ...words.slice(1).filter((a) => /^[a-zA-Z0-9-=]+$/.test(a))];
}

/** What is shown of an object: without managedFields (unless asked), Secret values masked. Pure. */
export function forDiff(obj: KubeObject | undefined, other: KubeObject | undefined, showManagedFields: boolean, side: 'before' | 'after'): KubeObject | undefined {
  if (!obj) return undefined;
  const copy = structuredClone(obj);
  if (!showManagedFields && copy.metadata) delete (copy.metadata as { managedFields?: unknown }).managedFields;
  if (copy.kind === 'Secret') {
    // kubectl never prints secret values: `***` when equal on both sides, else `*** (before)` / `*** (after)`.
    const mine = (copy as unknown as { data?: Record<string, string> }).data;
    const theirs = (other as unknown as { data?: Record<string, string> } | undefined)?.data ?? {};
    if (mine) for (const k of Object.keys(mine)) mine[k] = mine[k] === theirs[k] ? '***' : `*** (${side})`;
  }
  return copy;
}

/** YAML laid out as kubectl writes it (sorted keys, list items not indented), so diffs read the same. */
export function diffYaml(obj: unknown): string {
  return yaml.dump(obj, { sortKeys: true, lineWidth: -1, noRefs: true, noArrayIndent: true, quotingType: '"' });
}

function runDiff(argv: string[], live: string, merged: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, [...argv.slice(1), live, merged], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 2)));
  });
}

export const diff: Command = {
  usage: 'kctl diff -f FILE|DIR|- [-R] [--server-side]',
  summary: 'Diff the live objects against what applying the files would make (exit 0: same, 1: different, >1: error).',
  options: OPTIONS,
  async run(flags, io) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kctl-diff-'));
    const liveDir = path.join(root, `LIVE-${process.pid}`);
    const mergedDir = path.join(root, `MERGED-${process.pid}`);
    try {
      fs.mkdirSync(liveDir);
      fs.mkdirSync(mergedDir);
      const manifests = readManifests(flags.strings('filename'), flags.bool('recursive'), 'diff');
      const conn = await connect(flags);
      const serverSide = flags.bool('server-side');
      const showManaged = flags.bool('show-managed-fields');
      for (const m of manifests) {
        const t = manifestTarget(m, conn.namespace, conn.namespaceExplicit);
        const rc = conn.client.resource<KubeObject>(t.info.kind);
        let live: KubeObject | undefined;
        try {
          live = await rc.get(t.name, t.namespace);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        let merged: KubeObject;
        if (serverSide) {
          merged = await rc.patch(t.name, t.object, 'apply', {
            namespace: t.namespace, dryRun: true, force: flags.bool('force-conflicts'), fieldManager: flags.string('field-manager') ?? 'kubectl',
          });
        } else {
          const plan = planApply(structuredClone(t.object), live);
          const fieldManager = flags.string('field-manager') ?? 'kubectl-client-side-apply';
          if (plan.action === 'create') merged = await rc.create(plan.body, { namespace: t.namespace, dryRun: true, fieldManager });
          else if (plan.action === 'unchanged') merged = live!;
          else merged = await rc.patch(t.name, plan.patch, 'strategic', { namespace: t.namespace, dryRun: true, fieldManager });
        }
        const file = diffFileName(t.info, t.namespace, t.name);
        const before = forDiff(live, merged, showManaged, 'before');
        const after = forDiff(merged, live, showManaged, 'after');
        if (before) fs.writeFileSync(path.join(liveDir, file), diffYaml(before));
        fs.writeFileSync(path.join(mergedDir, file), diffYaml(after));
      }
      const argv = diffCommand(process.env.KUBECTL_EXTERNAL_DIFF);
      let code: number;
      try {
        code = await runDiff(argv, liveDir, mergedDir);
      } catch (e) {
        throw new Error(`failed to run "${argv[0]}": ${(e as Error).message}`);
      }
      if (code !== 0) throw new ReportedFailure(code);
    } catch (e) {
      if (e instanceof ReportedFailure) throw e;
      // kubectl adds one to its own errors' exit code, so 1 always means "differences".
      io.err(formatError(e, flags.string('server')) + '\n');
      throw new ReportedFailure(2);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
};
