// ClusterRole aggregation, as Kubernetes' clusterrole-aggregation controller: a ClusterRole
// with an aggregationRule gets, as its rules, the rules of every other ClusterRole its
// selectors match — in name order, each rule once — so `admin`, `edit` and `view` grow when
// a role labelled rbac.authorization.k8s.io/aggregate-to-view: "true" appears. Pure.
import { labelsMatch } from '../../api/labels.js';
import type { ClusterRole, PolicyRule } from '../../api/rbac/index.js';

/** The rules an aggregated role should have, or undefined when it has them already (or is not aggregated). */
export function planAggregation(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors?.length) return undefined;
  const sources = all
    .filter((r) => r.metadata.name !== role.metadata.name && selectors.some((s) => labelsMatch(s, r.metadata.labels ?? {})))
    .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const src of sources) {
    for (const rule of src.rules ?? []) {
      const key = JSON.stringify(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push(rule);
    }
  }
  return JSON.stringify(rules) === JSON.stringify(role.rules ?? []) ? undefined : rules;
}
