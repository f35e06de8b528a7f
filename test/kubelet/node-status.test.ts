import { describe, expect, it } from 'vitest';
import { buildNodeStatus, nodeLabels, type MachineInfo } from '../../kubelet/node-status.js';

const machine: MachineInfo = { cpu: 4, memoryBytes: 8 * 1024 ** 3, hostname: 'box', kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12', architecture: 'amd64', machineID: 'm', bootID: 'b' };
const runtime = { name: 'process', version: '0.1.0', warnings: [] };

describe('node status', () => {
  it('reports capacity, addresses, endpoint, nodeInfo and a Ready condition', () => {
    const s = buildNodeStatus({ machine, hostIP: '127.0.0.1', port: 10250, runtime, nowIso: 'T1', heartbeat: true });
    expect(s.capacity).toEqual({ cpu: '4', memory: '8388608Ki', pods: '110' });
    expect(s.allocatable).toEqual(s.capacity);
    expect(s.addresses).toEqual([{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'box' }]);
    expect(s.daemonEndpoints?.kubeletEndpoint?.Port).toBe(10250);
    expect(s.nodeInfo).toMatchObject({ operatingSystem: 'linux', architecture: 'amd64', containerRuntimeVersion: 'process://0.1.0', kubeletVersion: expect.stringMatching(/^v1\.32/) });
    expect(s.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady', lastHeartbeatTime: 'T1', lastTransitionTime: 'T1' });
    expect(s.conditions?.find((c) => c.type === 'ContainerIsolation')).toMatchObject({ status: 'True' });
    expect(nodeLabels('n1', machine)).toMatchObject({ 'kubernetes.io/hostname': 'n1', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' });
  });

  it('keeps transition times, moves heartbeats only when asked, and turns NotReady when the runtime is down', () => {
    const first = buildNodeStatus({ machine, hostIP: '10.0.0.1', port: 1, runtime, nowIso: 'T1', heartbeat: true });
    const same = buildNodeStatus({ machine, hostIP: '10.0.0.1', port: 1, runtime, nowIso: 'T2', heartbeat: false, prevConditions: first.conditions });
    expect(same).toEqual(first);
    const beat = buildNodeStatus({ machine, hostIP: '10.0.0.1', port: 1, runtime, nowIso: 'T3', heartbeat: true, prevConditions: first.conditions });
    expect(beat.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ lastHeartbeatTime: 'T3', lastTransitionTime: 'T1' });
    const down = buildNodeStatus({ machine, hostIP: '10.0.0.1', port: 1, runtime, nowIso: 'T4', heartbeat: true, prevConditions: beat.conditions, runtimeError: 'connect ENOENT /var/run/docker.sock' });
    expect(down.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'KubeletNotReady', lastTransitionTime: 'T4', message: 'container runtime is down: connect ENOENT /var/run/docker.sock' });
  });

  it('says when containers are not isolated', () => {
    const s = buildNodeStatus({ machine, hostIP: '127.0.0.1', port: 1, runtime: { ...runtime, warnings: ['kubelet is not running as root: plain processes'] }, nowIso: 'T', heartbeat: true });
    expect(s.conditions?.find((c) => c.type === 'ContainerIsolation')).toMatchObject({ status: 'False', reason: 'PlainProcesses', message: 'kubelet is not running as root: plain processes' });
  });
});
