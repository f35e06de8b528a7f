// `kctl wait --for=condition=COND[=VALUE] | --for=delete | --for=jsonpath='{…}'=VALUE
// (TYPE/NAME… | TYPE NAME… | TYPE -l SEL | TYPE --all) [--timeout=30s]`: each object is read,
// then watched (by name) until the condition holds, as kubectl waits; `pod/x condition met`
// for each, or `error: timed out waiting for the condition on pods/x` and exit 1.
import type { KubeObject } from '../../api/meta.js';
import type { Command } from './command.js';
import { connect, type Connection } from './connection.js';
import { formatError, isNotFound, ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { evaluateTemplate } from './jsonpath.js';
import { kindName, parseResourceArgs, resourceName, type ResourceInfo } from './resource-args.js';

const OPTIONS: OptionDefs = {
  for: { type: 'string', help: 'condition=NAME[=VALUE], delete, or jsonpath={…}=VALUE' },
  timeout: { type: 'string', help: 'how long to wait (default 30s; 0 checks once)' },
  selector: { type: 'string', short: 'l', help: 'wait for the objects matching this label selector' },
  all: { type: 'boolean', help: 'wait for every object of the type in the namespace' },
};

export type WaitFor =
  | { kind: 'delete' }
  | { kind: 'condition'; type: string; status: string }
  | { kind: 'jsonpath'; template: string; value: string };

/** --for, as kubectl reads it. Pure. */
export function parseWaitFor(s: string | undefined): WaitFor {
  if (!s) throw new UsageError('--for must be specified: condition=NAME, delete or jsonpath={…}=VALUE');
  if (s.toLowerCase() === 'delete') return { kind: 'delete' };
  const cond = /^condition=([^=]+)(?:=(.*))?$/i.exec(s);
  if (cond) return { kind: 'condition', type: cond[1]!, status: cond[2] === undefined ? 'True' : cond[2] };
  const jp = /^jsonpath=(.*\})=(.*)$/s.exec(s);
  if (jp) return { kind: 'jsonpath', template: jp[1]!, value: jp[2]! };
  if (/^jsonpath=/.test(s)) throw new UsageError('jsonpath wait format must be --for=jsonpath=\'{.status.readyReplicas}\'=3');
  throw new UsageError(`unrecognized condition: "${s}"`);
}

/** Does this object (undefined: it is gone) satisfy the wait? Pure. */
export function conditionMet(obj: KubeObject | undefined, f: WaitFor): boolean {
  if (f.kind === 'delete') return obj === undefined;
  if (!obj) return false;
  if (f.kind === 'condition') {
    const conds = ((obj as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? []);
    return conds.some((c) => c.type.toLowerCase() === f.type.toLowerCase() && c.status.toLowerCase() === f.status.toLowerCase());
  }
  let got: string;
  try {
    got = evaluateTemplate(f.template, obj);
  } catch {
    return false;
  }
  return got === f.value;
}

/** Wait for one object: met before the deadline, already absent (--for=delete; kubectl prints nothing), or timed out. */
async function waitOne(conn: Connection, info: ResourceInfo, name: string, f: WaitFor, deadline: number): Promise<'met' | 'absent' | 'timeout'> {
  const r = await watchUntil(conn, info, name, (obj) => conditionMet(obj, f), deadline, f.kind === 'delete');
  return r === 'timeout' || r === 'absent' ? r : 'met';
}

/**
 * Read one object, then watch it (by name) until `met` holds for it (undefined: it is gone),
 * returning it as it was then; 'absent' when it does not exist to begin with (only with absentIsAnswer),
 * 'timeout' at the deadline. kctl run waits on its pod with this too.
 */
export async function watchUntil(
  conn: Connection, info: ResourceInfo, name: string, met: (obj: KubeObject | undefined) => boolean, deadline: number, absentIsAnswer = false,
): Promise<{ obj: KubeObject | undefined } | 'absent' | 'timeout'> {
  const rc = conn.client.resource<KubeObject>(info.kind);
  const ns = info.namespaced ? conn.namespace : undefined;
  let current: KubeObject | undefined;
  try {
    current = await rc.get(name, ns);
  } catch (e) {
    if (!isNotFound(e) || !absentIsAnswer) throw e;
    return 'absent';
  }
  if (met(current)) return { obj: current };
  let rv = current?.metadata.resourceVersion;
  while (Date.now() < deadline) {
    const stream = rc.watch({ namespace: ns, fieldSelector: `metadata.name=${name}`, resourceVersion: rv, timeoutSeconds: Math.max(1, Math.ceil((deadline - Date.now()) / 1000)) });
    const timer = setTimeout(() => stream.close(), Math.max(0, deadline - Date.now()));
    try {
      for await (const ev of stream) {
        if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') continue;
        rv = (ev.object as KubeObject).metadata?.resourceVersion ?? rv;
        const obj = ev.type === 'DELETED' ? undefined : (ev.object as KubeObject);
        if (met(obj)) return { obj };
      }
    } finally {
      clearTimeout(timer);
      stream.close();
    }
    // The server ended the watch (or it expired): read again, then watch on.
    try {
      current = await rc.get(name, ns);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      current = undefined;
    }
    if (met(current)) return { obj: current };
    if (!current && !absentIsAnswer) return 'timeout';
    rv = current?.metadata.resourceVersion;
  }
  return 'timeout';
}

export const wait: Command = {
  usage: "kctl wait (TYPE/NAME… | TYPE NAME… | TYPE -l SELECTOR | TYPE --all) --for=condition=Ready|delete|jsonpath='{.status.phase}'=Running [--timeout=30s]",
  summary: 'Wait for a condition on one or many resources.',
  options: OPTIONS,
  async run(flags, io) {
    const f = parseWaitFor(flags.string('for'));
    const timeoutMs = flags.durationMs('timeout') ?? 30_000;
    const selections = parseResourceArgs(flags.positionals, 'wait');
    const selector = flags.string('selector');
    if (!selector && !flags.bool('all') && selections.some((s) => s.names.length === 0)) throw new UsageError('resource(s) were provided, but no name was specified');
    const conn = await connect(flags);
    const deadline = Date.now() + timeoutMs;
    let failed = false;
    for (const sel of selections) {
      let names = sel.names;
      if (names.length === 0) {
        const list = await conn.client.resource<KubeObject>(sel.info.kind).listAll({ namespace: sel.info.namespaced ? conn.namespace : undefined, ...(selector ? { labelSelector: selector } : {}) });
        names = list.items.map((o) => o.metadata.name!);
        if (names.length === 0 && f.kind !== 'delete') throw new UsageError('no matching resources found');
      }
      for (const name of names) {
        try {
          const r = await waitOne(conn, sel.info, name, f, deadline);
          if (r === 'met') io.out(`${kindName(sel.info)}/${name} condition met\n`);
          else if (r === 'timeout') {
            failed = true;
            io.err(`error: timed out waiting for the condition on ${resourceName(sel.info)}/${name}\n`);
          }
        } catch (e) {
          failed = true;
          io.err(formatError(e, conn.server) + '\n');
        }
      }
    }
    if (failed) throw new ReportedFailure(1);
  },
};
