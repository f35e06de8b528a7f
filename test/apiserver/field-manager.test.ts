// Field ownership without I/O: field sets, update ownership, apply conflicts and removals.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/meta.js';
import { apply, describePath, fieldSetOf, leaves, managerFromUserAgent, recordUpdate } from '../../apiserver/registry/field-manager.js';
import { applyStrategicMergePatch } from '../../api/patch/strategic.js';

const dep = (replicas: number, image: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'u', resourceVersion: '5', labels },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
  status: { replicas: 1 },
});

describe('fieldSetOf', () => {
  it('keys maps by field, keyed lists by merge key, and skips identity and status', () => {
    const set = fieldSetOf('Deployment', dep(2, 'nginx', { a: 'b' }));
    expect(set['f:status']).toBeUndefined();
    expect(set['f:metadata']).toEqual({ 'f:labels': { 'f:a': {} } });
    expect(set['f:spec']!['f:template']!['f:spec']!['f:containers']).toEqual({ 'k:{"name":"web"}': { '.': {}, 'f:name': {}, 'f:image': {} } });
    expect(leaves(set).map(describePath)).toContain('.spec.template.spec.containers[name="web"].image');
  });
  it('set-like lists by value, atomic lists whole', () => {
    const d = dep(1, 'nginx');
    d.metadata.finalizers = ['a', 'b'];
    (d.spec as any).template.spec.containers[0].args = ['x', 'y'];
    const set = fieldSetOf('Deployment', d);
    expect(set['f:metadata']!['f:finalizers']).toEqual({ 'v:"a"': {}, 'v:"b"': {} });
    expect(set['f:spec']!['f:template']!['f:spec']!['f:containers']!['k:{"name":"web"}']!['f:args']).toEqual({});
    expect(leaves(set).map(describePath)).toEqual(expect.arrayContaining(['.metadata.finalizers["a"]', '.spec.template.spec.containers[name="web"].args']));
  });
});

describe('recordUpdate', () => {
  it('gives the writer the fields it changed and takes them from others', () => {
    const created = dep(1, 'nginx');
    recordUpdate('Deployment', 'apps/v1', created, undefined, 'creator');
    expect(created.metadata.managedFields!.map((e) => e.manager)).toEqual(['creator']);
    const scaled = structuredClone(created);
    (scaled.spec as { replicas: number }).replicas = 4;
    recordUpdate('Deployment', 'apps/v1', scaled, created, 'scaler');
    const byManager = Object.fromEntries(scaled.metadata.managedFields!.map((e) => [e.manager, leaves(e.fieldsV1 as never).map(describePath)]));
    expect(byManager.scaler).toEqual(['.spec.replicas']);
    expect(byManager.creator).not.toContain('.spec.replicas');
  });
  it('names the manager after the User-Agent', () => {
    expect(managerFromUserAgent('kubectl/v1.32.4 (linux/amd64) kubernetes/abc')).toBe('kubectl');
    expect(managerFromUserAgent(undefined)).toBeUndefined();
  });
});

describe('apply', () => {
  const doApply = (live: KubeObject, config: KubeObject, manager: string, force = false) => {
    const { apiVersion: _a, kind: _k, ...patch } = config;
    const merged = applyStrategicMergePatch(structuredClone(live), patch, 'Deployment') as KubeObject;
    return apply('Deployment', 'apps/v1', live, config, merged, manager, force);
  };
  it('conflicts only on differing values owned by someone else; force takes over', () => {
    const live = dep(1, 'nginx');
    recordUpdate('Deployment', 'apps/v1', live, undefined, 'other');
    const same = doApply(live, dep(1, 'nginx'), 'me');
    expect(same.metadata.managedFields!.map((e) => e.manager)).toEqual(['other', 'me']);
    let err: any;
    try { doApply(live, dep(3, 'nginx'), 'me'); } catch (e) { err = e; }
    expect(err?.status?.code).toBe(409);
    expect(err.status.message).toBe('Apply failed with 1 conflict: conflict with "other" using apps/v1: .spec.replicas');
    const forced = doApply(live, dep(3, 'nginx'), 'me', true);
    expect((forced.spec as { replicas: number }).replicas).toBe(3);
    const other = forced.metadata.managedFields!.find((e) => e.manager === 'other')!;
    expect(leaves(other.fieldsV1 as never).map(describePath)).not.toContain('.spec.replicas');
  });
  it('removes fields the manager stopped applying unless someone else owns them', () => {
    let live = dep(1, 'nginx', { a: '1', b: '2' });
    live.metadata.managedFields = [];
    live = doApply(live, dep(1, 'nginx', { a: '1', b: '2' }), 'me');
    const next = doApply(live, dep(1, 'nginx', { a: '1' }), 'me');
    expect(next.metadata.labels).toEqual({ a: '1' });
  });
  it('a list item both apply (same key) is shared, even when the live item carries server defaults', () => {
    const live = dep(1, 'nginx');
    recordUpdate('Deployment', 'apps/v1', live, undefined, 'kubectl');
    const c = (live.spec as any).template.spec.containers[0];
    Object.assign(c, { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', ports: [{ containerPort: 80, protocol: 'TCP' }] });
    const config = dep(3, 'nginx');
    (config.spec as any).template.spec.containers[0].ports = [{ containerPort: 80 }];
    let err: any;
    try { doApply(live, config, 'other'); } catch (e) { err = e; }
    expect(err?.status?.message).toBe('Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas');
  });
});
