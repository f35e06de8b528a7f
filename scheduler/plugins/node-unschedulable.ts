// NodeUnschedulable: a cordoned node (spec.unschedulable) takes no new pods, unless the pod
// tolerates the node.kubernetes.io/unschedulable:NoSchedule taint cordoning implies.
import type { Pod } from '../../api/core/index.js';
import type { NodeInfo } from '../cache.js';
import { unresolvable, type CycleState, type FilterPlugin, type Status } from '../framework.js';
import { tolerated } from './taint-toleration.js';

export const NAME = 'NodeUnschedulable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

export class NodeUnschedulable implements FilterPlugin {
  readonly name = NAME;
  filter(_state: CycleState, pod: Pod, node: NodeInfo): Status | null {
    if (!node.unschedulable) return null;
    if (tolerated(pod.spec.tolerations ?? [], { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' })) return null;
    return unresolvable(NAME, REASON_UNSCHEDULABLE);
  }
}
