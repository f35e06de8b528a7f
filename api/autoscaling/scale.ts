// autoscaling/v1 Scale: what GET/PUT/PATCH on a workload's scale subresource speak.
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { nonNegative } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { ObjectMeta } from '../meta.js';

export const ScaleSpec = z.object({ replicas: z.number().int().optional() });
export const ScaleStatus = z.object({ replicas: z.number().int(), selector: z.string().optional() });

export const Scale = z.object({
  apiVersion: z.literal('autoscaling/v1').optional(),
  kind: z.literal('Scale').optional(),
  metadata: ObjectMeta,
  spec: ScaleSpec.optional(),
  status: ScaleStatus.optional(),
});
export type Scale = z.infer<typeof Scale>;

export function validateScale(scale: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (isObj(scale.spec)) nonNegative(errs, 'spec.replicas', scale.spec.replicas);
  return errs;
}
