// NodeReady: a node whose Ready condition is False or Unknown takes no new pods, exactly as
// if it carried the taint the node lifecycle controller puts on it
// (node.kubernetes.io/not-ready or node.kubernetes.io/unreachable, NoSchedule) — so a pod
// that tolerates that taint may still go there, and the message names the taint.
// A node that reports no Ready condition at all is not judged here.
import type { Pod } from '../../api/core/index.js';
import type { NodeInfo } from '../cache.js';
import { unresolvable, type CycleState, type FilterPlugin, type Status } from '../framework.js';
import { tolerated, untoleratedTaintReason } from './taint-toleration.js';

export const NAME = 'NodeReady';
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

export class NodeReady implements FilterPlugin {
  readonly name = NAME;
  filter(_state: CycleState, pod: Pod, node: NodeInfo): Status | null {
    if (node.ready === 'True' || node.ready === 'Missing') return null;
    const taint = { key: node.ready === 'False' ? TAINT_NODE_NOT_READY : TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' as const };
    if (tolerated(pod.spec.tolerations ?? [], taint)) return null;
    return unresolvable(NAME, untoleratedTaintReason(taint));
  }
}
