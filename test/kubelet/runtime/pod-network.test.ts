// A node's pod bridge keeps one MAC address while ends join and leave it (root, real links).
//
// A Linux bridge whose address nobody set takes the lowest MAC among its ports, and takes
// another whenever a port with a lower one joins (the warm netns pool adds ends right after pod
// starts). A pod that had already resolved its gateway keeps sending to the old MAC, which is
// still another port's own address: the bridge passes those frames up as "other host" and IP
// drops them, and with br_netfilter the connection's tracking entry is confirmed on the way
// up, un-NATed, so its retransmits skip the proxy's DNAT until TCP gives up (127 s). That is
// how a web replica of the compose e2e waited for redis for two minutes.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { allocateIp, execFileRunner, netnsName, PodNetwork, pickFreePodCidr } from '../../../kubelet/runtime/process/pod-network.js';
import { isRoot, suffix } from '../harness.js';

describe.skipIf(!isRoot)('pod bridge, real links', () => {
  const network = new PodNetwork(`pnet-${suffix()}`, pickFreePodCidr(), execFileRunner);
  const pod = suffix().repeat(6);
  const ports = [`skp${suffix()}`, `skp${suffix()}`];
  const server = net.createServer((s) => s.end());
  const mac = () => readFileSync(`/sys/class/net/${network.bridge}/address`, 'utf8').trim();
  /** One TCP connect from the pod to the node's gateway, given 2 s (a lost SYN is retransmitted after 1 s). */
  const podConnects = (port: number) =>
    spawnSync('ip', ['netns', 'exec', netnsName(pod), 'timeout', '2', 'bash', '-c', `exec 3<>/dev/tcp/${network.gateway}/${port}`], { stdio: 'ignore' }).status === 0;
  /** Another end on the bridge, with the MAC given (a veth whose peer stays on the host). */
  const addPort = (name: string, address: string) => {
    execFileSync('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
    execFileSync('ip', ['link', 'set', name, 'address', address]);
    execFileSync('ip', ['link', 'set', name, 'master', network.bridge, 'up']);
  };

  afterAll(async () => {
    server.close();
    for (const p of ports) spawnSync('ip', ['link', 'del', p], { stdio: 'ignore' });
    await network.tearDown(pod);
    await network.removeBridge();
  });

  it('keeps its MAC as ports with lower ones join, so pods that resolved their gateway still reach it', async () => {
    await network.ensureBridge();
    const first = mac();
    await new Promise<void>((resolve) => server.listen(0, network.gateway, resolve));
    const port = (server.address() as net.AddressInfo).port;
    // A port joins before the pod: unpinned, the bridge would now answer ARP with its MAC.
    addPort(ports[0]!, '02:00:00:00:00:10');
    await network.addHostSides([pod]);
    await network.addPodSide(pod, allocateIp(network.cidr, new Set()));
    expect(podConnects(port)).toBe(true); // the pod has resolved its gateway
    // A port with a still lower MAC joins: unpinned, the bridge would take that one.
    addPort(ports[1]!, '02:00:00:00:00:01');
    expect(mac()).toBe(first);
    expect(podConnects(port)).toBe(true);
  });
});
