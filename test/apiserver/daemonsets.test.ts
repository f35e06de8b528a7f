// DaemonSets and ControllerRevisions (apps/v1) in the API server: SetDefaults_DaemonSet,
// validation with Kubernetes' field paths (a selector that does not match the template, the
// rolling-update bounds, the immutable selector), the status subresource, discovery's short
// name, and kubectl's columns for both kinds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toTable } from '../../apiserver/printers.js';
import { resourceByKind } from '../../api/resources.js';
import { call, startTestServer, type TestServer } from './harness.js';

const DSS = '/apis/apps/v1/namespaces/default/daemonsets';
const REVS = '/apis/apps/v1/namespaces/default/controllerrevisions';
const ds = (name: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = { app: name }): any => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'agent' }] } }, ...spec },
});
const causes = (body: any) => (body.details?.causes ?? []).map((c: any) => `${c.field}: ${c.message}`);

let s: TestServer;
beforeAll(async () => { s = await startTestServer(); });
afterAll(async () => { await s.close(); });

describe('DaemonSet', () => {
  it('defaults RollingUpdate maxUnavailable 1 / maxSurge 0 and ten revisions; status starts at zero', async () => {
    const r = await call(s.url, 'POST', DSS, ds('agent'));
    expect(r.status).toBe(201);
    expect(r.body.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(r.body.spec.revisionHistoryLimit).toBe(10);
    expect(r.body.spec.template.spec.restartPolicy).toBe('Always');
    expect(r.body.status).toEqual({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
    expect(r.body.metadata.generation).toBe(1);
  });

  it('refuses a selector that does not match the template, bad bounds and a changed selector (422 with the field)', async () => {
    let r = await call(s.url, 'POST', DSS, ds('mismatch', {}, { app: 'other' }));
    expect(r.status).toBe(422);
    expect(causes(r.body)).toEqual(['spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`']);
    r = await call(s.url, 'POST', DSS, ds('both', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } }));
    expect(causes(r.body)).toEqual(['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero']);
    r = await call(s.url, 'POST', DSS, ds('none', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }));
    expect(causes(r.body)).toEqual(['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0']);
    r = await call(s.url, 'POST', DSS, ds('never', { template: { metadata: { labels: { app: 'never' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'a' }] } } }));
    expect(causes(r.body)).toEqual(['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
    const live = (await call(s.url, 'GET', `${DSS}/agent`)).body;
    r = await call(s.url, 'PUT', `${DSS}/agent`, { ...live, spec: { ...live.spec, selector: { matchLabels: { app: 'agent', x: 'y' } }, template: { ...live.spec.template, metadata: { labels: { app: 'agent', x: 'y' } } } } });
    expect(causes(r.body)).toEqual(['spec.selector: Invalid value: {"matchLabels":{"app":"agent","x":"y"}}: field is immutable']);
  });

  it('is in discovery as daemonsets, short name ds, with status; controllerrevisions beside it', async () => {
    const r = await call(s.url, 'GET', '/apis/apps/v1');
    expect(r.body.resources.find((x: any) => x.name === 'daemonsets')).toMatchObject({ kind: 'DaemonSet', shortNames: ['ds'], categories: ['all'] });
    expect(r.body.resources.some((x: any) => x.name === 'daemonsets/status')).toBe(true);
    expect(r.body.resources.find((x: any) => x.name === 'controllerrevisions')).toMatchObject({ kind: 'ControllerRevision', namespaced: true });
  });

  it('prints NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE as kubectl', () => {
    const info = resourceByKind('DaemonSet')!;
    expect(toTable(info, []).columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers', 'Images', 'Selector']);
    const d = { ...ds('agent'), metadata: { name: 'agent', creationTimestamp: '2026-01-01T00:00:00Z' }, status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2, numberMisscheduled: 0 } };
    d.spec.template.spec.nodeSelector = { 'kubernetes.io/os': 'linux' };
    expect(toTable(info, [d], { now: Date.parse('2026-01-01T00:10:00Z') } as never).rows[0]!.cells).toEqual(['agent', 3, 3, 2, 1, 2, 'kubernetes.io/os=linux', '10m', 'c', 'agent', 'app=agent']);
  });
});

describe('ControllerRevision', () => {
  it('is stored with its data; the data may not change; printed as NAME CONTROLLER REVISION AGE', async () => {
    const rev = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'agent-abc', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u1', controller: true }] }, data: { spec: { template: { $patch: 'replace' } } }, revision: 1 };
    let r = await call(s.url, 'POST', REVS, rev);
    expect(r.status).toBe(201);
    r = await call(s.url, 'PUT', `${REVS}/agent-abc`, { ...r.body, data: { spec: {} } });
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe('data');
    const info = resourceByKind('ControllerRevision')!;
    expect(toTable(info, [{ ...rev, metadata: { ...rev.metadata, creationTimestamp: '2026-01-01T00:00:00Z' } }], { now: Date.parse('2026-01-01T00:00:30Z') } as never).rows[0]!.cells).toEqual(['agent-abc', 'daemonset.apps/agent', 1, '30s']);
  });
});
