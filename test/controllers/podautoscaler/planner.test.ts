// reconcileAutoscaler: one sync's decision — the rescale, its event, the status and the
// conditions with Kubernetes' reasons — from a Scale, pods and PodMetrics.
import { describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscaler, Scale } from '../../../api/autoscaling/index.js';
import { defaultHorizontalPodAutoscaler } from '../../../api/autoscaling/index.js';
import { emptyHistory } from '../../../controllers/podautoscaler/behavior.js';
import { podResourceMetrics, reconcileAutoscaler, rescaleFailed, type ReconcileInput } from '../../../controllers/podautoscaler/planner.js';
import { NOW, pod, podMetrics } from './fixtures.js';

function hpa(spec: Partial<HorizontalPodAutoscaler['spec']> = {}): HorizontalPodAutoscaler {
  const h = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 10, ...spec } } as HorizontalPodAutoscaler;
  defaultHorizontalPodAutoscaler(h);
  h.spec.metrics = spec.metrics ?? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }];
  return h;
}
const scale = (replicas: number, selector = 'app=web'): { scale: Scale } => ({ scale: { metadata: { name: 'web', namespace: 'default' }, spec: { replicas }, status: { replicas, selector } } });

function input(over: Partial<ReconcileInput>): ReconcileInput {
  return { hpa: hpa(), scale: scale(2), pods: [pod('a'), pod('b')], podMetrics: { items: [podMetrics('a', { cpu: '900m' }), podMetrics('b', { cpu: '900m' })] }, history: emptyHistory(), now: NOW, ...over };
}
const cond = (p: ReturnType<typeof reconcileAutoscaler>, type: string) => p.status.conditions?.find((c) => c.type === type);

describe('reconcileAutoscaler', () => {
  it('scales up when utilization is above target, with the upstream event and conditions', () => {
    const p = reconcileAutoscaler(input({}));
    expect(p.rescale).toEqual({ currentReplicas: 2, replicas: 4, reason: 'cpu resource utilization (percentage of request) above target' });
    expect(p.events).toEqual([{ type: 'Normal', reason: 'SuccessfulRescale', message: 'New size: 4; reason: cpu resource utilization (percentage of request) above target' }]);
    expect(p.status).toMatchObject({ currentReplicas: 2, desiredReplicas: 4, lastScaleTime: '2026-12-06T12:00:00Z', currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 90, averageValue: '900m' } } }] });
    expect(cond(p, 'AbleToScale')).toMatchObject({ status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 4' });
    expect(cond(p, 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' });
    expect(cond(p, 'ScalingLimited')).toMatchObject({ status: 'False', reason: 'DesiredWithinRange' });
  });

  it('leaves a target at its size within the tolerance', () => {
    const p = reconcileAutoscaler(input({ podMetrics: { items: [podMetrics('a', { cpu: '520m' }), podMetrics('b', { cpu: '500m' })] } }));
    expect(p.rescale).toBeUndefined();
    expect(p.events).toEqual([]);
    expect(p.status).toMatchObject({ currentReplicas: 2, desiredReplicas: 2 });
    expect(p.status.lastScaleTime).toBeUndefined();
    expect(cond(p, 'AbleToScale')).toMatchObject({ reason: 'ReadyForNewScale' });
  });

  it('all metrics below target: scales down (no behavior, no recent recommendation)', () => {
    const p = reconcileAutoscaler(input({ scale: scale(4), pods: ['a', 'b', 'c', 'd'].map((n) => pod(n)), podMetrics: { items: ['a', 'b', 'c', 'd'].map((n) => podMetrics(n, { cpu: '100m' })) } }));
    expect(p.rescale).toEqual({ currentReplicas: 4, replicas: 1, reason: 'All metrics below target' });
  });

  it('AverageValue targets name the metric "<resource> resource"', () => {
    const h = hpa({ metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }] });
    const p = reconcileAutoscaler(input({ hpa: h, podMetrics: { items: [podMetrics('a', { memory: '300Mi' }), podMetrics('b', { memory: '300Mi' })] } }));
    expect(p.rescale?.reason).toBe('memory resource above target');
    expect(p.rescale?.replicas).toBe(4); // 6 wanted; the classic limit is max(2 × 2, 4)
    expect(p.status.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '314572800' } } }]); // DecimalSI, as upstream's NewMilliQuantity prints it
  });

  it('bounds first: above maxReplicas or below minReplicas, whatever the metrics', () => {
    expect(reconcileAutoscaler(input({ scale: scale(12) })).rescale).toEqual({ currentReplicas: 12, replicas: 10, reason: 'Current number of replicas above Spec.MaxReplicas' });
    expect(reconcileAutoscaler(input({ hpa: hpa({ minReplicas: 3 }), scale: scale(2) })).rescale).toEqual({ currentReplicas: 2, replicas: 3, reason: 'Current number of replicas below Spec.MinReplicas' });
  });

  it('a target scaled to zero by hand turns autoscaling off', () => {
    const p = reconcileAutoscaler(input({ scale: scale(0) }));
    expect(p.rescale).toBeUndefined();
    expect(cond(p, 'ScalingActive')).toMatchObject({ status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
  });

  it('no metrics yet: ScalingActive False FailedGetResourceMetric, and never a scale', () => {
    const p = reconcileAutoscaler(input({ podMetrics: { items: [] } }));
    expect(p.rescale).toBeUndefined();
    const msg = 'failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API';
    expect(p.events).toEqual([
      { type: 'Warning', reason: 'FailedGetResourceMetric', message: msg },
      { type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: `invalid metrics (1 invalid out of 1), first error is: ${msg}` },
    ]);
    expect(cond(p, 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric', message: `the HPA was unable to compute the replica count: ${msg}` });
  });

  it('a pod without a cpu request names its container', () => {
    const p = reconcileAutoscaler(input({ pods: [pod('a', { cpuRequest: undefined }), pod('b')] }));
    expect(p.events[0]).toEqual({ type: 'Warning', reason: 'FailedGetResourceMetric', message: 'failed to get cpu utilization: missing request for cpu in container c of Pod a' });
  });

  it('one unreadable metric blocks a scale-down the others ask for', () => {
    const h = hpa({ metrics: [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 50 } } },
    ] });
    const p = reconcileAutoscaler(input({ hpa: h, podMetrics: { items: [podMetrics('a', { cpu: '10m', memory: '1Mi' }), podMetrics('b', { cpu: '10m', memory: '1Mi' })] } }));
    expect(p.rescale).toBeUndefined();
    expect(cond(p, 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric' });
    expect(p.status.currentMetrics?.[1]).toEqual({ type: '' });
  });

  it('an unreadable scale: AbleToScale False FailedGetScale', () => {
    const p = reconcileAutoscaler(input({ scale: { error: 'deployments.apps "web" not found' } }));
    expect(p.events).toEqual([{ type: 'Warning', reason: 'FailedGetScale', message: 'deployments.apps "web" not found' }]);
    expect(cond(p, 'AbleToScale')).toMatchObject({ status: 'False', reason: 'FailedGetScale', message: 'the HPA controller was unable to get the target\'s current scale: deployments.apps "web" not found' });
  });

  it('a scale without a selector: SelectorRequired', () => {
    const p = reconcileAutoscaler(input({ scale: scale(2, '') }));
    expect(p.events.map((e) => e.reason)).toEqual(['SelectorRequired', 'FailedComputeMetricsReplicas']);
    expect(cond(p, 'ScalingActive')).toMatchObject({ status: 'False', reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector" });
  });

  it('lastTransitionTime moves only when a condition\'s status does', () => {
    const first = reconcileAutoscaler(input({}));
    const h = { ...hpa(), status: first.status };
    const later = reconcileAutoscaler(input({ hpa: h, now: NOW + 60_000, scale: scale(4), pods: [], podMetrics: { items: [] } }));
    expect(cond(later, 'AbleToScale')!.lastTransitionTime).toBe(cond(first, 'AbleToScale')!.lastTransitionTime);
    expect(cond(later, 'ScalingActive')!.lastTransitionTime).toBe('2026-12-06T12:01:00Z');
  });

  it('a failed rescale: FailedRescale and AbleToScale False FailedUpdateScale, the old desired count kept', () => {
    const h = hpa();
    const p = reconcileAutoscaler(input({ hpa: h }));
    const f = rescaleFailed(h, p, 'Operation cannot be fulfilled', NOW);
    expect(f.events.at(-1)).toEqual({ type: 'Warning', reason: 'FailedRescale', message: 'New size: 4; reason: cpu resource utilization (percentage of request) above target; error: Operation cannot be fulfilled' });
    expect(f.events.some((e) => e.reason === 'SuccessfulRescale')).toBe(false);
    expect(f.status.lastScaleTime).toBeUndefined();
    expect(f.status.conditions?.find((c) => c.type === 'AbleToScale')).toMatchObject({ status: 'False', reason: 'FailedUpdateScale' });
  });

  it('podResourceMetrics sums containers and drops a pod missing the resource in one', () => {
    const m = podMetrics('a', { cpu: '100m' });
    m.containers.push({ name: 'side', usage: { cpu: '250000000n' } });
    const partial = podMetrics('b', { memory: '1Mi' });
    const got = podResourceMetrics([m, partial], 'cpu');
    expect([...got.keys()]).toEqual(['a']);
    expect(got.get('a')).toMatchObject({ value: 350, windowMs: 15_000 });
  });
});

describe('parseWindow (the PodMetrics window, a Go duration)', () => {
  it('reads what metrics-server and Skiff write, and nothing else', async () => {
    const { parseWindow, windowString } = await import('../../../api/metrics/index.js');
    expect(parseWindow('15.012s')).toBe(15_012);
    expect(parseWindow('970ms')).toBe(970);
    expect(parseWindow('1m0.5s')).toBe(60_500);
    expect(parseWindow('0')).toBe(0);
    expect(parseWindow(windowString(75_250))).toBe(75_250);
    expect(parseWindow('15 s')).toBeUndefined();
    expect(parseWindow('soon')).toBeUndefined();
  });
});
