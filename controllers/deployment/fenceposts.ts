// maxSurge and maxUnavailable resolved against spec.replicas (ResolveFenceposts in
// k8s.io/kubernetes/pkg/controller/deployment/util/deployment_util.go).
// Percentages: surge rounds UP, unavailable rounds DOWN, so a rollout always makes progress
// and never drops more than asked. If both resolve to 0, maxUnavailable becomes 1.
// Example: replicas 10, 25%/25% → surge ceil(2.5)=3, unavailable floor(2.5)=2.
// Example: replicas 1, 25%/25% → surge 1, unavailable 0.
import type { Deployment } from '../../api/apps/index.js';
import type { IntOrString } from '../../api/meta.js';

export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean, dflt: IntOrString): number {
  const value = v ?? dflt;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value.trim());
  if (!m) {
    const n = Number(value);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(value)}`);
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

export function replicasOf(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true, DEFAULT_MAX_SURGE);
  let unavailable = scaledValue(maxUnavailable, desired, false, DEFAULT_MAX_UNAVAILABLE);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d)).surge;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}
