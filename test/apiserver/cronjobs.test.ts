// CronJobs (batch/v1) in the API server: SetDefaults_CronJob, validation with Kubernetes'
// field paths (an unparsable schedule, an unknown time zone, the job template validated as a
// Job's spec), the status subresource, discovery's short name, and kubectl's columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toTable } from '../../apiserver/printers.js';
import { resourceByKind } from '../../api/resources.js';
import { call, startTestServer, type TestServer } from './harness.js';

const CJS = '/apis/batch/v1/namespaces/default/cronjobs';
const cj = (name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): any => ({
  apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name },
  spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }], ...podSpec } } } }, ...spec },
});
const causes = (body: any) => (body.details?.causes ?? []).map((c: any) => `${c.field}: ${c.message}`);

let s: TestServer;
beforeAll(async () => { s = await startTestServer(); });
afterAll(async () => { await s.close(); });

describe('CronJob create', () => {
  it('defaults concurrencyPolicy, suspend and the history limits; status starts empty', async () => {
    const r = await call(s.url, 'POST', CJS, cj('hello', { timeZone: 'Europe/Paris' }));
    expect(r.status).toBe(201);
    expect(r.body.spec).toMatchObject({ schedule: '*/5 * * * *', timeZone: 'Europe/Paris', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(r.body.spec.jobTemplate.spec.template.spec).toMatchObject({ terminationGracePeriodSeconds: 30 });
    expect(r.body.spec.jobTemplate.spec.backoffLimit).toBeUndefined();
    expect(r.body.status).toEqual({});
    expect(r.body.metadata.generation).toBe(1);
    const macro = await call(s.url, 'POST', CJS, cj('nightly', { schedule: '@daily' }));
    expect(macro.status).toBe(201);
  });

  it('refuses an unparsable schedule, an unknown or Local time zone, TZ= in the schedule (422, naming the field)', async () => {
    let r = await call(s.url, 'POST', CJS, cj('bad', { schedule: 'every day' }));
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    expect(causes(r.body)).toEqual(['spec.schedule: Invalid value: "every day": Expected exactly 5 fields, found 2: "every day"']);
    r = await call(s.url, 'POST', CJS, cj('bad', { schedule: '61 * * * *' }));
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe('spec.schedule');
    r = await call(s.url, 'POST', CJS, cj('bad', { timeZone: 'Mars/Olympus' }));
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('CronJob.batch "bad" is invalid: spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus');
    r = await call(s.url, 'POST', CJS, cj('bad', { timeZone: 'Local' }));
    expect(causes(r.body)).toEqual(['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']);
    r = await call(s.url, 'POST', CJS, cj('bad', { schedule: 'TZ=UTC 0 * * * *' }));
    expect(causes(r.body)).toEqual(['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
  });

  it('validates the job template as a Job spec, and the rest of the spec', async () => {
    let r = await call(s.url, 'POST', CJS, cj('always', {}, { restartPolicy: 'Always' }));
    expect(r.status).toBe(422);
    expect(causes(r.body)).toEqual(['spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
    const withSelector = cj('sel');
    withSelector.spec.jobTemplate.spec.selector = { matchLabels: { a: 'b' } };
    r = await call(s.url, 'POST', CJS, withSelector);
    expect(causes(r.body)).toEqual(['spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated']);
    r = await call(s.url, 'POST', CJS, cj('neg', { startingDeadlineSeconds: -1, successfulJobsHistoryLimit: -1, concurrencyPolicy: 'Sometimes' }));
    expect(causes(r.body)).toEqual(expect.arrayContaining([
      'spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
    ]));
    expect(causes(r.body).some((c: string) => c.startsWith('spec.concurrencyPolicy'))).toBe(true);
    r = await call(s.url, 'POST', CJS, cj('a'.repeat(53)));
    expect(causes(r.body)).toEqual([`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`]);
  });

  it('a schedule change is validated too; status is written through /status only', async () => {
    const got = await call(s.url, 'GET', `${CJS}/hello`);
    let r = await call(s.url, 'PUT', `${CJS}/hello`, { ...got.body, spec: { ...got.body.spec, schedule: '* * *' } });
    expect(r.status).toBe(422);
    r = await call(s.url, 'PUT', `${CJS}/hello`, { ...got.body, status: { lastScheduleTime: '2026-01-01T00:00:00Z' } });
    expect(r.status).toBe(200);
    expect(r.body.status).toEqual({});
    r = await call(s.url, 'PUT', `${CJS}/hello/status`, { ...r.body, status: { lastScheduleTime: '2026-01-01T00:00:00Z' } });
    expect(r.status).toBe(200);
    expect(r.body.status).toEqual({ lastScheduleTime: '2026-01-01T00:00:00Z' });
  });

  it('is in discovery as cronjobs, short name cj, in category all', async () => {
    const r = await call(s.url, 'GET', '/apis/batch/v1');
    const res = r.body.resources.find((x: any) => x.name === 'cronjobs');
    expect(res).toMatchObject({ kind: 'CronJob', namespaced: true, shortNames: ['cj'], categories: ['all'] });
    expect(r.body.resources.some((x: any) => x.name === 'cronjobs/status')).toBe(true);
  });
});

describe('CronJob table', () => {
  const info = resourceByKind('CronJob')!;
  const row = (c: any, now = Date.parse('2026-01-01T00:10:00Z')) => toTable(info, [c], { now } as never).rows[0]!.cells;
  const base = (spec: any, status: any) => ({ metadata: { name: 'hello', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec }, status });

  it('prints NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE as kubectl 1.32', () => {
    expect(toTable(info, []).columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector']);
    expect(row(base({ schedule: '* * * * *', suspend: false }, { active: [{ name: 'x' }], lastScheduleTime: '2026-01-01T00:09:00Z' }))).toEqual(['hello', '* * * * *', '<none>', 'False', 1, '60s', '10m', 'c', 'busybox', '<none>']);
    expect(row(base({ schedule: '@daily', timeZone: 'Asia/Tokyo', suspend: true }, {})).slice(1, 6)).toEqual(['@daily', 'Asia/Tokyo', 'True', 0, '<none>']);
  });
});
