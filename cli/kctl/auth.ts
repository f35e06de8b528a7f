// `kctl auth can-i VERB (RESOURCE[/NAME] | /URL) [NAME]` and `kctl auth whoami`, as kubectl:
// can-i asks the API server a SelfSubjectAccessReview (or, with --list, a
// SelfSubjectRulesReview) for the current — or, with --as, an impersonated — user, prints
// yes/no and exits 0/1; whoami prints the SelfSubjectReview.
import type { ResourceRule, NonResourceRule, SelfSubjectAccessReview, SelfSubjectRulesReview } from '../../api/authorization/index.js';
import type { Command, Output } from './command.js';
import { connect } from './connection.js';
import { formatError, ReportedFailure, UsageError } from './errors.js';
import type { Flags, OptionDefs } from './flags.js';
import { formatColumns, toYaml } from './printers.js';
import { resolveKind } from './resource-args.js';

const OPTIONS: OptionDefs = {
  'all-namespaces': { type: 'boolean', short: 'A', help: 'ask about every namespace' },
  subresource: { type: 'string', help: 'a subresource, e.g. log or scale' },
  list: { type: 'boolean', help: 'list everything you may do in the namespace' },
  quiet: { type: 'boolean', short: 'q', help: 'print nothing; the exit code is the answer' },
  output: { type: 'string', short: 'o', help: 'whoami: json or yaml' },
};

/** What `can-i VERB WHAT [NAME]` asks: resource attributes, or a non-resource URL. Pure. */
export function accessQuestion(verb: string, what: string, name: string | undefined, namespace: string, subresource: string | undefined): SelfSubjectAccessReview['spec'] {
  if (what.startsWith('/')) return { nonResourceAttributes: { verb, path: what } };
  const [typed, inlineName] = what.split('/', 2) as [string, string | undefined];
  let group = '';
  let resource = typed;
  try {
    const info = resolveKind(typed);
    group = info.group;
    resource = info.plural;
  } catch {
    // A resource this client does not know (a CRD): ask as typed, `widgets.example.com` → group example.com.
    const dot = typed.indexOf('.');
    if (dot > 0) { resource = typed.slice(0, dot); group = typed.slice(dot + 1); }
  }
  return {
    resourceAttributes: {
      verb, group, resource, namespace,
      ...(subresource ? { subresource } : {}),
      ...(inlineName ?? name ? { name: inlineName ?? name } : {}),
    },
  };
}

const bracket = (xs: readonly string[] | undefined) => `[${(xs ?? []).join(' ')}]`;

/** kubectl's can-i --list table: one row per rule, resources as resource.group. Pure. */
export function rulesTable(resourceRules: ResourceRule[], nonResourceRules: NonResourceRule[]): string {
  const rows: string[][] = [];
  for (const r of resourceRules) {
    for (const res of r.resources ?? []) {
      const groups = r.apiGroups?.length ? r.apiGroups : [''];
      for (const g of groups) rows.push([g ? `${res}.${g}` : res, '[]', bracket(r.resourceNames), bracket(r.verbs)]);
    }
  }
  for (const r of nonResourceRules) rows.push(['', bracket(r.nonResourceURLs), '[]', bracket(r.verbs)]);
  rows.sort((a, b) => (a[0]! === b[0]! ? a[1]!.localeCompare(b[1]!) : a[0]!.localeCompare(b[0]!)));
  return formatColumns([['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs'], ...rows]);
}

async function canI(flags: Flags, io: Output): Promise<void> {
  const [, verb, what, name] = flags.positionals;
  const conn = await connect(flags);
  const namespace = flags.bool('all-namespaces') ? '' : conn.namespace;
  try {
    if (flags.bool('list')) {
      const review = await conn.client.request<SelfSubjectRulesReview>('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
      });
      if (!flags.bool('quiet')) io.out(rulesTable(review.status?.resourceRules ?? [], review.status?.nonResourceRules ?? []));
      return;
    }
    if (!verb || !what) throw new UsageError('you must specify two arguments: verb resource or verb resource/resourceName', 'e.g. kctl auth can-i create pods');
    const review = await conn.client.request<SelfSubjectAccessReview>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: accessQuestion(verb, what, name, namespace, flags.string('subresource')) },
    });
    const allowed = review.status?.allowed === true;
    if (!flags.bool('quiet')) io.out(allowed ? 'yes\n' : `no${review.status?.reason ? ` - ${review.status.reason}` : ''}\n`);
    if (!allowed) throw new ReportedFailure(1);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ReportedFailure) throw e;
    io.err(formatError(e, conn.server) + '\n');
    throw new ReportedFailure(1);
  }
}

async function whoami(flags: Flags, io: Output): Promise<void> {
  const conn = await connect(flags);
  try {
    const review = await conn.client.request<{ status?: { userInfo?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } } }>(
      'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
    );
    const o = flags.string('output');
    if (o === 'json') return io.out(JSON.stringify(review, null, 4) + '\n');
    if (o === 'yaml') return io.out(toYaml(review));
    if (o !== undefined) throw new UsageError(`unable to match a printer suitable for the output format "${o}", allowed formats are: json,yaml`);
    const u = review.status?.userInfo ?? {};
    const rows = [['ATTRIBUTE', 'VALUE'], ['Username', u.username ?? '']];
    if (u.uid) rows.push(['UID', u.uid]);
    if (u.groups?.length) rows.push(['Groups', bracket(u.groups)]);
    for (const [k, v] of Object.entries(u.extra ?? {})) rows.push([`Extra: ${k}`, bracket(v)]);
    io.out(formatColumns(rows));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    io.err(formatError(e, conn.server) + '\n');
    throw new ReportedFailure(1);
  }
}

export const auth: Command = {
  usage: 'kctl auth can-i VERB (TYPE[/NAME] | /URL) [NAME] [-A] [--subresource S] [--list] [-q] [--as USER]\n       kctl auth whoami [-o json|yaml]',
  summary: 'Inspect authorization: may I (or --as USER) do this, and who am I.',
  options: OPTIONS,
  async run(flags, io) {
    const sub = flags.positionals[0];
    if (sub === 'can-i') return canI(flags, io);
    if (sub === 'whoami') return whoami(flags, io);
    throw new UsageError(sub ? `unknown command "${sub}" for "kctl auth"` : 'a subcommand is required: can-i or whoami');
  },
};
