// core/v1 Event: what happened to an object, recorded by the component that saw it.
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { fieldErr } from '../field-errors.js';
import { isObj, type Obj } from '../json-object.js';
import { ObjectMeta, Time, typeMeta } from '../meta.js';
import { ObjectReference } from './object-reference.js';

export const EventSource = z.object({ component: z.string().optional(), host: z.string().optional() });

export const Event = z.object({
  ...typeMeta('v1', 'Event'),
  metadata: ObjectMeta,
  involvedObject: ObjectReference,
  reason: z.string().optional(),
  message: z.string().optional(),
  source: EventSource.optional(),
  firstTimestamp: Time.nullable().optional(),
  lastTimestamp: Time.nullable().optional(),
  count: z.number().int().optional(),
  type: z.string().optional(),
  eventTime: z.string().nullable().optional(),
  action: z.string().optional(),
  reportingComponent: z.string().optional(),
  reportingInstance: z.string().optional(),
});
export type Event = z.infer<typeof Event>;

// core/v1 Event has no defaults in Kubernetes; recorders fill type, count and timestamps.

export function validateEvent(ev: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const io = ev.involvedObject;
  const ns = ev.metadata?.namespace;
  if (isObj(io) && io.namespace && ns && io.namespace !== ns) {
    errs.push(fieldErr.invalid('involvedObject.namespace', io.namespace, 'does not match event.namespace'));
  }
  if (typeof ev.count === 'number' && ev.count < 0) errs.push(fieldErr.invalid('count', ev.count, 'must be greater than or equal to 0'));
  return errs;
}
