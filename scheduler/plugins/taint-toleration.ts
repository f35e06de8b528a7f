// TaintToleration: a node's NoSchedule and NoExecute taints keep off every pod that does not
// tolerate them; PreferNoSchedule taints only lower the node's score.
import type { Pod, Taint, Toleration } from '../../api/core/index.js';
import type { NodeInfo } from '../cache.js';
import { defaultNormalizeScore, MAX_NODE_SCORE, unresolvable, type CycleState, type FilterPlugin, type ScorePlugin, type Status } from '../framework.js';

export const NAME = 'TaintToleration';

/** v1.Toleration.ToleratesTaint. An empty key with Exists tolerates everything. */
export function toleratesTaint(t: Toleration, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function tolerated(tolerations: readonly Toleration[], taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

export const untoleratedTaintReason = (taint: Pick<Taint, 'key' | 'value'>) =>
  `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;

const PREFER_KEY = `${NAME}/preferNoScheduleTolerations`;

export class TaintToleration implements FilterPlugin, ScorePlugin {
  readonly name = NAME;

  filter(_state: CycleState, pod: Pod, node: NodeInfo): Status | null {
    const taints = node.taints;
    if (taints.length === 0) return null;
    const tolerations = pod.spec.tolerations ?? [];
    for (const taint of taints) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      if (!tolerated(tolerations, taint)) return unresolvable(NAME, untoleratedTaintReason(taint));
    }
    return null;
  }

  preScore(state: CycleState, pod: Pod): void {
    const ts = (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(PREFER_KEY, ts);
  }

  /** The number of PreferNoSchedule taints the pod does not tolerate (fewer is better). */
  score(state: CycleState, _pod: Pod, node: NodeInfo): number {
    if (node.taints.length === 0) return 0;
    const ts = state.read<Toleration[]>(PREFER_KEY) ?? [];
    let n = 0;
    for (const taint of node.taints) if (taint.effect === 'PreferNoSchedule' && !tolerated(ts, taint)) n++;
    return n;
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: number[]): void {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
  }
}
