// apps/v1 StatefulSet: pods with a stable identity — `<set>-<ordinal>`, hostname = pod name,
// subdomain = the governing (headless) Service — and stable storage: one PersistentVolumeClaim
// per volumeClaimTemplate per ordinal, `<template>-<set>-<ordinal>`, which outlives its pod.
// OrderedReady creates pods 0..N-1 one at a time and removes them from the top; Parallel does
// both at once. Updates roll from the highest ordinal down (RollingUpdate, above `partition`)
// or wait for users to delete pods (OnDelete); each template is a ControllerRevision.
import { z } from 'zod';
import { conditionSchema, IntOrString, LabelSelector, ObjectMeta, typeMeta } from '../meta.js';
import { PodTemplateSpec } from '../core/pod.js';
import { PersistentVolumeClaim } from '../core/persistentvolume.js';
import { revisionUpdateStrategy } from './daemonset.js';

/** On a StatefulSet's pods: the pod's own name, so a Service can select exactly one pod. */
export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** On a StatefulSet's pods: the ordinal (PodIndexLabel, on by default since v1.28). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export const RollingUpdateStatefulSetStrategy = z.object({
  /** Ordinals below the partition keep the current revision. */
  partition: z.number().int().optional(),
  maxUnavailable: IntOrString.optional(),
});
export type RollingUpdateStatefulSetStrategy = z.infer<typeof RollingUpdateStatefulSetStrategy>;

export const StatefulSetUpdateStrategy = revisionUpdateStrategy(RollingUpdateStatefulSetStrategy);
export type StatefulSetUpdateStrategy = z.infer<typeof StatefulSetUpdateStrategy>;

export const StatefulSetPersistentVolumeClaimRetentionPolicy = z.object({
  whenDeleted: z.enum(['Retain', 'Delete']).optional(),
  whenScaled: z.enum(['Retain', 'Delete']).optional(),
});
export type StatefulSetPersistentVolumeClaimRetentionPolicy = z.infer<typeof StatefulSetPersistentVolumeClaimRetentionPolicy>;

export const StatefulSetOrdinals = z.object({ start: z.number().int().optional() });

export const StatefulSetSpec = z.object({
  replicas: z.number().int().optional(),
  selector: LabelSelector,
  template: PodTemplateSpec,
  volumeClaimTemplates: z.array(PersistentVolumeClaim).optional(),
  serviceName: z.string(),
  podManagementPolicy: z.enum(['OrderedReady', 'Parallel']).optional(),
  updateStrategy: StatefulSetUpdateStrategy.optional(),
  revisionHistoryLimit: z.number().int().optional(),
  minReadySeconds: z.number().int().optional(),
  persistentVolumeClaimRetentionPolicy: StatefulSetPersistentVolumeClaimRetentionPolicy.optional(),
  ordinals: StatefulSetOrdinals.optional(),
});
export type StatefulSetSpec = z.infer<typeof StatefulSetSpec>;

export const StatefulSetCondition = conditionSchema(z.string());

export const StatefulSetStatus = z.object({
  observedGeneration: z.number().int().optional(),
  replicas: z.number().int(),
  readyReplicas: z.number().int().optional(),
  currentReplicas: z.number().int().optional(),
  updatedReplicas: z.number().int().optional(),
  currentRevision: z.string().optional(),
  updateRevision: z.string().optional(),
  collisionCount: z.number().int().optional(),
  conditions: z.array(StatefulSetCondition).optional(),
  availableReplicas: z.number().int().optional(),
});
export type StatefulSetStatus = z.infer<typeof StatefulSetStatus>;

export const StatefulSet = z.object({
  ...typeMeta('apps/v1', 'StatefulSet'),
  metadata: ObjectMeta,
  spec: StatefulSetSpec,
  status: StatefulSetStatus.optional(),
});
export type StatefulSet = z.infer<typeof StatefulSet>;
