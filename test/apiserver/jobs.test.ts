// Jobs (batch/v1) in the API server: SetDefaults_Job, the selector and template labels the
// server generates from the Job's uid, validation with Kubernetes' field paths and messages,
// the immutable template/selector/completions, and kubectl's table columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toTable } from '../../apiserver/printers.js';
import { resourceByKind } from '../../api/resources.js';
import { call, startTestServer, type TestServer } from './harness.js';

const JOBS = '/apis/batch/v1/namespaces/default/jobs';
const job = (name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): any => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }], ...podSpec } }, ...spec },
});
const causes = (body: any) => (body.details?.causes ?? []).map((c: any) => `${c.field}: ${c.message}`);

let s: TestServer;
beforeAll(async () => { s = await startTestServer(); });
afterAll(async () => { await s.close(); });

describe('Job create', () => {
  it('defaults the spec and generates the selector and template labels from the uid', async () => {
    const r = await call(s.url, 'POST', JOBS, job('pi'));
    expect(r.status).toBe(201);
    const j = r.body;
    const uid = j.metadata.uid;
    expect(j.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed' });
    expect(j.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' };
    expect(j.spec.template.metadata.labels).toEqual(labels);
    expect(j.metadata.labels).toEqual(labels);
    expect(j.metadata.generation).toBe(1);
    expect(j.status).toEqual({});
    expect(j.spec.template.spec).toMatchObject({ restartPolicy: 'Never', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst' });
  });

  it('keeps the user\'s own labels and completions/parallelism as given', async () => {
    const r = await call(s.url, 'POST', JOBS, { ...job('mine', { parallelism: 3 }), metadata: { name: 'mine', labels: { team: 'a' } } });
    expect(r.status).toBe(201);
    expect(r.body.spec.completions).toBeUndefined();
    expect(r.body.spec.parallelism).toBe(3);
    expect(r.body.metadata.labels).toEqual({ team: 'a' });
  });

  it('refuses restartPolicy Always or left out, negative counts, Indexed without completions', async () => {
    let r = await call(s.url, 'POST', JOBS, job('always', {}, { restartPolicy: 'Always' }));
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('Job.batch "always" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"');
    const noPolicy = job('nopolicy');
    delete noPolicy.spec.template.spec.restartPolicy;
    r = await call(s.url, 'POST', JOBS, noPolicy);
    expect(causes(r.body)).toEqual(['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
    r = await call(s.url, 'POST', JOBS, job('neg', { completions: -1, parallelism: -2, backoffLimit: -1, activeDeadlineSeconds: -5 }));
    expect(r.status).toBe(422);
    expect(causes(r.body)).toEqual(expect.arrayContaining([
      'spec.completions: Invalid value: -1: must be greater than or equal to 0',
      'spec.parallelism: Invalid value: -2: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.activeDeadlineSeconds: Invalid value: -5: must be greater than or equal to 0',
    ]));
    r = await call(s.url, 'POST', JOBS, job('idx', { completionMode: 'Indexed', completions: undefined, parallelism: 2 }));
    expect(causes(r.body)).toContain('spec.completions: Required value: when completion mode is Indexed');
    r = await call(s.url, 'POST', JOBS, job('weird', { completionMode: 'Sometimes' }));
    expect(causes(r.body)).toContain('spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"');
  });

  it('refuses a manual selector that does not select the template, and a generated one that names someone else', async () => {
    let r = await call(s.url, 'POST', JOBS, job('manual', { manualSelector: true, selector: { matchLabels: { app: 'x' } } }));
    expect(r.status).toBe(422);
    expect(causes(r.body)).toEqual(['spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`']);
    r = await call(s.url, 'POST', JOBS, { ...job('manual2', { manualSelector: true, selector: { matchLabels: { app: 'x' } } }), spec: { ...job('m').spec, manualSelector: true, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: job('m').spec.template.spec } } });
    expect(r.status).toBe(201);
    expect(r.body.spec.selector).toEqual({ matchLabels: { app: 'x' } });
    r = await call(s.url, 'POST', JOBS, job('stolen', { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'someone-else' } } }));
    expect(r.status).toBe(422);
    expect(causes(r.body)).toContain('spec.selector: Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"someone-else"}}: `selector` not auto-generated');
  });
});

describe('Job update', () => {
  it('template, selector and completions are immutable; parallelism is not', async () => {
    const created = (await call(s.url, 'POST', JOBS, job('imm', { completions: 3 }))).body;
    const changed = structuredClone(created);
    changed.spec.template.spec.containers[0].image = 'busybox:2';
    let r = await call(s.url, 'PUT', `${JOBS}/imm`, changed);
    expect(r.status).toBe(422);
    expect(causes(r.body)[0]).toMatch(/^spec\.template: Invalid value: .*: field is immutable$/);
    r = await call(s.url, 'PATCH', `${JOBS}/imm`, { spec: { completions: 4 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(causes(r.body)).toEqual(['spec.completions: Invalid value: 4: field is immutable']);
    r = await call(s.url, 'PATCH', `${JOBS}/imm`, { spec: { parallelism: 2 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    expect(r.body.metadata.generation).toBe(2);
  });

  it('status is written through the status subresource only, with non-negative counts', async () => {
    await call(s.url, 'POST', JOBS, job('st'));
    let r = await call(s.url, 'PATCH', `${JOBS}/st`, { status: { active: 1 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(r.body.status).toEqual({});
    r = await call(s.url, 'PATCH', `${JOBS}/st/status`, { status: { active: 1 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(r.body.status).toEqual({ active: 1 });
    r = await call(s.url, 'PATCH', `${JOBS}/st/status`, { status: { failed: -1 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(causes(r.body)).toEqual(['status.failed: Invalid value: -1: must be greater than or equal to 0']);
  });
});

describe('Job table', () => {
  const info = resourceByKind('Job')!;
  const row = (j: any, now = Date.parse('2026-01-01T00:10:00Z')) => toTable(info, [j], { now } as never).rows[0]!.cells;
  const base = (spec: any, status: any, meta: any = {}) => ({ metadata: { name: 'pi', creationTimestamp: '2026-01-01T00:00:00Z', ...meta }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } }, ...spec }, status });

  it('prints NAME STATUS COMPLETIONS DURATION AGE as kubectl 1.32', () => {
    expect(toTable(info, []).columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector']);
    expect(row(base({ completions: 5, parallelism: 2 }, { succeeded: 2, startTime: '2026-01-01T00:00:01Z' })).slice(0, 5)).toEqual(['pi', 'Running', '2/5', '9m59s', '10m']);
    expect(row(base({ completions: 1 }, { succeeded: 1, startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:07Z', conditions: [{ type: 'Complete', status: 'True' }] })).slice(1, 4)).toEqual(['Complete', '1/1', '7s']);
    expect(row(base({ parallelism: 3 }, {})).slice(1, 4)).toEqual(['Running', '0/1 of 3', '']);
    expect(row(base({ completions: 2 }, { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] }))[1]).toBe('Failed');
    expect(row(base({ completions: 2 }, { conditions: [{ type: 'Suspended', status: 'True' }] }))[1]).toBe('Suspended');
    expect(row(base({ completions: 2 }, {}, { deletionTimestamp: '2026-01-01T00:09:00Z' }))[1]).toBe('Terminating');
  });
});
