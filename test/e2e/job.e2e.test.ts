// Jobs on a real `skiff up` with the process runtime: real kubelets run real `sh` pods. A
// Job whose pods exit 0 reaches Complete with its completions; one whose pods exit 1 with
// backoffLimit 1 reaches Failed (BackoffLimitExceeded) after two failed pods; `kctl get jobs`
// and the real kubectl print kubectl's columns; manifests/pi-job.yaml computes π. The Job back-off base is lowered through
// SKIFF_JOB_BACKOFF_BASE_MS (inherited by the controller-manager `skiff up` starts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { Cluster, ROOT, until } from './cluster.js';
import { hasKubectl, Kubectl, parseTable } from './kubectl.js';

interface JobView {
  status?: { succeeded?: number; failed?: number; conditions?: { type: string; status: string; reason?: string }[] };
}

const jobYaml = (name: string, script: string, spec: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
${spec}
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: host
          command: ["sh", "-c", ${JSON.stringify(script)}]
`;

describe('Jobs with real kubelets (process runtime)', () => {
  const cluster = new Cluster({ nodes: 2, runtime: 'process' });
  beforeAll(async () => {
    cluster.extraEnv = { SKIFF_JOB_BACKOFF_BASE_MS: '500' };
    await cluster.up();
  }, 180_000);
  afterAll(() => cluster.destroy());

  const job = async (name: string): Promise<JobView> => JSON.parse(await cluster.ok(['get', 'job', name, '-o', 'json']));
  const has = (j: JobView, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

  it('a Job running `exit 0` completes its 3 completions', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: jobYaml('ok', 'echo done; exit 0', '  completions: 3\n  parallelism: 2') });
    const j = await until('job ok Complete', async () => { const v = await job('ok'); return has(v, 'Complete') ? v : undefined; }, 120_000);
    expect(j.status?.succeeded).toBe(3);
    expect(j.status?.failed).toBeUndefined();
    const out = await cluster.ok(['get', 'jobs']);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/);
    expect(out).toMatch(/^ok\s+Complete\s+3\/3\s+\d+s\s+\d+s$/m);
    const pods = await cluster.ok(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=ok']);
    expect(pods.match(/Completed/g)).toHaveLength(3);
    expect(await cluster.ok(['logs', pods.split('\n')[1]!.split(/\s+/)[0]!])).toBe('done\n');
    const described = await cluster.ok(['describe', 'job', 'ok']);
    expect(described).toMatch(/^Pods Statuses:\s+0 Active \(0 Ready\) \/ 3 Succeeded \/ 0 Failed$/m);
    expect(described).toMatch(/^\s+Normal\s+SuccessfulCreate\s+.*Created pod: ok-/m);
    expect(described).toMatch(/^\s+Normal\s+Completed\s+.*Job completed$/m);
  });

  it('a Job running `exit 1` with backoffLimit 1 fails with BackoffLimitExceeded after two pods', async () => {
    await cluster.ok(['apply', '-f', '-'], { input: jobYaml('bad', 'exit 1', '  backoffLimit: 1') });
    const j = await until('job bad Failed', async () => { const v = await job('bad'); return has(v, 'Failed') ? v : undefined; }, 120_000);
    expect(has(j, 'Failed')?.reason).toBe('BackoffLimitExceeded');
    expect(j.status?.failed).toBe(2);
    const pods = await cluster.ok(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=bad']);
    expect(pods.match(/Error/g)).toHaveLength(2);
    expect(await cluster.ok(['get', 'jobs', 'bad'])).toMatch(/^bad\s+Failed\s+0\/1\s+/m);
  });

  it('manifests/pi-job.yaml: five pods, two at a time, each printing π', async () => {
    await cluster.ok(['apply', '-f', path.join(ROOT, 'manifests/pi-job.yaml')]);
    const j = await until('job pi Complete', async () => { const v = await job('pi'); return has(v, 'Complete') ? v : undefined; }, 120_000);
    expect(j.status?.succeeded).toBe(5);
    expect(await cluster.ok(['logs', 'job/pi'])).toMatch(/^3\.14159265358979323846264338327950288419716939937510/);
  });

  it.runIf(hasKubectl)('the real kubectl prints the jobs with its own columns', async () => {
    const k = new Kubectl(cluster);
    const t = parseTable(await k.ok(['get', 'jobs', '-o', 'wide']));
    expect(t.headers).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    const ok = t.rows.find((r) => r.NAME === 'ok')!;
    expect(ok).toMatchObject({ STATUS: 'Complete', COMPLETIONS: '3/3', CONTAINERS: 'main', IMAGES: 'host' });
    expect(ok.SELECTOR).toMatch(/^batch\.kubernetes\.io\/controller-uid=[0-9a-f-]{36}$/);
    expect(t.rows.find((r) => r.NAME === 'bad')).toMatchObject({ STATUS: 'Failed', COMPLETIONS: '0/1' });
  });
});
