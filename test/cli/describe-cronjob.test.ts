// `kctl describe cronjob` (kubectl's describeCronJob layout) and the Job `kctl create job
// NAME --from=cronjob/CJ` makes (kubectl's createJobFromCronJob).
import { describe, expect, it } from 'vitest';
import type { CronJob } from '../../api/batch/index.js';
import { describeCronJob } from '../../cli/kctl/describe.js';
import { jobFor, jobFromCronJob } from '../../cli/kctl/create.js';

const cj: CronJob = {
  metadata: { name: 'hello', namespace: 'default', uid: 'u1' },
  spec: {
    schedule: '*/5 * * * *', timeZone: 'Europe/Paris', concurrencyPolicy: 'Forbid', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
    jobTemplate: { metadata: { labels: { app: 'hello' }, annotations: { team: 'a' } }, spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'host' }] } } } },
  },
  status: { lastScheduleTime: '2026-01-01T00:05:00Z', active: [{ kind: 'Job', name: 'hello-29433605' }, { kind: 'Job', name: 'hello-29433610' }] },
};

describe('describeCronJob', () => {
  it('prints the schedule, its policies, the template and the runs', () => {
    const lines = describeCronJob(cj).split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
    expect(lines.indexOf('Name: hello')).toBe(0);
    expect(lines).toEqual(expect.arrayContaining([
      'Namespace: default', 'Labels: <none>', 'Schedule: */5 * * * *', 'Time Zone: Europe/Paris', 'Concurrency Policy: Forbid', 'Suspend: False',
      'Successful Job History Limit: 3', 'Failed Job History Limit: 1', 'Starting Deadline Seconds: <unset>',
      'Selector: <unset>', 'Parallelism: <unset>', 'Completions: <unset>', 'Pod Template:',
      'Last Schedule Time: Thu, 01 Jan 2026 00:05:00 +0000', 'Active Jobs: hello-29433605, hello-29433610',
    ]));
    const never = describeCronJob({ ...cj, spec: { ...cj.spec, startingDeadlineSeconds: 30 }, status: {} }).split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
    expect(never).toEqual(expect.arrayContaining(['Starting Deadline Seconds: 30s', 'Last Schedule Time: <unset>', 'Active Jobs: <none>']));
  });
});

describe('create job', () => {
  it('--from=cronjob/NAME: the template, marked manual, the CronJob as controller', () => {
    expect(jobFromCronJob('now', cj)).toEqual({
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: {
        name: 'now', labels: { app: 'hello' },
        annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', team: 'a' },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'u1', controller: true }],
      },
      spec: cj.spec.jobTemplate.spec,
    });
  });

  it('--image: one container named after the Job, restartPolicy Never', () => {
    expect(jobFor('once', 'busybox', ['echo', 'hi']).spec.template.spec).toEqual({ restartPolicy: 'Never', containers: [{ name: 'once', image: 'busybox', command: ['echo', 'hi'] }] });
  });
});
