// coordination.k8s.io/v1 Lease, used for node heartbeats and leader election: schema and validation.
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { fieldErr, nonNegative } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { ObjectMeta } from '../meta.js';

/** MicroTime: RFC 3339 with microseconds, as Lease times are written. */
export const MicroTime = z.string();

export const LeaseSpec = z.object({
  holderIdentity: z.string().nullable().optional(),
  leaseDurationSeconds: z.number().int().nullable().optional(),
  acquireTime: MicroTime.nullable().optional(),
  renewTime: MicroTime.nullable().optional(),
  leaseTransitions: z.number().int().nullable().optional(),
});
export type LeaseSpec = z.infer<typeof LeaseSpec>;

export const Lease = z.object({
  apiVersion: z.literal('coordination.k8s.io/v1').optional(),
  kind: z.literal('Lease').optional(),
  metadata: ObjectMeta,
  spec: LeaseSpec.optional(),
});
export type Lease = z.infer<typeof Lease>;

export function microNow(): string {
  return new Date().toISOString().replace(/Z$/, '000Z');
}

export function validateLease(lease: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (isObj(lease.spec)) {
    const d = lease.spec.leaseDurationSeconds;
    if (typeof d === 'number' && d <= 0) errs.push(fieldErr.invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
    nonNegative(errs, 'spec.leaseTransitions', lease.spec.leaseTransitions);
  }
  return errs;
}
