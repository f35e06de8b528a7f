import { describe, expect, it } from 'vitest';
import { checkAcknowledged, checkDeploymentBounds, checkWatchOrder, JobHistory, PodHistory, resolveFenceposts } from './invariants.js';

describe('resourceVersions per watch', () => {
  it('accepts increasing versions and a bookmark at the last one', () => {
    expect(checkWatchOrder('w', [{ type: 'ADDED', resourceVersion: '5' }, { type: 'MODIFIED', resourceVersion: '9' }, { type: 'BOOKMARK', resourceVersion: '9' }, { type: 'DELETED', resourceVersion: '10' }])).toEqual([]);
  });
  it('flags a repeat and a step back', () => {
    const v = checkWatchOrder('w', [{ type: 'ADDED', resourceVersion: '5' }, { type: 'MODIFIED', resourceVersion: '5' }, { type: 'MODIFIED', resourceVersion: '4' }]);
    expect(v.map((x) => x.detail)).toEqual(['w: MODIFIED at 5 after 5', 'w: MODIFIED at 4 after 5']);
  });
  it('compares as numbers, not strings', () => {
    expect(checkWatchOrder('w', [{ type: 'ADDED', resourceVersion: '9' }, { type: 'ADDED', resourceVersion: '10' }])).toEqual([]);
  });
});

describe('pod history', () => {
  const term = (exitCode: number, containerID = 'process://a') => ({ terminated: { exitCode, containerID } });
  it('accepts Pending → Running → Succeeded with growing restartCount', () => {
    const h = new PodHistory('p');
    expect(h.observe({ phase: 'Pending' })).toEqual([]);
    expect(h.observe({ phase: 'Running', containerStatuses: [{ name: 'c', restartCount: 1, lastState: term(1) }] })).toEqual([]);
    expect(h.observe({ phase: 'Succeeded', containerStatuses: [{ name: 'c', restartCount: 1, state: term(0, 'process://b'), lastState: term(1) }] })).toEqual([]);
  });
  it('flags a terminal phase going back, a restartCount decrease and a changed exit code', () => {
    const h = new PodHistory('p');
    h.observe({ phase: 'Succeeded', containerStatuses: [{ name: 'c', restartCount: 2, state: term(0) }] });
    const v = h.observe({ phase: 'Pending', containerStatuses: [{ name: 'c', restartCount: 0, state: term(137) }] });
    expect(v.map((x) => x.invariant)).toEqual(['no pod phase regression', 'restartCount never decreases', 'an exit code once reported never changes']);
  });
  it('flags Succeeded turning Failed', () => {
    const h = new PodHistory('p');
    h.observe({ phase: 'Succeeded' });
    expect(h.observe({ phase: 'Failed' })).toHaveLength(1);
  });
});

describe('acknowledged writes', () => {
  const acks = [{ name: 'a', resourceVersion: '3', data: { k: '1' } }, { name: 'a', resourceVersion: '7', data: { k: '2' } }, { name: 'b', resourceVersion: '4', data: { k: 'x' } }];
  it('accepts the last acknowledged version of each name', () => {
    expect(checkAcknowledged(acks, new Set(), new Map([['a', { resourceVersion: '7', data: { k: '2' } }], ['b', { resourceVersion: '4', data: { k: 'x' } }]]))).toEqual([]);
  });
  it('flags a lost, a changed and a resurrected write', () => {
    const v = checkAcknowledged([...acks, { name: 'c', resourceVersion: '9', data: {} }], new Set(['c']), new Map<string, { resourceVersion: string; data: Record<string, string> }>([['a', { resourceVersion: '3', data: { k: '1' } }], ['c', { resourceVersion: '9', data: {} }]]));
    expect(v.map((x) => x.detail)).toEqual([expect.stringMatching(/^a: acknowledged 7/), 'b: acknowledged at 4, missing at the end', 'c: deleted (acknowledged) but present at 9']);
  });
});

describe('Deployment bounds', () => {
  it('resolves fenceposts as Kubernetes does (surge up, unavailable down, both 0 → 1 unavailable)', () => {
    expect(resolveFenceposts(undefined, undefined, 3)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts('50%', '50%', 3)).toEqual({ surge: 2, unavailable: 1 });
    expect(resolveFenceposts(0, 0, 3)).toEqual({ surge: 0, unavailable: 1 });
  });
  it('flags too many pods and too few available', () => {
    expect(checkDeploymentBounds({ name: 'd', replicas: 4, maxSurge: 1, maxUnavailable: 1, pods: 5, available: 3 })).toEqual([]);
    expect(checkDeploymentBounds({ name: 'd', replicas: 4, maxSurge: 1, maxUnavailable: 1, pods: 6, available: 2 }).map((x) => x.invariant)).toEqual(['Deployment within replicas + maxSurge', 'Deployment above replicas − maxUnavailable available']);
  });
  it('while settling checks the surge bound only', () => {
    expect(checkDeploymentBounds({ name: 'd', replicas: 3, maxSurge: 1, maxUnavailable: 1, pods: 4, available: 0 }, false)).toEqual([]);
    expect(checkDeploymentBounds({ name: 'd', replicas: 3, maxSurge: 1, maxUnavailable: 1, pods: 5, available: 0 }, false).map((x) => x.detail)).toEqual(['d: 5 pods > 3 + 1 (while settling)']);
  });
});

describe('Job completions', () => {
  it('accepts counting up to exactly completions', () => {
    const j = new JobHistory('j', 3);
    expect([...j.observe({ succeeded: 1 }), ...j.observe({ succeeded: 3, conditions: [{ type: 'Complete', status: 'True' }] })]).toEqual([]);
  });
  it('flags a lost completion, a double count and a Complete with the wrong count', () => {
    const j = new JobHistory('j', 3);
    j.observe({ succeeded: 2 });
    expect(j.observe({ succeeded: 1 }).map((x) => x.invariant)).toEqual(['Job completions never lost']);
    expect(j.observe({ succeeded: 4, conditions: [{ type: 'Complete', status: 'True' }] }).map((x) => x.invariant)).toEqual(['Job completions never double-counted', 'Job completions exact']);
  });
});
