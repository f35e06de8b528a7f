// The CronJob planner without I/O, on a controllable clock: the most recent missed schedule
// (and only that one), startingDeadlineSeconds, the >100 missed rule, concurrencyPolicy
// Allow/Forbid/Replace, suspend, history limits, the active list and lastSuccessfulTime,
// time zones, and when to look again.
import { describe, expect, it } from 'vitest';
import type { CronJob, CronJobStatus, Job } from '../../../api/batch/index.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION } from '../../../api/batch/index.js';
import { parseSchedule } from '../../../api/batch/cron-schedule.js';
import { formatInZone, jobNameFor, mostRecentScheduleTime, NEXT_SCHEDULE_DELTA_MS, planCronJob } from '../../../controllers/cronjob/planner.js';

const UID = 'cj-uid';
const at = (iso: string) => new Date(iso);
const minutes = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

function cronJob(spec: Partial<CronJob['spec']> = {}, status?: CronJobStatus, created = '2026-01-01T00:00:30Z'): CronJob {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default', uid: UID, creationTimestamp: created },
    spec: {
      schedule: '*/5 * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { app: 'hello' }, annotations: { note: 'x' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

function job(name: string, opts: { outcome?: 'Complete' | 'Failed'; start?: string; done?: string; owner?: string; deleting?: boolean } = {}): Job {
  const t = opts.start ?? '2026-01-01T00:05:00Z';
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: {
      name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7',
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: opts.owner ?? UID, controller: true }],
      ...(opts.deleting ? { deletionTimestamp: t } : {}),
    },
    spec: { template: { spec: { containers: [{ name: 'c' }] } } },
    status: {
      startTime: t,
      ...(opts.outcome ? { conditions: [{ type: opts.outcome, status: 'True' }] } : {}),
      ...(opts.outcome === 'Complete' ? { completionTime: opts.done ?? t } : {}),
    },
  };
}
const ref = (name: string) => ({ kind: 'Job', namespace: 'default', name, uid: `uid-${name}`, apiVersion: 'batch/v1', resourceVersion: '7' });
const reasons = (p: { events: { reason: string }[] }) => p.events.map((e) => e.reason);

describe('schedules', () => {
  it('parses 5 fields and macros, OR-s day-of-month with day-of-week, and refuses what ParseStandard refuses', () => {
    expect(parseSchedule('@hourly').next(at('2026-01-01T00:03:00Z'))).toEqual(at('2026-01-01T01:00:00Z'));
    expect(parseSchedule('@midnight').next(at('2026-01-01T00:03:00Z'))).toEqual(at('2026-01-02T00:00:00Z'));
    // 1 Feb 2026 is a Sunday; "the 1st, or a Monday".
    expect(parseSchedule('0 0 1 * 1').next(at('2026-01-27T00:00:00Z'))).toEqual(at('2026-02-01T00:00:00Z'));
    expect(parseSchedule('0 0 1 * 1').next(at('2026-02-01T00:00:00Z'))).toEqual(at('2026-02-02T00:00:00Z'));
    expect(() => parseSchedule('* * * * * *')).toThrow(/Expected exactly 5 fields, found 6/);
    expect(() => parseSchedule('61 * * * *')).toThrow();
    expect(() => parseSchedule('@every 5m')).toThrow(/@every/);
  });

  it('evaluates the schedule in its time zone, and stamps the Job in that zone', () => {
    // 09:00 in Tokyo is 00:00 UTC.
    expect(parseSchedule('0 9 * * *', 'Asia/Tokyo').next(at('2026-01-01T01:00:00Z'))).toEqual(at('2026-01-02T00:00:00Z'));
    // New York on the day clocks go forward (8 Mar 2026): 03:30 local is 07:30 UTC (EDT).
    expect(parseSchedule('30 3 * * *', 'America/New_York').next(at('2026-03-08T00:00:00Z'))).toEqual(at('2026-03-08T07:30:00Z'));
    expect(formatInZone(at('2026-01-02T00:00:00Z'), 'Asia/Tokyo')).toBe('2026-01-02T09:00:00+09:00');
    expect(formatInZone(at('2026-01-02T00:00:00Z'), undefined)).toBe('2026-01-02T00:00:00Z');
    expect(formatInZone(at('2026-01-02T00:00:00Z'), 'Etc/UTC')).toBe('2026-01-02T00:00:00Z');
  });

  it('finds the most recent missed time exactly, even a year of minutes later, and counts the misses', () => {
    const s = parseSchedule('* * * * *');
    const cj = cronJob({ schedule: '* * * * *' }, { lastScheduleTime: '2025-01-01T00:00:00Z' });
    const r = mostRecentScheduleTime(cj, s, at('2026-01-01T10:17:42Z'), true);
    expect(r.mostRecent).toEqual(at('2026-01-01T10:17:00Z'));
    expect(r.missed).toBe(365 * 24 * 60 + 10 * 60 + 17);
    // Uneven schedules: weekdays at 09:00, down from Thursday to Sunday → Friday's.
    const weekdays = parseSchedule('0 9 * * 1-5');
    const wk = cronJob({ schedule: '0 9 * * 1-5' }, { lastScheduleTime: '2026-01-07T09:00:00Z' }); // Wed
    expect(mostRecentScheduleTime(wk, weekdays, at('2026-01-11T10:00:00Z'), true).mostRecent).toEqual(at('2026-01-09T09:00:00Z'));
  });
});

describe('planCronJob', () => {
  it('creates nothing before the first schedule time and requeues just after it', () => {
    const p = planCronJob({ cronJob: cronJob(), jobs: [], now: at('2026-01-01T00:03:00Z') });
    expect(p.create).toBeUndefined();
    expect(p.status).toBeUndefined();
    expect(p.requeueAfterMs).toBe(2 * 60_000 + 100);
  });

  it('creates the Job for a passed schedule time: stable name, template labels/annotations, scheduled timestamp, controller ref', () => {
    const now = at('2026-01-01T00:05:02Z');
    const p = planCronJob({ cronJob: cronJob(), jobs: [], now });
    const j = p.create!.job;
    expect(j.metadata.name).toBe(`hello-${minutes('2026-01-01T00:05:00Z')}`);
    expect(j.metadata.labels).toEqual({ app: 'hello' });
    expect(j.metadata.annotations).toEqual({ note: 'x', [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: '2026-01-01T00:05:00Z' });
    expect(j.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: UID, controller: true, blockOwnerDeletion: true }]);
    expect(j.spec.template.spec.restartPolicy).toBe('OnFailure');
    expect(p.create!.scheduledTime).toBe('2026-01-01T00:05:00Z');
    // Next: 00:10:00 + 100 ms.
    expect(p.requeueAfterMs).toBe(4 * 60_000 + 58_000 + 100);
  });

  it('after several missed times, starts only the most recent one', () => {
    const p = planCronJob({ cronJob: cronJob({}, { lastScheduleTime: '2026-01-01T00:05:00Z' }), jobs: [], now: at('2026-01-01T00:31:00Z') });
    expect(p.create!.scheduledTime).toBe('2026-01-01T00:30:00Z');
    expect(reasons(p)).not.toContain('TooManyMissedTimes');
  });

  it('more than 100 missed start times: a TooManyMissedTimes warning, and still the most recent start', () => {
    const p = planCronJob({ cronJob: cronJob({ schedule: '* * * * *' }, { lastScheduleTime: '2026-01-01T00:00:00Z' }), jobs: [], now: at('2026-01-01T02:00:30Z') });
    expect(p.events).toContainEqual({ type: 'Warning', reason: 'TooManyMissedTimes', message: 'too many missed start times: 120. Set or decrease .spec.startingDeadlineSeconds or check clock skew' });
    expect(p.create!.scheduledTime).toBe('2026-01-01T02:00:00Z');
  });

  it('startingDeadlineSeconds: only times within the deadline count, and a start past it is missed', () => {
    // Down for two hours on "* * * * *" with a 200 s deadline: no warning (3 times at most), the latest starts.
    const late = planCronJob({ cronJob: cronJob({ schedule: '* * * * *', startingDeadlineSeconds: 200 }, { lastScheduleTime: '2026-01-01T00:00:00Z' }), jobs: [], now: at('2026-01-01T02:00:30Z') });
    expect(reasons(late)).not.toContain('TooManyMissedTimes');
    expect(late.create!.scheduledTime).toBe('2026-01-01T02:00:00Z');
    // Hourly with a 10 s deadline, 30 s after the hour: too late.
    const missed = planCronJob({ cronJob: cronJob({ schedule: '0 * * * *', startingDeadlineSeconds: 10 }, { lastScheduleTime: '2026-01-01T00:00:00Z' }), jobs: [], now: at('2026-01-01T01:00:30Z') });
    expect(missed.create).toBeUndefined();
    expect(missed.requeueAfterMs).toBe(59 * 60_000 + 30_000 + 100);
  });

  it('does not start a schedule time twice (lastScheduleTime, or its Job already active)', () => {
    const now = at('2026-01-01T00:06:00Z');
    const done = planCronJob({ cronJob: cronJob({}, { lastScheduleTime: '2026-01-01T00:05:00Z' }), jobs: [], now });
    expect(done.create).toBeUndefined();
    const name = jobNameFor(cronJob(), at('2026-01-01T00:05:00Z'));
    const running = planCronJob({ cronJob: cronJob({}, { active: [ref(name)] }), jobs: [job(name)], now });
    expect(running.create).toBeUndefined();
  });

  it('Forbid: no new Job while one runs; Allow: another one; Replace: the running one is deleted first', () => {
    const status = { lastScheduleTime: '2026-01-01T00:05:00Z', active: [ref('hello-old')] };
    const jobs = [job('hello-old')];
    const now = at('2026-01-01T00:10:01Z');
    const forbid = planCronJob({ cronJob: cronJob({ concurrencyPolicy: 'Forbid' }, status), jobs, now });
    expect(forbid.create).toBeUndefined();
    expect(forbid.events).toContainEqual({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
    expect(forbid.requeueAfterMs).toBe(4 * 60_000 + 59_000 + 100);
    const allow = planCronJob({ cronJob: cronJob({ concurrencyPolicy: 'Allow' }, status), jobs, now });
    expect(allow.create).toBeDefined();
    expect(allow.replace).toEqual([]);
    const replace = planCronJob({ cronJob: cronJob({ concurrencyPolicy: 'Replace' }, status), jobs, now });
    expect(replace.replace).toEqual([{ namespace: 'default', name: 'hello-old', uid: 'uid-hello-old' }]);
    expect(replace.create).toBeDefined();
    expect(replace.status?.active).toBeUndefined();
  });

  it('suspend: nothing is created and nothing is requeued; the active list is still kept', () => {
    const p = planCronJob({ cronJob: cronJob({ suspend: true }, { active: [ref('hello-1')] }), jobs: [job('hello-1', { outcome: 'Complete', done: '2026-01-01T00:06:00Z' })], now: at('2026-01-01T01:00:00Z') });
    expect(p.create).toBeUndefined();
    expect(p.requeueAfterMs).toBeUndefined();
    expect(p.status).toEqual({ lastSuccessfulTime: '2026-01-01T00:06:00Z' });
    expect(reasons(p)).toEqual(['SawCompletedJob']);
  });

  it('finished Jobs leave the active list; the latest success becomes lastSuccessfulTime; failures do not', () => {
    const jobs = [job('a', { outcome: 'Complete', done: '2026-01-01T00:06:00Z' }), job('b', { outcome: 'Failed' }), job('c', { outcome: 'Complete', done: '2026-01-01T00:07:00Z' }), job('d')];
    const p = planCronJob({ cronJob: cronJob({ suspend: true }, { active: ['a', 'b', 'd'].map(ref), lastSuccessfulTime: '2026-01-01T00:01:00Z' }), jobs, now: at('2026-01-01T00:08:00Z') });
    expect(p.status).toEqual({ active: [ref('d')], lastSuccessfulTime: '2026-01-01T00:07:00Z' });
    expect(p.events).toContainEqual({ type: 'Normal', reason: 'SawCompletedJob', message: 'Saw completed job: b, condition: Failed' });
  });

  it('an unfinished Job of ours missing from the active list (a crash before the status write) is put back', () => {
    const p = planCronJob({ cronJob: cronJob({ suspend: true }), jobs: [job('lost'), job('other', { owner: 'someone-else' })], now: at('2026-01-01T00:08:00Z') });
    expect(p.status).toEqual({ active: [ref('lost')] });
    expect(reasons(p)).toEqual(['UnexpectedJob']);
  });

  it('an active Job not in the cache is checked live first, and dropped once confirmed gone', () => {
    const cj = cronJob({ suspend: true }, { active: [ref('gone')] });
    const first = planCronJob({ cronJob: cj, jobs: [], now: at('2026-01-01T00:08:00Z') });
    expect(first.checkMissing).toEqual([ref('gone')]);
    expect(first.status).toBeUndefined();
    const second = planCronJob({ cronJob: cj, jobs: [], now: at('2026-01-01T00:08:00Z'), confirmedMissing: new Set(['uid-gone']) });
    expect(second.status).toEqual({});
    expect(second.events).toEqual([{ type: 'Normal', reason: 'MissingJob', message: 'Active job went missing: gone' }]);
  });

  it('history limits delete the oldest finished Jobs of each outcome, by start time', () => {
    const jobs = [
      ...[3, 1, 4, 2].map((m) => job(`ok-${m}`, { outcome: 'Complete', start: `2026-01-01T00:0${m}:00Z` })),
      ...[1, 2].map((m) => job(`bad-${m}`, { outcome: 'Failed', start: `2026-01-01T00:0${m}:00Z` })),
      job('running', { start: '2026-01-01T00:00:00Z' }),
    ];
    const p = planCronJob({ cronJob: cronJob({ suspend: true, successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 0 }, { active: [ref('running')] }), jobs, now: at('2026-01-01T00:09:00Z') });
    expect(p.deleteFinished.map((d) => d.name)).toEqual(['ok-1', 'ok-2', 'bad-1', 'bad-2']);
    expect(p.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message)).toEqual(['Deleted job ok-1', 'Deleted job ok-2', 'Deleted job bad-1', 'Deleted job bad-2']);
  });

  it('a time zone moves the schedule and the scheduled-timestamp annotation', () => {
    const cj = cronJob({ schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' }, { lastScheduleTime: '2026-01-01T00:00:00Z' });
    const before = planCronJob({ cronJob: cj, jobs: [], now: at('2026-01-01T23:59:00Z') });
    expect(before.create).toBeUndefined();
    expect(before.requeueAfterMs).toBe(60_000 + 100);
    const p = planCronJob({ cronJob: cj, jobs: [], now: at('2026-01-02T00:00:01Z') });
    expect(p.create!.job.metadata.annotations![CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]).toBe('2026-01-02T09:00:00+09:00');
    expect(p.create!.scheduledTime).toBe('2026-01-02T00:00:00Z');
  });

  it('a bad time zone or schedule stored before validation existed: a warning, no Job, no requeue', () => {
    const tz = planCronJob({ cronJob: cronJob({ timeZone: 'Mars/Olympus' }), jobs: [], now: at('2026-01-01T01:00:00Z') });
    expect(tz.events).toEqual([{ type: 'Warning', reason: 'UnknownTimeZone', message: 'invalid timeZone: "Mars/Olympus": unknown time zone Mars/Olympus' }]);
    expect(tz.create).toBeUndefined();
    expect(tz.requeueAfterMs).toBeUndefined();
    const sched = planCronJob({ cronJob: cronJob({ schedule: 'every day' }), jobs: [], now: at('2026-01-01T01:00:00Z') });
    expect(reasons(sched)).toEqual(['UnparseableSchedule']);
  });

  it('walks 30 minutes of "* * * * *" on a fake clock: one Job per minute, each at its minute', () => {
    let cj = cronJob({ schedule: '* * * * *' }, undefined, '2026-01-01T00:00:00Z');
    const made: string[] = [];
    const lateness: number[] = [];
    let now = at('2026-01-01T00:00:00Z');
    for (let i = 0; i < 200 && made.length < 30; i++) {
      const p = planCronJob({ cronJob: cj, jobs: [], now });
      if (p.create) {
        made.push(p.create.scheduledTime);
        lateness.push(now.getTime() - Date.parse(p.create.scheduledTime));
        cj = { ...cj, status: { ...(p.status ?? cj.status), lastScheduleTime: p.create.scheduledTime } };
        const again = planCronJob({ cronJob: cj, jobs: [], now });
        expect(again.create).toBeUndefined();
      }
      now = new Date(now.getTime() + (p.requeueAfterMs ?? 1000));
    }
    expect(made).toEqual(Array.from({ length: 30 }, (_, i) => new Date(Date.parse('2026-01-01T00:01:00Z') + i * 60_000).toISOString().replace('.000Z', 'Z')));
    // Each requeue lands just after its minute: the loop adds only its own queue latency to this.
    expect(new Set(lateness)).toEqual(new Set([NEXT_SCHEDULE_DELTA_MS]));
  });
});
