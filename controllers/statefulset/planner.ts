// The StatefulSet sync decision (updateStatefulSet in
// k8s.io/kubernetes/pkg/controller/statefulset/stateful_set_control.go, v1.32) as a pure
// function: given the set, the pods, claims and revisions in its namespace and the time, say
// which claims and pods to create, which pods to delete, which claims' owners to change,
// which revisions to write, and the status.
//
// Pods split into replicas (ordinals start..start+replicas-1) and condemned (the rest).
//   1. Replicas, lowest ordinal first: a failed or succeeded pod is deleted; a missing one
//      gets its claims and then the pod. OrderedReady stops at the first pod it creates,
//      deletes, or finds Terminating or not Running and Ready; Parallel goes on.
//   2. Condemned, highest ordinal first: deleted; OrderedReady one per sync, and only when
//      the pod is healthy or is the lowest unhealthy one.
//   3. RollingUpdate: the highest replica at or above the partition that is not at the update
//      revision is deleted (step 1 recreates it at the update revision); a lower one waits
//      until every higher one is healthy. With maxUnavailable, up to that many at once.
// A Terminating pod is never replaced until it is gone, so one ordinal never has two pods
// (and its name, `<set>-<ordinal>`, makes the API server refuse a second one anyway).
//
// Example: replicas 3, OrderedReady, nothing yet → create web-0; once it is Running and
// Ready → web-1; then web-2. Scale to 1 → delete web-2; once gone → web-1.
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from '../../api/apps/index.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../../api/apps/index.js';
import type { PersistentVolumeClaim, Pod } from '../../api/core/index.js';
import type { OwnerReference } from '../../api/meta.js';
import { deepEqual } from '../../api/patch/merge.js';
import { planClaims } from '../controller-ref.js';
import { scaledValue } from '../deployment/fenceposts.js';
import { planHistory, revisionTemplate, type HistoryPlan } from '../history/controller-revisions.js';
import { isPodAvailable, isPodReady, msUntilAvailable } from '../pod-readiness.js';
import { claimOwnersFor, claimsFor, newStatefulSetPod, ordinalOf } from './identity.js';

export interface StatefulSetPlanInput {
  set: StatefulSet;
  /** Pods in the set's namespace (claims pick ours). */
  pods: readonly Pod[];
  /** PersistentVolumeClaims in the set's namespace. */
  claims: readonly PersistentVolumeClaim[];
  /** ControllerRevisions this set controls. */
  revisions: readonly ControllerRevision[];
  now: Date;
}

export interface StatefulSetEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface StatefulSetPlan {
  adopt: Pod[];
  release: Pod[];
  history?: HistoryPlan;
  /** Claims to create, each before the pod that mounts it. */
  createClaims: PersistentVolumeClaim[];
  /** Pods to create, in this order. */
  create: Pod[];
  /** Pods to delete, in this order. */
  delete: Pod[];
  /** Claims whose ownerReferences the retention policy changes (written before any delete). */
  claimOwners: { claim: PersistentVolumeClaim; ownerReferences: OwnerReference[] }[];
  status?: StatefulSetStatus;
  events: StatefulSetEvent[];
  requeueAfterMs?: number;
}

const isTerminating = (p: Pod) => !!p.metadata.deletionTimestamp;
const isFinished = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const isRunningAndReady = (p: Pod) => p.status?.phase === 'Running' && isPodReady(p);
const revisionOf = (p: Pod) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];

export function planStatefulSet(input: StatefulSetPlanInput): StatefulSetPlan {
  const { set, now } = input;
  const plan: StatefulSetPlan = { adopt: [], release: [], createClaims: [], create: [], delete: [], claimOwners: [], events: [] };
  // Only pods named like ours are members (isMemberOf); others matching the selector are left alone.
  const members = input.pods.filter((p) => ordinalOf(set, p) !== undefined);
  const claims = planClaims(set, set.spec.selector, members);
  plan.adopt = claims.adopt;
  plan.release = claims.release;
  const pods = claims.claimed;

  // Revisions: the update revision is the current template's; the current one is what
  // status names (or the update revision, the first time).
  const history = planHistory(set, input.revisions, pods, 'StatefulSet');
  plan.history = history;
  const updateRevision = history.current;
  const currentName = set.status?.currentRevision;
  const currentRevision = input.revisions.find((r) => r.metadata.name === currentName) ?? updateRevision;
  // truncateHistory keeps the current and update revisions whatever the limit.
  history.delete = history.delete.filter((r) => r.metadata.name !== currentRevision.metadata.name);
  const currentHash = currentRevision.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? history.hash;
  const updateHash = history.hash;
  const minReady = set.spec.minReadySeconds ?? 0;
  const isHealthy = (p: Pod) => isRunningAndReady(p) && !isTerminating(p) && isPodAvailable(p, minReady, now);

  const status = computeStatus(set, pods, currentRevision.metadata.name!, updateRevision.metadata.name!, currentHash, updateHash, now);
  if (history.collision) status.collisionCount = (set.status?.collisionCount ?? 0) + 1;
  if (!deepEqual(status, set.status)) plan.status = status;
  // A collision means the revision name is taken: only the bumped count goes out this sync.
  if (history.collision || set.metadata.deletionTimestamp) return plan;

  const replicaCount = set.spec.replicas ?? 1;
  const start = set.spec.ordinals?.start ?? 0;
  const end = start + replicaCount;
  const replicas: (Pod | undefined)[] = Array.from({ length: replicaCount }, () => undefined);
  const condemned: Pod[] = [];
  for (const pod of pods) {
    const ord = ordinalOf(set, pod)!;
    if (ord >= start && ord < end) replicas[ord - start] = pod;
    else condemned.push(pod);
  }
  condemned.sort((a, b) => ordinalOf(set, a)! - ordinalOf(set, b)!);
  const monotonic = set.spec.podManagementPolicy !== 'Parallel';
  const rolling = set.spec.updateStrategy?.type !== 'OnDelete';
  const partition = rolling ? Math.min(Math.max(set.spec.updateStrategy?.rollingUpdate?.partition ?? 0, 0), replicaCount) : 0;
  const currentTemplate = revisionTemplate(currentRevision) ?? set.spec.template;
  const existingClaims = new Map(input.claims.filter((c) => c.metadata.namespace === set.metadata.namespace).map((c) => [c.metadata.name!, c]));
  const wait = (ms?: number) => {
    if (ms && ms > 0) plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, ms);
  };

  // Claims of live pods follow the retention policy (before any of those pods is deleted).
  const syncClaimOwners = (pod: Pod, ordinal: number, scaledDown: boolean) => {
    for (const want of claimsFor(set, ordinal)) {
      const claim = existingClaims.get(want.metadata.name!);
      if (!claim) continue;
      const owners = claimOwnersFor(set, claim, pod, scaledDown);
      if (owners) plan.claimOwners.push({ claim, ownerReferences: owners });
    }
  };
  const missingClaims = (ordinal: number) => claimsFor(set, ordinal).filter((c) => !existingClaims.has(c.metadata.name!));

  // 1. Replicas, in ordinal order.
  let firstUnhealthy: Pod | undefined;
  for (let i = 0; i < replicaCount; i++) {
    const pod = replicas[i];
    const ordinal = start + i;
    if (!pod) {
      // A pod below the partition is made from the current revision, as Kubernetes does.
      const atCurrent = rolling && i < partition;
      const claimsToMake = missingClaims(ordinal).map((c) => withSetOwner(set, c));
      plan.createClaims.push(...claimsToMake);
      plan.create.push(newStatefulSetPod(set, atCurrent ? currentTemplate : set.spec.template, ordinal, atCurrent ? currentHash : updateHash));
      if (monotonic) return plan;
      continue;
    }
    if (!isHealthy(pod)) firstUnhealthy ??= pod;
    if (isFinished(pod) && !isTerminating(pod)) {
      plan.delete.push(pod);
      plan.events.push({ type: 'Warning', reason: 'RecreatingFailedPod', message: `StatefulSet ${set.metadata.namespace}/${set.metadata.name} is recreating ${pod.status?.phase === 'Failed' ? 'failed' : 'terminated'} Pod ${pod.metadata.name}` });
      if (monotonic) return plan;
      continue;
    }
    // A pod whose claims were deleted under it gets them back (they bind before it runs).
    plan.createClaims.push(...missingClaims(ordinal).map((c) => withSetOwner(set, c)));
    if (!isTerminating(pod)) syncClaimOwners(pod, ordinal, false);
    if (isTerminating(pod)) {
      if (monotonic) return plan;
      continue;
    }
    if (!isRunningAndReady(pod)) {
      if (monotonic) return plan;
      continue;
    }
    if (!isPodAvailable(pod, minReady, now)) {
      wait(msUntilAvailable(pod, minReady, now));
      if (monotonic) return plan;
    }
  }
  for (const pod of condemned) {
    if (!isHealthy(pod) && (!firstUnhealthy || ordinalOf(set, pod)! < ordinalOf(set, firstUnhealthy)!)) firstUnhealthy = pod;
  }

  // 2. Condemned, highest ordinal first.
  for (let t = condemned.length - 1; t >= 0; t--) {
    const pod = condemned[t]!;
    if (isTerminating(pod)) {
      if (monotonic) return plan;
      continue;
    }
    if (monotonic && !isHealthy(pod) && pod !== firstUnhealthy) {
      if (isRunningAndReady(pod)) wait(msUntilAvailable(pod, minReady, now));
      return plan;
    }
    syncClaimOwners(pod, ordinalOf(set, pod)!, true);
    plan.delete.push(pod);
    if (monotonic) return plan;
  }

  // 3. The rolling update.
  if (!rolling) return plan;
  const maxUnavailableSpec = set.spec.updateStrategy?.rollingUpdate?.maxUnavailable;
  if (maxUnavailableSpec === undefined) {
    for (let t = replicaCount - 1; t >= partition; t--) {
      const pod = replicas[t];
      if (!pod) return plan;
      if (revisionOf(pod) !== updateHash && !isTerminating(pod)) {
        plan.delete.push(pod);
        return plan;
      }
      if (!isHealthy(pod)) return plan;
    }
    return plan;
  }
  const maxUnavailable = Math.max(1, scaledValue(maxUnavailableSpec, replicaCount, false, 1));
  const unavailable = replicas.filter((p) => !p || !isHealthy(p)).length;
  let budget = maxUnavailable - unavailable;
  for (let t = replicaCount - 1; t >= partition && budget > 0; t--) {
    const pod = replicas[t];
    if (pod && revisionOf(pod) !== updateHash && !isTerminating(pod)) {
      plan.delete.push(pod);
      budget--;
    }
  }
  return plan;
}

/** A claim to create, owned by the set when whenDeleted is Delete (the pod's ref comes later). */
function withSetOwner(set: StatefulSet, claim: PersistentVolumeClaim): PersistentVolumeClaim {
  const owners = claimOwnersFor(set, claim, undefined, false);
  return owners?.length ? { ...claim, metadata: { ...claim.metadata, ownerReferences: owners } } : claim;
}

/**
 * updateStatefulSetStatus + completeRollingUpdate: counts over the pods that exist; once every
 * pod is updated and ready, a RollingUpdate's update revision becomes the current one.
 */
export function computeStatus(set: StatefulSet, pods: readonly Pod[], currentRevision: string, updateRevision: string, currentHash: string, updateHash: string, now: Date): StatefulSetStatus {
  let replicas = 0, ready = 0, available = 0, current = 0, updated = 0;
  for (const pod of pods) {
    replicas++;
    if (isRunningAndReady(pod)) {
      ready++;
      if (isPodAvailable(pod, set.spec.minReadySeconds ?? 0, now)) available++;
    }
    if (!isTerminating(pod)) {
      if (revisionOf(pod) === currentHash) current++;
      if (revisionOf(pod) === updateHash) updated++;
    }
  }
  const status: StatefulSetStatus = {
    ...(set.status ?? {}),
    observedGeneration: set.metadata.generation ?? 0,
    replicas, readyReplicas: ready, currentReplicas: current, updatedReplicas: updated, availableReplicas: available,
    currentRevision, updateRevision,
  };
  if (set.spec.updateStrategy?.type !== 'OnDelete' && updated === replicas && ready === replicas) {
    status.currentReplicas = updated;
    status.currentRevision = updateRevision;
  }
  return status;
}

