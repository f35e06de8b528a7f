// HorizontalPodAutoscalers (autoscaling/v2): status starts empty on create (the controller
// owns it) and spec changes bump metadata.generation. The target must be a kind this server
// serves with a scale subresource — Skiff has no custom resources, so that set is known here,
// and refusing `kind: Pod` at the door beats a controller condition nobody reads.
import type { FieldError } from '../../api/errors.js';
import { fieldErr } from '../../api/field-errors.js';
import { apiVersionOf, RESOURCES } from '../../api/resources.js';
import type { HorizontalPodAutoscaler } from '../../api/autoscaling/index.js';
import type { Strategy } from './strategy.js';

const SCALABLE = RESOURCES.filter((r) => r.subresources.includes('scale'));

/** The scale target's kind (and apiVersion, when given) must name a resource with a scale subresource. */
export function validateScaleTarget(hpa: HorizontalPodAutoscaler): FieldError[] {
  const ref = hpa.spec?.scaleTargetRef;
  if (!ref?.kind) return []; // required: the kind's own validation said so
  const ofKind = SCALABLE.filter((r) => r.kind === ref.kind);
  if (ofKind.length === 0) return [fieldErr.notSupported('spec.scaleTargetRef.kind', ref.kind, [...new Set(SCALABLE.map((r) => r.kind))])];
  if (ref.apiVersion && !ofKind.some((r) => apiVersionOf(r) === ref.apiVersion)) {
    return [fieldErr.notSupported('spec.scaleTargetRef.apiVersion', ref.apiVersion, ofKind.map(apiVersionOf))];
  }
  return [];
}

export const horizontalPodAutoscalerStrategy: Strategy = {
  tracksGeneration: true,
  prepareForCreate(obj) {
    (obj as unknown as HorizontalPodAutoscaler).status = { desiredReplicas: 0 };
  },
  validate: (obj) => validateScaleTarget(obj as unknown as HorizontalPodAutoscaler),
};
