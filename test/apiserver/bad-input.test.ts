// Whatever a client sends, the answer is a metav1.Status with a 4xx code: never a 500,
// never a stack trace, and nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, deployment, pod, startTestServer, type TestServer } from './harness.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await call(t.url, 'POST', '/api/v1/namespaces/default/pods', pod('target'));
  await call(t.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('target'));
});
afterAll(async () => {
  await t?.close();
});

const bodies: unknown[] = [
  'null', '[]', '42', '"str"', 'true', '{}', '{"metadata":null}', '{"metadata":[]}', '{"metadata":"x"}',
  '{"metadata":{"name":5}}', '{"metadata":{"name":"x","labels":"a"}}', '{"metadata":{"name":"x"},"spec":null}',
  '{"metadata":{"name":"x"},"spec":{"containers":"nope"}}', '{"metadata":{"name":"x"},"spec":{"containers":[null]}}',
  '{"metadata":{"name":"x"},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":"80"}]}]}}',
  '{"metadata":{"name":"x"},"spec":{"replicas":"3","selector":"a=b","template":7}}',
  '{"metadata":{"name":"x","finalizers":{"a":1}}}', '{"metadata":{"name":"x","ownerReferences":[{}]}}',
  '{"kind":"Status"}', '{"apiVersion":7}', '{"target":null}', '{"spec":{"replicas":-1}}',
  '{"metadata":{"name":"x","resourceVersion":"abc"}}', '{"metadata":{"name":"' + 'a'.repeat(300) + '"}}',
];

const endpoints: [string, string, string?][] = [
  ['POST', '/api/v1/namespaces/default/pods'],
  ['PUT', '/api/v1/namespaces/default/pods/target'],
  ['PUT', '/api/v1/namespaces/default/pods/target/status'],
  ['POST', '/api/v1/namespaces/default/pods/target/binding'],
  ['POST', '/api/v1/namespaces/default/bindings'],
  ['POST', '/apis/apps/v1/namespaces/default/deployments'],
  ['PUT', '/apis/apps/v1/namespaces/default/deployments/target'],
  ['PUT', '/apis/apps/v1/namespaces/default/deployments/target/scale'],
  ['PATCH', '/apis/apps/v1/namespaces/default/deployments/target', 'application/merge-patch+json'],
  ['PATCH', '/apis/apps/v1/namespaces/default/deployments/target', 'application/json-patch+json'],
  ['PATCH', '/apis/apps/v1/namespaces/default/deployments/target', 'application/strategic-merge-patch+json'],
  ['PATCH', '/apis/apps/v1/namespaces/default/deployments/target?fieldManager=x', 'application/apply-patch+yaml'],
  ['PATCH', '/apis/apps/v1/namespaces/default/deployments/target/scale', 'application/merge-patch+json'],
  ['PATCH', '/api/v1/namespaces/default/pods/target/status', 'application/strategic-merge-patch+json'],
  ['DELETE', '/api/v1/namespaces/default/pods/nothing-here'],
  ['PUT', '/api/v1/namespaces/default/finalize'],
  ['POST', '/api/v1/nodes'],
  ['POST', '/apis/coordination.k8s.io/v1/namespaces/default/leases'],
  ['POST', '/api/v1/namespaces/default/events'],
];

describe('bad input', () => {
  it('every malformed body on every write endpoint is a 4xx Status', async () => {
    const failures: string[] = [];
    for (const [method, path, ct] of endpoints) {
      for (const body of bodies) {
        const r = await call(t.url, method, path, body as string, { 'Content-Type': ct ?? 'application/json' });
        const ok = r.status >= 400 && r.status < 500 && r.body?.kind === 'Status' && !/\bat .*\.(ts|js):\d+/.test(r.text);
        // A few bodies are legitimately fine for some endpoints (e.g. `{}` as a merge patch).
        if (!ok && !(r.status >= 200 && r.status < 300)) failures.push(`${method} ${path} ${String(body).slice(0, 60)} → ${r.status} ${r.text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    // nothing named "x" was stored anywhere
    expect((await call(t.url, 'GET', '/api/v1/namespaces/default/pods/x')).status).toBe(404);
    expect((await call(t.url, 'GET', '/apis/apps/v1/namespaces/default/deployments/x')).status).toBe(404);
  });

  it('bad query parameters are 400s', async () => {
    for (const q of ['limit=abc', 'resourceVersion=xyz&resourceVersionMatch=Exact', 'continue=%%%', 'timeoutSeconds=x&watch=true', 'labelSelector=a%20in%20(', 'fieldSelector=x']) {
      const r = await call(t.url, 'GET', `/api/v1/namespaces/default/pods?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.kind).toBe('Status');
    }
    const d = await call(t.url, 'DELETE', '/api/v1/namespaces/default/pods/target?gracePeriodSeconds=soon');
    expect(d.status).toBe(400);
    const p = await call(t.url, 'DELETE', '/api/v1/namespaces/default/pods/target', { propagationPolicy: 'Sideways' });
    expect(p.status).toBe(400);
    expect((await call(t.url, 'GET', '/api/v1/namespaces/default/pods/target')).status).toBe(200);
  });

  it('unsupported methods and paths are Status errors', async () => {
    expect((await call(t.url, 'POST', '/api/v1/namespaces/default/pods/target')).status).toBe(405);
    expect((await call(t.url, 'GET', '/api/v1/namespaces/default/pods/target/bogus')).status).toBe(404);
    expect((await call(t.url, 'GET', '/api/v2/pods')).status).toBe(404);
    expect((await call(t.url, 'POST', '/api/v1/pods', pod('nowhere'))).status).toBe(404);
  });
});
