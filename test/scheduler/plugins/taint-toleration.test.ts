import { describe, expect, it } from 'vitest';
import { CycleState } from '../../../scheduler/framework.js';
import { NodeReady } from '../../../scheduler/plugins/node-ready.js';
import { NodeUnschedulable } from '../../../scheduler/plugins/node-unschedulable.js';
import { TaintToleration, toleratesTaint } from '../../../scheduler/plugins/taint-toleration.js';
import { makeNode, makePod, nodeInfo } from '../fixtures.js';

const tt = new TaintToleration();
const s = new CycleState();

describe('toleratesTaint', () => {
  const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const };
  it('matches Kubernetes semantics', () => {
    expect(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'dedicated', value: 'gpu' }, taint)).toBe(true); // Equal by default, any effect
    expect(toleratesTaint({ key: 'dedicated', value: 'cpu' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'dedicated', operator: 'Exists' }, taint)).toBe(true);
    expect(toleratesTaint({ operator: 'Exists' }, taint)).toBe(true); // tolerates everything
    expect(toleratesTaint({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
  });
});

describe('TaintToleration', () => {
  const tainted = nodeInfo(
    makeNode('t', {
      taints: [
        { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
        { key: 'soft', value: 'x', effect: 'PreferNoSchedule' },
      ],
    }),
  );
  const evicting = nodeInfo(makeNode('e', { taints: [{ key: 'maint', effect: 'NoExecute' }] }));

  it('filters NoSchedule and NoExecute taints that are not tolerated, naming the taint', () => {
    expect(tt.filter(s, makePod('p'), tainted)).toMatchObject({
      code: 'UnschedulableAndUnresolvable',
      reasons: ['node(s) had untolerated taint {dedicated: gpu}'],
    });
    expect(tt.filter(s, makePod('p', { tolerations: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), tainted)).toBeNull();
    expect(tt.filter(s, makePod('p'), evicting)?.reasons).toEqual(['node(s) had untolerated taint {maint: }']);
    expect(tt.filter(s, makePod('p', { tolerations: [{ key: 'maint', operator: 'Exists' }] }), evicting)).toBeNull();
  });

  it('scores untolerated PreferNoSchedule taints: fewer is better', () => {
    const clean = nodeInfo(makeNode('c'));
    const pod = makePod('p', { tolerations: [{ key: 'dedicated', operator: 'Exists' }] });
    const state = new CycleState();
    tt.preScore(state, pod);
    const scores = [tt.score(state, pod, tainted), tt.score(state, pod, clean)];
    expect(scores).toEqual([1, 0]);
    tt.normalizeScore(state, pod, scores);
    expect(scores).toEqual([0, 100]);
    const tolerant = makePod('q', { tolerations: [{ key: 'soft', operator: 'Exists', effect: 'PreferNoSchedule' }] });
    tt.preScore(state, tolerant);
    expect(tt.score(state, tolerant, tainted)).toBe(0);
  });
});

describe('NodeUnschedulable', () => {
  const cordoned = nodeInfo(makeNode('c', { unschedulable: true }));
  it('keeps pods off cordoned nodes unless they tolerate the unschedulable taint', () => {
    const p = new NodeUnschedulable();
    expect(p.filter(s, makePod('p'), cordoned)?.reasons).toEqual(['node(s) were unschedulable']);
    expect(p.filter(s, makePod('p'), nodeInfo(makeNode('n')))).toBeNull();
    const tolerant = makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(p.filter(s, tolerant, cordoned)).toBeNull();
  });
});

describe('NodeReady', () => {
  const p = new NodeReady();
  it('filters NotReady and Unknown nodes like the not-ready / unreachable taints would', () => {
    expect(p.filter(s, makePod('p'), nodeInfo(makeNode('n', { ready: 'True' })))).toBeNull();
    expect(p.filter(s, makePod('p'), nodeInfo(makeNode('n', { ready: 'False' })))?.reasons).toEqual([
      'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
    ]);
    expect(p.filter(s, makePod('p'), nodeInfo(makeNode('n', { ready: 'Unknown' })))?.reasons).toEqual([
      'node(s) had untolerated taint {node.kubernetes.io/unreachable: }',
    ]);
    const tolerant = makePod('p', { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] });
    expect(p.filter(s, tolerant, nodeInfo(makeNode('n', { ready: 'False' })))).toBeNull();
  });
});
