// The ReplicaSet sync decision (syncReplicaSet/manageReplicas in
// k8s.io/kubernetes/pkg/controller/replicaset/replica_set.go) as a pure function: given the
// ReplicaSet, the pods it owns or could adopt, and whether its expectations are satisfied,
// say what to adopt, release, create, delete and which status to write.
//
// Example: replicas 5, two matching active pods, expectations satisfied →
//   create 3 pods in slow-start batches [1, 2]; status.replicas 2.
// Example: replicas 1, three pods (one Pending unscheduled, two Running+Ready) →
//   delete the Pending one and the newer of the Running ones.
import type { Pod, PodTemplateSpec } from '../../api/core/index.js';
import type { ReplicaSet, ReplicaSetStatus } from '../../api/apps/index.js';
import { fromLabelSelector } from '../../api/labels.js';
import { newControllerRef, planClaims } from '../controller-ref.js';
import { isPodActive, isPodAvailable, isPodReady, msUntilAvailable } from '../pod-readiness.js';
import { podsToDelete } from './pod-ranking.js';
import { slowStartBatches } from '../pod-control.js';

/** At most this many pods created or deleted in one sync (burstReplicas). */
export const BURST_REPLICAS = 500;

export interface ReplicaSetPlanInput {
  rs: ReplicaSet;
  /** Pods in the ReplicaSet's namespace that it owns or could adopt (any controller is fine: claims filter). */
  pods: readonly Pod[];
  /** False while creations/deletions it asked for have not all been observed. */
  expectationsSatisfied: boolean;
  now: Date;
}

export interface ReplicaSetPlan {
  adopt: Pod[];
  release: Pod[];
  /** Number of pods to create, and the slow-start batch sizes that sum to it. */
  create: number;
  createBatches: number[];
  delete: Pod[];
  /** The status to write, or undefined when it is unchanged. */
  status?: ReplicaSetStatus;
  /** Sync again after this long (a Ready pod crossing minReadySeconds). */
  requeueAfterMs?: number;
}

export function computeReplicaSetStatus(rs: ReplicaSet, activePods: readonly Pod[], now: Date): ReplicaSetStatus {
  const templateLabels = rs.spec.template?.metadata?.labels ?? {};
  const minReady = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0, ready = 0, available = 0;
  for (const pod of activePods) {
    const labels = pod.metadata.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  const status: ReplicaSetStatus = {
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? rs.status?.observedGeneration,
  };
  if (rs.status?.conditions?.length) status.conditions = rs.status.conditions;
  return status;
}

function sameStatus(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  if (!a) return false;
  return (
    a.replicas === b.replicas &&
    (a.fullyLabeledReplicas ?? 0) === b.fullyLabeledReplicas &&
    (a.readyReplicas ?? 0) === b.readyReplicas &&
    (a.availableReplicas ?? 0) === b.availableReplicas &&
    a.observedGeneration === b.observedGeneration
  );
}

export function planReplicaSet(input: ReplicaSetPlanInput): ReplicaSetPlan {
  const { rs, now } = input;
  const plan: ReplicaSetPlan = { adopt: [], release: [], create: 0, createBatches: [], delete: [] };
  const claims = planClaims(rs, rs.spec.selector, input.pods);
  plan.adopt = claims.adopt;
  plan.release = claims.release;
  const active = claims.claimed.filter(isPodActive);

  if (input.expectationsSatisfied && !rs.metadata.deletionTimestamp) {
    const want = rs.spec.replicas ?? 1;
    const diff = active.length - want;
    if (diff < 0) {
      plan.create = Math.min(-diff, BURST_REPLICAS);
      plan.createBatches = slowStartBatches(plan.create);
    } else if (diff > 0) {
      plan.delete = podsToDelete(active, Math.min(diff, BURST_REPLICAS));
    }
  }

  const status = computeReplicaSetStatus(rs, active, now);
  if (!sameStatus(rs.status, status)) plan.status = status;

  // A pod that is Ready but not yet Available becomes Available by the clock alone: no
  // watch event will tell us, so come back when its minReadySeconds have passed.
  const minReady = rs.spec.minReadySeconds ?? 0;
  if (minReady > 0 && status.readyReplicas !== status.availableReplicas) {
    const waits = active.map((p) => msUntilAvailable(p, minReady, now)).filter((ms) => ms > 0);
    plan.requeueAfterMs = waits.length ? Math.min(...waits) + 1000 : minReady * 1000;
  }
  return plan;
}

export const REPLICA_FAILURE = 'ReplicaFailure';

/**
 * The ReplicaFailure condition after a sync: True (FailedCreate/FailedDelete) when creating
 * or deleting pods failed (quota, admission…), removed once a sync manages replicas cleanly.
 */
export function withReplicaFailure(status: ReplicaSetStatus, failure: { reason: 'FailedCreate' | 'FailedDelete'; message: string } | undefined, now: string): ReplicaSetStatus {
  const others = (status.conditions ?? []).filter((c) => c.type !== REPLICA_FAILURE);
  const current = (status.conditions ?? []).find((c) => c.type === REPLICA_FAILURE);
  const out: ReplicaSetStatus = { ...status };
  if (failure) {
    const keep = current?.status === 'True' && current.reason === failure.reason && current.message === failure.message;
    out.conditions = [...others, keep ? current! : { type: REPLICA_FAILURE, status: 'True', reason: failure.reason, message: failure.message, lastTransitionTime: now }];
  } else if (others.length) out.conditions = others;
  else delete out.conditions;
  return out;
}

/** The pod a ReplicaSet creates: its template, generateName `<rs>-`, the controller ownerReference. */
export function podFromTemplate(rs: ReplicaSet): Pod {
  const template: PodTemplateSpec = rs.spec.template ?? { spec: { containers: [] } };
  const tm = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: { ...(tm.labels ?? {}) },
      ownerReferences: [newControllerRef(rs, 'apps/v1', 'ReplicaSet')],
    },
    spec: structuredClone(template.spec),
  };
  if (tm.annotations && Object.keys(tm.annotations).length) pod.metadata.annotations = { ...tm.annotations };
  if (tm.finalizers?.length) pod.metadata.finalizers = [...tm.finalizers];
  return pod;
}

/** Does the selector still select the template's labels (a ReplicaSet that cannot own its own pods is invalid)? */
export function selectorSelectsTemplate(rs: ReplicaSet): boolean {
  return fromLabelSelector(rs.spec.selector).matches(rs.spec.template?.metadata?.labels ?? {});
}
