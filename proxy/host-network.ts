// The kernel settings Service traffic depends on, checked and set at start (as kube-proxy does):
//   net.ipv4.ip_forward=1                  pods' packets to a ClusterIP are routed by the node
//   net.ipv4.conf.all.route_localnet=1     127.0.0.1:<nodePort> may be DNATed to a pod
//   net.bridge.bridge-nf-call-iptables=1   a reply from a pod to a pod on the same bridge passes
//                                          netfilter, so its DNAT is undone (br_netfilter)
// Without the last one the proxy masquerades every Service connection instead (the reply then
// comes back through the node), which costs the backends the client's address.
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const SYSCTL = '/proc/sys/';

function read(key: string): string | undefined {
  try {
    return readFileSync(SYSCTL + key.replaceAll('.', '/'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Set `key` to `value` unless it already is; false when it cannot be set. */
function ensure(key: string, value: string): boolean {
  if (read(key) === value) return true;
  try {
    writeFileSync(SYSCTL + key.replaceAll('.', '/'), value);
    return read(key) === value;
  } catch {
    return false;
  }
}

export interface HostNetworkState {
  /** Replies between pods on one bridge pass netfilter (else: masquerade all). */
  bridgeNetfilter: boolean;
  /** Problems worth a warning (each a sentence). */
  warnings: string[];
}

export function prepareHostNetwork(): HostNetworkState {
  const warnings: string[] = [];
  if (!ensure('net.ipv4.ip_forward', '1')) warnings.push('net.ipv4.ip_forward is not 1 and cannot be set: pods cannot reach Services');
  if (!ensure('net.ipv4.conf.all.route_localnet', '1')) warnings.push('net.ipv4.conf.all.route_localnet cannot be set: NodePorts do not answer on 127.0.0.1');
  if (read('net.bridge.bridge-nf-call-iptables') === undefined) {
    try {
      execFileSync('modprobe', ['br_netfilter'], { stdio: 'ignore' });
    } catch {
      /* not loadable here: reported below */
    }
  }
  const bridgeNetfilter = ensure('net.bridge.bridge-nf-call-iptables', '1');
  if (!bridgeNetfilter) warnings.push('br_netfilter is unavailable (net.bridge.bridge-nf-call-iptables): every Service connection is masqueraded, so backends see the node as the client');
  return { bridgeNetfilter, warnings };
}
