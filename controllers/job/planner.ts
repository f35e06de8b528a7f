// The Job sync decision (syncJob/manageJob/trackJobStatusAndRemoveFinalizers in
// k8s.io/kubernetes/pkg/controller/job/job_controller.go, v1.32) as a pure function: given
// the Job, the pods it owns or could adopt and the time, say which pods to create and
// delete, which pods' tracking finalizers may go, which status to write and what to tell
// the user in events.
//
// Counting is finalizer-based, so no completion is counted twice or lost across a crash:
// every pod is created with the `batch.kubernetes.io/job-tracking` finalizer; a finished pod
// is first recorded in status.uncountedTerminatedPods (written before anything else), then
// loses its finalizer, and only once it has lost it (or is gone) does it move into
// status.succeeded/failed. A crash between any two steps leaves a state the next sync
// finishes. Indexed Jobs record succeeded pods by index (status.completedIndexes) instead.
//
// Finishing is two-step as in Kubernetes 1.32: SuccessCriteriaMet / FailureTarget when the
// outcome is known (active pods are deleted then), Complete / Failed once no pod of the Job
// is still running or terminating.
//
// Example: completions 3, parallelism 2, nothing yet → create 2 pods, startTime = now.
// Example: backoffLimit 1, two failed pods → FailureTarget (BackoffLimitExceeded), then Failed.
import type { Pod } from '../../api/core/index.js';
import type { Job, JobCondition, JobStatus } from '../../api/batch/index.js';
import { DEFAULT_BACKOFF_LIMIT, JOB_COMPLETION_INDEX_ANNOTATION, JOB_TRACKING_FINALIZER } from '../../api/batch/index.js';
import { deepEqual } from '../../api/patch/merge.js';
import { newControllerRef, planClaims } from '../controller-ref.js';
import { isPodActive, isPodReady } from '../pod-readiness.js';
import { podsToDelete } from '../replicaset/pod-ranking.js';
import { backoffRemainingMs, DEFAULT_BACKOFF_BASE_MS } from './backoff.js';
import { completionIndexOf, formatIndexes, parseIndexes } from './completion-index.js';

/** At most this many pods created or deleted in one sync (the controller's burst). */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

export const REASON_BACKOFF_LIMIT_EXCEEDED = 'BackoffLimitExceeded';
export const REASON_DEADLINE_EXCEEDED = 'DeadlineExceeded';
export const REASON_COMPLETIONS_REACHED = 'CompletionsReached';
const MESSAGES: Record<string, string> = {
  [REASON_BACKOFF_LIMIT_EXCEEDED]: 'Job has reached the specified backoff limit',
  [REASON_DEADLINE_EXCEEDED]: 'Job was active longer than specified deadline',
  [REASON_COMPLETIONS_REACHED]: 'Reached expected number of succeeded pods',
};

export interface JobPlanInput {
  job: Job;
  /** Pods in the Job's namespace (claims filter them). */
  pods: readonly Pod[];
  /** False while pod creations/deletions this controller asked for are not all observed. */
  expectationsSatisfied: boolean;
  now: Date;
  /** The first back-off delay after a failure (doubling from there). */
  backoffBaseMs?: number;
}

export interface JobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface JobPlan {
  adopt: Pod[];
  release: Pod[];
  /** Pods to create, ready to POST (generateName, labels, finalizer, owner). */
  create: Pod[];
  delete: Pod[];
  /** Pods whose tracking finalizer may be removed — only after `status` (if any) is written. */
  removeFinalizers: Pod[];
  /** The status to write, or undefined when it is unchanged. */
  status?: JobStatus;
  events: JobEvent[];
  /** Sync again after this long (back-off ends, active deadline). */
  requeueAfterMs?: number;
}

const hasFinalizer = (pod: Pod) => (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
const isSucceeded = (pod: Pod) => pod.status?.phase === 'Succeeded';
/** isPodFailed: Failed, or deleted before it succeeded (an orphan may never reach Failed). */
const isFailed = (pod: Pod) => pod.status?.phase === 'Failed' || (!!pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded');
const isTerminating = (pod: Pod) => !!pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';

/** Kubernetes' metav1.Time: second precision. */
export function toTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function findCondition(status: JobStatus | undefined, type: string): JobCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}
const isTrue = (status: JobStatus | undefined, type: string) => findCondition(status, type)?.status === 'True';

/** The Job has finished (Complete or Failed): nothing more is created or counted against it. */
export function isJobFinished(job: Job): boolean {
  return isTrue(job.status, 'Complete') || isTrue(job.status, 'Failed');
}

/** ensureJobConditionStatus: set a condition to `status`, or add it (a False one only if it exists). */
function setCondition(conditions: JobCondition[], type: string, status: 'True' | 'False', reason: string, message: string, now: string): boolean {
  const i = conditions.findIndex((c) => c.type === type);
  if (i < 0) {
    if (status === 'False') return false;
    conditions.push({ type, status, reason, message, lastProbeTime: now, lastTransitionTime: now });
    return true;
  }
  const c = conditions[i]!;
  if (c.status === status && c.reason === reason && c.message === message) return false;
  conditions[i] = { ...c, status, reason, message, lastProbeTime: now, ...(c.status !== status ? { lastTransitionTime: now } : {}) };
  return true;
}

/** Restarts of an OnFailure Job's active pods count against its backoffLimit (pastBackoffLimitOnFailure). */
function pastBackoffLimitOnFailure(job: Job, active: readonly Pod[]): boolean {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  const limit = job.spec.backoffLimit ?? DEFAULT_BACKOFF_LIMIT;
  let restarts = 0;
  for (const pod of active) {
    for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) restarts += cs.restartCount ?? 0;
  }
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** The pod a Job creates: its template, the tracking finalizer, the controller ref; for an Indexed Job its index. */
export function podForJob(job: Job, index?: number): Pod {
  const template = job.spec.template;
  const tm = template.metadata ?? {};
  const name = job.metadata.name!;
  const labels: Record<string, string> = { ...(tm.labels ?? {}) };
  const annotations: Record<string, string> = { ...(tm.annotations ?? {}) };
  const spec = structuredClone(template.spec);
  if (index !== undefined) {
    annotations[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    labels[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    // A stable hostname per index, so that with a headless Service peers find each other.
    spec.hostname ??= `${name}-${index}`;
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      if ((c.env ?? []).some((e) => e.name === 'JOB_COMPLETION_INDEX')) continue;
      c.env = [...(c.env ?? []), { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } }];
    }
  }
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
      namespace: job.metadata.namespace,
      labels,
      finalizers: [...(tm.finalizers ?? []), JOB_TRACKING_FINALIZER],
      ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
    },
    spec,
  };
  if (Object.keys(annotations).length) pod.metadata.annotations = annotations;
  return pod;
}

/** Did anything change? Structurally: a status another client wrote may order its keys differently. */
function sameStatus(a: JobStatus | undefined, b: JobStatus): boolean {
  return deepEqual(a ?? {}, b);
}

export function planJob(input: JobPlanInput): JobPlan {
  const { job, now } = input;
  const nowTime = toTime(now);
  const plan: JobPlan = { adopt: [], release: [], create: [], delete: [], removeFinalizers: [], events: [] };
  const claims = planClaims(job, job.spec.selector ?? {}, input.pods);
  plan.adopt = claims.adopt;
  plan.release = claims.release;
  const pods = claims.claimed;
  const old = job.status ?? {};
  const spec = job.spec;
  const indexed = spec.completionMode === 'Indexed';
  const completions = spec.completions;
  const parallelism = spec.parallelism ?? 1;
  const suspended = spec.suspend === true;
  const finished = isJobFinished(job);

  // ---- tracking: record finished pods, then count the ones whose finalizer is gone ----
  const uncountedSucceeded = new Set(old.uncountedTerminatedPods?.succeeded ?? []);
  const uncountedFailed = new Set(old.uncountedTerminatedPods?.failed ?? []);
  const completed = indexed ? parseIndexes(old.completedIndexes, completions ?? 0) : new Set<number>();
  for (const pod of pods) {
    if (!hasFinalizer(pod)) continue;
    const uid = pod.metadata.uid!;
    if (isSucceeded(pod)) {
      if (indexed) {
        // The index is enough to never count this pod twice: no uid to track.
        const ix = completionIndexOf(pod);
        if (ix !== undefined && ix < (completions ?? 0)) completed.add(ix);
      } else uncountedSucceeded.add(uid);
      plan.removeFinalizers.push(pod);
    } else if (isFailed(pod)) {
      uncountedFailed.add(uid);
      plan.removeFinalizers.push(pod);
    } else if (finished) {
      // A finished Job counts nothing more; its pods must not be held back from deletion.
      plan.removeFinalizers.push(pod);
    }
  }
  const byUid = new Map(pods.map((p) => [p.metadata.uid!, p]));
  let succeeded = old.succeeded ?? 0;
  let failed = old.failed ?? 0;
  const stillHeld = (uid: string) => {
    const p = byUid.get(uid);
    return p !== undefined && hasFinalizer(p);
  };
  for (const uid of [...uncountedSucceeded]) if (!stillHeld(uid)) { uncountedSucceeded.delete(uid); succeeded++; }
  for (const uid of [...uncountedFailed]) if (!stillHeld(uid)) { uncountedFailed.delete(uid); failed++; }
  if (indexed) succeeded = completed.size;

  // What the decisions count: everything finished, whether or not yet moved into the counts.
  const totalSucceeded = indexed ? completed.size : succeeded + uncountedSucceeded.size;
  const totalFailed = failed + uncountedFailed.size;

  const active = pods.filter(isPodActive);
  const terminating = pods.filter(isTerminating);
  const conditions = structuredClone(old.conditions ?? []);
  let startTime = old.startTime;
  let completionTime = old.completionTime;

  if (!finished) {
    // ---- suspend / resume ----
    if (suspended) {
      if (setCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', nowTime)) {
        plan.events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
      }
    } else if (setCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', nowTime)) {
      plan.events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
      // The active deadline counts from the resume, not from creation.
      startTime = nowTime;
    }
    if (!startTime && !suspended) startTime = nowTime;

    // ---- the outcome, once it is known ----
    const decided = conditions.some((c) => (c.type === 'SuccessCriteriaMet' || c.type === 'FailureTarget') && c.status === 'True');
    if (!decided) {
      let failure: string | undefined;
      if (totalFailed > (spec.backoffLimit ?? DEFAULT_BACKOFF_LIMIT) || pastBackoffLimitOnFailure(job, active)) failure = REASON_BACKOFF_LIMIT_EXCEEDED;
      else if (spec.activeDeadlineSeconds !== undefined && startTime && !suspended) {
        const left = Date.parse(startTime) + spec.activeDeadlineSeconds * 1000 - now.getTime();
        if (left <= 0) failure = REASON_DEADLINE_EXCEEDED;
        else plan.requeueAfterMs = left;
      }
      const complete = indexed
        ? completed.size >= (completions ?? 0)
        : completions === undefined
          ? totalSucceeded > 0 && active.length === 0
          : totalSucceeded >= completions;
      if (failure) {
        setCondition(conditions, 'FailureTarget', 'True', failure, MESSAGES[failure]!, nowTime);
        plan.events.push({ type: 'Warning', reason: failure, message: MESSAGES[failure]! });
      } else if (complete) {
        setCondition(conditions, 'SuccessCriteriaMet', 'True', REASON_COMPLETIONS_REACHED, MESSAGES[REASON_COMPLETIONS_REACHED]!, nowTime);
      }
    }
    const failureTarget = findCondition({ conditions }, 'FailureTarget');
    const successMet = findCondition({ conditions }, 'SuccessCriteriaMet');
    const outcome = failureTarget?.status === 'True' ? failureTarget : successMet?.status === 'True' ? successMet : undefined;

    if (outcome || suspended || job.metadata.deletionTimestamp) {
      // Nothing new runs; what runs is stopped (a Job being deleted leaves that to the GC).
      if (!job.metadata.deletionTimestamp) plan.delete = active.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    } else if (input.expectationsSatisfied) {
      manageActive(input, plan, pods, active, completed, totalSucceeded, parallelism);
    }

    // ---- the terminal condition, once nothing of the Job runs any more ----
    // Pods deleted just now are still running until their kubelet stops them; and every
    // finished pod is counted first, so a finished Job's counts are final.
    const allCounted = uncountedSucceeded.size + uncountedFailed.size === 0 && plan.removeFinalizers.length === 0;
    if (outcome && active.length + terminating.length === 0 && allCounted) {
      if (outcome === failureTarget) {
        setCondition(conditions, 'Failed', 'True', outcome.reason!, outcome.message!, nowTime);
      } else {
        setCondition(conditions, 'Complete', 'True', outcome.reason!, outcome.message!, nowTime);
        completionTime = nowTime;
        plan.events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
      }
    }
  }

  const deleted = new Set(plan.delete.map((p) => p.metadata.uid));
  const remaining = active.filter((p) => !deleted.has(p.metadata.uid));
  const status: JobStatus = {};
  if (conditions.length) status.conditions = conditions;
  if (startTime) status.startTime = startTime;
  if (completionTime) status.completionTime = completionTime;
  if (remaining.length + plan.create.length > 0) status.active = remaining.length + plan.create.length;
  if (succeeded > 0) status.succeeded = succeeded;
  if (failed > 0) status.failed = failed;
  status.terminating = terminating.length + plan.delete.length;
  if (indexed && completed.size > 0) status.completedIndexes = formatIndexes(completed);
  status.uncountedTerminatedPods = {
    ...(uncountedSucceeded.size ? { succeeded: [...uncountedSucceeded].sort() } : {}),
    ...(uncountedFailed.size ? { failed: [...uncountedFailed].sort() } : {}),
  };
  status.ready = remaining.filter(isPodReady).length;
  if (!sameStatus(old, status)) plan.status = status;
  return plan;
}

/** manageJob: create or delete pods so that the right number (and, if Indexed, the right indexes) run. */
function manageActive(input: JobPlanInput, plan: JobPlan, pods: readonly Pod[], active: Pod[], completed: Set<number>, totalSucceeded: number, parallelism: number): void {
  const { job } = input;
  const completions = job.spec.completions;
  let keep = active;
  let createIndexes: number[] | undefined;
  let wantActive: number;
  if (job.spec.completionMode === 'Indexed') {
    // One active pod per index that is not complete yet; anything else goes.
    const total = completions ?? 0;
    const byIndex = new Map<number, Pod[]>();
    const unwanted: Pod[] = [];
    for (const pod of active) {
      const ix = completionIndexOf(pod);
      if (ix === undefined || ix >= total || completed.has(ix)) unwanted.push(pod);
      else byIndex.set(ix, [...(byIndex.get(ix) ?? []), pod]);
    }
    keep = [];
    for (const same of byIndex.values()) {
      const [first, ...dupes] = [...same].sort(olderFirst);
      keep.push(first!);
      unwanted.push(...dupes);
    }
    plan.delete.push(...unwanted);
    wantActive = Math.max(0, Math.min(parallelism, total - completed.size));
    if (keep.length > wantActive) {
      // Too many: the highest indexes go first.
      const byHighest = [...keep].sort((a, b) => completionIndexOf(b)! - completionIndexOf(a)!);
      plan.delete.push(...byHighest.slice(0, keep.length - wantActive));
    } else {
      createIndexes = [];
      for (let i = 0; i < total && createIndexes.length < wantActive - keep.length; i++) {
        if (!completed.has(i) && !byIndex.has(i)) createIndexes.push(i);
      }
    }
  } else {
    wantActive = completions === undefined
      ? (totalSucceeded > 0 ? 0 : parallelism)
      : Math.max(0, Math.min(parallelism, completions - totalSucceeded));
    if (active.length > wantActive) plan.delete.push(...podsToDelete(active, active.length - wantActive));
  }
  plan.delete = plan.delete.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);

  const toCreate = Math.min(createIndexes ? createIndexes.length : Math.max(0, wantActive - keep.length), MAX_POD_CREATE_DELETE_PER_SYNC);
  if (toCreate === 0) return;
  const wait = backoffRemainingMs(pods.filter(isFailed), pods.filter(isSucceeded), input.now, input.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS);
  if (wait > 0) {
    plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, wait);
    return;
  }
  plan.create = createIndexes
    ? createIndexes.slice(0, toCreate).map((i) => podForJob(job, i))
    : Array.from({ length: toCreate }, () => podForJob(job));
}

/** Older first (ties by name), so the pod that has run longest keeps its index. */
function olderFirst(a: Pod, b: Pod): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}
