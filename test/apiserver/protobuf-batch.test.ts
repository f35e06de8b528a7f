// batch/v1 Job and CronJob protobuf bodies: a Job (and a CronJob) carrying every field of the
// zod schema, encoded here with the field numbers of k8s.io/api/batch/v1 generated.proto
// (v1.32) written out independently of the decoder, decodes back to the same object. A field
// added to the schema without protobuf support fails the coverage check below.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CronJob, CronJobSpec, CronJobStatus, Job, JobSpec, JobStatus, PodFailurePolicyRule } from '../../api/batch/index.js';
import { decodeProtobufBody } from '../../apiserver/protobuf.js';

// ---- a minimal proto2 encoder, as Go's generated marshallers write ----
type Enc =
  | 'string' | 'int' | 'bool' | 'time'
  | { msg: Schema } | { repeated: 'string' | 'int' | 'packedInt' | Schema } | 'map';
interface Schema { [name: string]: [field: number, type: Enc] }

function varint(n: bigint): number[] {
  let v = BigInt.asUintN(64, n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const key = (field: number, wire: number) => Buffer.from(varint(BigInt((field << 3) | wire)));
const ld = (field: number, b: Buffer) => Buffer.concat([key(field, 2), Buffer.from(varint(BigInt(b.length))), b]);
const vi = (field: number, n: number | boolean) => Buffer.concat([key(field, 0), Buffer.from(varint(BigInt(typeof n === 'boolean' ? Number(n) : n)))]);

function encode(obj: Record<string, unknown>, schema: Schema): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(obj)) {
    const entry = schema[name];
    if (!entry) throw new Error(`test encoder: no field number for ${name}`);
    const [field, type] = entry;
    if (type === 'string') parts.push(ld(field, Buffer.from(value as string)));
    else if (type === 'int') parts.push(vi(field, value as number));
    else if (type === 'bool') parts.push(vi(field, value as boolean));
    else if (type === 'time') parts.push(ld(field, Buffer.concat([vi(1, Date.parse(value as string) / 1000), vi(2, 0)])));
    else if (type === 'map') for (const [k, v] of Object.entries(value as Record<string, string>)) parts.push(ld(field, Buffer.concat([ld(1, Buffer.from(k)), ld(2, Buffer.from(v))])));
    else if ('msg' in type) parts.push(ld(field, encode(value as Record<string, unknown>, type.msg)));
    else if (type.repeated === 'packedInt') parts.push(ld(field, Buffer.from((value as number[]).flatMap((n) => varint(BigInt(n))))));
    else for (const item of value as unknown[]) {
      if (type.repeated === 'string') parts.push(ld(field, Buffer.from(item as string)));
      else if (type.repeated === 'int') parts.push(vi(field, item as number));
      else parts.push(ld(field, encode(item as Record<string, unknown>, type.repeated)));
    }
  }
  return Buffer.concat(parts);
}
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([Buffer.from('k8s\0', 'latin1'), ld(1, Buffer.concat([ld(1, Buffer.from(apiVersion)), ld(2, Buffer.from(kind))])), ld(2, raw), ld(3, Buffer.alloc(0)), ld(4, Buffer.alloc(0))]);

// generated.proto field numbers (k8s.io/apimachinery meta/v1, k8s.io/api core/v1 and batch/v1).
const META: Schema = { name: [1, 'string'], generateName: [2, 'string'], namespace: [3, 'string'], labels: [11, 'map'], annotations: [12, 'map'], finalizers: [14, { repeated: 'string' }] };
const SELECTOR: Schema = {
  matchLabels: [1, 'map'],
  matchExpressions: [2, { repeated: { key: [1, 'string'], operator: [2, 'string'], values: [3, { repeated: 'string' }] } }],
};
const POD_TEMPLATE: Schema = {
  metadata: [1, { msg: META }],
  spec: [2, { msg: {
    containers: [2, { repeated: { name: [1, 'string'], image: [2, 'string'], command: [3, { repeated: 'string' }], args: [4, { repeated: 'string' }], env: [7, { repeated: { name: [1, 'string'], value: [2, 'string'] } }] } }],
    restartPolicy: [3, 'string'],
  } }],
};
const RULE = (values: 'int' | 'packedInt'): Schema => ({
  action: [1, 'string'],
  onExitCodes: [2, { msg: { containerName: [1, 'string'], operator: [2, 'string'], values: [3, { repeated: values }] } }],
  onPodConditions: [3, { repeated: { type: [1, 'string'], status: [2, 'string'] } }],
});
const JOB_SPEC = (values: 'int' | 'packedInt' = 'int'): Schema => ({
  parallelism: [1, 'int'], completions: [2, 'int'], activeDeadlineSeconds: [3, 'int'], selector: [4, { msg: SELECTOR }],
  manualSelector: [5, 'bool'], template: [6, { msg: POD_TEMPLATE }], backoffLimit: [7, 'int'], ttlSecondsAfterFinished: [8, 'int'],
  completionMode: [9, 'string'], suspend: [10, 'bool'], podFailurePolicy: [11, { msg: { rules: [1, { repeated: RULE(values) }] } }],
  backoffLimitPerIndex: [12, 'int'], maxFailedIndexes: [13, 'int'], podReplacementPolicy: [14, 'string'],
});
const CONDITION: Schema = { type: [1, 'string'], status: [2, 'string'], lastProbeTime: [3, 'time'], lastTransitionTime: [4, 'time'], reason: [5, 'string'], message: [6, 'string'] };
const JOB_STATUS: Schema = {
  conditions: [1, { repeated: CONDITION }], startTime: [2, 'time'], completionTime: [3, 'time'], active: [4, 'int'], succeeded: [5, 'int'],
  failed: [6, 'int'], completedIndexes: [7, 'string'], uncountedTerminatedPods: [8, { msg: { succeeded: [1, { repeated: 'string' }], failed: [2, { repeated: 'string' }] } }],
  ready: [9, 'int'], failedIndexes: [10, 'string'], terminating: [11, 'int'],
};
const JOB = (values: 'int' | 'packedInt' = 'int'): Schema => ({ metadata: [1, { msg: META }], spec: [2, { msg: JOB_SPEC(values) }], status: [3, { msg: JOB_STATUS }] });
const OBJECT_REFERENCE: Schema = { kind: [1, 'string'], namespace: [2, 'string'], name: [3, 'string'], uid: [4, 'string'], apiVersion: [5, 'string'], resourceVersion: [6, 'string'], fieldPath: [7, 'string'] };
const CRON_JOB: Schema = {
  metadata: [1, { msg: META }],
  spec: [2, { msg: {
    schedule: [1, 'string'], startingDeadlineSeconds: [2, 'int'], concurrencyPolicy: [3, 'string'], suspend: [4, 'bool'],
    jobTemplate: [5, { msg: { metadata: [1, { msg: META }], spec: [2, { msg: JOB_SPEC() }] } }],
    successfulJobsHistoryLimit: [6, 'int'], failedJobsHistoryLimit: [7, 'int'], timeZone: [8, 'string'],
  } }],
  status: [3, { msg: { active: [1, { repeated: OBJECT_REFERENCE }], lastScheduleTime: [4, 'time'], lastSuccessfulTime: [5, 'time'] } }],
};

const t = '2026-12-06T07:00:00Z';
const jobSpec: JobSpec = {
  parallelism: 2, completions: 5, activeDeadlineSeconds: 600,
  selector: { matchLabels: { app: 'pi' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['batch', 'gpu'] }] },
  manualSelector: true,
  template: {
    metadata: { labels: { app: 'pi' }, annotations: { note: 'digits' } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'node:20', command: ['node', '-e'], args: ['console.log(Math.PI)'], env: [{ name: 'DIGITS', value: '100' }] }] },
  },
  backoffLimit: 0, // a pointer: an explicit 0 is a value
  ttlSecondsAfterFinished: 100, completionMode: 'Indexed', suspend: false,
  podReplacementPolicy: 'Failed',
  podFailurePolicy: { rules: [
    { action: 'FailJob', onExitCodes: { containerName: 'pi', operator: 'In', values: [42, -1, 255] } },
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1] } },
  ] },
  backoffLimitPerIndex: 1, maxFailedIndexes: 2,
};
const jobStatus: JobStatus = {
  conditions: [{ type: 'Complete', status: 'True', lastProbeTime: t, lastTransitionTime: t, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }],
  startTime: t, completionTime: t, active: 1, succeeded: 4, failed: 2, terminating: 0, ready: 1,
  completedIndexes: '0-3', failedIndexes: '4',
  uncountedTerminatedPods: { succeeded: ['uid-a', 'uid-b'], failed: ['uid-c'] },
};
const job: Job = {
  apiVersion: 'batch/v1', kind: 'Job',
  metadata: { name: 'pi', namespace: 'default', labels: { team: 'math' }, annotations: { why: 'test' }, finalizers: ['example.com/keep'] },
  spec: jobSpec, status: jobStatus,
};
const cronJob: CronJob = {
  apiVersion: 'batch/v1', kind: 'CronJob',
  metadata: { name: 'nightly', namespace: 'default' },
  spec: {
    schedule: '0 3 * * *', timeZone: 'Europe/Berlin', startingDeadlineSeconds: 200, concurrencyPolicy: 'Forbid', suspend: true,
    jobTemplate: { metadata: { labels: { app: 'pi' } }, spec: jobSpec }, successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 1,
  },
  status: { active: [{ kind: 'Job', namespace: 'default', name: 'nightly-29000000', uid: 'j-1', apiVersion: 'batch/v1', resourceVersion: '7' }], lastScheduleTime: t, lastSuccessfulTime: t },
};

/** The schema's keys the fixture leaves out (so a new schema field without protobuf support shows up here). */
const missing = (schema: z.ZodObject, obj: object) => Object.keys(schema.shape).filter((k) => !(k in obj));

describe('batch/v1 protobuf bodies', () => {
  it('the fixtures carry every field of the Job and CronJob schemas', () => {
    expect(missing(JobSpec, jobSpec)).toEqual([]);
    expect(missing(JobStatus, jobStatus)).toEqual([]);
    expect(missing(PodFailurePolicyRule, { ...jobSpec.podFailurePolicy!.rules[0], ...jobSpec.podFailurePolicy!.rules[1] })).toEqual([]);
    expect(missing(CronJobSpec, cronJob.spec)).toEqual([]);
    expect(missing(CronJobStatus, cronJob.status!)).toEqual([]);
    expect(() => Job.parse(job)).not.toThrow();
    expect(() => CronJob.parse(cronJob)).not.toThrow();
  });

  it('a Job with every field round-trips (exit codes one varint each, as Go writes them, or packed)', () => {
    const { apiVersion, kind, ...rest } = job;
    expect(decodeProtobufBody(envelope(apiVersion!, kind!, encode(rest, JOB())))).toEqual(job);
    expect(decodeProtobufBody(envelope(apiVersion!, kind!, encode(rest, JOB('packedInt'))))).toEqual(job);
  });

  it('a CronJob with every field round-trips, its jobTemplate a whole JobSpec', () => {
    const { apiVersion, kind, ...rest } = cronJob;
    expect(decodeProtobufBody(envelope(apiVersion!, kind!, encode(rest, CRON_JOB)))).toEqual(cronJob);
  });

  it('pointer fields keep an explicit zero; plain status counts at zero are left out; unknown fields (successPolicy) are refused', () => {
    const spec = Buffer.concat([vi(7, 0), vi(10, false), vi(13, 0)]);
    const status = Buffer.concat([vi(4, 0), vi(5, 0), vi(9, 0)]);
    expect(decodeProtobufBody(envelope('batch/v1', 'Job', Buffer.concat([ld(2, spec), ld(3, status)])))).toEqual({
      apiVersion: 'batch/v1', kind: 'Job', spec: { backoffLimit: 0, suspend: false, maxFailedIndexes: 0 }, status: { ready: 0 },
    });
    const successPolicy = ld(16, ld(1, ld(2, Buffer.from([0x08, 1]))));
    expect(() => decodeProtobufBody(envelope('batch/v1', 'Job', ld(2, successPolicy)))).toThrow(/field 16/);
  });
});
