// The official JavaScript client's informer (@kubernetes/client-node 1.x makeInformer) across an
// API server restart after which the resourceVersion it holds is compacted away: the server
// answers its re-watch with a 410 Expired ERROR event, as kube-apiserver does, and the
// informer relists (seeing what changed meanwhile as deletes and adds) and keeps watching.
// One in-process API server over one embedded store, restarted on the same port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { openEmbeddedStorage } from '../../apiserver/storage/embedded.js';
import { createApiServer, type ApiServer } from '../../apiserver/server.js';
import type { Storage } from '../../apiserver/storage/interface.js';
import { testPki } from '../support/tls.js';
import { waitFor } from '../support/wait.js';

const NS = 'relist';

describe('client-node informer: relist after 410 Gone', () => {
  let storage: Storage;
  let server: ApiServer | undefined;
  let port = 0;
  const kc = new k8s.KubeConfig();
  let core: k8s.CoreV1Api;

  async function start(): Promise<void> {
    const pki = testPki();
    // A watch cache that keeps only the latest event (kube-apiserver's is bounded too,
    // --default-watch-cache-size), so older resourceVersions are read from the store's history.
    server = createApiServer({ compactionIntervalMs: 0, watchCacheCapacity: 1, storage, tls: { cert: pki.serving.certPem, key: pki.serving.keyPem, clientCA: pki.caPem } });
    port = (await server.listen(port, '127.0.0.1')).port;
  }

  beforeAll(async () => {
    storage = await openEmbeddedStorage({});
    await start();
    const pki = testPki();
    kc.loadFromOptions({
      clusters: [{ name: 'test', server: `https://127.0.0.1:${port}`, caData: Buffer.from(pki.caPem).toString('base64') }],
      users: [{ name: 'admin', certData: Buffer.from(pki.admin.certPem).toString('base64'), keyData: Buffer.from(pki.admin.keyPem).toString('base64') }],
      contexts: [{ name: 'test', cluster: 'test', user: 'admin' }],
      currentContext: 'test',
    });
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });
  afterAll(async () => {
    await server?.close();
    await storage.close();
  });

  it('relists when its resourceVersion was compacted while the server was down, then keeps watching', async () => {
    for (const name of ['keep', 'gone']) await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name }, data: { v: '1' } } });
    let lists = 0;
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${NS}/configmaps`, () => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: NS });
    });
    const added: string[] = [];
    const deleted: string[] = [];
    const errors: unknown[] = [];
    informer.on('add', (cm) => added.push(cm.metadata!.name!));
    informer.on('delete', (cm) => deleted.push(cm.metadata!.name!));
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    try {
      await waitFor('both ConfigMaps in the informer', () => informer.list(NS).length === 2);
      const heldRV = (informer as unknown as k8s.ListWatch<k8s.V1ConfigMap>).latestResourceVersion();

      // The server goes away: the informer's watch ends and its re-watch fails (its 'error').
      await server!.close();
      server = undefined;
      await waitFor('the informer\'s error once the server is gone', () => errors.length > 0);

      // Back on the same port and store; things change (more than its watch cache keeps) and
      // history is compacted past what the informer holds (as the periodic compaction would).
      await start();
      await core.deleteNamespacedConfigMap({ name: 'gone', namespace: NS });
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'new' }, data: { v: '1' } } });
      await storage.compact(storage.revision);

      // What a re-watch from that resourceVersion gets: a 410 Expired Status as an ERROR event.
      const events: { type: string; object: { code?: number; reason?: string; message?: string } }[] = [];
      const raw = await new k8s.Watch(kc).watch(`/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: heldRV }, (type, object) => events.push({ type, object }), () => undefined);
      await waitFor('an event on the re-watch', () => events.length > 0);
      raw.abort();
      expect(events[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
      expect(events[0]!.object.message).toMatch(/^too old resource version: /);

      // The informer restarted as its users' error handlers do: the 410 makes it list again.
      expect((informer as unknown as k8s.ListWatch<k8s.V1ConfigMap>).latestResourceVersion()).toBe(heldRV);
      expect(lists).toBe(1);
      await informer.start();
      await waitFor('the relist: gone deleted, new added', () => deleted.includes('gone') && added.includes('new'));
      expect(lists).toBe(2);
      expect(informer.list(NS).map((cm) => cm.metadata!.name).sort()).toEqual(['keep', 'new']);

      // And it keeps watching from the fresh list.
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'after' }, data: { v: '1' } } });
      await waitFor('the ConfigMap made after the relist', () => added.includes('after'));
      expect(lists).toBe(2);
      expect(added.sort()).toEqual(['after', 'gone', 'keep', 'new']);
    } finally {
      await informer.stop();
    }
  });
});
