import { describe, expect, it } from 'vitest';
import { CycleState } from '../../../scheduler/framework.js';
import { BalancedAllocation, balancedScore } from '../../../scheduler/plugins/balanced-allocation.js';
import { PodTopologySpread } from '../../../scheduler/plugins/pod-topology-spread.js';
import { makeNode, makePod, nodeInfo } from '../fixtures.js';

describe('BalancedAllocation', () => {
  it('scores (1 - |cpu% - mem%| / 2) × 100', () => {
    expect(balancedScore(0.5, 0.1)).toBe(80);
    expect(balancedScore(0.3, 0.3)).toBe(100);
    expect(balancedScore(2, 0)).toBe(50);
    const ni = nodeInfo(makeNode('n', { cpu: '4', memory: '4Gi' }));
    expect(new BalancedAllocation().score(new CycleState(), makePod('p', { cpu: '2', memory: '1Gi' }), ni)).toBe(87);
  });
});

describe('PodTopologySpread (system defaults)', () => {
  it('prefers nodes with fewer pods of the same owner', () => {
    const a = nodeInfo(makeNode('a'), [makePod('x1', { owner: 'rs1' }), makePod('x2', { owner: 'rs1' })]);
    const b = nodeInfo(makeNode('b'), [makePod('y1', { owner: 'rs1' }), makePod('other', { owner: 'rs2' })]);
    const c = nodeInfo(makeNode('c'), [makePod('z', { owner: 'rs2' })]);
    const nodes = [a, b, c];
    const plugin = new PodTopologySpread(() => nodes);
    const pod = makePod('p', { owner: 'rs1' });
    const state = new CycleState();
    plugin.preScore(state, pod, nodes);
    const scores = nodes.map((n) => plugin.score(state, pod, n));
    // raw = count × log(3 + 2) + (3 − 1): 2 → 5.2 → 5, 1 → 3.6 → 4, 0 → 2
    expect(scores).toEqual([5, 4, 2]);
    plugin.normalizeScore(state, pod, scores);
    expect(scores).toEqual([40, 60, 100]);
  });

  it('counts zones across all nodes when nodes carry the zone label', () => {
    const z = (name: string, zone: string, pods: ReturnType<typeof makePod>[] = []) =>
      nodeInfo(makeNode(name, { labels: { 'topology.kubernetes.io/zone': zone } }), pods);
    const a1 = z('a1', 'a', [makePod('x1', { owner: 'rs1' })]);
    const a2 = z('a2', 'a');
    const b1 = z('b1', 'b');
    const nodes = [a1, a2, b1];
    const plugin = new PodTopologySpread(() => nodes);
    const pod = makePod('p', { owner: 'rs1' });
    const state = new CycleState();
    plugin.preScore(state, pod, [a2, b1]);
    const scores = [a2, b1].map((n) => plugin.score(state, pod, n));
    plugin.normalizeScore(state, pod, scores);
    // a2 has no pod itself but its zone does: b1 wins.
    expect(scores[1]).toBeGreaterThan(scores[0]!);
  });

  it('pods without an owner are not spread', () => {
    const nodes = [nodeInfo(makeNode('a'))];
    const plugin = new PodTopologySpread(() => nodes);
    const state = new CycleState();
    const pod = makePod('p');
    plugin.preScore(state, pod, nodes);
    const scores = [plugin.score(state, pod, nodes[0]!)];
    plugin.normalizeScore(state, pod, scores);
    expect(scores).toEqual([0]);
  });
});

describe('PodTopologySpread (the pod\'s own constraints)', () => {
  const zoneNode = (name: string, zone: string | undefined, pods: ReturnType<typeof makePod>[] = []) =>
    nodeInfo(makeNode(name, { labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} }), pods);
  const labelled = (name: string, app: string) => {
    const p = makePod(name);
    p.metadata.labels = { app };
    return p;
  };
  const spreadPod = (whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway', maxSkew = 1) => {
    const p = labelled('new', 'web');
    p.spec.topologySpreadConstraints = [
      { maxSkew, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable, labelSelector: { matchLabels: { app: 'web' } } },
    ];
    return p;
  };

  it('DoNotSchedule rejects domains that would exceed maxSkew over the least loaded domain', () => {
    // zone a: 2 web pods, zone b: 1 web pod (+1 other app), zone-less node.
    const a = zoneNode('a1', 'a', [labelled('w1', 'web'), labelled('w2', 'web')]);
    const b = zoneNode('b1', 'b', [labelled('w3', 'web'), labelled('db', 'db')]);
    const none = zoneNode('x', undefined);
    const nodes = [a, b, none];
    const plugin = new PodTopologySpread(() => nodes);
    const pod = spreadPod('DoNotSchedule');
    const state = new CycleState();
    plugin.preFilter(state, pod);
    // a: 2 + 1 − 1 = 2 > 1 → rejected; b: 1 + 1 − 1 = 1 → fits.
    expect(plugin.filter(state, pod, a)).toMatchObject({ code: 'Unschedulable', reasons: ["node(s) didn't match pod topology spread constraints"] });
    expect(plugin.filter(state, pod, b)).toBeNull();
    expect(plugin.filter(state, pod, none)).toMatchObject({
      code: 'UnschedulableAndUnresolvable',
      reasons: ["node(s) didn't match pod topology spread constraints (missing required label)"],
    });
    const loose = spreadPod('DoNotSchedule', 2);
    plugin.preFilter(state, loose);
    expect(plugin.filter(state, loose, a)).toBeNull();
  });

  it('ScheduleAnyway scores the emptier domain higher and never filters', () => {
    const a = zoneNode('a1', 'a', [labelled('w1', 'web'), labelled('w2', 'web')]);
    const b = zoneNode('b1', 'b');
    const nodes = [a, b];
    const plugin = new PodTopologySpread(() => nodes);
    const pod = spreadPod('ScheduleAnyway');
    const state = new CycleState();
    plugin.preFilter(state, pod);
    expect(plugin.filter(state, pod, a)).toBeNull();
    plugin.preScore(state, pod, nodes);
    const scores = nodes.map((n) => plugin.score(state, pod, n));
    plugin.normalizeScore(state, pod, scores);
    expect(scores[1]).toBe(100);
    expect(scores[0]).toBeLessThan(100);
  });
});
