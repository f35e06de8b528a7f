// apps/v1: ReplicaSet and Deployment.
import { z } from 'zod';
import { conditionSchema, IntOrString, LabelSelector, ObjectMeta } from '../meta.js';
import { PodTemplateSpec } from '../core/pod.js';

export const ReplicaSetSpec = z.object({
  replicas: z.number().int().optional(),
  minReadySeconds: z.number().int().optional(),
  selector: LabelSelector,
  template: PodTemplateSpec.optional(),
});
export type ReplicaSetSpec = z.infer<typeof ReplicaSetSpec>;

export const ReplicaSetCondition = conditionSchema(z.string());

export const ReplicaSetStatus = z.object({
  replicas: z.number().int(),
  fullyLabeledReplicas: z.number().int().optional(),
  readyReplicas: z.number().int().optional(),
  availableReplicas: z.number().int().optional(),
  observedGeneration: z.number().int().optional(),
  conditions: z.array(ReplicaSetCondition).optional(),
});
export type ReplicaSetStatus = z.infer<typeof ReplicaSetStatus>;

export const ReplicaSet = z.object({
  apiVersion: z.literal('apps/v1').optional(),
  kind: z.literal('ReplicaSet').optional(),
  metadata: ObjectMeta,
  spec: ReplicaSetSpec,
  status: ReplicaSetStatus.optional(),
});
export type ReplicaSet = z.infer<typeof ReplicaSet>;

export const RollingUpdateDeployment = z.object({ maxUnavailable: IntOrString.optional(), maxSurge: IntOrString.optional() });

export const DeploymentStrategy = z.object({
  type: z.enum(['RollingUpdate', 'Recreate']).optional(),
  rollingUpdate: RollingUpdateDeployment.optional(),
});
export type DeploymentStrategy = z.infer<typeof DeploymentStrategy>;

export const DeploymentSpec = z.object({
  replicas: z.number().int().optional(),
  selector: LabelSelector,
  template: PodTemplateSpec,
  strategy: DeploymentStrategy.optional(),
  minReadySeconds: z.number().int().optional(),
  revisionHistoryLimit: z.number().int().optional(),
  paused: z.boolean().optional(),
  progressDeadlineSeconds: z.number().int().optional(),
});
export type DeploymentSpec = z.infer<typeof DeploymentSpec>;

export const DeploymentCondition = conditionSchema(z.string());
export type DeploymentCondition = z.infer<typeof DeploymentCondition>;

export const DeploymentStatus = z.object({
  observedGeneration: z.number().int().optional(),
  replicas: z.number().int().optional(),
  updatedReplicas: z.number().int().optional(),
  readyReplicas: z.number().int().optional(),
  availableReplicas: z.number().int().optional(),
  unavailableReplicas: z.number().int().optional(),
  conditions: z.array(DeploymentCondition).optional(),
  collisionCount: z.number().int().optional(),
});
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

export const Deployment = z.object({
  apiVersion: z.literal('apps/v1').optional(),
  kind: z.literal('Deployment').optional(),
  metadata: ObjectMeta,
  spec: DeploymentSpec,
  status: DeploymentStatus.optional(),
});
export type Deployment = z.infer<typeof Deployment>;
