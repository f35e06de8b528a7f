import { describe, expect, it } from 'vitest';
import { CycleState } from '../../../scheduler/framework.js';
import { NodeName } from '../../../scheduler/plugins/node-name.js';
import { NodePorts } from '../../../scheduler/plugins/node-ports.js';
import { makeNode, makePod, nodeInfo } from '../fixtures.js';

describe('NodePorts', () => {
  const plugin = new NodePorts();
  const check = (want: Parameters<typeof makePod>[1], used: Parameters<typeof makePod>[1]) => {
    const ni = nodeInfo(makeNode('n'), [makePod('existing', used)]);
    const pod = makePod('p', want);
    const state = new CycleState();
    plugin.preFilter(state, pod);
    return plugin.filter(state, pod, ni)?.reasons[0] ?? 'fits';
  };
  it('rejects a hostPort already taken on the node', () => {
    expect(check({ hostPorts: [{ port: 8080 }] }, { hostPorts: [{ port: 8080 }] })).toBe(
      "node(s) didn't have free ports for the requested pod ports",
    );
    expect(check({ hostPorts: [{ port: 8080 }] }, { hostPorts: [{ port: 8081 }] })).toBe('fits');
    expect(check({ hostPorts: [{ port: 8080, protocol: 'UDP' }] }, { hostPorts: [{ port: 8080 }] })).toBe('fits');
  });
  it('different specific host IPs do not conflict; 0.0.0.0 conflicts with any', () => {
    expect(check({ hostPorts: [{ port: 80, ip: '10.0.0.1' }] }, { hostPorts: [{ port: 80, ip: '10.0.0.2' }] })).toBe('fits');
    expect(check({ hostPorts: [{ port: 80, ip: '10.0.0.1' }] }, { hostPorts: [{ port: 80 }] })).not.toBe('fits');
    expect(check({ hostPorts: [{ port: 80 }] }, { hostPorts: [{ port: 80, ip: '10.0.0.2' }] })).not.toBe('fits');
  });
  it('a removed pod frees its port', () => {
    const ni = nodeInfo(makeNode('n'), [makePod('existing', { hostPorts: [{ port: 80 }] })]);
    ni.removePod('default/existing');
    expect(ni.usedPorts.size).toBe(0);
  });
});

describe('NodeName', () => {
  it('a pod naming a node fits only there', () => {
    const p = new NodeName();
    const s = new CycleState();
    expect(p.filter(s, makePod('p', { nodeName: 'a' }), nodeInfo(makeNode('a')))).toBeNull();
    expect(p.filter(s, makePod('p', { nodeName: 'a' }), nodeInfo(makeNode('b')))?.reasons).toEqual([
      "node(s) didn't match the requested node name",
    ]);
    expect(p.filter(s, makePod('p'), nodeInfo(makeNode('b')))).toBeNull();
  });
});

describe('NodePorts with hostNetwork', () => {
  it('treats every containerPort of a hostNetwork pod as a host port', () => {
    const plugin = new NodePorts();
    const hostNet = makePod('existing', { containers: [{ name: 'c', ports: [{ containerPort: 9100 }] }] });
    hostNet.spec.hostNetwork = true;
    const ni = nodeInfo(makeNode('n'), [hostNet]);
    const pod = makePod('p', { hostPorts: [{ port: 9100 }] });
    const state = new CycleState();
    plugin.preFilter(state, pod);
    expect(plugin.filter(state, pod, ni)?.reasons).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
  });
});
