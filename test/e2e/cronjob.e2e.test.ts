// CronJobs on a real `skiff up` with the process runtime: manifests/hello-cronjob.yaml fires
// on the real clock and its Job's pod really runs `sh`; `kctl get cronjobs|cj` and the real
// kubectl print kubectl's columns; `kctl create job NAME --from=cronjob/hello` runs it at
// once; `kctl describe cronjob` shows the runs; bad input is refused with the field named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { Cluster, ROOT, until } from './cluster.js';
import { hasKubectl, Kubectl, parseTable } from './kubectl.js';

interface JobView {
  metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}
const complete = (j: JobView) => (j.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');

describe('CronJobs with a real kubelet (process runtime)', () => {
  const cluster = new Cluster({ nodes: 1, runtime: 'process' });
  beforeAll(async () => { await cluster.up(); }, 180_000);
  afterAll(() => cluster.destroy());

  const jobs = async (): Promise<JobView[]> => JSON.parse(await cluster.ok(['get', 'jobs', '-o', 'json'])).items;

  it('manifests/hello-cronjob.yaml: listed with kubectl\'s columns', async () => {
    expect(await cluster.ok(['apply', '-f', path.join(ROOT, 'manifests/hello-cronjob.yaml')])).toBe('cronjob.batch/hello created\n');
    const out = await cluster.ok(['get', 'cronjobs']);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/);
    expect(out).toMatch(/^hello\s+\* \* \* \* \*\s+<none>\s+False\s+\d\s+\S+\s+\d+s$/m);
    expect(await cluster.ok(['get', 'cj', 'hello', '-o', 'name'])).toBe('cronjob.batch/hello\n');
  });

  it('kctl create job NAME --from=cronjob/hello runs the template now', async () => {
    expect(await cluster.ok(['create', 'job', 'hello-now', '--from=cronjob/hello'])).toBe('job.batch/hello-now created\n');
    await until('hello-now Complete', async () => complete(JSON.parse(await cluster.ok(['get', 'job', 'hello-now', '-o', 'json']))), 120_000);
    expect(await cluster.ok(['logs', 'job/hello-now'])).toMatch(/Hello from the Skiff cluster/);
    const bad = await cluster.kctl(['create', 'job', 'x', '--from=deployment/web']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--from=cronjob\/NAME/);
  });

  it('refuses an unparsable schedule and an unknown time zone, naming the field', async () => {
    const yaml = (schedule: string, tz = '') => `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: broken}\nspec:\n  schedule: "${schedule}"\n${tz}  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: c, image: host}]\n`;
    let r = await cluster.kctl(['apply', '-f', '-'], { input: yaml('every minute') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec\.schedule: Invalid value: "every minute"/);
    r = await cluster.kctl(['apply', '-f', '-'], { input: yaml('* * * * *', '  timeZone: Mars/Olympus\n') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec\.timeZone: Invalid value: "Mars\/Olympus": unknown time zone Mars\/Olympus/);
  });

  it.runIf(hasKubectl)('the real kubectl lists cronjobs with its own columns', async () => {
    const k = new Kubectl(cluster);
    const t = parseTable(await k.ok(['get', 'cronjobs', '-o', 'wide']));
    expect(t.headers).toEqual(['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(t.rows.find((r) => r.NAME === 'hello')).toMatchObject({ SCHEDULE: '* * * * *', TIMEZONE: '<none>', SUSPEND: 'False', CONTAINERS: 'hello', IMAGES: 'host' });
    expect(await k.ok(['get', 'cj', 'hello', '-o', 'jsonpath={.spec.concurrencyPolicy}'])).toBe('Forbid');
    // kubectl sends these Jobs as protobuf: the owner reference and the CronJob's defaulted template included.
    expect(await k.ok(['create', 'job', 'from-kubectl', '--from=cronjob/hello'])).toBe('job.batch/from-kubectl created\n');
    expect(await k.ok(['create', 'job', 'plain', '--image=host', '--', 'sh', '-c', 'echo plain'])).toBe('job.batch/plain created\n');
    for (const name of ['from-kubectl', 'plain']) {
      await until(`${name} Complete`, async () => complete(JSON.parse(await cluster.ok(['get', 'job', name, '-o', 'json']))), 120_000);
    }
    const made = JSON.parse(await cluster.ok(['get', 'job', 'from-kubectl', '-o', 'json']));
    expect(made.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'hello', controller: true })]);
    expect(made.metadata.annotations['cronjob.kubernetes.io/instantiate']).toBe('manual');
    // And the CronJob of kubectl create cronjob, protobuf too.
    expect(await k.ok(['create', 'cronjob', 'nightly', '--image=host', '--schedule=0 3 * * *', '--restart=Never', '--', 'sh', '-c', 'echo hi'])).toBe('cronjob.batch/nightly created\n');
    const nightly = JSON.parse(await cluster.ok(['get', 'cronjob', 'nightly', '-o', 'json']));
    expect(nightly.spec).toMatchObject({ schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [expect.objectContaining({ name: 'nightly', image: 'host', command: ['sh', '-c', 'echo hi'] })] } } } } });
  });

  // Last, so the tests above run while the CronJob waits for its first minute boundary.
  it('manifests/hello-cronjob.yaml: a Job is run at the next minute', async () => {
    const run = await until('a scheduled Job completes', async () => (await jobs()).find((j) => /^hello-\d+$/.test(j.metadata.name) && complete(j)), 180_000);
    expect(run.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'hello' });
    expect(await cluster.ok(['logs', `job/${run.metadata.name}`])).toMatch(/Hello from the Skiff cluster/);
    const described = await cluster.ok(['describe', 'cronjob', 'hello']);
    expect(described).toMatch(/^Schedule:\s+\* \* \* \* \*$/m);
    expect(described).toMatch(/^Concurrency Policy:\s+Forbid$/m);
    expect(described).toMatch(/^\s+Normal\s+SuccessfulCreate\s+.*Created job hello-\d+$/m);
    expect(await cluster.ok(['get', 'cj'])).toMatch(/^hello\s+\* \* \* \* \*\s+<none>\s+False\s+\d\s+\d+s\s+\S+$/m);
  });
});
