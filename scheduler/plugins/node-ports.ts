// NodePorts: two pods cannot hold the same hostPort and protocol on a node, unless they bind
// different specific host IPs (0.0.0.0 conflicts with every IP).
import type { Pod } from '../../api/core/index.js';
import { podHostPorts, type HostPort, type NodeInfo } from '../cache.js';
import { unschedulable, type CycleState, type FilterPlugin, type Status } from '../framework.js';

export const NAME = 'NodePorts';
export const REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
const KEY = `${NAME}/ports`;

export function portsConflict(used: NodeInfo['usedPorts'], want: readonly HostPort[]): boolean {
  for (const p of want) {
    const ips = used.get(`${p.protocol}/${p.port}`);
    if (!ips || ips.size === 0) continue;
    if (p.ip === '0.0.0.0' || ips.has('0.0.0.0') || ips.has(p.ip)) return true;
  }
  return false;
}

export class NodePorts implements FilterPlugin {
  readonly name = NAME;
  preFilter(state: CycleState, pod: Pod): Status | null | 'skip' {
    const ports = podHostPorts(pod);
    if (ports.length === 0) return 'skip';
    state.write(KEY, ports);
    return null;
  }
  filter(state: CycleState, _pod: Pod, node: NodeInfo): Status | null {
    const want = state.read<HostPort[]>(KEY);
    if (!want || want.length === 0 || node.usedPorts.size === 0) return null;
    return portsConflict(node.usedPorts, want) ? unschedulable(NAME, REASON_PORTS) : null;
  }
}
