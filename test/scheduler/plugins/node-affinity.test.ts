import { describe, expect, it } from 'vitest';
import type { NodeSelectorTerm } from '../../../api/core/index.js';
import { CycleState } from '../../../scheduler/framework.js';
import { NodeAffinity, REASON_POD } from '../../../scheduler/plugins/node-affinity.js';
import { makeNode, makePod, nodeInfo } from '../fixtures.js';

const plugin = new NodeAffinity();
const nodes = {
  a: nodeInfo(makeNode('node-a', { labels: { zone: 'east', disk: 'ssd', cores: '8' } })),
  b: nodeInfo(makeNode('node-b', { labels: { zone: 'west', cores: '2' } })),
  c: nodeInfo(makeNode('node-c', { labels: { zone: 'north' } })),
};

function fits(terms: NodeSelectorTerm[] | undefined, nodeSelector?: Record<string, string>) {
  const pod = makePod('p', {
    nodeSelector,
    affinity: terms ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } : undefined,
  });
  const state = new CycleState();
  plugin.preFilter(state, pod);
  return Object.entries(nodes)
    .filter(([, ni]) => plugin.filter(state, pod, ni) === null)
    .map(([k]) => k)
    .join('');
}

describe('NodeAffinity filter', () => {
  it('nodeSelector: every label must match', () => {
    expect(fits(undefined, { zone: 'east' })).toBe('a');
    expect(fits(undefined, { zone: 'east', disk: 'hdd' })).toBe('');
    expect(fits(undefined, {})).toBe('abc');
  });

  it('operators In, NotIn, Exists, DoesNotExist, Gt, Lt', () => {
    expect(fits([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['east', 'west'] }] }])).toBe('ab');
    expect(fits([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['east'] }] }])).toBe('bc');
    expect(fits([{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }])).toBe('a');
    expect(fits([{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }])).toBe('bc');
    expect(fits([{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }])).toBe('a');
    expect(fits([{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['4'] }] }])).toBe('b');
  });

  it('terms are ORed, expressions within a term ANDed; nodeSelector is ANDed with affinity', () => {
    const terms: NodeSelectorTerm[] = [
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['east'] }, { key: 'disk', operator: 'DoesNotExist' }] },
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['north'] }] },
    ];
    expect(fits(terms)).toBe('c');
    expect(fits([{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }], { zone: 'west' })).toBe('b');
  });

  it('matchFields on metadata.name; an empty term matches nothing', () => {
    expect(fits([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-b'] }] }])).toBe('b');
    expect(fits([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-b'] }] }])).toBe('ac');
    expect(fits([{}])).toBe('');
  });

  it('reports the reason kube-scheduler uses', () => {
    const pod = makePod('p', { nodeSelector: { zone: 'mars' } });
    expect(plugin.filter(new CycleState(), pod, nodes.a)).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: [REASON_POD] });
  });
});

describe('NodeAffinity score', () => {
  it('sums the weights of matching preferred terms, normalized to 0..100', () => {
    const pod = makePod('p', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 80, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['east'] }] } },
            { weight: 20, preference: { matchExpressions: [{ key: 'cores', operator: 'Exists' }] } },
          ],
        },
      },
    });
    const state = new CycleState();
    plugin.preScore(state, pod);
    const list = [nodes.a, nodes.b, nodes.c];
    const scores = list.map((n) => plugin.score(state, pod, n));
    expect(scores).toEqual([100, 20, 0]);
    plugin.normalizeScore(state, pod, scores);
    expect(scores).toEqual([100, 20, 0]);
  });
});
