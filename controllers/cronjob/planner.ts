// The CronJob sync decision (syncCronJob, cleanupFinishedJobs and mostRecentScheduleTime in
// k8s.io/kubernetes/pkg/controller/cronjob, cronjob_controllerv2.go and utils.go, v1.32) as a
// pure function: given the CronJob, the Jobs in its namespace and the time, say which Job to
// create for the most recent missed schedule, which Jobs to delete (Replace, history
// limits), which status to write, what to tell the user, and when to look again.
//
// Example: schedule "*/5 * * * *", lastScheduleTime 10:00, now 10:07 → create <name>-<10:05
// in minutes since epoch>, lastScheduleTime 10:05, look again at 10:10:00.1.
// Example: the controller was down from 10:00 to 19:00 on "* * * * *" → 540 missed starts:
// one Job, for 19:00 (the most recent), and a TooManyMissedTimes warning.
//
// One departure: a running Job this CronJob owns but does not list in status.active (the
// controller died between creating it and writing status) is put back into status.active —
// Kubernetes only warns (UnexpectedJob) and then lets concurrencyPolicy Forbid overlook it.
import type { ObjectReference } from '../../api/core/object-reference.js';
import type { CronJob, CronJobStatus, Job } from '../../api/batch/index.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION } from '../../api/batch/index.js';
import { parseSchedule, ScheduleParseError, timeZoneError, type Schedule } from '../../api/batch/cron-schedule.js';
import { deepEqual } from '../../api/patch/merge.js';
import { controllerRefOf, newControllerRef } from '../controller-ref.js';

/** More missed start times than this and the controller says so (it still starts the latest). */
export const MAX_MISSED_START_TIMES = 100;
/** Requeue just after the next schedule time, so the sync sees it as passed (nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export interface CronJobPlanInput {
  cronJob: CronJob;
  /** Jobs in the CronJob's namespace (those it controls are picked out by controllerRef). */
  jobs: readonly Job[];
  now: Date;
  /** uids of status.active Jobs the loop asked the API server about and found gone. */
  confirmedMissing?: ReadonlySet<string>;
}

export interface CronJobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface JobDeletion {
  namespace: string;
  name: string;
  uid?: string;
}

export interface CronJobPlan {
  /** Active Jobs to delete before creating (concurrencyPolicy Replace). */
  replace: JobDeletion[];
  /** The Job to create, and the schedule time it stands for (→ status.lastScheduleTime once created). */
  create?: { job: Job; scheduledTime: string };
  /** Finished Jobs beyond the history limits, oldest first. */
  deleteFinished: JobDeletion[];
  /** status.active Jobs that are not in the cache: the loop asks the API server, then plans again. */
  checkMissing: ObjectReference[];
  /** The status to write (without the Job `create` makes), or undefined when unchanged. */
  status?: CronJobStatus;
  events: CronJobEvent[];
  /** When to sync again (just after the next schedule time); undefined: only on a change. */
  requeueAfterMs?: number;
}

const condition = (job: Job, type: string) => (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
/** getFinishedStatus: Complete or Failed, as the Job controller writes them. */
export function finishedStatus(job: Job): 'Complete' | 'Failed' | undefined {
  if (condition(job, 'Complete')) return 'Complete';
  if (condition(job, 'Failed')) return 'Failed';
  return undefined;
}

/** metav1.Time: second precision, UTC. */
const toTime = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A Job's name for a schedule time: stable, so one schedule time never makes two Jobs. */
export function jobNameFor(cronJob: CronJob, scheduledTime: Date): string {
  return `${cronJob.metadata.name}-${Math.floor(scheduledTime.getTime() / 60_000)}`;
}

/** RFC 3339 in `timeZone` (Go's scheduledTime.In(loc).Format(time.RFC3339)); UTC → `…Z`. */
export function formatInZone(t: Date, timeZone: string | undefined): string {
  if (!timeZone) return toTime(t);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset',
  }).formatToParts(t).map((p) => [p.type, p.value]));
  const raw = String(parts.timeZoneName).replace(/^GMT/, '');
  const offset = raw === '' || raw === '+00:00' ? 'Z' : raw; // Go's RFC 3339 writes a zero offset as Z
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

/** getJobFromTemplate2: the template's labels, annotations and spec, a stable name, us as controller. */
export function jobFromTemplate(cronJob: CronJob, scheduledTime: Date): Job {
  const tpl = cronJob.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: {
      name: jobNameFor(cronJob, scheduledTime),
      namespace: cronJob.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}) },
      annotations: { ...(tpl.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduledTime, cronJob.spec.timeZone) },
      ownerReferences: [newControllerRef(cronJob, 'batch/v1', 'CronJob')],
    },
    spec: structuredClone(tpl.spec!) as Job['spec'],
  };
}

export function jobRef(job: Job): ObjectReference {
  return {
    kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid,
    apiVersion: 'batch/v1', ...(job.metadata.resourceVersion ? { resourceVersion: job.metadata.resourceVersion } : {}),
  };
}

export interface MostRecent {
  /** Where the search started: lastScheduleTime, else creation, later of that and now − startingDeadlineSeconds. */
  earliest: Date;
  /** The latest schedule time in (earliest, now], if any. */
  mostRecent?: Date;
  /** How many schedule times fell in (earliest, now] (estimated from the gap between two, as Kubernetes does). */
  missed: number;
}

/**
 * mostRecentScheduleTime: the latest schedule time not after `now` that the CronJob has not
 * yet processed. Found exactly — by stepping back from `now` in doubling multiples of the gap
 * between two schedule times until one falls in range, then forward — so a controller down
 * for a year on `* * * * *` costs a few steps, not half a million.
 */
export function mostRecentScheduleTime(cronJob: CronJob, schedule: Schedule, now: Date, withStartingDeadline: boolean): MostRecent {
  let earliest = new Date(cronJob.status?.lastScheduleTime ?? cronJob.metadata.creationTimestamp ?? now.toISOString());
  const deadline = cronJob.spec.startingDeadlineSeconds;
  if (withStartingDeadline && deadline !== undefined && deadline !== null) {
    const schedulingDeadline = new Date(now.getTime() - deadline * 1000);
    if (schedulingDeadline > earliest) earliest = schedulingDeadline;
  }
  const t1 = schedule.next(earliest);
  if (!t1 || t1 > now) return { earliest, missed: 0 };
  const t2 = schedule.next(t1);
  if (!t2 || t2 > now) return { earliest, mostRecent: t1, missed: 1 };
  const gap = Math.max(1000, Math.round((t2.getTime() - t1.getTime()) / 1000) * 1000);
  const missed = Math.floor((now.getTime() - t1.getTime()) / gap) + 1;
  for (let k = 1; ; k *= 2) {
    const from = new Date(Math.max(earliest.getTime(), now.getTime() - k * gap));
    let t = schedule.next(from);
    if (t && t <= now) {
      let last = t;
      while ((t = schedule.next(t)) && t <= now) last = t;
      return { earliest, mostRecent: last, missed };
    }
    if (from.getTime() === earliest.getTime()) return { earliest, missed }; // cannot happen: t1 ≤ now
  }
}

/** nextScheduleTimeDuration: from now until just after the next schedule time. */
function requeueAfter(cronJob: CronJob, schedule: Schedule, now: Date): number | undefined {
  const { earliest, mostRecent } = mostRecentScheduleTime(cronJob, schedule, now, false);
  const next = schedule.next(mostRecent ?? earliest);
  if (!next) return undefined;
  return Math.max(0, next.getTime() - now.getTime()) + NEXT_SCHEDULE_DELTA_MS;
}

/** byJobStartTime: started first, then by name; Jobs not yet started last. */
function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime, sb = b.status?.startTime;
  if (!sa || !sb) return sa ? -1 : sb ? 1 : (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
  return Date.parse(sa) - Date.parse(sb) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

const deletion = (j: { metadata: { namespace?: string; name?: string; uid?: string } } | ObjectReference): JobDeletion => {
  const m = 'metadata' in j ? j.metadata : j;
  return { namespace: m.namespace ?? '', name: m.name ?? '', ...(m.uid ? { uid: m.uid } : {}) };
};

export function planCronJob(input: CronJobPlanInput): CronJobPlan {
  const { cronJob, now } = input;
  const plan: CronJobPlan = { replace: [], deleteFinished: [], checkMissing: [], events: [] };
  const event = (type: CronJobEvent['type'], reason: string, message: string) => plan.events.push({ type, reason, message });
  const old = cronJob.status ?? {};
  const status: CronJobStatus = structuredClone(old);
  const uid = cronJob.metadata.uid;
  const children = input.jobs.filter((j) => {
    const ref = controllerRefOf(j);
    return ref?.kind === 'CronJob' && ref.uid === uid && j.metadata.namespace === cronJob.metadata.namespace;
  });
  const byUID = new Map(children.map((j) => [j.metadata.uid, j]));
  let active = [...(status.active ?? [])];
  const isActive = (u: string | undefined) => active.some((r) => r.uid === u);

  // cleanupFinishedJobs: the oldest finished Jobs beyond each limit go.
  const deleted = new Set<string>();
  const limits = [['Complete', cronJob.spec.successfulJobsHistoryLimit], ['Failed', cronJob.spec.failedJobsHistoryLimit]] as const;
  for (const [outcome, limit] of limits) {
    if (limit === undefined || limit === null) continue;
    const finished = children.filter((j) => finishedStatus(j) === outcome && !j.metadata.deletionTimestamp).sort(byStartTime);
    for (const j of finished.slice(0, Math.max(0, finished.length - limit))) {
      plan.deleteFinished.push(deletion(j));
      deleted.add(j.metadata.uid!);
      event('Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
    }
  }
  active = active.filter((r) => !deleted.has(r.uid ?? ''));

  // The active list against the Jobs as they are.
  for (const j of children) {
    const outcome = finishedStatus(j);
    if (!outcome && !isActive(j.metadata.uid)) {
      if (!j.metadata.deletionTimestamp) {
        event('Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
        active.push(jobRef(j));
      }
    } else if (outcome && isActive(j.metadata.uid)) {
      event('Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${outcome}`);
      active = active.filter((r) => r.uid !== j.metadata.uid);
    }
    const done = j.status?.completionTime;
    if (outcome === 'Complete' && done && (!status.lastSuccessfulTime || Date.parse(done) > Date.parse(status.lastSuccessfulTime))) {
      status.lastSuccessfulTime = done;
    }
  }
  for (const r of [...active]) {
    if (byUID.has(r.uid)) continue;
    if (input.confirmedMissing?.has(r.uid ?? '')) {
      event('Normal', 'MissingJob', `Active job went missing: ${r.name}`);
      active = active.filter((a) => a.uid !== r.uid);
    } else {
      plan.checkMissing.push(r);
    }
  }
  if (active.length > 0 || status.active !== undefined) status.active = active;
  if (active.length === 0) delete status.active;

  const finish = (requeue?: number): CronJobPlan => {
    if (!deepEqual(status, old)) plan.status = status;
    if (requeue !== undefined) plan.requeueAfterMs = requeue;
    return plan;
  };

  if (cronJob.metadata.deletionTimestamp) return finish();
  const tz = cronJob.spec.timeZone;
  if (tz) {
    const err = timeZoneError(tz);
    if (err) {
      event('Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: ${err}`);
      return finish();
    }
  }
  if (cronJob.spec.suspend) return finish();
  let schedule: Schedule;
  try {
    schedule = parseSchedule(cronJob.spec.schedule, tz);
  } catch (e) {
    if (!(e instanceof ScheduleParseError)) throw e;
    event('Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cronJob.spec.schedule)} : ${e.message}`);
    return finish();
  }

  const { mostRecent, missed } = mostRecentScheduleTime({ ...cronJob, status }, schedule, now, true);
  if (!mostRecent) return finish(requeueAfter({ ...cronJob, status }, schedule, now));
  if (missed > MAX_MISSED_START_TIMES) {
    event('Warning', 'TooManyMissedTimes', `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
  }
  const nextSync = () => requeueAfter({ ...cronJob, status }, schedule, now);
  const deadline = cronJob.spec.startingDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && mostRecent.getTime() + deadline * 1000 < now.getTime()) {
    event('Warning', 'MissSchedule', `Missed scheduled time to start a job: ${mostRecent.toUTCString().replace('GMT', '+0000')}`);
    return finish(nextSync());
  }
  const name = jobNameFor(cronJob, mostRecent);
  const scheduledTime = toTime(mostRecent);
  if (active.some((r) => r.name === name) || status.lastScheduleTime === scheduledTime) return finish(nextSync());
  if (cronJob.spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
    event('Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return finish(nextSync());
  }
  if (cronJob.spec.concurrencyPolicy === 'Replace') {
    for (const r of active) {
      plan.replace.push(deletion(r));
      event('Normal', 'SuccessfulDelete', `Deleted job ${r.name}`);
    }
    active = [];
    delete status.active;
  }
  plan.create = { job: jobFromTemplate(cronJob, mostRecent), scheduledTime };
  // The requeue as it will be once the Job exists and lastScheduleTime says so.
  const requeue = requeueAfter({ ...cronJob, status: { ...status, lastScheduleTime: scheduledTime } }, schedule, now);
  return finish(requeue);
}
