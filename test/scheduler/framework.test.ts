import { describe, expect, it } from 'vitest';
import { newDefaultFramework } from '../../scheduler/default-profile.js';
import { FitError, fitErrorMessage, numFeasibleNodesToFind, type Diagnosis, type Status } from '../../scheduler/framework.js';
import { cacheWith, makeNode, makePod } from './fixtures.js';

describe('numFeasibleNodesToFind (percentageOfNodesToScore)', () => {
  it('is adaptive: 50% at 100 nodes down to 10% at 5,000, at least 5%, at least 50 nodes', () => {
    expect(numFeasibleNodesToFind(10)).toBe(10);
    expect(numFeasibleNodesToFind(49)).toBe(49);
    expect(numFeasibleNodesToFind(100)).toBe(50); // 50% of 100 = 50
    expect(numFeasibleNodesToFind(1000)).toBe(420); // 50 − 8 = 42%
    expect(numFeasibleNodesToFind(5000)).toBe(500); // 10%
    expect(numFeasibleNodesToFind(20000)).toBe(1000); // floor at 5%
    expect(numFeasibleNodesToFind(5000, 100)).toBe(5000);
    expect(numFeasibleNodesToFind(200, 1)).toBe(50);
  });
});

describe('FailedScheduling message', () => {
  it('counts reasons across nodes, sorted, with the preemption summary', () => {
    const st = (code: Status['code'], plugin: string, ...reasons: string[]): Status => ({ code, plugin, reasons });
    const d: Diagnosis = {
      nodeToStatus: new Map([
        ['a', st('UnschedulableAndUnresolvable', 'TaintToleration', 'node(s) had untolerated taint {key: value}')],
        ['b', st('Unschedulable', 'NodeResourcesFit', 'Insufficient cpu')],
        ['c', st('Unschedulable', 'NodeResourcesFit', 'Insufficient cpu')],
      ]),
      unschedulablePlugins: new Set(),
    };
    expect(fitErrorMessage(3, d)).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {key: value}, 2 Insufficient cpu. ' +
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
    expect(fitErrorMessage(0, d)).toBe('no nodes available to schedule pods');
  });
});

describe('default framework', () => {
  it('picks only nodes that fit and reports why the others do not', () => {
    const cache = cacheWith([
      makeNode('small', { cpu: '1' }),
      makeNode('tainted', { cpu: '8', taints: [{ key: 'key', value: 'value', effect: 'NoSchedule' }] }),
      makeNode('big', { cpu: '8' }),
    ]);
    const fw = newDefaultFramework(() => cache.nodes);
    for (let i = 0; i < 5; i++) expect(fw.schedulePod(makePod(`p${i}`, { cpu: '2' }), cache).suggestedHost).toBe('big');
    let err: unknown;
    try {
      fw.schedulePod(makePod('huge', { cpu: '16' }), cache);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FitError);
    expect((err as FitError).message).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {key: value}, 2 Insufficient cpu. ' +
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
    expect([...(err as FitError).diagnosis.unschedulablePlugins].sort()).toEqual(['NodeResourcesFit', 'TaintToleration']);
  });

  it('spreads replicas of one owner 3/3/3 over three equal nodes as it assumes them', () => {
    const cache = cacheWith([makeNode('n1'), makeNode('n2'), makeNode('n3')]);
    const fw = newDefaultFramework(() => cache.nodes);
    for (let i = 0; i < 9; i++) {
      const pod = makePod(`web-${i}`, { owner: 'rs-web', cpu: '100m' });
      const host = fw.schedulePod(pod, cache).suggestedHost;
      cache.assumePod({ ...pod, spec: { ...pod.spec, nodeName: host } });
    }
    expect(cache.nodes.map((n) => n.pods.size)).toEqual([3, 3, 3]);
  });

  it('prefers the preferred-affinity node and avoids PreferNoSchedule taints', () => {
    const cache = cacheWith([
      makeNode('plain'),
      makeNode('ssd', { labels: { disk: 'ssd' } }),
      makeNode('soft', { labels: { disk: 'ssd' }, taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }),
    ]);
    const fw = newDefaultFramework(() => cache.nodes);
    const pod = makePod('p', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
          ],
        },
      },
    });
    for (let i = 0; i < 5; i++) expect(fw.schedulePod(pod, cache).suggestedHost).toBe('ssd');
  });

  it('stops filtering after enough feasible nodes and rotates the start between cycles', () => {
    const nodes = Array.from({ length: 200 }, (_, i) => makeNode(`n${String(i).padStart(3, '0')}`));
    const cache = cacheWith(nodes);
    const fw = newDefaultFramework(() => cache.nodes);
    const r1 = fw.schedulePod(makePod('a'), cache);
    expect(r1.feasibleNodes).toBe(numFeasibleNodesToFind(200)); // 50 − 1 = 49% of 200 = 98
    expect(r1.evaluatedNodes).toBe(98);
    // The second cycle starts at node 98, so it can only pick among n098..n195.
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const r = fw.schedulePod(makePod(`b${i}`), cache);
      seen.add(r.suggestedHost);
      expect(r.evaluatedNodes).toBe(98);
    }
    const second = [...seen][0]!;
    expect(Number(second.slice(1))).toBeGreaterThanOrEqual(98);
  });
});
