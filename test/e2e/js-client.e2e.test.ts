// The official JavaScript client (@kubernetes/client-node 1.x; 2.x needs Node 22) against
// `skiff up`, as its users drive it: an informer seeing a rollout's pods come and go, the
// Watch helper from a resourceVersion, and the errors it raises.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Cluster, until } from './cluster.js';

const NS = 'js-client';
const labels = { app: 'web' };

/** The ApiException's Status body (the client keeps it as a JSON string). */
function statusOf(e: unknown): { code: number; reason?: string; details?: { causes?: { field?: string }[] } } {
  const err = e as k8s.ApiException<string>;
  return { code: err.code, ...JSON.parse(err.body) };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

describe('the official JavaScript client against skiff up', () => {
  const cluster = new Cluster({ nodes: 1, runtime: 'fake' });
  const kc = new k8s.KubeConfig();
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  beforeAll(async () => {
    await cluster.up();
    // The kubeconfig skiff up merged, as it is: the cluster CA and the admin's client certificate.
    kc.loadFromFile(path.join(cluster.home, '.kube', 'config'));
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  }, 180_000);
  afterAll(() => cluster.destroy());

  it('an informer sees a Deployment\'s pods come and go (scaled to 0 through the scale subresource)', async () => {
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${NS}/pods`, () => core.listNamespacedPod({ namespace: NS, labelSelector: 'app=web' }), 'app=web');
    const added = new Set<string>();
    const deleted = new Set<string>();
    informer.on('add', (p) => added.add(p.metadata!.name!));
    informer.on('delete', (p) => deleted.add(p.metadata!.name!));
    await informer.start();
    try {
      await apps.createNamespacedDeployment({
        namespace: NS,
        body: {
          metadata: { name: 'web', labels },
          spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'host', command: ['sleep', '3600'] }] } } },
        },
      });
      await until('two pods in the informer cache', async () => informer.list(NS).length === 2, 60_000, 100);
      // Through the scale subresource: no resourceVersion, so no race with the controller's status writes.
      await apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: NS, body: { metadata: { name: 'web', namespace: NS }, spec: { replicas: 0 } } });
      expect((await apps.readNamespacedDeploymentScale({ name: 'web', namespace: NS })).spec?.replicas).toBe(0);
      await until('the pods deleted in the informer', async () => informer.list(NS).length === 0, 60_000, 100);
      expect(added.size).toBe(2);
      expect([...deleted].sort()).toEqual([...added].sort());
    } finally {
      await informer.stop();
    }
  });

  it('the Watch helper delivers what happens after a resourceVersion', async () => {
    const list = await core.listNamespacedPod({ namespace: NS });
    const events: [string, string][] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(`/api/v1/namespaces/${NS}/pods`, { resourceVersion: list.metadata!.resourceVersion }, (type, obj) => events.push([type, obj.metadata.name]), () => undefined);
    try {
      await core.createNamespacedPod({ namespace: NS, body: { metadata: { name: 'solo' }, spec: { containers: [{ name: 'c', image: 'host' }] } } });
      await until('ADDED solo', async () => events.some(([t, n]) => t === 'ADDED' && n === 'solo'), 30_000, 50);
    } finally {
      req.abort();
    }
  });

  it('raises ApiExceptions carrying the Status: 404, 409 AlreadyExists, 409 Conflict, 422 with causes', async () => {
    expect(statusOf(await rejection(core.readNamespacedPod({ name: 'ghost', namespace: NS })))).toMatchObject({ code: 404, reason: 'NotFound' });
    const body = { metadata: { name: 'solo' }, spec: { containers: [{ name: 'c', image: 'host' }] } };
    expect(statusOf(await rejection(core.createNamespacedPod({ namespace: NS, body })))).toMatchObject({ code: 409, reason: 'AlreadyExists' });
    const bad = statusOf(await rejection(core.createNamespacedPod({ namespace: NS, body: { ...body, metadata: { name: 'Bad_Name' } } })));
    expect(bad).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(bad.details?.causes?.some((c) => c.field === 'metadata.name')).toBe(true);
    // A Service: no controller writes it, so only our own replace makes the resourceVersion stale.
    const svc = await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'occ' }, spec: { ports: [{ port: 80 }] } } });
    await core.replaceNamespacedService({ name: 'occ', namespace: NS, body: { ...svc, metadata: { ...svc.metadata, labels: { tier: 'front' } } } });
    const conflict = await rejection(core.replaceNamespacedService({ name: 'occ', namespace: NS, body: { ...svc, metadata: { ...svc.metadata, labels: { tier: 'back' } } } }));
    expect(statusOf(conflict)).toMatchObject({ code: 409, reason: 'Conflict' });
  });
});
