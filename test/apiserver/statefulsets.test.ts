// StatefulSets (apps/v1) in the API server: SetDefaults_StatefulSet, validation with
// Kubernetes' field paths (no serviceName, a selector that does not match the template, a
// bad partition, the fields an update may not change), the status and scale subresources,
// discovery's short name and category, and kubectl's columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toTable } from '../../apiserver/printers.js';
import { resourceByKind } from '../../api/resources.js';
import { call, startTestServer, type TestServer } from './harness.js';

const STS = '/apis/apps/v1/namespaces/default/statefulsets';
const sts = (name: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = { app: name }): any => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name },
  spec: {
    serviceName: name, replicas: 3,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'web' }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
    ...spec,
  },
});
const causes = (body: any) => (body.details?.causes ?? []).map((c: any) => `${c.field}: ${c.message}`);

let s: TestServer;
beforeAll(async () => { s = await startTestServer(); });
afterAll(async () => { await s.close(); });

describe('StatefulSet', () => {
  it('defaults OrderedReady, RollingUpdate at partition 0, Retain/Retain, ten revisions; status starts empty', async () => {
    const r = await call(s.url, 'POST', STS, sts('web'));
    expect(r.status).toBe(201);
    expect(r.body.spec.podManagementPolicy).toBe('OrderedReady');
    expect(r.body.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(r.body.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(r.body.spec.revisionHistoryLimit).toBe(10);
    expect(r.body.spec.volumeClaimTemplates[0].spec.volumeMode).toBe('Filesystem');
    expect(r.body.spec.template.spec.restartPolicy).toBe('Always');
    expect(r.body.status).toEqual({ replicas: 0, availableReplicas: 0 });
    expect(r.body.metadata.generation).toBe(1);
  });

  it('refuses a missing serviceName, a mismatched selector, bad policies and claim templates (422 with the field)', async () => {
    let r = await call(s.url, 'POST', STS, sts('noservice', { serviceName: undefined }));
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    expect(causes(r.body)).toEqual(['spec.serviceName: Required value']);
    r = await call(s.url, 'POST', STS, sts('mismatch', {}, { app: 'other' }));
    expect(causes(r.body)).toEqual(['spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`']);
    r = await call(s.url, 'POST', STS, sts('part', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } }));
    expect(causes(r.body)).toEqual(['spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0']);
    r = await call(s.url, 'POST', STS, sts('policy', { podManagementPolicy: 'Random' }));
    expect(causes(r.body)).toEqual(['spec.podManagementPolicy: Unsupported value: "Random": supported values: "OrderedReady", "Parallel"']);
    r = await call(s.url, 'POST', STS, sts('claims', { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Mi' } } } }] }));
    expect(causes(r.body)).toEqual(['spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required']);
  });

  it('lets an update change replicas, template and strategy, but not selector, serviceName, claims or policy', async () => {
    const live = (await call(s.url, 'GET', `${STS}/web`)).body;
    const forbidden = "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
    for (const change of [
      { serviceName: 'other' },
      { podManagementPolicy: 'Parallel' },
      { volumeClaimTemplates: [] },
      { selector: { matchLabels: { app: 'web', x: 'y' } }, template: { ...live.spec.template, metadata: { labels: { app: 'web', x: 'y' } } } },
    ]) {
      const r = await call(s.url, 'PUT', `${STS}/web`, { ...live, spec: { ...live.spec, ...change } });
      expect(r.status).toBe(422);
      expect(causes(r.body)).toEqual([forbidden]);
    }
    const r = await call(s.url, 'PUT', `${STS}/web`, { ...live, spec: { ...live.spec, replicas: 5, updateStrategy: { type: 'OnDelete' } } });
    expect(r.status).toBe(200);
    expect(r.body.metadata.generation).toBe(2);
  });

  it('has a scale subresource that moves spec.replicas', async () => {
    let r = await call(s.url, 'GET', `${STS}/web/scale`);
    expect(r.body).toMatchObject({ kind: 'Scale', spec: { replicas: 5 }, status: { replicas: 0, selector: 'app=web' } });
    r = await call(s.url, 'PATCH', `${STS}/web/scale`, { spec: { replicas: 2 } }, { 'content-type': 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    expect((await call(s.url, 'GET', `${STS}/web`)).body.spec.replicas).toBe(2);
  });

  it('is in discovery as statefulsets, short name sts, category all, with status and scale', async () => {
    const r = await call(s.url, 'GET', '/apis/apps/v1');
    expect(r.body.resources.find((x: any) => x.name === 'statefulsets')).toMatchObject({ kind: 'StatefulSet', shortNames: ['sts'], categories: ['all'] });
    expect(r.body.resources.some((x: any) => x.name === 'statefulsets/status')).toBe(true);
    expect(r.body.resources.some((x: any) => x.name === 'statefulsets/scale')).toBe(true);
  });

  it('prints NAME READY AGE as kubectl', () => {
    const info = resourceByKind('StatefulSet')!;
    expect(toTable(info, []).columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Ready', 'Age', 'Containers', 'Images']);
    const d = { ...sts('web'), metadata: { name: 'web', creationTimestamp: '2026-01-01T00:00:00Z' }, status: { replicas: 3, readyReplicas: 2 } };
    expect(toTable(info, [d], { now: Date.parse('2026-01-01T00:10:00Z') } as never).rows[0]!.cells).toEqual(['web', '2/3', '10m', 'c', 'web']);
  });
});
