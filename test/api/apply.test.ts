import { describe, expect, it } from 'vitest';
import { applyConflictError, FieldSet, fieldSetOf, formatFieldPath, fromFieldsV1, serverSideApply, toFieldsV1, trackUpdate } from '../../api/patch/apply.js';

const config = (): any => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.24', ports: [{ containerPort: 80 }] }] } },
  },
});

describe('field sets', () => {
  it('encodes an object as FieldsV1 like Kubernetes', () => {
    const set = fieldSetOf(config(), 'Deployment');
    const v1 = toFieldsV1(set) as any;
    expect(v1['f:metadata']).toEqual({ 'f:labels': { '.': {}, 'f:app': {} } });
    expect(v1['f:spec']['f:replicas']).toEqual({});
    const containers = v1['f:spec']['f:template']['f:spec']['f:containers'];
    expect(containers['k:{"name":"nginx"}']).toEqual({ '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80}': { '.': {}, 'f:containerPort': {} } } });
    expect(v1['f:apiVersion']).toBeUndefined();
    expect(fromFieldsV1(v1).paths().length).toBe(set.size);
  });
  it('set-like lists and atomic lists', () => {
    const set = fieldSetOf({ metadata: { finalizers: ['a', 'b'] }, spec: { template: { spec: { containers: [{ name: 'c', args: ['x', 'y'] }] } } } }, 'Deployment');
    expect(set.has(['f:metadata', 'f:finalizers', 'v:"a"'])).toBe(true);
    expect(set.has(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"c"}', 'f:args'])).toBe(true);
    expect(formatFieldPath(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"c"}', 'f:image'])).toBe('.spec.template.spec.containers[name="c"].image');
    expect(new FieldSet([['f:a', 'f:b']]).hasPrefix(['f:a'])).toBe(true);
  });
});

describe('server-side apply', () => {
  it('creates, records the manager, and is idempotent', () => {
    const r = serverSideApply({ kind: 'Deployment', config: config(), live: undefined, manager: 'kubectl', apiVersion: 'apps/v1', time: 't1' });
    expect(r.conflicts).toEqual([]);
    expect(r.object.spec).toEqual(config().spec);
    const mf = (r.object.metadata as any).managedFields;
    expect(mf).toHaveLength(1);
    expect(mf[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: 't1', fieldsType: 'FieldsV1' });
    const again = serverSideApply({ kind: 'Deployment', config: config(), live: r.object, manager: 'kubectl', apiVersion: 'apps/v1', time: 't1' });
    expect(again.object).toEqual(r.object);
  });

  it('a different value on a field another manager owns is a conflict naming it', () => {
    const first = serverSideApply({ kind: 'Deployment', config: config(), live: undefined, manager: 'kubectl', apiVersion: 'apps/v1' }).object;
    const other = config();
    other.spec.replicas = 5;
    const r = serverSideApply({ kind: 'Deployment', config: other, live: first, manager: 'other', apiVersion: 'apps/v1' });
    expect(r.conflicts.map((c) => [c.manager, formatFieldPath(c.path)])).toEqual([['kubectl', '.spec.replicas']]);
    expect(r.object).toEqual(first);
    const err = applyConflictError(r.conflicts, 'deployments.apps', 'web');
    expect(err.code).toBe(409);
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas');
    expect(err.status.details?.causes?.[0]).toEqual({ reason: 'FieldManagerConflict', message: 'conflict with "kubectl" using apps/v1', field: '.spec.replicas' });
    // The same value is shared ownership, not a conflict.
    const same = serverSideApply({ kind: 'Deployment', config: config(), live: first, manager: 'other', apiVersion: 'apps/v1' });
    expect(same.conflicts).toEqual([]);
    expect((same.object.metadata as any).managedFields.map((m: any) => m.manager)).toEqual(['kubectl', 'other']);
  });

  it('force takes the field over', () => {
    const first = serverSideApply({ kind: 'Deployment', config: config(), live: undefined, manager: 'kubectl' }).object;
    const other = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 5 } };
    const r = serverSideApply({ kind: 'Deployment', config: other, live: first, manager: 'hpa', force: true });
    expect((r.object.spec as any).replicas).toBe(5);
    const mf = (r.object.metadata as any).managedFields;
    const kubectl = fromFieldsV1(mf.find((m: any) => m.manager === 'kubectl').fieldsV1);
    expect(kubectl.has(['f:spec', 'f:replicas'])).toBe(false);
    expect(kubectl.hasPrefix(['f:spec', 'f:selector'])).toBe(true);
    // kubectl applying again without replicas no longer fights over it.
    const cfg = config();
    delete cfg.spec.replicas;
    const again = serverSideApply({ kind: 'Deployment', config: cfg, live: r.object, manager: 'kubectl' });
    expect(again.conflicts).toEqual([]);
    expect((again.object.spec as any).replicas).toBe(5);
  });

  it('fields dropped from the configuration are removed unless someone else owns them', () => {
    const c1 = config();
    c1.metadata.labels.tier = 'front';
    c1.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox' });
    const first = serverSideApply({ kind: 'Deployment', config: c1, live: undefined, manager: 'kubectl' }).object;
    // Someone else (an Update) set an annotation and took the sidecar image.
    const edited = structuredClone(first) as any;
    edited.metadata.annotations = { note: 'x' };
    edited.spec.template.spec.containers[1].image = 'busybox:2';
    const tracked = trackUpdate({ kind: 'Deployment', old: first, updated: edited, manager: 'kubectl-edit', time: 't2' });
    const c2 = config(); // no tier label, no sidecar
    const r = serverSideApply({ kind: 'Deployment', config: c2, live: tracked, manager: 'kubectl' });
    expect(r.conflicts).toEqual([]);
    const o = r.object as any;
    expect(o.metadata.labels).toEqual({ app: 'web' });
    expect(o.metadata.annotations).toEqual({ note: 'x' });
    // The sidecar stays (its image is owned by kubectl-edit) but loses the fields only kubectl owned.
    expect(o.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['nginx', 'sidecar']);
    expect(o.spec.template.spec.containers[1].image).toBe('busybox:2');
  });

  it('keyed list elements merge with live ones and keep server-set fields', () => {
    const live = serverSideApply({ kind: 'Deployment', config: config(), live: undefined, manager: 'kubectl' }).object as any;
    live.spec.template.spec.containers[0].terminationMessagePath = '/dev/termination-log'; // a default
    const cfg = config();
    cfg.spec.template.spec.containers[0].image = 'nginx:1.25';
    const r = serverSideApply({ kind: 'Deployment', config: cfg, live, manager: 'kubectl' }).object as any;
    expect(r.spec.template.spec.containers[0]).toEqual({ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }], terminationMessagePath: '/dev/termination-log' });
  });
});

describe('update tracking', () => {
  it('gives the writer what it changed and takes it from others', () => {
    const created = trackUpdate({ kind: 'Deployment', old: undefined, updated: config(), manager: 'kubectl-create', apiVersion: 'apps/v1', time: 't0' }) as any;
    expect(created.metadata.managedFields).toHaveLength(1);
    expect(created.metadata.managedFields[0]).toMatchObject({ manager: 'kubectl-create', operation: 'Update' });
    const scaled = structuredClone(created);
    scaled.spec.replicas = 9;
    const out = trackUpdate({ kind: 'Deployment', old: created, updated: scaled, manager: 'kubectl-scale', time: 't1' }) as any;
    const mf = out.metadata.managedFields;
    expect(mf.map((m: any) => m.manager)).toEqual(['kubectl-create', 'kubectl-scale']);
    expect(fromFieldsV1(mf[0].fieldsV1).has(['f:spec', 'f:replicas'])).toBe(false);
    expect(mf[1].fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    // Apply by kubectl-create's fields now conflicts with kubectl-scale on replicas only.
    const cfg = config();
    cfg.spec.replicas = 3;
    const r = serverSideApply({ kind: 'Deployment', config: cfg, live: out, manager: 'kubectl' });
    expect(r.conflicts.map((c) => `${c.manager} ${formatFieldPath(c.path)}`)).toEqual(['kubectl-scale .spec.replicas']);
  });
  it('status writes leave spec ownership alone', () => {
    const created = trackUpdate({ kind: 'Deployment', old: undefined, updated: config(), manager: 'kubectl' }) as any;
    const withStatus = structuredClone(created);
    withStatus.status = { replicas: 2 };
    const out = trackUpdate({ kind: 'Deployment', old: created, updated: withStatus, manager: 'deployment-controller', subresource: 'status' }) as any;
    expect(out.metadata.managedFields.map((m: any) => [m.manager, m.subresource])).toEqual([['kubectl', undefined], ['deployment-controller', 'status']]);
    expect(fromFieldsV1(out.metadata.managedFields[0].fieldsV1).has(['f:spec', 'f:replicas'])).toBe(true);
  });
});
