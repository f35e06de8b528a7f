// coordination.k8s.io/v1: Lease, used for node heartbeats and leader election.
import { z } from 'zod';
import { ObjectMeta } from './meta.js';

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
