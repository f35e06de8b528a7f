import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import { blocksMove, planScaleDown, SCALE_DOWN_DISABLED, utilization, type ScaleDownInput } from '../../cluster-autoscaler/scale-down.js';
import { isUnschedulable, planScaleUp, type ScaleUpInput } from '../../cluster-autoscaler/scale-up.js';
import { binpack, templateNodeInfo, TO_BE_DELETED_TAINT } from '../../cluster-autoscaler/simulator.js';
import { makeNode, makePod, nodeInfo } from '../scheduler/fixtures.js';

const pending = (name: string, opts: Parameters<typeof makePod>[1] = {}): Pod => {
  const p = makePod(name, { owner: 'rs-1', ...opts });
  p.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastTransitionTime: '2026-12-06T00:00:00Z' }] };
  return p;
};
const running = (name: string, node: string, opts: Parameters<typeof makePod>[1] = {}): Pod => ({ ...makePod(name, { owner: 'rs-1', ...opts, nodeName: node }), status: { phase: 'Running' } });

// Two 2-CPU nodes, each with 1.5 CPU taken.
const full = () => [nodeInfo(makeNode('n1', { cpu: '2' }), [running('a', 'n1', { cpu: '1500m' })]), nodeInfo(makeNode('n2', { cpu: '2' }), [running('b', 'n2', { cpu: '1500m' })])];
const template = () => templateNodeInfo(makeNode('n1', { cpu: '2' }), []);
const up = (over: Partial<ScaleUpInput>) => planScaleUp({ pending: [], nodes: full(), upcoming: [], template: template(), size: 2, maxSize: 4, ...over });

describe('scale-up', () => {
  it('acts only on pods the scheduler marked Unschedulable', () => {
    expect(isUnschedulable(pending('p'))).toBe(true);
    expect(isUnschedulable({ ...pending('p'), spec: { ...pending('p').spec, nodeName: 'n1' } })).toBe(false);
    expect(isUnschedulable(makePod('fresh'))).toBe(false); // not yet tried by the scheduler
  });

  it('adds as many nodes as first-fit binpacking needs, no more', () => {
    const plan = up({ pending: [pending('p1', { cpu: '1500m' }), pending('p2', { cpu: '1500m' }), pending('p3', { cpu: '500m' })] });
    // p3 fits beside a 1.5-CPU pod on an existing node; p1 and p2 need a node each.
    expect(plan.delta).toBe(2);
    expect(plan.helped.map((p) => p.metadata.name).sort()).toEqual(['p1', 'p2']);
    expect(plan.notHelped).toEqual([]);
  });

  it('counts nodes already coming before buying more', () => {
    const plan = up({ pending: [pending('p1', { cpu: '1500m' }), pending('p2', { cpu: '1500m' })], upcoming: [template()] });
    expect(plan.delta).toBe(1);
  });

  it('stops at the maximum size and says which pods are left waiting', () => {
    const plan = up({ pending: [pending('p1', { cpu: '1500m' }), pending('p2', { cpu: '1500m' })], size: 3, maxSize: 3 });
    expect(plan.delta).toBe(0);
    expect(plan.notHelped.map((n) => n.reason)).toEqual(['the node group is at its maximum size (3)', 'the node group is at its maximum size (3)']);
  });

  it("never buys a node for a pod that would not fit on one of the group's shape", () => {
    const plan = up({ pending: [pending('huge', { cpu: '3' }), pending('picky', { nodeSelector: { disk: 'ssd' } })] });
    expect(plan.delta).toBe(0);
    expect(plan.notHelped.map((n) => [n.pod.metadata.name, n.reason])).toEqual([
      ['huge', "it would not fit on a new node of the group's shape"],
      ['picky', "it would not fit on a new node of the group's shape"],
    ]);
  });

  it('the template is a clean, Ready copy that carries the DaemonSet pods a new node gets', () => {
    const source = makeNode('n1', { cpu: '2', ready: 'False', unschedulable: true, taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }, { key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
    const ds: Pod = { ...running('agent', 'n1', { cpu: '500m' }), metadata: { ...running('agent', 'n1').metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds', controller: true }] } };
    const t = templateNodeInfo(source, [ds, running('app', 'n1', { cpu: '1' })]);
    expect(t.ready).toBe('True');
    expect(t.unschedulable).toBe(false);
    expect(t.taints).toEqual([{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    expect(t.requested.milliCPU).toBe(500);
    expect(t.labels['kubernetes.io/hostname']).toBe('template-node');
  });

  it('binpacks largest first', () => {
    const r = binpack([pending('s', { cpu: '500m' }), pending('l', { cpu: '1500m' }), pending('m', { cpu: '1' })], [], template(), 5);
    // 1.5 + 0.5 on one node, 1 on the next.
    expect(r.newNodes).toBe(2);
  });
});

const down = (over: Partial<ScaleDownInput>) => {
  const nodes = over.groupNodes ?? [];
  return planScaleDown({ groupNodes: nodes, allNodes: over.allNodes ?? nodes, size: nodes.length, minSize: 1, utilizationThreshold: 0.5, unneededTimeMs: 60_000, nowMs: 1_000_000, unneededSince: new Map(), ...over });
};

describe('scale-down', () => {
  it('an empty node is unneeded from now, and goes once it stayed unneeded for the unneeded time', () => {
    const nodes = [nodeInfo(makeNode('n1', { cpu: '2' }), [running('a', 'n1', { cpu: '1500m' })]), nodeInfo(makeNode('n2', { cpu: '2' }))];
    const first = down({ groupNodes: nodes });
    expect([...first.unneededSince]).toEqual([['n2', 1_000_000]]);
    expect(first.needed.get('n1')).toBe('utilization 0.75 is not below 0.5');
    expect(first.remove).toBeUndefined();
    const later = down({ groupNodes: nodes, unneededSince: first.unneededSince, nowMs: 1_060_000 });
    expect(later.remove).toEqual({ node: 'n2', evict: [] });
  });

  it('moves the pods of an underused node when they fit elsewhere, and evicts them', () => {
    const a = running('a', 'n2', { cpu: '500m' });
    const nodes = [nodeInfo(makeNode('n1', { cpu: '2' }), [running('b', 'n1', { cpu: '1200m' })]), nodeInfo(makeNode('n2', { cpu: '2' }), [a])];
    const plan = down({ groupNodes: nodes, unneededSince: new Map([['n2', 0]]) });
    expect(plan.remove).toEqual({ node: 'n2', evict: [a] });
  });

  it('keeps a node whose pods would fit nowhere else, or that has no controller, or keeps local data', () => {
    const nodes = [nodeInfo(makeNode('n1', { cpu: '2' }), [running('b', 'n1', { cpu: '1800m' })]), nodeInfo(makeNode('n2', { cpu: '2' }), [running('a', 'n2', { cpu: '500m' })])];
    expect(down({ groupNodes: nodes }).needed.get('n2')).toBe('pod default/a would fit on no other node');
    const bare = makePod('bare', { nodeName: 'n2', cpu: '100m' });
    expect(blocksMove(bare)).toBe('pod default/bare has no controller to recreate it');
    const withData = running('d', 'n2');
    withData.spec.volumes = [{ name: 'scratch', emptyDir: {} }];
    expect(blocksMove(withData)).toBe('pod default/d keeps local data (emptyDir or hostPath)');
  });

  it('two underused nodes never both count on the same spare room', () => {
    // n1 has room for one 800m pod; n2 and n3 each hold one.
    const nodes = [
      nodeInfo(makeNode('n1', { cpu: '2' }), [running('x', 'n1', { cpu: '1100m' })]),
      nodeInfo(makeNode('n2', { cpu: '2' }), [running('a', 'n2', { cpu: '800m' })]),
      nodeInfo(makeNode('n3', { cpu: '2' }), [running('b', 'n3', { cpu: '900m' })]),
    ];
    const plan = down({ groupNodes: nodes });
    // n2 (less used) can move to n1 or n3; then n3's pod has nowhere (n1 full, n2 going).
    expect([...plan.unneededSince.keys()]).toEqual(['n2']);
  });

  it('never goes below the minimum, nor while blocked, nor for annotated or not-Ready nodes', () => {
    const empty = () => [nodeInfo(makeNode('n1', { cpu: '2' })), nodeInfo(makeNode('n2', { cpu: '2' }))];
    const since = new Map([['n1', 0], ['n2', 0]]);
    expect(down({ groupNodes: empty(), unneededSince: since, minSize: 2 }).remove).toBeUndefined();
    expect(down({ groupNodes: empty(), unneededSince: since, blocked: 'pods wait for room' }).remove).toBeUndefined();
    const annotated = makeNode('n3', { cpu: '2' });
    annotated.metadata.annotations = { [SCALE_DOWN_DISABLED]: 'true' };
    expect(down({ groupNodes: [nodeInfo(annotated)] }).needed.get('n3')).toBe(`annotated ${SCALE_DOWN_DISABLED}`);
    expect(down({ groupNodes: [nodeInfo(makeNode('n4', { ready: 'Unknown' }))] }).needed.get('n4')).toBe('not Ready');
    // A node the autoscaler already tainted stays a candidate (its removal may resume after a restart).
    const tainted = makeNode('n5', { cpu: '2', ready: 'False', taints: [{ key: TO_BE_DELETED_TAINT, value: '1', effect: 'NoSchedule' }] });
    expect(down({ groupNodes: [nodeInfo(tainted)] }).unneededSince.has('n5')).toBe(true);
  });

  it('utilization is the larger of the cpu and memory shares', () => {
    expect(utilization(nodeInfo(makeNode('n', { cpu: '2', memory: '4Gi' }), [running('a', 'n', { cpu: '500m', memory: '3Gi' })]))).toBe(0.75);
  });
});
