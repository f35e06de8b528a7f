// RBAC decision time with 10,000 RoleBindings (issue 12's goal: p99 ≤ 50 µs), the real
// authorizer over its subject index beside, in the same run, the same decisions made the naive
// way — a scan of every binding, resolving each role — as the baseline the index exists to beat.
//
//   npx vitest run --config vitest.bench.config.ts test/bench/rbac.bench.ts
//
// Prints figures only; never asserts on timing.
import { describe, it } from 'vitest';
import type { PolicyRule } from '../../api/rbac/index.js';
import type { Attributes } from '../../apiserver/authz/attributes.js';
import { PolicyIndex, type BindingRecord } from '../../apiserver/authz/rbac/policy-index.js';
import { RBACAuthorizer } from '../../apiserver/authz/rbac/rbac-authorizer.js';
import { rulesAllow } from '../../apiserver/authz/rbac/rule-matching.js';
import { fmt, report, summarize } from './report.js';

const BINDINGS = 10_000;
const NAMESPACES = 100;
const DECISIONS = 50_000;

const view: PolicyRule[] = [
  { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'endpoints', 'persistentvolumeclaims', 'events'] },
  { verbs: ['get', 'list', 'watch'], apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'] },
];
const edit: PolicyRule[] = [...view, { verbs: ['create', 'update', 'patch', 'delete'], apiGroups: ['', 'apps'], resources: ['pods', 'services', 'deployments', 'configmaps'] }];

function build(): { index: PolicyIndex; all: BindingRecord[]; roles: Map<string, PolicyRule[]> } {
  const index = new PolicyIndex();
  const roles = new Map([['view', view], ['edit', edit]]);
  for (const [n, r] of roles) index.setClusterRole(n, r);
  const all: BindingRecord[] = [];
  for (let i = 0; i < BINDINGS; i++) {
    const b: BindingRecord = {
      kind: 'RoleBinding', name: `b-${i}`, namespace: `ns-${i % NAMESPACES}`,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: i % 3 === 0 ? 'edit' : 'view' },
      subjects: i % 10 === 0 ? [{ kind: 'Group', name: `team-${i % 50}` }] : [{ kind: 'User', name: `user-${i}` }],
    };
    index.setBinding(b);
    all.push(b);
  }
  return { index, all, roles };
}

/** The baseline: every binding, every decision. */
function scan(all: BindingRecord[], roles: Map<string, PolicyRule[]>, a: Attributes): boolean {
  for (const b of all) {
    if (b.namespace !== a.namespace) continue;
    const applies = b.subjects.some((s) => (s.kind === 'User' && s.name === a.user.name) || (s.kind === 'Group' && a.user.groups.includes(s.name)));
    if (applies && rulesAllow(a, roles.get(b.roleRef.name) ?? [])) return true;
  }
  return false;
}

function attrs(i: number): Attributes {
  const n = (i * 7919) % BINDINGS;
  // Mixed traffic: a bound user's allowed read, a bound user's denied delete, a group member, a stranger.
  const kind = i % 4;
  const user = kind === 3 ? { name: `stranger-${i}`, groups: ['system:authenticated'] } : { name: `user-${n}`, groups: kind === 2 ? [`team-${n % 50}`, 'system:authenticated'] : ['system:authenticated'] };
  return {
    user, verb: kind === 1 ? 'delete' : 'list', resourceRequest: true, path: '', apiGroup: '', apiVersion: 'v1',
    resource: 'pods', subresource: '', namespace: `ns-${n % NAMESPACES}`, name: '',
  };
}

function time(decide: (a: Attributes) => unknown, n: number): { samplesUs: number[]; allowed: number } {
  const samplesUs: number[] = [];
  let allowed = 0;
  for (let i = 0; i < n; i++) {
    const a = attrs(i);
    const t0 = process.hrtime.bigint();
    const r = decide(a);
    samplesUs.push(Number(process.hrtime.bigint() - t0) / 1000);
    if (r === true || (r as { decision?: string }).decision === 'Allow') allowed++;
  }
  return { samplesUs, allowed };
}

describe('RBAC authorization', () => {
  it(`decision time with ${BINDINGS.toLocaleString('en')} RoleBindings: the subject index beside a scan of every binding`, () => {
    const { index, all, roles } = build();
    const z = new RBACAuthorizer(index);
    time((a) => z.authorize(a), 5000); // warm-up
    const indexed = time((a) => z.authorize(a), DECISIONS);
    const scanned = time((a) => scan(all, roles, a), Math.min(DECISIONS, 5000));
    const s = summarize(indexed.samplesUs);
    const b = summarize(scanned.samplesUs);
    report(`RBAC decisions over ${BINDINGS.toLocaleString('en')} RoleBindings in ${NAMESPACES} namespaces (${DECISIONS.toLocaleString('en')} mixed allow/deny decisions)`, [
      { measure: 'decision p50 (µs)', value: fmt(s.p50, 2), baseline: `scan of every binding ${fmt(b.p50, 1)}` },
      { measure: 'decision p99 (µs)', value: fmt(s.p99, 2), baseline: `scan of every binding ${fmt(b.p99, 1)}`, goal: '≤ 50' },
      { measure: 'allowed', value: `${fmt((100 * indexed.allowed) / DECISIONS, 0)}%`, baseline: `scan ${fmt((100 * scanned.allowed) / scanned.samplesUs.length, 0)}%` },
    ]);
  });
});
