import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openapiRouter } from '../../apiserver/openapi.js';

// Responses are arbitrary JSON documents the tests take apart.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(openapiRouter());
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('OpenAPI v3', () => {
  it('lists every group-version kubectl may apply, under hash-qualified URLs', async () => {
    const root = await json(fetch(`${base}/openapi/v3`));
    expect(Object.keys(root.paths).sort()).toEqual(['api/v1', 'apis/apps/v1', 'apis/authentication.k8s.io/v1', 'apis/authorization.k8s.io/v1', 'apis/autoscaling/v2', 'apis/batch/v1', 'apis/certificates.k8s.io/v1', 'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1', 'apis/metrics.k8s.io/v1beta1', 'apis/rbac.authorization.k8s.io/v1', 'apis/storage.k8s.io/v1']);
    expect(root.paths['apis/apps/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]+$/);
  });

  it('serves a document whose PATCH operations carry the GVK and fieldValidation (what kubectl apply checks)', async () => {
    const root = await json(fetch(`${base}/openapi/v3`));
    const doc = await json(fetch(base + root.paths['apis/apps/v1'].serverRelativeURL));
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(patch.parameters.map((p: { name: string }) => p.name)).toContain('fieldValidation');
    expect(doc.components.schemas['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  });

  it('answers 304 to a matching If-None-Match and marks hashed URLs immutable', async () => {
    const root = await json(fetch(`${base}/openapi/v3`));
    const url = base + root.paths['api/v1'].serverRelativeURL;
    const first = await fetch(url);
    expect(first.headers.get('cache-control')).toContain('immutable');
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    const second = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(second.status).toBe(304);
  });

  it('answers 404 with a Status for an unknown group-version and for v2', async () => {
    const res = await fetch(`${base}/openapi/v3/apis/policy/v1`);
    expect(res.status).toBe(404);
    expect((await json(res)).kind).toBe('Status');
    expect((await fetch(`${base}/openapi/v2`)).status).toBe(404);
  });
});
