// `kctl set resources (TYPE/NAME | TYPE NAME)… [-c CONTAINER] --limits=cpu=200m,memory=512Mi
// --requests=…` and `kctl set selector (TYPE/NAME | TYPE NAME) 'k=v,…'`, as kubectl 1.32:
// each a strategic merge patch computed from the object before and after the change, so
// only what changed is sent; `… resource requirements updated` / `… selector updated`.
import type { KubeObject } from '../../api/meta.js';
import { createThreeWayMergePatch } from '../../api/patch/strategic.js';
import type { Container } from '../../api/core/index.js';
import { UsageError } from './errors.js';
import type { ResourceInfo } from './resource-args.js';

/** `cpu=200m,memory=512Mi` → {cpu:'200m', memory:'512Mi'}. Pure. */
export function parseResourceList(spec: string | undefined, flag: string): Record<string, string> | undefined {
  if (spec === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const part of spec.split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq);
    const v = part.slice(eq + 1);
    if (eq <= 0 || !v) throw new UsageError(`invalid --${flag} "${part}": expected NAME=QUANTITY, e.g. cpu=200m,memory=512Mi`);
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/.test(v)) {
      throw new UsageError(`invalid --${flag} "${part}": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
    }
    out[k] = v;
  }
  return out;
}

function podSpecOf(obj: KubeObject, info: ResourceInfo): { containers?: Container[]; initContainers?: Container[] } | undefined {
  const o = obj as unknown as { spec?: { template?: { spec?: unknown }; jobTemplate?: { spec?: { template?: { spec?: unknown } } } } };
  if (info.kind === 'Pod') return o.spec as never;
  if (info.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec as never;
  return o.spec?.template?.spec as never;
}

/** The patch `set resources` sends, or undefined when nothing changes. Pure. */
export function resourcesPatch(
  obj: KubeObject, info: ResourceInfo, container: string | undefined,
  limits: Record<string, string> | undefined, requests: Record<string, string> | undefined,
): Record<string, unknown> | undefined {
  if (!limits && !requests) throw new UsageError('you must specify an update to requests or limits (in the form of --requests/--limits)');
  const after = structuredClone(obj);
  const spec = podSpecOf(after, info);
  if (!spec) throw new UsageError(`${info.kind} has no pod template`);
  const all = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const targets = all.filter((c) => !container || container === '*' || c.name === container);
  if (targets.length === 0) throw new UsageError(`unable to find container named ${container}`);
  for (const c of targets) {
    const r = (c.resources ??= {}) as { limits?: Record<string, string>; requests?: Record<string, string> };
    if (limits) r.limits = { ...(r.limits ?? {}), ...limits };
    if (requests) r.requests = { ...(r.requests ?? {}), ...requests };
  }
  const patch = createThreeWayMergePatch(obj, after, obj, obj.kind);
  return Object.keys(patch).length ? patch : undefined;
}

/** `app=web,tier=front` → {app:'web', tier:'front'} (equality only, as a Service selector). Pure. */
export function parseSelector(spec: string | undefined): Record<string, string> {
  if (!spec) throw new UsageError('one selector is required (e.g. app=web)');
  const out: Record<string, string> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9][-A-Za-z0-9_./]*)==?(.*)$/.exec(part);
    if (!m) throw new UsageError(`invalid selector "${part}": expected KEY=VALUE`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/**
 * The patch `set selector` sends: a Service's spec.selector replaced, or a workload's
 * spec.selector set to exactly these matchLabels (no expressions). Undefined when unchanged. Pure.
 */
export function selectorPatch(obj: KubeObject, selector: Record<string, string>): Record<string, unknown> | undefined {
  const after = structuredClone(obj) as unknown as { spec?: Record<string, unknown> };
  after.spec ??= {};
  if (obj.kind === 'Service') after.spec.selector = selector;
  else after.spec.selector = { matchLabels: selector };
  const patch = createThreeWayMergePatch(obj, after, obj, obj.kind);
  return Object.keys(patch).length ? patch : undefined;
}
