// `kctl edit (TYPE NAME… | TYPE/NAME…) [-o yaml|json]`, as kubectl 1.32 edits: the objects
// (several as a v1 List) go into a temp file under a comment header, $KUBE_EDITOR / $EDITOR
// (default vi) opens it, and each changed object is sent as a strategic merge patch of what
// the user changed (so fields others changed meanwhile are left alone). An invalid object or
// unparsable YAML re-opens the file with the reasons on top and saves nothing for it; a file
// left unchanged after an error ends the edit with the copy kept; any other failure (e.g. a
// conflict on an edited resourceVersion) keeps the file and suggests `replace -f`, as kubectl does.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import type { KubeObject } from '../../api/meta.js';
import { createThreeWayMergePatch } from '../../api/patch/strategic.js';
import type { Command, Output } from './command.js';
import { connect } from './connection.js';
import { formatError, ReportedFailure, statusOf, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { yamlErrorMessage } from './manifests.js';
import { toJson, toYaml, withTypeMeta } from './printers.js';
import { kindName, parseResourceArgs, resourceName, type ResourceInfo } from './resource-args.js';

const OPTIONS: OptionDefs = {
  output: { type: 'string', short: 'o', help: 'the format to edit in: yaml (default) or json' },
  'field-manager': { type: 'string', help: 'the field manager of the change (default kubectl-edit)' },
  'output-patch': { type: 'boolean', help: 'print the patch sent for each edited object' },
};

/** One reason the file is re-opened: a headline and, for an invalid object, one line per cause. */
export interface EditReason {
  head: string;
  other?: string[];
}

/** The comment block on top of the file, with the reasons of the last failed save. Pure. */
export function editHeader(reasons: EditReason[]): string {
  let s =
    "# Please edit the object below. Lines beginning with a '#' will be ignored,\n" +
    '# and an empty file will abort the edit. If an error occurs while saving this file will be\n' +
    '# reopened with the relevant failures.\n#\n';
  for (const r of reasons) {
    if (r.other?.length) {
      s += `# ${r.head}:\n`;
      for (const o of r.other) s += `# * ${o}\n`;
    } else {
      s += `# ${r.head}\n`;
    }
    s += '#\n';
  }
  return s;
}

/** The file without its comment lines (kubectl's ManualStrip: `#!` stays). Pure. */
export function stripComments(text: string): string {
  return text
    .split('\n')
    .filter((l) => !(l.trim().startsWith('#') && !l.trim().startsWith('#!')))
    .join('\n');
}

/**
 * The editor's argv as kubectl builds it: a bare name or words split on spaces; anything
 * quoted or escaped goes to the shell with the file appended quoted. Pure.
 *   editorArgv('code --wait', '/tmp/f') → ['code', '--wait', '/tmp/f']
 */
export function editorArgv(editor: string | undefined, file: string, shell = process.env.SHELL || '/bin/sh'): string[] {
  const e = (editor ?? '').trim() || 'vi';
  if (!e.includes(' ')) return [e, file];
  if (!/["'\\]/.test(e)) return [...e.split(' ').filter(Boolean), file];
  return [shell, '-c', `${e} ${JSON.stringify(file)}`];
}

export type EditOutcome =
  | { kind: 'unchanged' }
  | { kind: 'empty' }
  | { kind: 'syntax-error'; reason: EditReason }
  | { kind: 'renamed'; message: string }
  | { kind: 'patches'; items: { index: number; patch: Record<string, unknown> | undefined }[] };

/** Objects without what kubectl hides from the editor (managedFields). */
function forEditing(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  if (copy.metadata) delete (copy.metadata as { managedFields?: unknown }).managedFields;
  return copy;
}

/** The text the editor first shows: the object, or a List of them. Pure. */
export function editDocument(objects: KubeObject[], format: 'yaml' | 'json'): string {
  const shown = objects.map(forEditing);
  const doc = shown.length === 1 ? shown[0] : { apiVersion: 'v1', items: shown, kind: 'List', metadata: {} };
  return format === 'json' ? toJson(doc) : toYaml(doc);
}

/**
 * What the saved file asks for, given the objects shown. Pure.
 * Empty patch (undefined) for an object the user left alone.
 */
export function planEdit(originals: KubeObject[], originalText: string, editedText: string): EditOutcome {
  if (stripComments(originalText) === stripComments(editedText)) return { kind: 'unchanged' };
  const body = stripComments(editedText);
  if (body.trim() === '') return { kind: 'empty' };
  let doc: unknown;
  try {
    doc = yaml.load(body);
  } catch (e) {
    return { kind: 'syntax-error', reason: { head: `The edited file had a syntax error: error converting YAML to JSON: ${yamlErrorMessage(e)}` } };
  }
  let edited: unknown[];
  const d = doc as { kind?: unknown; items?: unknown } | null;
  if (d && typeof d === 'object' && d.kind === 'List' && Array.isArray(d.items)) edited = d.items;
  else edited = [doc];
  for (const e of edited) {
    const o = e as Partial<KubeObject> | null;
    if (!o || typeof o !== 'object' || Array.isArray(o)) {
      return { kind: 'syntax-error', reason: { head: 'The edited file had a syntax error: Object \'Kind\' is missing in the edited file' } };
    }
    if (typeof o.kind !== 'string' || !o.kind) {
      return { kind: 'syntax-error', reason: { head: `The edited file had a syntax error: Object 'Kind' is missing in '${JSON.stringify(o)}'` } };
    }
  }
  const items: { index: number; patch: Record<string, unknown> | undefined }[] = [];
  const same = (a: Partial<KubeObject>, b: KubeObject) =>
    a.kind === b.kind && a.apiVersion === b.apiVersion && a.metadata?.name === b.metadata?.name;
  if (edited.length !== originals.length) return { kind: 'renamed', message: 'At least one of apiVersion, kind and name was changed' };
  for (let i = 0; i < originals.length; i++) {
    const orig = forEditing(originals[i]!);
    const e = edited[i] as Partial<KubeObject>;
    if (!same(e, orig)) return { kind: 'renamed', message: 'At least one of apiVersion, kind and name was changed' };
    const patch = createThreeWayMergePatch(orig, e, orig, orig.kind);
    items.push({ index: i, patch: Object.keys(patch).length ? patch : undefined });
  }
  return { kind: 'patches', items };
}

/** Run the editor on the file; kubectl's two failure messages. */
function launch(file: string): void {
  const argv = editorArgv(process.env.KUBE_EDITOR || process.env.EDITOR, file);
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`unable to launch the editor "${argv.join(' ')}"`);
  if (r.error || r.status !== 0) throw new UsageError(`there was a problem with the editor "${argv.join(' ')}"`);
}

function preserved(io: Output, file: string, message: string, code = 1): never {
  io.err(`${message}\nA copy of your changes has been stored to "${file}"\n`);
  throw new ReportedFailure(code);
}

export const edit: Command = {
  usage: 'kctl edit (TYPE NAME | TYPE/NAME)… [-o yaml|json] [--output-patch]',
  summary: 'Edit resources on the server with $KUBE_EDITOR or $EDITOR (default vi).',
  options: OPTIONS,
  async run(flags, io) {
    const output = flags.string('output') ?? 'yaml';
    if (output !== 'yaml' && output !== 'json') throw new UsageError(`the flag 'output' must be one of yaml|json`);
    const selections = parseResourceArgs(flags.positionals, 'edit');
    const conn = await connect(flags);
    const targets: { info: ResourceInfo; obj: KubeObject }[] = [];
    for (const sel of selections) {
      const rc = conn.client.resource<KubeObject>(sel.info.kind);
      const ns = sel.info.namespaced ? conn.namespace : undefined;
      try {
        if (sel.names.length === 0) {
          const list = await rc.list({ namespace: ns });
          for (const obj of list.items) targets.push({ info: sel.info, obj: withTypeMeta(obj, sel.info) });
        } else {
          for (const name of sel.names) targets.push({ info: sel.info, obj: withTypeMeta(await rc.get(name, ns), sel.info) });
        }
      } catch (e) {
        io.err(formatError(e, conn.server) + '\n');
        throw new ReportedFailure(1);
      }
    }
    if (targets.length === 0) throw new UsageError('edit cancelled, no objects found');

    const originals = targets.map((t) => t.obj);
    const originalText = editHeader([]) + editDocument(originals, output);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kctl-edit-'));
    const file = path.join(dir, `kctl-edit-${process.pid}.${output}`);
    const done = new Set<number>();
    let text = originalText;
    let lastEdited: string | undefined;
    let containsError = false;
    const remove = () => fs.rmSync(dir, { recursive: true, force: true });
    for (;;) {
      fs.writeFileSync(file, text);
      try {
        launch(file);
      } catch (e) {
        preserved(io, file, formatError(e));
      }
      const edited = fs.readFileSync(file, 'utf8');
      if (containsError && lastEdited !== undefined && stripComments(lastEdited) === stripComments(edited)) {
        preserved(io, file, 'error: Edit cancelled, no valid changes were saved.');
      }
      lastEdited = edited;
      const plan = planEdit(originals, originalText, edited);
      if (plan.kind === 'unchanged') {
        remove();
        io.err('Edit cancelled, no changes made.\n');
        return;
      }
      if (plan.kind === 'empty') {
        remove();
        io.err('Edit cancelled, saved file was empty.\n');
        return;
      }
      if (plan.kind === 'renamed') preserved(io, file, `error: ${plan.message}`);
      if (plan.kind === 'syntax-error') {
        containsError = true;
        text = editHeader([plan.reason]) + stripComments(edited);
        continue;
      }
      const reasons: EditReason[] = [];
      let retryable = 0;
      let notFound = 0;
      for (const { index, patch } of plan.items) {
        if (done.has(index)) continue;
        const { info, obj } = targets[index]!;
        const ref = `${kindName(info)}/${obj.metadata.name}`;
        if (!patch) {
          io.out(`${ref} skipped\n`);
          done.add(index);
          continue;
        }
        if (flags.bool('output-patch')) io.out(`Patch: ${JSON.stringify(patch)}\n`);
        const rc = conn.client.resource<KubeObject>(info.kind);
        try {
          await rc.patch(obj.metadata.name!, patch, 'strategic', {
            namespace: info.namespaced ? obj.metadata.namespace ?? conn.namespace : undefined,
            fieldManager: flags.string('field-manager') ?? 'kubectl-edit',
          });
          io.out(`${ref} edited\n`);
          done.add(index);
        } catch (e) {
          const what = `${resourceName(info)} "${obj.metadata.name}"`;
          const s = statusOf(e);
          if (s?.reason === 'Invalid') {
            reasons.push({ head: `${what} was not valid`, other: (s.details?.causes ?? []).map((c) => `${c.field ?? ''}: ${c.message ?? ''}`) });
            io.err(`error: ${what} is invalid\n`);
          } else if (s?.code === 404) {
            notFound++;
            io.err(`error: ${what} could not be found on the server\n`);
          } else {
            retryable++;
            io.err(`error: ${what} could not be patched: ${s?.message ?? formatError(e, conn.server).replace(/^error: /, '')}\n`);
          }
        }
      }
      if (retryable > 0) {
        io.err(`You can run \`kctl replace -f ${file}\` to try this update again.\n`);
        throw new ReportedFailure(1);
      }
      if (notFound > 0) {
        io.err(`The edits you made on deleted resources have been saved to "${file}"\n`);
        throw new ReportedFailure(1);
      }
      if (reasons.length === 0) {
        remove();
        return;
      }
      containsError = true;
      text = editHeader(reasons) + stripComments(edited);
    }
  },
};
