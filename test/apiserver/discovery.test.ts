import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { discoveryRouter } from '../../apiserver/discovery.js';

// Responses are arbitrary JSON documents the tests take apart.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(discoveryRouter());
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const KUBECTL_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

describe('discovery', () => {
  it('reports minor version 32 so the kubectl dispatcher picks kubectl 1.32', async () => {
    const v = await json(fetch(`${base}/version`));
    expect(v).toMatchObject({ major: '1', minor: '32' });
    expect(v.gitVersion).toMatch(/^v1\.32\./);
  });

  it('serves plain APIVersions and APIGroupList', async () => {
    expect(await json(fetch(`${base}/api`))).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = await json(fetch(`${base}/apis`));
    expect(groups.kind).toBe('APIGroupList');
    expect(groups.groups.map((g: { name: string }) => g.name).sort()).toEqual(['apps', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch', 'certificates.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'metrics.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io']);
  });

  it('serves aggregated discovery v2 when kubectl asks for it', async () => {
    const res = await fetch(`${base}/apis`, { headers: { accept: KUBECTL_ACCEPT } });
    expect(res.headers.get('content-type')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const body = await json(res);
    expect(body.kind).toBe('APIGroupDiscoveryList');
    const apps = body.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'apps');
    const deploy = apps.versions[0].resources.find((r: { resource: string }) => r.resource === 'deployments');
    expect(deploy).toMatchObject({ scope: 'Namespaced', shortNames: ['deploy'], responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' } });
    expect(deploy.subresources.find((s: { subresource: string }) => s.subresource === 'scale').responseKind).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const core = await json(fetch(`${base}/api`, { headers: { accept: KUBECTL_ACCEPT } }));
    expect(core.items[0].metadata.name).toBe('');
  });

  it('lists resources and subresources per group-version', async () => {
    const v1 = await json(fetch(`${base}/api/v1`));
    const names = v1.resources.map((r: { name: string }) => r.name);
    expect(names).toEqual(expect.arrayContaining(['pods', 'pods/status', 'pods/binding', 'pods/log', 'nodes', 'namespaces', 'events', 'bindings']));
    const apps = await json(fetch(`${base}/apis/apps/v1`));
    expect(apps.groupVersion).toBe('apps/v1');
    expect(apps.resources.find((r: { name: string }) => r.name === 'deployments/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
  });
});
