// How fast an HPA may move (Kubernetes' horizontal.go: normalizeDesiredReplicas,
// normalizeDesiredReplicasWithBehaviors and the scale-rate helpers, v1.32), pure: the
// calculator's raw recommendation, the HPA's recent recommendations and rescales in; the
// replica count to write, the updated history and the AbleToScale / ScalingLimited
// conditions out. The history lives in the controller's memory only, as upstream: a restarted
// controller-manager starts with an empty window (so it can only be less eager to scale
// down for one window, never oscillate — the window takes the highest recommendation).
//
// Without spec.behavior: scale-down is stabilized over the controller's
// --horizontal-pod-autoscaler-downscale-stabilization window (5 min) and scale-up is limited
// to max(2 × current, 4). With it: each direction has its stabilization window (the up
// window takes the lowest recent recommendation, the down window the highest), and its
// policies (Pods / Percent per periodSeconds, measured from the replica count at the start
// of each period, i.e. net of the rescales made within it) combined by selectPolicy.
import type { HorizontalPodAutoscalerBehavior, HPAScalingRules } from '../../api/autoscaling/index.js';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '../../api/autoscaling/index.js';

export const DEFAULT_DOWNSCALE_STABILIZATION_MS = 5 * 60_000;

export interface TimestampedRecommendation { recommendation: number; timestamp: number }
export interface TimestampedScaleEvent { replicaChange: number; timestamp: number; outdated: boolean }

/** What the controller remembers about one HPA between syncs. */
export interface ScalingHistory {
  recommendations: TimestampedRecommendation[];
  scaleUpEvents: TimestampedScaleEvent[];
  scaleDownEvents: TimestampedScaleEvent[];
}

export const emptyHistory = (): ScalingHistory => ({ recommendations: [], scaleUpEvents: [], scaleDownEvents: [] });

export interface Condition { status: 'True' | 'False'; reason: string; message: string }

export interface NormalizeInput {
  behavior?: HorizontalPodAutoscalerBehavior | undefined;
  history: ScalingHistory;
  currentReplicas: number;
  /** The calculator's recommendation, before stabilization and limits. */
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  now: number;
  downscaleStabilizationMs?: number;
}

export interface NormalizeResult {
  desiredReplicas: number;
  recommendations: TimestampedRecommendation[];
  ableToScale: Condition;
  scalingLimited: Condition;
}

const READY_FOR_NEW_SCALE: Condition = { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const WITHIN_RANGE = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };

/** Record a recommendation: overwrite one that has fallen out of every window, else append. */
function record(recs: TimestampedRecommendation[], rec: TimestampedRecommendation, isOld: (r: TimestampedRecommendation) => boolean): TimestampedRecommendation[] {
  const out = recs.slice();
  let old = -1;
  out.forEach((r, i) => { if (isOld(r)) old = i; });
  if (old >= 0) out[old] = rec;
  else out.push(rec);
  return out;
}

function limitedCondition(desired: number, stabilized: number, reason: string, message: string): Condition {
  return { status: desired === stabilized ? 'False' : 'True', reason, message };
}

/** normalizeDesiredReplicas: the classic rules for an HPA without behavior. */
function normalizeClassic(i: NormalizeInput): NormalizeResult {
  const cutoff = i.now - (i.downscaleStabilizationMs ?? DEFAULT_DOWNSCALE_STABILIZATION_MS);
  let stabilized = i.desiredReplicas;
  for (const r of i.history.recommendations) if (r.timestamp >= cutoff && r.recommendation > stabilized) stabilized = r.recommendation;
  const recommendations = record(i.history.recommendations, { recommendation: i.desiredReplicas, timestamp: i.now }, (r) => r.timestamp < cutoff);
  const ableToScale: Condition = stabilized !== i.desiredReplicas
    ? { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
    : READY_FOR_NEW_SCALE;

  // convertDesiredReplicasWithRules
  const scaleUpLimit = Math.max(2 * i.currentReplicas, 4);
  const [maximumAllowed, upReason, upMessage] = i.maxReplicas > scaleUpLimit
    ? [scaleUpLimit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
    : [i.maxReplicas, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
  let desired = stabilized;
  let reason = WITHIN_RANGE.reason;
  let message = WITHIN_RANGE.message;
  if (stabilized < i.minReplicas) [desired, reason, message] = [i.minReplicas, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
  else if (stabilized > maximumAllowed) [desired, reason, message] = [maximumAllowed, upReason, upMessage];
  return { desiredReplicas: desired, recommendations, ableToScale, scalingLimited: limitedCondition(desired, stabilized, reason, message) };
}

/** getReplicasChangePerPeriod: the replicas added (or removed) by rescales within the last periodSeconds. */
export function replicasChangePerPeriod(periodSeconds: number, events: readonly TimestampedScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.timestamp > cutoff) sum += e.replicaChange;
  return sum;
}

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(current: number, history: ScalingHistory, rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMin = rules.selectPolicy === 'Min';
  let result = pickMin ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current - replicasChangePerPeriod(p.periodSeconds, history.scaleUpEvents, now) + replicasChangePerPeriod(p.periodSeconds, history.scaleDownEvents, now);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors: "Min" picks the policy that changes least, i.e. the most replicas. */
export function scaleDownLimit(current: number, history: ScalingHistory, rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMostReplicas = rules.selectPolicy === 'Min';
  let result = pickMostReplicas ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current - replicasChangePerPeriod(p.periodSeconds, history.scaleUpEvents, now) + replicasChangePerPeriod(p.periodSeconds, history.scaleDownEvents, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pickMostReplicas ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** normalizeDesiredReplicasWithBehaviors. */
function normalizeWithBehavior(i: NormalizeInput, behavior: HorizontalPodAutoscalerBehavior): NormalizeResult {
  const up: HPAScalingRules = { ...DEFAULT_SCALE_UP, ...behavior.scaleUp };
  // maybeInitScaleDownStabilizationWindow: the controller's window when the HPA names none.
  const down: HPAScalingRules = {
    ...DEFAULT_SCALE_DOWN,
    stabilizationWindowSeconds: (i.downscaleStabilizationMs ?? DEFAULT_DOWNSCALE_STABILIZATION_MS) / 1000,
    ...behavior.scaleDown,
  };
  // stabilizeRecommendationWithBehaviors
  const upCutoff = i.now - (up.stabilizationWindowSeconds ?? 0) * 1000;
  const downCutoff = i.now - (down.stabilizationWindowSeconds ?? 0) * 1000;
  let upRecommendation = i.desiredReplicas;
  let downRecommendation = i.desiredReplicas;
  for (const r of i.history.recommendations) {
    if (r.timestamp > upCutoff) upRecommendation = Math.min(r.recommendation, upRecommendation);
    if (r.timestamp > downCutoff) downRecommendation = Math.max(r.recommendation, downRecommendation);
  }
  let stabilized = i.currentReplicas;
  if (stabilized < upRecommendation) stabilized = upRecommendation;
  if (stabilized > downRecommendation) stabilized = downRecommendation;
  const recommendations = record(i.history.recommendations, { recommendation: i.desiredReplicas, timestamp: i.now }, (r) => r.timestamp < upCutoff && r.timestamp < downCutoff);
  const ableToScale: Condition = stabilized === i.desiredReplicas
    ? READY_FOR_NEW_SCALE
    : i.desiredReplicas >= i.currentReplicas
      ? { status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
      : { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };

  // convertDesiredReplicasWithBehaviorRate
  let desired = stabilized;
  let reason = WITHIN_RANGE.reason;
  let message = WITHIN_RANGE.message;
  if (stabilized > i.currentReplicas) {
    const limit = Math.max(scaleUpLimit(i.currentReplicas, i.history, up, i.now), i.currentReplicas);
    const [maximumAllowed, r, m] = i.maxReplicas > limit
      ? [limit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
      : [i.maxReplicas, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
    if (stabilized > maximumAllowed) [desired, reason, message] = [maximumAllowed, r, m];
  } else if (stabilized < i.currentReplicas) {
    const limit = Math.min(scaleDownLimit(i.currentReplicas, i.history, down, i.now), i.currentReplicas);
    const [minimumAllowed, r, m] = i.minReplicas < limit
      ? [limit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']
      : [i.minReplicas, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
    if (stabilized < minimumAllowed) [desired, reason, message] = [minimumAllowed, r, m];
  }
  return { desiredReplicas: desired, recommendations, ableToScale, scalingLimited: limitedCondition(desired, stabilized, reason, message) };
}

/** The replica count to write for a recommendation, and what stabilized or limited it. */
export function normalizeDesiredReplicas(input: NormalizeInput): NormalizeResult {
  return input.behavior ? normalizeWithBehavior(input, input.behavior) : normalizeClassic(input);
}

function longestPolicyPeriodSeconds(rules: HPAScalingRules | undefined): number {
  return Math.max(0, ...(rules?.policies ?? []).map((p) => p.periodSeconds));
}

/** storeScaleEvent: remember a rescale for the policies' periods (only HPAs with behavior use them). */
export function recordScaleEvent(behavior: HorizontalPodAutoscalerBehavior | undefined, history: ScalingHistory, prev: number, next: number, now: number): ScalingHistory {
  if (!behavior || prev === next) return history;
  const up = next > prev;
  const rules = up ? behavior.scaleUp ?? DEFAULT_SCALE_UP : behavior.scaleDown ?? DEFAULT_SCALE_DOWN;
  const cutoff = now - longestPolicyPeriodSeconds(rules) * 1000;
  // markScaleEventsOutdated, then reuse an outdated slot.
  const events = (up ? history.scaleUpEvents : history.scaleDownEvents).map((e) => (e.timestamp <= cutoff ? { ...e, outdated: true } : e));
  const event: TimestampedScaleEvent = { replicaChange: Math.abs(next - prev), timestamp: now, outdated: false };
  let old = -1;
  events.forEach((e, i) => { if (e.outdated) old = i; });
  if (old >= 0) events[old] = event;
  else events.push(event);
  return up ? { ...history, scaleUpEvents: events } : { ...history, scaleDownEvents: events };
}
