import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import { newDefaultFramework } from '../../scheduler/default-profile.js';
import { FitError, fitErrorMessage } from '../../scheduler/framework.js';
import {
  PodNominator,
  notEligibleReason,
  pickOneNodeForPreemption,
  preempt,
  selectVictimsOnNode,
} from '../../scheduler/preemption.js';
import { cacheWith, makeNode, makePod } from './fixtures.js';

const on = (p: Pod, node: string, started = '2026-01-01T00:00:00Z'): Pod => ({
  ...p,
  spec: { ...p.spec, nodeName: node },
  status: { phase: 'Running', startTime: started },
});

function failWith(fw: ReturnType<typeof newDefaultFramework>, pod: Pod, cache: ReturnType<typeof cacheWith>): FitError {
  try {
    fw.schedulePod(pod, cache);
  } catch (e) {
    if (e instanceof FitError) return e;
    throw e;
  }
  throw new Error('expected the pod not to fit');
}

describe('selectVictimsOnNode', () => {
  it('evicts as few lower-priority pods as needed, least important first', () => {
    const cache = cacheWith(
      [makeNode('n', { cpu: '2' })],
      [
        on(makePod('old', { cpu: '1', priority: 0 }), 'n', '2026-01-01T00:00:00Z'),
        on(makePod('new', { cpu: '1', priority: 0 }), 'n', '2026-01-02T00:00:00Z'),
      ],
    );
    const fw = newDefaultFramework(() => cache.nodes);
    const r = selectVictimsOnNode(fw, makePod('vip', { cpu: '1', priority: 100 }), cache.get('n')!);
    // The longer-running pod is the more important one: it stays.
    expect('victims' in r && r.victims.map((v) => v.metadata.name)).toEqual(['new']);
    // Nothing changed on the real node.
    expect(cache.get('n')!.pods.size).toBe(2);
  });

  it('reports no victims when nothing has lower priority, and the filter reason when evicting all is not enough', () => {
    const cache = cacheWith([makeNode('n', { cpu: '2' })], [on(makePod('peer', { cpu: '1', priority: 100 }), 'n')]);
    const fw = newDefaultFramework(() => cache.nodes);
    expect(selectVictimsOnNode(fw, makePod('p', { cpu: '2', priority: 100 }), cache.get('n')!)).toMatchObject({
      status: { reasons: ['No preemption victims found for incoming pod'] },
    });
    const cache2 = cacheWith([makeNode('n', { cpu: '2' })], [on(makePod('low', { cpu: '1', priority: 0 }), 'n')]);
    const fw2 = newDefaultFramework(() => cache2.nodes);
    expect(selectVictimsOnNode(fw2, makePod('p', { cpu: '3', priority: 100 }), cache2.get('n')!)).toMatchObject({
      status: { reasons: ['Insufficient cpu'] },
    });
  });
});

describe('pickOneNodeForPreemption', () => {
  it('prefers the lowest highest-victim priority, then the lowest sum, then the fewest victims', () => {
    const v = (prio: number) => makePod(`v${prio}`, { priority: prio });
    expect(
      pickOneNodeForPreemption([
        { nodeName: 'a', victims: [v(10)] },
        { nodeName: 'b', victims: [v(5), v(5)] },
        { nodeName: 'c', victims: [v(5), v(1)] },
      ])?.nodeName,
    ).toBe('c');
    expect(
      pickOneNodeForPreemption([
        { nodeName: 'a', victims: [v(0), v(0)] },
        { nodeName: 'b', victims: [v(0)] },
      ])?.nodeName,
    ).toBe('b');
  });
});

describe('preempt', () => {
  it('finds a candidate and the message then has no preemption part', () => {
    const cache = cacheWith(
      [makeNode('a', { cpu: '2' }), makeNode('t', { cpu: '8', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] })],
      [on(makePod('low', { cpu: '2', priority: 0 }), 'a')],
    );
    const fw = newDefaultFramework(() => cache.nodes);
    const pod = makePod('vip', { cpu: '1', priority: 100 });
    const err = failWith(fw, pod, cache);
    const out = preempt(fw, pod, cache, err.diagnosis);
    expect(out.candidate).toMatchObject({ nodeName: 'a' });
    expect(out.candidate!.victims.map((p) => p.metadata.name)).toEqual(['low']);
    err.diagnosis.postFilterMsg = out.message;
    expect(fitErrorMessage(2, err.diagnosis)).toBe('0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {k: v}.');
  });

  it('without a candidate reports, per node, why preemption cannot help', () => {
    const cache = cacheWith(
      [makeNode('a', { cpu: '2' }), makeNode('b', { cpu: '2' }), makeNode('t', { cpu: '8', taints: [{ key: 'k', effect: 'NoSchedule' }] })],
      [on(makePod('peer', { cpu: '2', priority: 100 }), 'a'), on(makePod('low', { cpu: '1', priority: 0 }), 'b')],
    );
    const fw = newDefaultFramework(() => cache.nodes);
    const pod = makePod('vip', { cpu: '3', priority: 100 });
    const err = failWith(fw, pod, cache);
    const out = preempt(fw, pod, cache, err.diagnosis);
    expect(out.candidate).toBeUndefined();
    expect(out.message).toBe(
      'preemption: 0/3 nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
    );
  });

  it('a pod with preemptionPolicy Never, or waiting for victims on its nominated node, does not preempt', () => {
    const cache = cacheWith(
      [makeNode('a', { cpu: '2' })],
      [{ ...on(makePod('dying', { cpu: '2', priority: 0 }), 'a'), metadata: { ...makePod('dying').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }],
    );
    const never = makePod('p', { priority: 100 });
    never.spec.preemptionPolicy = 'Never';
    expect(notEligibleReason(never, undefined, cache)).toBe('not eligible due to preemptionPolicy=Never.');
    expect(notEligibleReason(makePod('p', { priority: 100 }), 'a', cache)).toBe('not eligible due to a terminating pod on the nominated node.');
    expect(notEligibleReason(makePod('p', { priority: 100 }), undefined, cache)).toBeUndefined();
  });
});

describe('nominated pods', () => {
  it('keep the room they made from pods of lower priority, not from higher ones', () => {
    const nominator = new PodNominator();
    const cache = cacheWith([makeNode('a', { cpu: '2' })]);
    const fw = newDefaultFramework(() => cache.nodes, { nominator });
    nominator.add(makePod('vip', { cpu: '2', priority: 100 }), 'a');
    expect(failWith(fw, makePod('low', { cpu: '1', priority: 0 }), cache).message).toMatch(/^0\/1 nodes are available: 1 Insufficient cpu\./);
    expect(fw.schedulePod(makePod('vvip', { cpu: '1', priority: 200 }), cache).suggestedHost).toBe('a');
    // The nominated pod itself is not in its own way.
    expect(fw.schedulePod(makePod('vip', { cpu: '2', priority: 100 }), cache).suggestedHost).toBe('a');
    nominator.remove('default/vip');
    expect(nominator.size).toBe(0);
    expect(fw.schedulePod(makePod('low', { cpu: '1', priority: 0 }), cache).suggestedHost).toBe('a');
  });
});
