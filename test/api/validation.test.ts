import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applyDefaults } from '../../api/defaults.js';
import { invalid } from '../../api/errors.js';
import { unknownFieldsOf, validate } from '../../api/validation.js';
import { findUnknownFields, strictDecodingError } from '../../api/schema-errors.js';
import { POD_UPDATE_FORBIDDEN_MESSAGE } from '../../api/core/pod-validation.js';

const deployment = (): any => applyDefaults('Deployment', {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] } },
  },
});

const pod = (): any => applyDefaults('Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'busybox:1', command: ['sleep', '1000'] }] } });

const byField = (errs: { field: string; message: string }[]) => Object.fromEntries(errs.map((e) => [e.field, e.message]));

describe('validate', () => {
  it('accepts valid objects of every kind', () => {
    expect(validate('Deployment', deployment())).toEqual([]);
    expect(validate('Pod', pod())).toEqual([]);
    expect(validate('Namespace', applyDefaults('Namespace', { metadata: { name: 'team-a' } }))).toEqual([]);
    expect(validate('Node', applyDefaults('Node', { metadata: { name: 'node-1' }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] }, status: { capacity: { cpu: '4' } } }))).toEqual([]);
    expect(validate('ReplicaSet', applyDefaults('ReplicaSet', { metadata: { name: 'web-abc', namespace: 'default' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }))).toEqual([]);
    expect(validate('Lease', { metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } })).toEqual([]);
    expect(validate('Event', { metadata: { name: 'web.1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'Started' })).toEqual([]);
  });

  it('names: Kubernetes messages', () => {
    const d = deployment();
    d.metadata.name = 'Web_1';
    const errs = validate('Deployment', d);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toEqual({
      type: 'FieldValueInvalid', field: 'metadata.name',
      message: "Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    });
    expect(invalid('Deployment', 'apps', 'Web_1', errs).message).toMatch(/^Deployment\.apps "Web_1" is invalid: metadata\.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain/);
    const ns = validate('Namespace', { metadata: { name: 'a.b' } });
    expect(ns[0]!.message).toContain('a lowercase RFC 1123 label must consist of');
    expect(byField(validate('Pod', { ...pod(), metadata: { namespace: 'default' } }))['metadata.name']).toBe('Required value: name or generateName is required');
    expect(validate('Pod', { ...pod(), metadata: { generateName: 'web-', namespace: 'default' } })).toEqual([]);
    expect(byField(validate('Pod', { ...pod(), metadata: { generateName: 'Web-', namespace: 'default' } }))['metadata.generateName']).toBeDefined();
    expect(byField(validate('Namespace', { metadata: { name: 'x', namespace: 'default' } }))['metadata.namespace']).toBe('Forbidden: not allowed on this type');
  });

  it('labels and annotations', () => {
    const d = deployment();
    d.metadata.labels = { 'bad key!': 'x', ok: '-bad-' };
    d.metadata.annotations = { 'a/b/c': 'x' };
    const f = validate('Deployment', d).map((e) => e.field);
    expect(f.filter((x) => x === 'metadata.labels')).toHaveLength(2);
    expect(f).toContain('metadata.annotations');
  });

  it('replicas, selector and template labels', () => {
    const d = deployment();
    d.spec.replicas = -1;
    expect(validate('Deployment', d)).toEqual([{ type: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }]);
    const m = deployment();
    m.spec.template.metadata.labels = { app: 'other' };
    expect(byField(validate('Deployment', m))['spec.template.metadata.labels']).toBe('Invalid value: {"app":"other"}: `selector` does not match template `labels`');
    const s = deployment();
    delete s.spec.selector;
    expect(byField(validate('Deployment', s))['spec.selector']).toBe('Required value');
    const e = deployment();
    e.spec.selector = {};
    expect(byField(validate('Deployment', e))['spec.selector']).toBe('Invalid value: {}: empty selector is invalid for deployment');
    const x = deployment();
    x.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] };
    expect(byField(validate('Deployment', x))['spec.selector.matchExpressions[0].values']).toMatch(/^Required value/);
  });

  it('containers: non-empty, unique names, image required, ports', () => {
    const d = deployment();
    d.spec.template.spec.containers = [];
    expect(byField(validate('Deployment', d))['spec.template.spec.containers']).toBe('Required value');
    const p = pod();
    p.spec.containers.push({ ...p.spec.containers[0] });
    p.spec.containers.push({ name: 'Bad_Name', ports: [{ containerPort: 70000 }, { containerPort: 0, name: 'http' }, { containerPort: 8080, name: 'http' }] });
    const errs = byField(validate('Pod', p));
    expect(errs['spec.containers[1].name']).toBe('Duplicate value: "a"');
    expect(errs['spec.containers[2].name']).toContain('a lowercase RFC 1123 label');
    expect(errs['spec.containers[2].image']).toBe('Required value');
    expect(errs['spec.containers[2].ports[0].containerPort']).toBe('Invalid value: 70000: must be between 1 and 65535, inclusive');
    expect(errs['spec.containers[2].ports[1].containerPort']).toBe('Invalid value: 0: must be between 1 and 65535, inclusive');
    expect(errs['spec.containers[2].ports[2].name']).toBe('Duplicate value: "http"');
  });

  it('zod type errors become field errors', () => {
    const d = deployment();
    d.spec.replicas = 'three';
    d.spec.template.spec.restartPolicy = 'Sometimes';
    const errs = byField(validate('Deployment', d));
    expect(errs['spec.replicas']).toBe('Invalid value: "three": must be of type integer');
    expect(errs['spec.template.spec.restartPolicy']).toBe('Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
  });

  it('deployment strategy and restart policy', () => {
    const d = deployment();
    d.spec.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: '0%' };
    expect(byField(validate('Deployment', d))['spec.strategy.rollingUpdate.maxUnavailable']).toBe('Invalid value: "0%": may not be 0 when `maxSurge` is 0');
    const p = deployment();
    p.spec.strategy.rollingUpdate = { maxSurge: '1x', maxUnavailable: '150%' };
    const errs = byField(validate('Deployment', p));
    expect(errs['spec.strategy.rollingUpdate.maxSurge']).toContain("a valid percent string must be a numeric string followed by an ending '%'");
    expect(errs['spec.strategy.rollingUpdate.maxUnavailable']).toBe('Invalid value: "150%": must not be greater than 100%');
    const r = deployment();
    r.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } };
    expect(byField(validate('Deployment', r))['spec.strategy.rollingUpdate']).toBe("Forbidden: may not be specified when strategy `type` is 'Recreate'");
    const n = deployment();
    n.spec.template.spec.restartPolicy = 'Never';
    expect(byField(validate('Deployment', n))['spec.template.spec.restartPolicy']).toBe('Unsupported value: "Never": supported values: "Always"');
    const pd = deployment();
    pd.spec.minReadySeconds = 700;
    expect(byField(validate('Deployment', pd))['spec.progressDeadlineSeconds']).toBe('Invalid value: 600: must be greater than minReadySeconds');
  });

  it('probes and resources', () => {
    const p = pod();
    p.spec.containers[0].livenessProbe = { periodSeconds: 0, successThreshold: 2 };
    p.spec.containers[0].readinessProbe = { httpGet: { port: 99999 }, exec: { command: ['true'] } };
    p.spec.containers[0].resources = { limits: { cpu: '1', memory: 'lots' }, requests: { cpu: '2' } };
    const errs = byField(validate('Pod', p));
    expect(errs['spec.containers[0].livenessProbe']).toBe('Required value: must specify a handler type');
    expect(errs['spec.containers[0].livenessProbe.periodSeconds']).toBe('Invalid value: 0: must be greater than or equal to 1');
    expect(errs['spec.containers[0].livenessProbe.successThreshold']).toBe('Invalid value: 2: must be 1');
    expect(errs['spec.containers[0].readinessProbe.httpGet.port']).toBe('Invalid value: 99999: must be between 1 and 65535, inclusive');
    expect(errs['spec.containers[0].readinessProbe.httpGet']).toBe('Forbidden: may not specify more than 1 handler type');
    expect(errs['spec.containers[0].resources.limits[memory]']).toBe("Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    expect(errs['spec.containers[0].resources.requests[cpu]']).toBe('Invalid value: "2": must be less than or equal to cpu limit of 1');
  });

  it('volume mounts must name a volume', () => {
    const p = pod();
    p.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }];
    expect(byField(validate('Pod', p))['spec.containers[0].volumeMounts[0].name']).toBe('Not found: "data"');
    p.spec.volumes = [{ name: 'data', emptyDir: {} }];
    expect(validate('Pod', p)).toEqual([]);
  });
});

describe('update rules', () => {
  it('immutable metadata', () => {
    const old = { ...deployment(), metadata: { ...deployment().metadata, uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z' } };
    const next = structuredClone(old);
    next.metadata.uid = 'u2';
    next.metadata.name = 'web2';
    const f = byField(validate('Deployment', next, old));
    expect(f['metadata.uid']).toBe('Invalid value: "u2": field is immutable');
    expect(f['metadata.name']).toBe('Invalid value: "web2": field is immutable');
  });
  it('apps/v1 selector is immutable', () => {
    const old = deployment();
    const next = deployment();
    next.spec.selector = { matchLabels: { app: 'web', x: 'y' } };
    next.spec.template.metadata.labels.x = 'y';
    expect(byField(validate('Deployment', next, old))['spec.selector']).toBe('Invalid value: {"matchLabels":{"app":"web","x":"y"}}: field is immutable');
    const scaled = deployment();
    scaled.spec.replicas = 5;
    scaled.spec.template.spec.containers[0].image = 'nginx:2';
    expect(validate('Deployment', scaled, old)).toEqual([]);
  });
  it('pod spec is immutable except images, activeDeadlineSeconds and added tolerations', () => {
    const old = pod();
    const img = pod();
    img.spec.containers[0].image = 'busybox:2';
    img.spec.activeDeadlineSeconds = 100;
    img.spec.tolerations = [{ key: 'k', operator: 'Exists' }];
    img.metadata.labels = { changed: 'yes' };
    expect(validate('Pod', img, old)).toEqual([]);
    const cmd = pod();
    cmd.spec.containers[0].command = ['true'];
    expect(validate('Pod', cmd, old)).toEqual([{ type: 'FieldValueForbidden', field: 'spec', message: `Forbidden: ${POD_UPDATE_FORBIDDEN_MESSAGE}` }]);
    const removed = pod();
    const withTol = structuredClone(img);
    expect(validate('Pod', removed, withTol).map((e) => e.field)).toContain('spec');
    const raised = structuredClone(img);
    raised.spec.activeDeadlineSeconds = 200;
    expect(byField(validate('Pod', raised, img))['spec.activeDeadlineSeconds']).toBe('Invalid value: 200: must be less than or equal to previous value');
  });
});

describe('strict field validation', () => {
  it('finds unknown fields with Kubernetes paths', () => {
    const d = deployment();
    d.spec.foo = 1;
    d.spec.template.spec.containers[0].imagee = 'x';
    d.spec.template.spec.containers[0].ports[0].bogus = true;
    d.metadata.labelz = {};
    expect(unknownFieldsOf('Deployment', d).sort()).toEqual(['metadata.labelz', 'spec.foo', 'spec.template.spec.containers[0].imagee', 'spec.template.spec.containers[0].ports[0].bogus']);
    expect(unknownFieldsOf('Deployment', deployment())).toEqual([]);
    expect(strictDecodingError(['spec.foo', 'spec.bar']).message).toBe('strict decoding error: unknown field "spec.foo", unknown field "spec.bar"');
    expect(strictDecodingError(['spec.foo']).code).toBe(400);
    expect(strictDecodingError(['spec.foo'], { kind: 'Deployment', version: 'v1' }).message).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"');
  });
  it('walks unions, records, nullable and free-form maps', () => {
    const S = z.object({
      a: z.union([z.object({ x: z.number() }), z.string()]).optional(),
      r: z.record(z.string(), z.object({ y: z.string() })).nullable().optional(),
      free: z.record(z.string(), z.unknown()).optional(),
    });
    expect(findUnknownFields(S, { a: { x: 1, z: 2 }, r: { k: { y: 's', w: 1 } }, free: { anything: { deep: 1 } }, top: 1 })).toEqual(['a.z', 'r.k.w', 'top']);
    expect(findUnknownFields(S, { a: 'str', r: null })).toEqual([]);
  });
});
