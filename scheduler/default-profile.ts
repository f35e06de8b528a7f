// The default-scheduler profile: which plugins run, in which order, with which weights.
// Filter order follows kube-scheduler's (cheap and decisive checks first; a node is reported
// under the first filter that rejects it). Score weights are Kubernetes' defaults.
import type { NodeInfo } from './cache.js';
import { Framework, type FrameworkOptions } from './framework.js';
import { BalancedAllocation } from './plugins/balanced-allocation.js';
import { NodeAffinity } from './plugins/node-affinity.js';
import { NodeName } from './plugins/node-name.js';
import { NodePorts } from './plugins/node-ports.js';
import { NodeReady } from './plugins/node-ready.js';
import { NodeResourcesFit } from './plugins/node-resources-fit.js';
import { NodeUnschedulable } from './plugins/node-unschedulable.js';
import { PodTopologySpread } from './plugins/pod-topology-spread.js';
import { TaintToleration } from './plugins/taint-toleration.js';
import { VolumeBinding } from './plugins/volume-binding.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** volumeBinding: given when the scheduler follows claims and volumes (kube-scheduler's filter order puts it after NodeResourcesFit). */
export function newDefaultFramework(allNodes: () => readonly NodeInfo[], opts: FrameworkOptions = {}, volumeBinding?: VolumeBinding): Framework {
  const taints = new TaintToleration();
  const affinity = new NodeAffinity();
  const fit = new NodeResourcesFit();
  const spread = new PodTopologySpread(allNodes);
  return new Framework(
    [new NodeUnschedulable(), new NodeName(), new NodeReady(), taints, affinity, new NodePorts(), fit, ...(volumeBinding ? [volumeBinding] : []), spread],
    [
      { plugin: taints, weight: 3 },
      { plugin: affinity, weight: 2 },
      { plugin: spread, weight: 2 },
      { plugin: fit, weight: 1 },
      { plugin: new BalancedAllocation(), weight: 1 },
    ],
    opts,
  );
}
