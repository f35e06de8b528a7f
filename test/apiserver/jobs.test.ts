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

describe('Job podFailurePolicy and backoffLimitPerIndex', () => {
  const rule = (r: Record<string, unknown>) => ({ podFailurePolicy: { rules: [r] } });

  it('defaults: podReplacementPolicy Failed with a policy, onPodConditions status True, backoffLimit MaxInt32 with a per-index limit', async () => {
    const r = await call(s.url, 'POST', JOBS, job('pfp', rule({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] })));
    expect(r.status).toBe(201);
    expect(r.body.spec).toMatchObject({ podReplacementPolicy: 'Failed', backoffLimit: 6, podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] } });
    const idx = await call(s.url, 'POST', JOBS, job('perindex', { completionMode: 'Indexed', completions: 4, backoffLimitPerIndex: 1, maxFailedIndexes: 2 }));
    expect(idx.status).toBe(201);
    expect(idx.body.spec).toMatchObject({ backoffLimit: 2147483647, backoffLimitPerIndex: 1, maxFailedIndexes: 2, podReplacementPolicy: 'TerminatingOrFailed' });
  });

  it('422 with the field for bad rules, OnFailure with a policy, FailIndex without backoffLimitPerIndex, per-index limits on a NonIndexed Job', async () => {
    const bad = async (name: string, spec: Record<string, unknown>, podSpec: Record<string, unknown> = {}) => {
      const r = await call(s.url, 'POST', JOBS, job(name, spec, podSpec));
      expect(r.status).toBe(422);
      expect(r.body.reason).toBe('Invalid');
      return causes(r.body);
    };
    expect(await bad('a', rule({ action: 'Retry', onExitCodes: { operator: 'Within', values: [0, 3, 3, 2] } }))).toEqual([
      'spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
      'spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: "Within": supported values: "In", "NotIn"',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [0,3,3,2]: must be ordered',
    ]);
    expect(await bad('b', rule({ action: 'FailJob', onExitCodes: { operator: 'In', values: [0, 1], containerName: 'nope' } }))).toEqual([
      'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
    ]);
    expect(await bad('c', rule({ action: 'Count' }))).toEqual(['spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required']);
    expect(await bad('d', rule({ action: 'Count', onExitCodes: { operator: 'NotIn', values: [1] }, onPodConditions: [{ type: 'DisruptionTarget', status: 'Maybe' }] }))).toEqual([
      'spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported',
    ]);
    expect(await bad('e', rule({ action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget' }] }), { restartPolicy: 'OnFailure' })).toEqual([
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    ]);
    expect(await bad('f', { ...rule({ action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget' }] }), podReplacementPolicy: 'TerminatingOrFailed' })).toEqual([
      'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"',
    ]);
    expect(await bad('g', rule({ action: 'FailIndex', onExitCodes: { operator: 'In', values: [42] } }))).toEqual([
      'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
    ]);
    expect(await bad('h', { backoffLimitPerIndex: 1, maxFailedIndexes: 1 })).toEqual([
      'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
      'spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode',
    ]);
    expect(await bad('i', { completionMode: 'Indexed', completions: 2, maxFailedIndexes: 3 })).toEqual([
      'spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified',
      'spec.maxFailedIndexes: Invalid value: 3: must be less than or equal to completions',
    ]);
  });

  it('the policy, backoffLimitPerIndex and completionMode are immutable', async () => {
    const created = (await call(s.url, 'POST', JOBS, job('pfp-imm', rule({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] })))).body;
    const r = await call(s.url, 'PATCH', `${JOBS}/pfp-imm`, { spec: { podFailurePolicy: { rules: [{ action: 'Count', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] } } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(r.status).toBe(422);
    expect(causes(r.body)).toEqual([expect.stringMatching(/^spec\.podFailurePolicy: Invalid value: .*: field is immutable$/)]);
    expect(created.spec.podFailurePolicy.rules[0].action).toBe('Ignore');
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
