import { describe, expect, it } from 'vitest';
import { CycleState } from '../../../scheduler/framework.js';
import { computePodResourceRequest } from '../../../scheduler/resources.js';
import { NodeResourcesFit, leastRequestedScore } from '../../../scheduler/plugins/node-resources-fit.js';
import { makeNode, makePod, nodeInfo } from '../fixtures.js';

const fit = new NodeResourcesFit();
const filter = (pod: ReturnType<typeof makePod>, ni: ReturnType<typeof nodeInfo>) => fit.filter(new CycleState(), pod, ni);

describe('NodeResourcesFit filter', () => {
  it('fits requests against allocatable minus what bound pods request', () => {
    const ni = nodeInfo(makeNode('n', { cpu: '2', memory: '4Gi' }), [makePod('a', { cpu: '1500m', memory: '1Gi' })]);
    expect(filter(makePod('p', { cpu: '500m', memory: '3Gi' }), ni)).toBeNull();
    expect(filter(makePod('p', { cpu: '501m' }), ni)?.reasons).toEqual(['Insufficient cpu']);
    expect(filter(makePod('p', { cpu: '1', memory: '4Gi' }), ni)).toMatchObject({
      code: 'Unschedulable',
      reasons: ['Insufficient cpu', 'Insufficient memory'],
      plugin: 'NodeResourcesFit',
    });
  });

  it('counts pods against allocatable.pods', () => {
    const ni = nodeInfo(makeNode('n', { pods: '2' }), [makePod('a'), makePod('b')]);
    expect(filter(makePod('p'), ni)?.reasons).toEqual(['Too many pods']);
  });

  it('checks extended resources; a node without them has none', () => {
    const gpuNode = nodeInfo(makeNode('g', { extra: { 'example.com/gpu': '2' } }), [makePod('a', { extra: { 'example.com/gpu': '1' } })]);
    const plain = nodeInfo(makeNode('n'));
    expect(filter(makePod('p', { extra: { 'example.com/gpu': '1' } }), gpuNode)).toBeNull();
    expect(filter(makePod('p', { extra: { 'example.com/gpu': '2' } }), gpuNode)?.reasons).toEqual(['Insufficient example.com/gpu']);
    expect(filter(makePod('p', { extra: { 'example.com/gpu': '1' } }), plain)?.reasons).toEqual(['Insufficient example.com/gpu']);
  });

  it('init containers: the pod needs max(sum of containers, largest init container)', () => {
    const pod = makePod('p', {
      containers: [
        { name: 'a', resources: { requests: { cpu: '100m', memory: '1Gi' } } },
        { name: 'b', resources: { requests: { cpu: '200m' } } },
      ],
      initContainers: [
        { name: 'i1', resources: { requests: { cpu: '500m', memory: '100Mi' } } },
        { name: 'i2', resources: { requests: { cpu: '50m', memory: '2Gi' } } },
      ],
    });
    const r = computePodResourceRequest(pod).requests;
    expect(r.milliCPU).toBe(500);
    expect(r.memory).toBe(2 * 1024 ** 3);
    expect(filter(pod, nodeInfo(makeNode('n', { cpu: '400m' })))?.reasons).toEqual(['Insufficient cpu']);
    expect(filter(pod, nodeInfo(makeNode('n', { cpu: '500m' })))).toBeNull();
  });

  it('a limit without a request counts as the request', () => {
    const pod = makePod('p', { containers: [{ name: 'a', resources: { limits: { cpu: '3' } } }] });
    expect(filter(pod, nodeInfo(makeNode('n', { cpu: '2' })))?.reasons).toEqual(['Insufficient cpu']);
  });
});

describe('NodeResourcesFit score (LeastAllocated)', () => {
  it('prefers the emptier node, counting request-less pods as 100m/200Mi', () => {
    expect(leastRequestedScore(1000, 4000)).toBe(75);
    expect(leastRequestedScore(5000, 4000)).toBe(0);
    const empty = nodeInfo(makeNode('e', { cpu: '4', memory: '8Gi' }));
    const busy = nodeInfo(makeNode('b', { cpu: '4', memory: '8Gi' }), [makePod('x', { cpu: '2', memory: '4Gi' })]);
    const pod = makePod('p');
    const s = new CycleState();
    // empty: cpu (4000-100)/4000 → 97, mem (8Gi-200Mi)/8Gi → 97
    expect(fit.score(s, pod, empty)).toBe(97);
    expect(fit.score(s, pod, busy)).toBe(47);
  });
});
