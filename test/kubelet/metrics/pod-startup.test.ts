// The pod startup tracker and the histograms it feeds: pure, driven with explicit times.
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../api/core/index.js';
import { exponentialBuckets, Histogram } from '../../../kubelet/metrics/histogram.js';
import { KubeletMetrics } from '../../../kubelet/metrics/kubelet-metrics.js';
import { PodStartupTracker, type ObservedStart } from '../../../kubelet/metrics/pod-startup.js';

const T0 = Date.parse('2026-12-06T08:00:00Z');

function pod(uid: string, status?: Pod['status']): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `p-${uid}`, namespace: 'default', uid, creationTimestamp: new Date(T0).toISOString() },
    spec: { containers: [{ name: 'c', image: 'host' }] },
    ...(status ? { status } : {}),
  } as Pod;
}
const running = (uid: string) => pod(uid, { phase: 'Running', startTime: '2026-12-06T08:00:00Z', containerStatuses: [{ name: 'c', image: 'host', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: '2026-12-06T08:00:00Z' } } }] });
const pending = (uid: string) => pod(uid, { phase: 'Pending', startTime: '2026-12-06T08:00:00Z', containerStatuses: [{ name: 'c', image: 'host', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });

/** The value of one sample line of a scrape, e.g. `name{phase="x"}_count`. */
function sample(text: string, line: string): number | undefined {
  const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
  return hit === undefined ? undefined : Number(hit.slice(line.length + 1));
}

describe('Histogram', () => {
  it('renders cumulative buckets, +Inf, _sum and _count per label set', () => {
    const h = new Histogram('x_seconds', 'help', [0.1, 1], ['phase']);
    h.observe(0.05, { phase: 'a' });
    h.observe(0.5, { phase: 'a' });
    h.observe(5, { phase: 'a' });
    h.observe(0.1, { phase: 'b' }); // le is inclusive
    const text = h.render();
    expect(text).toContain('# TYPE x_seconds histogram');
    expect(sample(text, 'x_seconds_bucket{phase="a",le="0.1"}')).toBe(1);
    expect(sample(text, 'x_seconds_bucket{phase="a",le="1"}')).toBe(2);
    expect(sample(text, 'x_seconds_bucket{phase="a",le="+Inf"}')).toBe(3);
    expect(sample(text, 'x_seconds_sum{phase="a"}')).toBeCloseTo(5.55);
    expect(sample(text, 'x_seconds_count{phase="a"}')).toBe(3);
    expect(sample(text, 'x_seconds_bucket{phase="b",le="0.1"}')).toBe(1);
  });

  it('makes exponential buckets and refuses bad ones', () => {
    expect(exponentialBuckets(0.005, 2.5, 3)).toEqual([0.005, 0.0125, 0.03125]);
    expect(() => exponentialBuckets(0, 2, 3)).toThrow(/start > 0/);
    expect(() => new Histogram('y', 'h', [1, 1])).toThrow(/increase/);
  });
});

describe('PodStartupTracker', () => {
  it('observes a start once, phase by phase, when its own watch shows the pod Running', () => {
    const m = new KubeletMetrics();
    const seen: ObservedStart[] = [];
    const t = new PodStartupTracker(m, (s) => seen.push(s));
    t.observedOnWatch(pod('u1'), T0 + 1000); // first seen 1 s after creation
    t.workerStarted('u1', T0 + 1002);
    t.phase('u1', 'sandbox', 30);
    t.phase('u1', 'spawn', 5);
    t.phase('u1', 'spawn', 7); // a second container adds up
    t.imageStartedPulling('u1', T0 + 1100);
    t.imageFinishedPulling('u1', T0 + 1400);
    t.statusWritten(pending('u1'), T0 + 1410, T0 + 1420); // not started yet: nothing
    expect(seen).toEqual([]);
    t.statusWritten(running('u1'), T0 + 1500, T0 + 1520);
    expect(sample(m.render(), 'kubelet_pod_start_duration_seconds_count')).toBe(1);
    expect(seen).toEqual([]); // not seen on the watch yet
    t.observedOnWatch(running('u1'), T0 + 1530);
    t.observedOnWatch(running('u1'), T0 + 1600); // once only
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ pod: 'default/p-u1', startMs: 520, e2eMs: 1530, sliMs: 1230 });
    expect(seen[0]!.phases).toEqual({ queue: 2, sandbox: 30, spawn: 12, status: 20, watch: 10 });
    const text = m.render();
    expect(sample(text, 'kubelet_pod_start_sli_duration_seconds_count')).toBe(1);
    expect(sample(text, 'kubelet_pod_start_sli_duration_seconds_sum')).toBeCloseTo(1.23);
    expect(sample(text, 'kubelet_pod_start_total_duration_seconds_sum')).toBeCloseTo(1.53);
    expect(sample(text, 'kubelet_pod_worker_start_duration_seconds_count')).toBe(1);
    expect(sample(text, 'skiff_kubelet_pod_start_phase_duration_seconds_sum{phase="spawn"}')).toBeCloseTo(0.012);
    expect(sample(text, 'skiff_kubelet_pod_start_phase_duration_seconds_count{phase="image"}')).toBeUndefined();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(t.size).toBe(0);
  });

  it('records at the write when the watch delivered the Running pod before the write was answered', () => {
    const m = new KubeletMetrics();
    const seen: ObservedStart[] = [];
    const t = new PodStartupTracker(m, (s) => seen.push(s));
    t.observedOnWatch(pod('u2'), T0 + 10);
    t.observedOnWatch(running('u2'), T0 + 50);
    expect(seen).toEqual([]);
    t.statusWritten(running('u2'), T0 + 40, T0 + 55);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.phases).toEqual({ status: 15, watch: 0 });
  });

  it('leaves alone pods it did not start (adopted after a restart), finished and forgotten ones', () => {
    const m = new KubeletMetrics();
    const seen: ObservedStart[] = [];
    const t = new PodStartupTracker(m, (s) => seen.push(s));
    t.observedOnWatch(running('adopted'), T0); // already has a startTime when first seen
    t.statusWritten(running('adopted'), T0, T0 + 1);
    t.observedOnWatch(running('adopted'), T0 + 2);
    t.observedOnWatch(pod('gone'), T0);
    t.forget('gone');
    t.observedOnWatch(pod('done'), T0);
    t.observedOnWatch({ ...pod('done'), status: { phase: 'Succeeded' } } as Pod, T0 + 5);
    expect(seen).toEqual([]);
    expect(t.size).toBe(0);
    expect(sample(m.render(), 'kubelet_pod_start_duration_seconds_count')).toBeUndefined();
  });
});
