// The replica calculator against a table of cases: Kubernetes' documented examples (double
// at 200m/100m, halve at 50m/100m, nothing within 10%) and the upstream controller's test
// cases for unready pods, missing metrics and bad input.
import { describe, expect, it } from 'vitest';
import { groupPods, rawResourceReplicas, ReplicaCalculationError, resourceReplicas } from '../../../controllers/podautoscaler/replica-calculator.js';
import { milliMetrics, NOW, pod, type PodOpts } from './fixtures.js';

interface Case {
  name: string;
  current: number;
  pods: PodOpts[];
  /** millicores per pod, undefined = no metric. */
  usage: (number | undefined)[];
  target: number;
  expected: number;
  utilization?: number;
}

const pods = (opts: PodOpts[]) => opts.map((o, i) => pod(`p${i}`, o));
const metricsFor = (usage: (number | undefined)[]) => milliMetrics(Object.fromEntries(usage.flatMap((u, i) => (u === undefined ? [] : [[`p${i}`, u]]))));

const UTILIZATION_CASES: Case[] = [
  // The documentation's examples: 200m used of a 100m target doubles, 50m halves.
  { name: 'doubles at twice the target', current: 2, pods: [{ cpuRequest: '1' }, { cpuRequest: '1' }], usage: [200, 200], target: 10, expected: 4, utilization: 20 },
  { name: 'halves at half the target', current: 4, pods: Array(4).fill({ cpuRequest: '1' }), usage: [50, 50, 50, 50], target: 10, expected: 2, utilization: 5 },
  { name: 'within the 10% tolerance: unchanged', current: 3, pods: Array(3).fill({}), usage: [1010, 1030, 1020], target: 100, expected: 3, utilization: 102 },
  { name: 'just beyond the tolerance: scales', current: 10, pods: Array(10).fill({}), usage: Array(10).fill(560), target: 50, expected: 12, utilization: 56 },
  // replica_calculator_test.go TestReplicaCalcScaleUp
  { name: 'scale up (upstream TestReplicaCalcScaleUp)', current: 3, pods: Array(3).fill({}), usage: [300, 500, 700], target: 30, expected: 5, utilization: 50 },
  // TestReplicaCalcScaleDown
  { name: 'scale down (upstream TestReplicaCalcScaleDown)', current: 5, pods: Array(5).fill({}), usage: [100, 300, 500, 250, 250], target: 50, expected: 3, utilization: 28 },
  // TestReplicaCalcScaleUpUnreadyLessScale: the unready pod counts as 0% once scaling up.
  { name: 'an unready pod at 0% damps a scale-up', current: 3, pods: [{ ready: 'False' }, {}, {}], usage: [300, 500, 700], target: 30, expected: 4, utilization: 60 },
  // TestReplicaCalcScaleUpUnreadyNoScale: ready pods under target, unready ignored → no change.
  { name: 'unready pods are left out of a scale-down-ish ratio', current: 3, pods: [{}, { ready: 'False' }, { ready: 'False' }], usage: [400, 500, 700], target: 40, expected: 3, utilization: 40 },
  // A pod still in its cpu initialization period, measured before it was Ready: its start-up burst is not load.
  { name: 'a hot starting pod is ignored on scale-up', current: 3, pods: [{ startedAgoMs: 20_000, readyChangedAgoMs: 5_000 }, {}, {}], usage: [5000, 300, 300], target: 30, expected: 3, utilization: 30 },
  { name: 'a Pending pod is unready, a Failed or deleted one ignored', current: 4, pods: [{ phase: 'Pending' }, { phase: 'Failed' }, { deleting: true }, {}], usage: [undefined, 900, 900, 600], target: 30, expected: 4, utilization: 60 },
  // Missing metrics: 100% of request on scale-down, 0% on scale-up.
  { name: 'missing metrics equal to target: unchanged', current: 2, pods: [{}, {}], usage: [1000, undefined], target: 100, expected: 2, utilization: 100 },
  { name: 'a missing metric counts as 0% on scale-up', current: 2, pods: [{}, {}], usage: [1900, undefined], target: 50, expected: 4, utilization: 190 },
  { name: 'a missing metric counts as 100% on scale-down', current: 4, pods: Array(4).fill({}), usage: [100, 100, 100, undefined], target: 50, expected: 3, utilization: 10 },
  { name: 'missing metrics that flip the direction: unchanged', current: 3, pods: Array(3).fill({}), usage: [400, undefined, undefined], target: 50, expected: 3, utilization: 40 },
];

describe('resourceReplicas (Utilization targets)', () => {
  for (const c of UTILIZATION_CASES) {
    it(c.name, () => {
      const r = resourceReplicas({ currentReplicas: c.current, resource: 'cpu', pods: pods(c.pods), metrics: metricsFor(c.usage), now: NOW, targetUtilization: c.target });
      expect(r.replicas).toBe(c.expected);
      if (c.utilization !== undefined) expect(r.utilization).toBe(c.utilization);
    });
  }

  it('memory has no initialization period: a not-ready pod counts', () => {
    const p = [pod('p0', { memRequest: '100Mi', cpuRequest: undefined, ready: 'False', startedAgoMs: 1000 }), pod('p1', { memRequest: '100Mi', cpuRequest: undefined })];
    const mib = 1024 * 1024 * 1000; // milli-bytes per MiB
    const r = resourceReplicas({ currentReplicas: 2, resource: 'memory', pods: p, metrics: milliMetrics({ p0: 200 * mib, p1: 200 * mib }), now: NOW, targetUtilization: 50 });
    expect(r).toMatchObject({ replicas: 8, utilization: 200 });
  });

  it('refuses what it cannot compute, in the upstream words', () => {
    const calc = (ps: ReturnType<typeof pod>[], m = milliMetrics({ p0: 100 })) => () => resourceReplicas({ currentReplicas: 1, resource: 'cpu', pods: ps, metrics: m, now: NOW, targetUtilization: 50 });
    expect(calc([])).toThrow(new ReplicaCalculationError('no pods returned by selector while calculating replica count'));
    expect(calc([pod('p0', { cpuRequest: undefined })])).toThrow('missing request for cpu in container c of Pod p0');
    expect(calc([pod('p0', { ready: 'False' })])).toThrow('did not receive metrics for targeted pods (pods might be unready)');
  });
});

describe('rawResourceReplicas (AverageValue targets)', () => {
  it('scales by average usage per pod', () => {
    const r = rawResourceReplicas({ currentReplicas: 3, resource: 'cpu', pods: pods([{}, {}, {}]), metrics: metricsFor([1000, 2000, 3000]), now: NOW, targetAverage: 1000 });
    expect(r).toMatchObject({ replicas: 6, rawAverage: 2000 });
  });
  it('a missing pod counts as the target on scale-down', () => {
    const r = rawResourceReplicas({ currentReplicas: 4, resource: 'cpu', pods: pods(Array(4).fill({})), metrics: metricsFor([100, 100, 100, undefined]), now: NOW, targetAverage: 500 });
    // (300 + 500) / 4 = 200 per pod → 0.4 × 4 = 1.6 → 2
    expect(r.replicas).toBe(2);
  });
  it('within tolerance: unchanged', () => {
    const r = rawResourceReplicas({ currentReplicas: 2, resource: 'memory', pods: pods([{}, {}]), metrics: metricsFor([1050, 1000]), now: NOW, targetAverage: 1000 });
    expect(r.replicas).toBe(2);
  });
});

describe('groupPods', () => {
  it('sorts pods into ready, unready, missing and ignored', () => {
    const ps = [pod('ok'), pod('pending', { phase: 'Pending' }), pod('gone', { deleting: true }), pod('nometric'), pod('noready', { ready: 'none' })];
    const g = groupPods(ps, milliMetrics({ ok: 1, pending: 1, gone: 1, noready: 1 }), 'cpu', NOW);
    expect(g.readyPodCount).toBe(1);
    expect([...g.unready].sort()).toEqual(['noready', 'pending']);
    expect([...g.missing]).toEqual(['nometric']);
    expect([...g.ignored]).toEqual(['gone']);
  });
});
