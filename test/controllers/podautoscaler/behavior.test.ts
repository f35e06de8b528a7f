// The behavior planner against a table: the classic rules (downscale stabilization, the
// max(2×, 4) scale-up limit), spec.behavior's windows and policies with the defaults and
// examples Kubernetes documents, and the rescale history that policies count within a period.
import { describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscalerBehavior } from '../../../api/autoscaling/index.js';
import { defaultHorizontalPodAutoscaler } from '../../../api/autoscaling/index.js';
import { emptyHistory, normalizeDesiredReplicas, recordScaleEvent, scaleDownLimit, scaleUpLimit, type ScalingHistory } from '../../../controllers/podautoscaler/behavior.js';
import { NOW } from './fixtures.js';

const recs = (...r: [number, number][]): ScalingHistory => ({ ...emptyHistory(), recommendations: r.map(([recommendation, agoS]) => ({ recommendation, timestamp: NOW - agoS * 1000 })) });

/** behavior as the API server stores it: defaults filled in. */
function defaulted(b: HorizontalPodAutoscalerBehavior): HorizontalPodAutoscalerBehavior {
  const hpa = { spec: { maxReplicas: 10, behavior: structuredClone(b) } };
  defaultHorizontalPodAutoscaler(hpa);
  return hpa.spec.behavior;
}

describe('without spec.behavior (the classic rules)', () => {
  const base = { history: emptyHistory(), minReplicas: 1, maxReplicas: 20, now: NOW };
  it('scale-up is limited to max(2 × current, 4)', () => {
    const r = normalizeDesiredReplicas({ ...base, currentReplicas: 1, desiredReplicas: 10 });
    expect(r.desiredReplicas).toBe(4);
    expect(r.scalingLimited).toEqual({ status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
    expect(normalizeDesiredReplicas({ ...base, currentReplicas: 5, desiredReplicas: 30 }).desiredReplicas).toBe(10);
  });
  it('maxReplicas caps, as TooManyReplicas', () => {
    const r = normalizeDesiredReplicas({ ...base, maxReplicas: 6, currentReplicas: 4, desiredReplicas: 7 });
    expect(r.desiredReplicas).toBe(6);
    expect(r.scalingLimited.reason).toBe('TooManyReplicas');
  });
  it('minReplicas floors, as TooFewReplicas', () => {
    const r = normalizeDesiredReplicas({ ...base, minReplicas: 3, currentReplicas: 4, desiredReplicas: 1 });
    expect(r.desiredReplicas).toBe(3);
    expect(r.scalingLimited).toMatchObject({ status: 'True', reason: 'TooFewReplicas' });
  });
  it('scale-down waits for the highest recommendation of the last 5 minutes', () => {
    const r = normalizeDesiredReplicas({ ...base, history: recs([8, 60], [6, 120]), currentReplicas: 8, desiredReplicas: 4 });
    expect(r.desiredReplicas).toBe(8);
    expect(r.ableToScale).toMatchObject({ reason: 'ScaleDownStabilized' });
    expect(r.recommendations.map((x) => x.recommendation)).toEqual([8, 6, 4]);
  });
  it('recommendations older than the window no longer hold it, and are overwritten', () => {
    const r = normalizeDesiredReplicas({ ...base, history: recs([8, 400]), currentReplicas: 8, desiredReplicas: 4 });
    expect(r.desiredReplicas).toBe(4);
    expect(r.ableToScale).toMatchObject({ reason: 'ReadyForNewScale' });
    expect(r.scalingLimited).toMatchObject({ status: 'False', reason: 'DesiredWithinRange' });
    expect(r.recommendations).toEqual([{ recommendation: 4, timestamp: NOW }]);
  });
  it('the window is the controller flag', () => {
    const r = normalizeDesiredReplicas({ ...base, history: recs([8, 60]), currentReplicas: 8, desiredReplicas: 4, downscaleStabilizationMs: 30_000 });
    expect(r.desiredReplicas).toBe(4);
  });
});

describe('with spec.behavior', () => {
  const base = { history: emptyHistory(), minReplicas: 1, maxReplicas: 100, now: NOW };
  it('the default scale-up: the larger of +4 pods and +100% per 15 s', () => {
    const b = defaulted({});
    expect(normalizeDesiredReplicas({ ...base, behavior: b, currentReplicas: 1, desiredReplicas: 50 }).desiredReplicas).toBe(5);
    expect(normalizeDesiredReplicas({ ...base, behavior: b, currentReplicas: 10, desiredReplicas: 50 }).desiredReplicas).toBe(20);
  });
  it('the default scale-down: a 300 s window, then all the way', () => {
    const b = defaulted({});
    expect(normalizeDesiredReplicas({ ...base, behavior: b, history: recs([10, 200]), currentReplicas: 10, desiredReplicas: 1 }).desiredReplicas).toBe(10);
    expect(normalizeDesiredReplicas({ ...base, behavior: b, history: recs([10, 301]), currentReplicas: 10, desiredReplicas: 1 }).desiredReplicas).toBe(1);
  });
  it('selectPolicy Min takes the policy that allows the smaller change', () => {
    const b = defaulted({ scaleUp: { selectPolicy: 'Min' } });
    expect(normalizeDesiredReplicas({ ...base, behavior: b, currentReplicas: 10, desiredReplicas: 50 }).desiredReplicas).toBe(14);
    const down = defaulted({ scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 5, periodSeconds: 60 }, { type: 'Percent', value: 10, periodSeconds: 60 }] } });
    // -5 pods → 95, -10% → 90: Max allows the larger change (90), Min the smaller (95).
    expect(normalizeDesiredReplicas({ ...base, behavior: down, currentReplicas: 100, desiredReplicas: 10 }).desiredReplicas).toBe(95);
  });
  it('the documented example: scale down at most 10% a minute', () => {
    const b = defaulted({ scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] } });
    const first = normalizeDesiredReplicas({ ...base, behavior: b, currentReplicas: 100, desiredReplicas: 50 });
    expect(first.desiredReplicas).toBe(90);
    expect(first.scalingLimited).toEqual({ status: 'True', reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' });
    // 30 s later the 10 removed still count in the period: no further step.
    const history = recordScaleEvent(b, { ...emptyHistory(), recommendations: first.recommendations }, 100, 90, NOW);
    expect(normalizeDesiredReplicas({ ...base, behavior: b, history, currentReplicas: 90, now: NOW + 30_000, desiredReplicas: 50 }).desiredReplicas).toBe(90);
    // Past the period: 10% of 90 more.
    expect(normalizeDesiredReplicas({ ...base, behavior: b, history, currentReplicas: 90, now: NOW + 61_000, desiredReplicas: 50 }).desiredReplicas).toBe(81);
  });
  it('selectPolicy Disabled stops that direction', () => {
    const b = defaulted({ scaleDown: { selectPolicy: 'Disabled', stabilizationWindowSeconds: 0 } });
    const r = normalizeDesiredReplicas({ ...base, behavior: b, currentReplicas: 5, desiredReplicas: 1 });
    expect(r.desiredReplicas).toBe(5);
    expect(r.scalingLimited.reason).toBe('ScaleDownLimit');
  });
  it('a scale-up window takes the lowest recent recommendation', () => {
    const b = defaulted({ scaleUp: { stabilizationWindowSeconds: 60 } });
    const r = normalizeDesiredReplicas({ ...base, behavior: b, history: recs([3, 30]), currentReplicas: 2, desiredReplicas: 6 });
    expect(r.desiredReplicas).toBe(3);
    expect(r.ableToScale).toEqual({ status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' });
  });
  it('a short scale-down window lets a drop through once it passes', () => {
    const b = defaulted({ scaleDown: { stabilizationWindowSeconds: 5 } });
    expect(normalizeDesiredReplicas({ ...base, behavior: b, history: recs([6, 3]), currentReplicas: 6, desiredReplicas: 2 }).desiredReplicas).toBe(6);
    expect(normalizeDesiredReplicas({ ...base, behavior: b, history: recs([6, 6]), currentReplicas: 6, desiredReplicas: 2 }).desiredReplicas).toBe(2);
  });
});

describe('scale rate limits and history', () => {
  const rules = { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Percent', value: 100, periodSeconds: 60 }] };
  it('a period starts from the replicas before the rescales within it', () => {
    const h: ScalingHistory = { ...emptyHistory(), scaleUpEvents: [{ replicaChange: 2, timestamp: NOW - 10_000, outdated: false }] };
    // 4 now, 2 a period ago: +4 → 6, +100% → 4; Max → 6.
    expect(scaleUpLimit(4, h, rules, NOW)).toBe(6);
    expect(scaleUpLimit(4, h, rules, NOW + 60_000)).toBe(8);
    expect(scaleDownLimit(10, emptyHistory(), { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }, { type: 'Pods', value: 1, periodSeconds: 60 }] }, NOW)).toBe(5);
  });
  it('recordScaleEvent keeps events only for HPAs with behavior, reusing outdated slots', () => {
    expect(recordScaleEvent(undefined, emptyHistory(), 1, 4, NOW)).toEqual(emptyHistory());
    const b = defaulted({});
    const once = recordScaleEvent(b, emptyHistory(), 1, 4, NOW);
    expect(once.scaleUpEvents).toEqual([{ replicaChange: 3, timestamp: NOW, outdated: false }]);
    const later = recordScaleEvent(b, once, 4, 8, NOW + 20_000);
    expect(later.scaleUpEvents).toEqual([{ replicaChange: 4, timestamp: NOW + 20_000, outdated: false }]);
    const down = recordScaleEvent(b, later, 8, 3, NOW + 21_000);
    expect(down.scaleDownEvents).toEqual([{ replicaChange: 5, timestamp: NOW + 21_000, outdated: false }]);
  });
});
