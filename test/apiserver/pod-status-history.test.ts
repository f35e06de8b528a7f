// A finished pod's history is final: the status subresource refuses (422) to move a
// Succeeded/Failed pod back to a non-terminal phase, or a terminated container of a pod that
// does not restart it back to running or waiting — whoever sends the write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePodStatusUpdate } from '../../api/core/pod-validation.js';
import { call, pod, startTestServer, type TestServer } from './harness.js';

const terminated = (exitCode: number) => ({ name: 'c', ready: false, restartCount: 0, image: 'nginx:1.25', imageID: '', state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed' } } });
const waiting = { name: 'c', ready: false, restartCount: 0, image: 'nginx:1.25', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } };
const running = { name: 'c', ready: true, restartCount: 1, image: 'nginx:1.25', imageID: '', state: { running: {} } };

describe('validatePodStatusUpdate', () => {
  const old = (restartPolicy: string, phase: string, exitCode: number) => ({ spec: { restartPolicy }, status: { phase, containerStatuses: [terminated(exitCode)] } });

  it('refuses a terminal phase going back, for every restart policy', () => {
    for (const rp of ['Always', 'OnFailure', 'Never']) {
      const errs = validatePodStatusUpdate({ status: { phase: 'Running', containerStatuses: [terminated(0)] } }, old(rp, 'Succeeded', 0));
      expect(errs).toContainEqual({ type: 'FieldValueForbidden', field: 'status.phase', message: 'Forbidden: may not be transitioned from the terminal phase Succeeded to Running' });
    }
    expect(validatePodStatusUpdate({ status: { phase: 'Pending' } }, old('Never', 'Failed', 1)).map((e) => e.field)).toContain('status.phase');
  });

  it('refuses a terminated container leaving terminated unless the restart policy restarts it', () => {
    const back = { status: { phase: 'Succeeded', containerStatuses: [waiting] } };
    expect(validatePodStatusUpdate(back, old('Never', 'Succeeded', 0))).toEqual([
      { type: 'FieldValueForbidden', field: 'status.containerStatuses[0].state', message: 'Forbidden: may not be transitioned to non-terminated state' },
    ]);
    // OnFailure restarts a failed container, not a succeeded one.
    expect(validatePodStatusUpdate({ status: { phase: 'Running', containerStatuses: [running] } }, old('OnFailure', 'Running', 1))).toEqual([]);
    expect(validatePodStatusUpdate({ status: { phase: 'Running', containerStatuses: [running] } }, old('OnFailure', 'Running', 0))).toHaveLength(1);
    // Always restarts everything.
    expect(validatePodStatusUpdate({ status: { phase: 'Running', containerStatuses: [running] } }, old('Always', 'Running', 0))).toEqual([]);
  });

  it('lets a running pod move on and a terminal pod keep its phase', () => {
    expect(validatePodStatusUpdate({ status: { phase: 'Succeeded', containerStatuses: [terminated(0)] } }, { spec: { restartPolicy: 'Never' }, status: { phase: 'Running' } })).toEqual([]);
    expect(validatePodStatusUpdate({ status: { phase: 'Succeeded', containerStatuses: [terminated(0)] } }, old('Never', 'Succeeded', 0))).toEqual([]);
  });
});

describe('pods/status over HTTP', () => {
  let t: TestServer;
  beforeAll(async () => { t = await startTestServer(); });
  afterAll(async () => { await t?.close(); });
  const P = '/api/v1/namespaces/default/pods';

  it('a Succeeded pod cannot be written back to Pending or ContainerCreating (422), and keeps its status', async () => {
    const created = (await call(t.url, 'POST', P, pod('hello', {}, { restartPolicy: 'Never' }))).body;
    const done = await call(t.url, 'PUT', `${P}/hello/status`, { ...created, status: { phase: 'Succeeded', containerStatuses: [terminated(0)] } });
    expect(done.status).toBe(200);
    const back = await call(t.url, 'PUT', `${P}/hello/status`, { ...done.body, status: { phase: 'Pending', containerStatuses: [waiting] } });
    expect(back.status).toBe(422);
    expect(back.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
    expect(back.body.details.causes.map((c: { field: string }) => c.field).sort()).toEqual(['status.containerStatuses[0].state', 'status.phase']);
    const patch = await call(t.url, 'PATCH', `${P}/hello/status`, { status: { phase: 'Running' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(patch.status).toBe(422);
    const now = (await call(t.url, 'GET', `${P}/hello`)).body;
    expect(now.status.phase).toBe('Succeeded');
    expect(now.status.containerStatuses[0].state.terminated.exitCode).toBe(0);
  });
});
