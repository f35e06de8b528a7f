// NodeAffinity: spec.nodeSelector (every label must match) and required node affinity (any
// one term must match; within a term every expression must), compiled once per pod.
// Operators In, NotIn, Exists, DoesNotExist, Gt, Lt on labels; matchFields on metadata.name.
// Preferred terms score the sum of the weights of the terms a node matches.
import type { NodeSelectorRequirement, NodeSelectorTerm, Pod } from '../../api/core/index.js';
import { newRequirement, Selector, type Operator } from '../../api/labels.js';
import type { NodeInfo } from '../cache.js';
import {
  defaultNormalizeScore,
  MAX_NODE_SCORE,
  unresolvable,
  type CycleState,
  type FilterPlugin,
  type ScorePlugin,
  type Status,
} from '../framework.js';

export const NAME = 'NodeAffinity';
export const REASON_POD = "node(s) didn't match Pod's node affinity/selector";

const OPS: Record<NodeSelectorRequirement['operator'], Operator> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
  Gt: 'gt',
  Lt: 'lt',
};

/** A compiled NodeSelectorTerm: labels and metadata.name requirements, ANDed. */
export interface TermMatcher {
  labels: Selector;
  fields: Array<{ op: 'In' | 'NotIn'; values: string[] }>;
  /** An empty or invalid term matches no node (as in Kubernetes). */
  matchesNothing: boolean;
}

export function compileTerm(term: NodeSelectorTerm): TermMatcher {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return { labels: new Selector([]), fields: [], matchesNothing: true };
  try {
    const reqs = exprs.map((e) => newRequirement(e.key, OPS[e.operator], e.values ?? []));
    const fs = fields.map((f) => {
      if (f.key !== 'metadata.name' || (f.operator !== 'In' && f.operator !== 'NotIn') || (f.values ?? []).length !== 1) {
        throw new Error(`unsupported matchFields requirement ${JSON.stringify(f)}`);
      }
      return { op: f.operator, values: f.values ?? [] } as const;
    });
    return { labels: new Selector(reqs), fields: fs, matchesNothing: false };
  } catch {
    return { labels: new Selector([]), fields: [], matchesNothing: true };
  }
}

export function termMatches(t: TermMatcher, node: NodeInfo): boolean {
  if (t.matchesNothing) return false;
  for (const f of t.fields) {
    const has = f.values.includes(node.name);
    if (f.op === 'In' ? !has : has) return false;
  }
  return t.labels.matches(node.labels);
}

interface RequiredState {
  nodeSelector: Array<[string, string]>;
  /** undefined: no required affinity; otherwise any term must match. */
  terms?: TermMatcher[];
}

const REQ_KEY = `${NAME}/required`;
const PREF_KEY = `${NAME}/preferred`;

export function compileRequired(pod: Pod): RequiredState {
  const req = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return {
    nodeSelector: Object.entries(pod.spec.nodeSelector ?? {}),
    terms: req ? req.nodeSelectorTerms.map(compileTerm) : undefined,
  };
}

export function requiredMatches(s: RequiredState, node: NodeInfo): boolean {
  for (const [k, v] of s.nodeSelector) if (node.labels[k] !== v) return false;
  if (s.terms) {
    for (const t of s.terms) if (termMatches(t, node)) return true;
    return false;
  }
  return true;
}

export class NodeAffinity implements FilterPlugin, ScorePlugin {
  readonly name = NAME;

  preFilter(state: CycleState, pod: Pod): Status | null | 'skip' {
    const req = compileRequired(pod);
    if (req.nodeSelector.length === 0 && !req.terms) return 'skip';
    state.write(REQ_KEY, req);
    return null;
  }

  filter(state: CycleState, pod: Pod, node: NodeInfo): Status | null {
    let s = state.read<RequiredState>(REQ_KEY);
    if (!s) state.write(REQ_KEY, (s = compileRequired(pod)));
    if (s.nodeSelector.length === 0 && !s.terms) return null;
    return requiredMatches(s, node) ? null : unresolvable(NAME, REASON_POD);
  }

  preScore(state: CycleState, pod: Pod): void | 'skip' {
    const pref = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (pref.length === 0) return 'skip';
    state.write(
      PREF_KEY,
      pref.filter((p) => p.weight !== 0).map((p) => ({ weight: p.weight, term: compileTerm(p.preference) })),
    );
  }

  score(state: CycleState, _pod: Pod, node: NodeInfo): number {
    const pref = state.read<Array<{ weight: number; term: TermMatcher }>>(PREF_KEY) ?? [];
    let sum = 0;
    for (const p of pref) if (termMatches(p.term, node)) sum += p.weight;
    return sum;
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: number[]): void {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
  }
}
