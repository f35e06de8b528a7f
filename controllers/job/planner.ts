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
import { DEFAULT_BACKOFF_LIMIT, JOB_COMPLETION_INDEX_ANNOTATION, JOB_INDEX_FAILURE_COUNT_ANNOTATION, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION, JOB_TRACKING_FINALIZER } from '../../api/batch/index.js';
import { deepEqual } from '../../api/patch/merge.js';
import { newControllerRef, planClaims } from '../controller-ref.js';
import { isPodActive, isPodReady } from '../pod-readiness.js';
import { podsToDelete } from '../replicaset/pod-ranking.js';
import { backoffRemainingMs, DEFAULT_BACKOFF_BASE_MS, finishedAt, MAX_BACKOFF_MS } from './backoff.js';
import { matchPodFailurePolicy, type PodFailurePolicyMatch } from './pod-failure-policy.js';
import { completionIndexOf, formatIndexes, parseIndexes } from './completion-index.js';

/** At most this many pods created or deleted in one sync (the controller's burst). */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

export const REASON_BACKOFF_LIMIT_EXCEEDED = 'BackoffLimitExceeded';
export const REASON_DEADLINE_EXCEEDED = 'DeadlineExceeded';
export const REASON_COMPLETIONS_REACHED = 'CompletionsReached';
export const REASON_POD_FAILURE_POLICY = 'PodFailurePolicy';
export const REASON_MAX_FAILED_INDEXES_EXCEEDED = 'MaxFailedIndexesExceeded';
export const REASON_FAILED_INDEXES = 'FailedIndexes';
const MESSAGES: Record<string, string> = {
  [REASON_BACKOFF_LIMIT_EXCEEDED]: 'Job has reached the specified backoff limit',
  [REASON_DEADLINE_EXCEEDED]: 'Job was active longer than specified deadline',
  [REASON_COMPLETIONS_REACHED]: 'Reached expected number of succeeded pods',
  [REASON_MAX_FAILED_INDEXES_EXCEEDED]: 'Job has exceeded the specified maximal number of failed indexes',
  [REASON_FAILED_INDEXES]: 'Job has failed indexes',
};
const failureOf = (reason: string) => ({ reason, message: MESSAGES[reason]! });

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

/** How this Job judges a failed pod: isPodFailed and its podFailurePolicy, each pod matched once. */
interface FailureRules {
  /**
   * isPodFailed: Failed; or — unless only failed pods are replaced (podReplacementPolicy
   * Failed, implied by a podFailurePolicy, whose exit codes exist only once the pod has
   * failed) — deleted before it succeeded (an orphan may never reach Failed).
   */
  isFailed(pod: Pod): boolean;
  match(pod: Pod): PodFailurePolicyMatch;
  /** getFailJobMessage: the first failed pod a FailJob rule matches, as the Job's failure message. */
  failJobMessage(pods: readonly Pod[]): string | undefined;
  onlyReplaceFailed: boolean;
}

function jobFailureRules(job: Job): FailureRules {
  const policy = job.spec.podFailurePolicy;
  const onlyReplaceFailed = job.spec.podReplacementPolicy === 'Failed' || policy !== undefined;
  const matched = new Map<Pod, PodFailurePolicyMatch>();
  const isFailed = (pod: Pod) => pod.status?.phase === 'Failed' || (!onlyReplaceFailed && !!pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded');
  const match = (pod: Pod) => {
    let m = matched.get(pod);
    if (!m) matched.set(pod, (m = matchPodFailurePolicy(policy, pod)));
    return m;
  };
  return {
    isFailed, match, onlyReplaceFailed,
    failJobMessage: (pods) => {
      if (!policy) return undefined;
      for (const pod of pods) if (isFailed(pod)) { const m = match(pod).failJobMessage; if (m) return m; }
      return undefined;
    },
  };
}

/** An index's failures so far, from the annotations the controller puts on each replacement. */
function indexFailureCount(pod: Pod, key = JOB_INDEX_FAILURE_COUNT_ANNOTATION): number {
  const v = pod.metadata.annotations?.[key];
  const n = v === undefined || !/^\d+$/.test(v) ? 0 : Number(v);
  return n <= 2 ** 31 - 1 ? n : 0;
}
const absoluteFailureCount = (pod: Pod) => indexFailureCount(pod) + indexFailureCount(pod, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION);

interface PerIndexFailures {
  /** status.failedIndexes: earlier ones and indexes whose latest pod used up backoffLimitPerIndex (or matched FailIndex). */
  failed: Set<number>;
  /** Per index, the latest failed pod, kept (finalizer and all) until its replacement exists. */
  awaitingReplacement: Map<string, number>;
  byIndex: Map<number, Pod>;
}

/**
 * backoffLimitPerIndex (calculateFailedIndexes, getPodsWithDelayedDeletionPerIndex): an index
 * fails when a pod of it fails with backoffLimitPerIndex failures already behind it, or
 * matches a FailIndex rule; otherwise its latest failed pod waits for a replacement that
 * carries the count one further.
 */
function failedIndexesOf(job: Job, pods: readonly Pod[], rules: FailureRules, completed: ReadonlySet<number>, active: readonly Pod[]): PerIndexFailures {
  const completions = job.spec.completions ?? 0;
  const limit = job.spec.backoffLimitPerIndex ?? 0;
  const failed = parseIndexes(job.status?.failedIndexes, completions);
  const indexOf = (pod: Pod) => {
    const ix = completionIndexOf(pod);
    return ix !== undefined && ix < completions ? ix : undefined;
  };
  for (const pod of pods) {
    const ix = indexOf(pod);
    if (ix === undefined || !hasFinalizer(pod) || !rules.isFailed(pod)) continue;
    const m = rules.match(pod);
    if (m.action === 'FailIndex' || (m.countFailed && indexFailureCount(pod) >= limit)) failed.add(ix);
  }
  const activeIndexes = new Set(active.map(indexOf));
  const byIndex = new Map<number, Pod>();
  for (const pod of pods) {
    const ix = indexOf(pod);
    if (ix === undefined || !hasFinalizer(pod) || !rules.isFailed(pod)) continue;
    if (completed.has(ix) || failed.has(ix) || activeIndexes.has(ix)) continue;
    const last = byIndex.get(ix);
    if (!last || (absoluteFailureCount(last) <= absoluteFailureCount(pod) && (finishedAt(pod) ?? 0) >= (finishedAt(last) ?? 0))) byIndex.set(ix, pod);
  }
  return { failed, byIndex, awaitingReplacement: new Map([...byIndex].map(([ix, p]) => [p.metadata.uid!, ix])) };
}
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

/**
 * flushUncountedAndRemoveFinalizers' last step: the pods whose tracking finalizer this sync
 * just removed (`released`, by uid) move from uncountedTerminatedPods into succeeded/failed at
 * once, on the status as written — not a sync later, when our watch shows the finalizers gone.
 * With every finished pod counted, nothing running and the outcome known, the Job finishes
 * (Complete / Failed) in the same write. Undefined when nothing changes.
 *
 * Example: succeeded 983, uncounted succeeded [17 uids], all 17 released, SuccessCriteriaMet,
 * active 0 → succeeded 1000, no uncounted, Complete with completionTime.
 */
export function countReleased(status: JobStatus | undefined, released: ReadonlySet<string>, now: Date): { status: JobStatus; completed: boolean } | undefined {
  const old = status ?? {};
  const uncounted = old.uncountedTerminatedPods ?? {};
  const succeeded = (uncounted.succeeded ?? []).filter((u) => released.has(u));
  const failed = (uncounted.failed ?? []).filter((u) => released.has(u));
  if (succeeded.length + failed.length === 0) return undefined;
  const next: JobStatus = { ...structuredClone(old) };
  if (succeeded.length) next.succeeded = (old.succeeded ?? 0) + succeeded.length;
  if (failed.length) next.failed = (old.failed ?? 0) + failed.length;
  const left = {
    ...(uncounted.succeeded?.some((u) => !released.has(u)) ? { succeeded: uncounted.succeeded.filter((u) => !released.has(u)) } : {}),
    ...(uncounted.failed?.some((u) => !released.has(u)) ? { failed: uncounted.failed.filter((u) => !released.has(u)) } : {}),
  };
  next.uncountedTerminatedPods = left;
  let completed = false;
  const allCounted = !left.succeeded && !left.failed;
  const running = (next.active ?? 0) + (next.terminating ?? 0);
  if (allCounted && running === 0 && !isTrue(next, 'Complete') && !isTrue(next, 'Failed')) {
    const conditions = next.conditions ?? [];
    const failure = findCondition(next, 'FailureTarget');
    const success = findCondition(next, 'SuccessCriteriaMet');
    const t = toTime(now);
    if (failure?.status === 'True') setCondition(conditions, 'Failed', 'True', failure.reason!, failure.message!, t);
    else if (success?.status === 'True') {
      setCondition(conditions, 'Complete', 'True', success.reason!, success.message!, t);
      next.completionTime = t;
      completed = true;
    }
    next.conditions = conditions;
  }
  return { status: next, completed };
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
  const rules = jobFailureRules(job);
  const validIndex = (pod: Pod) => {
    if (!indexed) return true;
    const ix = completionIndexOf(pod);
    return ix !== undefined && ix < (completions ?? 0);
  };

  // ---- what finished since the last sync (pods still holding the tracking finalizer) ----
  const uncountedSucceeded = new Set(old.uncountedTerminatedPods?.succeeded ?? []);
  const uncountedFailed = new Set(old.uncountedTerminatedPods?.failed ?? []);
  const completed = indexed ? parseIndexes(old.completedIndexes, completions ?? 0) : new Set<number>();
  const active = pods.filter(isPodActive);
  let newSucceeded = 0;
  let newFailed = 0;
  for (const pod of pods) {
    if (!hasFinalizer(pod) || !validIndex(pod)) continue;
    if (isSucceeded(pod)) {
      if (indexed) completed.add(completionIndexOf(pod)!);
      else if (!uncountedSucceeded.has(pod.metadata.uid!)) newSucceeded++;
    } else if (rules.isFailed(pod) && !uncountedFailed.has(pod.metadata.uid!) && rules.match(pod).countFailed) newFailed++;
  }
  // What the decisions count: everything finished, whether or not yet moved into the counts.
  const totalSucceeded = indexed ? completed.size : (old.succeeded ?? 0) + uncountedSucceeded.size + newSucceeded;
  const totalFailed = (old.failed ?? 0) + uncountedFailed.size + newFailed;
  const perIndex = indexed && spec.backoffLimitPerIndex !== undefined ? failedIndexesOf(job, pods, rules, completed, active) : undefined;

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

    // ---- the outcome, once it is known: the pod failure policy's FailJob first, then the limits ----
    const decided = conditions.some((c) => (c.type === 'SuccessCriteriaMet' || c.type === 'FailureTarget') && c.status === 'True');
    if (!decided) {
      let failure: { reason: string; message: string } | undefined;
      const failJob = rules.failJobMessage(pods);
      if (failJob) failure = { reason: REASON_POD_FAILURE_POLICY, message: failJob };
      else if (totalFailed > (spec.backoffLimit ?? DEFAULT_BACKOFF_LIMIT) || pastBackoffLimitOnFailure(job, active)) failure = failureOf(REASON_BACKOFF_LIMIT_EXCEEDED);
      else if (spec.activeDeadlineSeconds !== undefined && startTime && !suspended) {
        const left = Date.parse(startTime) + spec.activeDeadlineSeconds * 1000 - now.getTime();
        if (left <= 0) failure = failureOf(REASON_DEADLINE_EXCEEDED);
        else plan.requeueAfterMs = left;
      }
      if (!failure && perIndex) {
        if (spec.maxFailedIndexes !== undefined && perIndex.failed.size > spec.maxFailedIndexes) failure = failureOf(REASON_MAX_FAILED_INDEXES_EXCEEDED);
        else if (perIndex.failed.size > 0 && perIndex.failed.size + completed.size >= (completions ?? 0)) failure = failureOf(REASON_FAILED_INDEXES);
      }
      const complete = indexed
        ? completed.size >= (completions ?? 0)
        : completions === undefined
          ? totalSucceeded > 0 && active.length === 0
          : totalSucceeded >= completions;
      if (failure) {
        setCondition(conditions, 'FailureTarget', 'True', failure.reason, failure.message, nowTime);
        plan.events.push({ type: 'Warning', reason: failure.reason, message: failure.message });
      } else if (complete) {
        setCondition(conditions, 'SuccessCriteriaMet', 'True', REASON_COMPLETIONS_REACHED, MESSAGES[REASON_COMPLETIONS_REACHED]!, nowTime);
      }
    }
  }
  const failing = !finished && findCondition({ conditions }, 'FailureTarget')?.status === 'True';

  // ---- tracking: record finished pods, then count the ones whose finalizer is gone ----
  for (const pod of pods) {
    if (!hasFinalizer(pod)) continue;
    const uid = pod.metadata.uid!;
    if (uncountedSucceeded.has(uid) || uncountedFailed.has(uid)) {
      // Recorded by an earlier sync that did not get to remove the finalizer.
      plan.removeFinalizers.push(pod);
    } else if (isSucceeded(pod)) {
      // An Indexed Job's index is enough to never count a pod twice: no uid to track.
      if (!indexed) uncountedSucceeded.add(uid);
      plan.removeFinalizers.push(pod);
    } else if (rules.isFailed(pod) || (failing && !isSucceeded(pod))) {
      // Once the Job is failing, whatever has not succeeded counts as failed.
      // With backoffLimitPerIndex, the last failed pod of an index waiting for its
      // replacement keeps its finalizer: the replacement's failure count comes from it.
      if (!failing && !job.metadata.deletionTimestamp && perIndex?.awaitingReplacement.has(uid)) continue;
      if (validIndex(pod) && rules.match(pod).countFailed) uncountedFailed.add(uid);
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

  const terminating = pods.filter(isTerminating);

  if (!finished) {
    const failureTarget = findCondition({ conditions }, 'FailureTarget');
    const successMet = findCondition({ conditions }, 'SuccessCriteriaMet');
    const outcome = failureTarget?.status === 'True' ? failureTarget : successMet?.status === 'True' ? successMet : undefined;

    if (outcome || suspended || job.metadata.deletionTimestamp) {
      // Nothing new runs; what runs is stopped (a Job being deleted leaves that to the GC).
      if (!job.metadata.deletionTimestamp) plan.delete = active.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    } else if (input.expectationsSatisfied) {
      manageActive(input, plan, { pods, active, completed, totalSucceeded, parallelism, rules, perIndex });
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
  if (perIndex) status.failedIndexes = formatIndexes(perIndex.failed);
  status.uncountedTerminatedPods = {
    ...(uncountedSucceeded.size ? { succeeded: [...uncountedSucceeded].sort() } : {}),
    ...(uncountedFailed.size ? { failed: [...uncountedFailed].sort() } : {}),
  };
  status.ready = remaining.filter(isPodReady).length;
  if (!sameStatus(old, status)) plan.status = status;
  return plan;
}

interface ManageInput {
  pods: readonly Pod[];
  active: Pod[];
  completed: Set<number>;
  totalSucceeded: number;
  parallelism: number;
  rules: FailureRules;
  perIndex: PerIndexFailures | undefined;
}

/**
 * manageJob: create or delete pods so that the right number (and, if Indexed, the right
 * indexes) run. With podReplacementPolicy Failed, a terminating pod still holds its place
 * (and its index) until it has failed.
 */
function manageActive(input: JobPlanInput, plan: JobPlan, m: ManageInput): void {
  const { job } = input;
  const { pods, active, completed, totalSucceeded, parallelism, rules, perIndex } = m;
  const completions = job.spec.completions;
  const terminating = rules.onlyReplaceFailed ? pods.filter(isTerminating) : [];
  const baseMs = input.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
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
      // firstPendingIndexes: not complete, not running, not failed, not still terminating.
      const taken = new Set([...byIndex.keys(), ...terminating.map(completionIndexOf), ...(perIndex?.failed ?? [])]);
      createIndexes = [];
      for (let i = 0; i < total && createIndexes.length < wantActive - keep.length - terminating.length; i++) {
        if (!completed.has(i) && !taken.has(i)) createIndexes.push(i);
      }
    }
  } else {
    wantActive = completions === undefined
      ? (totalSucceeded > 0 ? 0 : parallelism)
      : Math.max(0, Math.min(parallelism, completions - totalSucceeded));
    if (active.length > wantActive) plan.delete.push(...podsToDelete(active, active.length - wantActive));
  }
  plan.delete = plan.delete.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
  if (plan.delete.length > 0) return;

  const toCreate = Math.min(createIndexes ? createIndexes.length : Math.max(0, wantActive - keep.length - terminating.length), MAX_POD_CREATE_DELETE_PER_SYNC);
  if (toCreate === 0) return;
  if (perIndex && createIndexes) {
    // Each index waits out its own back-off, counted from its last failure.
    const ready: number[] = [];
    let soonest = Infinity;
    for (const ix of createIndexes.slice(0, toCreate)) {
      const last = perIndex.byIndex.get(ix);
      const wait = last ? indexBackoffRemainingMs(last, input.now, baseMs) : 0;
      if (wait > 0) soonest = Math.min(soonest, wait);
      else ready.push(ix);
    }
    if (ready.length === 0 && soonest < Infinity) plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, soonest);
    plan.create = ready.map((ix) => withIndexFailureCounts(podForJob(job, ix), perIndex.byIndex.get(ix), rules));
    return;
  }
  const wait = backoffRemainingMs(pods.filter(rules.isFailed), pods.filter(isSucceeded), input.now, baseMs);
  if (wait > 0) {
    plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, wait);
    return;
  }
  plan.create = createIndexes
    ? createIndexes.slice(0, toCreate).map((i) => podForJob(job, i))
    : Array.from({ length: toCreate }, () => podForJob(job));
}

/** getRemainingTimePerIndex: base × 2^(failures − 1), at most 6 min, from the last failed pod's finish. */
function indexBackoffRemainingMs(lastFailed: Pod, now: Date, baseMs: number): number {
  const failures = absoluteFailureCount(lastFailed) + 1;
  const delay = Math.min(baseMs * 2 ** (failures - 1), MAX_BACKOFF_MS);
  const since = now.getTime() - (finishedAt(lastFailed) ?? now.getTime());
  return Math.max(0, delay - since);
}

/** The replacement carries the index's failure counts one further (ignored failures apart). */
function withIndexFailureCounts(pod: Pod, replaced: Pod | undefined, rules: FailureRules): Pod {
  let failures = 0;
  let ignored = 0;
  if (replaced) {
    failures = indexFailureCount(replaced);
    ignored = indexFailureCount(replaced, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION);
    if (rules.match(replaced).countFailed) failures++;
    else ignored++;
  }
  const annotations: Record<string, string> = { ...(pod.metadata.annotations ?? {}), [JOB_INDEX_FAILURE_COUNT_ANNOTATION]: String(failures) };
  if (ignored > 0) annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(ignored);
  return { ...pod, metadata: { ...pod.metadata, annotations } };
}

/** Older first (ties by name), so the pod that has run longest keeps its index. */
function olderFirst(a: Pod, b: Pod): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}
