// metav1: the metadata every object carries, plus the list, status and watch envelopes.
// The zod schemas are the single source of truth: TypeScript types are inferred from them,
// the API server validates with them and the OpenAPI documents are generated from them.
import { z } from 'zod';

/** TypeMeta as zod literals: optional on input, since clients may omit apiVersion and kind. */
export const typeMeta = <V extends string, K extends string>(apiVersion: V, kind: K) => ({
  apiVersion: z.literal(apiVersion).optional(),
  kind: z.literal(kind).optional(),
});

/** RFC 3339 timestamp as Kubernetes writes it (second precision, UTC, trailing Z). */
export const Time = z.string();
export type Time = z.infer<typeof Time>;

/** A quantity as it appears on the wire: "500m", "128Mi", or a bare number from YAML. */
export const QuantityValue = z.union([z.string(), z.number()]);
export type QuantityValue = z.infer<typeof QuantityValue>;

/** intstr.IntOrString: 3 or "25%". */
export const IntOrString = z.union([z.number().int(), z.string()]);
export type IntOrString = z.infer<typeof IntOrString>;

export const StringMap = z.record(z.string(), z.string());

export const OwnerReference = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});
export type OwnerReference = z.infer<typeof OwnerReference>;

export const ManagedFieldsEntry = z.object({
  manager: z.string().optional(),
  operation: z.enum(['Apply', 'Update']).optional(),
  apiVersion: z.string().optional(),
  time: Time.optional(),
  fieldsType: z.string().optional(),
  fieldsV1: z.record(z.string(), z.unknown()).optional(),
  subresource: z.string().optional(),
});
export type ManagedFieldsEntry = z.infer<typeof ManagedFieldsEntry>;

export const ObjectMeta = z.object({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: Time.nullable().optional(),
  deletionTimestamp: Time.nullable().optional(),
  deletionGracePeriodSeconds: z.number().int().nullable().optional(),
  labels: StringMap.nullable().optional(),
  annotations: StringMap.nullable().optional(),
  ownerReferences: z.array(OwnerReference).nullable().optional(),
  finalizers: z.array(z.string()).nullable().optional(),
  managedFields: z.array(ManagedFieldsEntry).nullable().optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

export const ListMeta = z.object({
  resourceVersion: z.string().optional(),
  continue: z.string().optional(),
  remainingItemCount: z.number().int().optional(),
});
export type ListMeta = z.infer<typeof ListMeta>;

export const LabelSelectorRequirement = z.object({
  key: z.string(),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string()).optional(),
});
export type LabelSelectorRequirement = z.infer<typeof LabelSelectorRequirement>;

export const LabelSelector = z.object({
  matchLabels: StringMap.optional(),
  matchExpressions: z.array(LabelSelectorRequirement).optional(),
});
export type LabelSelector = z.infer<typeof LabelSelector>;

export const StatusCause = z.object({
  reason: z.string().optional(),
  message: z.string().optional(),
  field: z.string().optional(),
});
export type StatusCause = z.infer<typeof StatusCause>;

export const StatusDetails = z.object({
  name: z.string().optional(),
  group: z.string().optional(),
  kind: z.string().optional(),
  uid: z.string().optional(),
  causes: z.array(StatusCause).optional(),
  retryAfterSeconds: z.number().int().optional(),
});
export type StatusDetails = z.infer<typeof StatusDetails>;

/** metav1.Status: every API error, and the answer to some deletes. */
export const Status = z.object({
  kind: z.literal('Status'),
  apiVersion: z.literal('v1'),
  metadata: ListMeta.optional(),
  status: z.enum(['Success', 'Failure']).optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  details: StatusDetails.optional(),
  code: z.number().int().optional(),
});
export type Status = z.infer<typeof Status>;

/** metav1.DeleteOptions, as a DELETE body or query. */
export const DeleteOptions = z.object({
  kind: z.string().optional(),
  apiVersion: z.string().optional(),
  gracePeriodSeconds: z.number().int().nullable().optional(),
  propagationPolicy: z.enum(['Orphan', 'Background', 'Foreground']).nullable().optional(),
  orphanDependents: z.boolean().nullable().optional(),
  preconditions: z
    .object({ uid: z.string().optional(), resourceVersion: z.string().optional() })
    .nullable()
    .optional(),
  dryRun: z.array(z.string()).optional(),
});
export type DeleteOptions = z.infer<typeof DeleteOptions>;

/** A generic condition shape shared by several statuses. */
export function conditionSchema<T extends string>(types: z.ZodType<T>) {
  return z.object({
    type: types,
    status: z.enum(['True', 'False', 'Unknown']),
    observedGeneration: z.number().int().optional(),
    lastProbeTime: Time.nullable().optional(),
    lastHeartbeatTime: Time.nullable().optional(),
    lastUpdateTime: Time.nullable().optional(),
    lastTransitionTime: Time.nullable().optional(),
    reason: z.string().optional(),
    message: z.string().optional(),
  });
}

/** Anything stored: apiVersion, kind, metadata, and whatever else its kind defines. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One line of a watch stream. ERROR events carry a Status as their object. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T | Status;
}

export const WATCH_EVENT_TYPES: readonly WatchEventType[] = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'];

let nowSecond = NaN;
let nowText = '';

/** Current time as metav1.Time (second precision, like Kubernetes). */
export function now(): Time {
  // Every write stamps a time or two: format each second once.
  const second = Math.floor(Date.now() / 1000);
  if (second !== nowSecond) {
    nowSecond = second;
    nowText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return nowText;
}
