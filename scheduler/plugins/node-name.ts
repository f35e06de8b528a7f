// NodeName: a pod that names its node (spec.nodeName) fits only there.
import type { Pod } from '../../api/core/index.js';
import type { NodeInfo } from '../cache.js';
import { unresolvable, type CycleState, type FilterPlugin, type Status } from '../framework.js';

export const NAME = 'NodeName';
export const REASON_NODE_NAME = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin {
  readonly name = NAME;
  preFilter(_state: CycleState, pod: Pod): Status | null | 'skip' {
    return pod.spec.nodeName ? null : 'skip';
  }
  filter(_state: CycleState, pod: Pod, node: NodeInfo): Status | null {
    const want = pod.spec.nodeName;
    if (!want || want === node.name) return null;
    return unresolvable(NAME, REASON_NODE_NAME);
  }
}
