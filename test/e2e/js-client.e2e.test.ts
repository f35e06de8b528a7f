// The official JavaScript client (@kubernetes/client-node 1.x; 2.x needs Node 22) against
// `skiff up` (process runtime, for logs and exec), as its users drive it: an informer seeing a
// rollout's pods come and go, the Watch helper from a resourceVersion, the three patch types
// and server-side apply through setHeaderOptions, paging and selectors, orphan and foreground
// deletion, the Log and Exec stream helpers, and the errors it raises. (The informer's relist
// after a 410 is test/apiserver/client-node-relist.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
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

/** A Writable collecting what is written to it. */
function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      w.text += chunk.toString();
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

describe('the official JavaScript client against skiff up', () => {
  const cluster = new Cluster({ nodes: 1, runtime: 'process' });
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
  afterAll(() => cluster.destroy(), 180_000);

  it('an informer sees a Deployment\'s pods come and go (scaled to 0 through the scale subresource)', async () => {
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${NS}/pods`, () => core.listNamespacedPod({ namespace: NS, labelSelector: 'app=web' }), 'app=web');
    const added = new Set<string>();
    const deleted = new Set<string>();
    informer.on('add', (p) => added.add(p.metadata!.name!));
    informer.on('delete', (p) => deleted.add(p.metadata!.name!));
    // The informer stops for good on a watch error other than 410; keep it for the failure message.
    const errors: string[] = [];
    informer.on('error', (e) => errors.push(String(e)));
    await informer.start();
    try {
      await apps.createNamespacedDeployment({
        namespace: NS,
        body: {
          metadata: { name: 'web', labels },
          spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'host', command: ['sleep', '3600'] }] } } },
        },
      });
      await until('two pods in the informer cache', async () => informer.list(NS).length === 2, 60_000, 100);
      // Through the scale subresource: no resourceVersion, so no race with the controller's status writes.
      await apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: NS, body: { metadata: { name: 'web', namespace: NS }, spec: { replicas: 0 } } });
      expect((await apps.readNamespacedDeploymentScale({ name: 'web', namespace: NS })).spec?.replicas).toBe(0);
      await until('the pods deleted in the informer', async () => informer.list(NS).length === 0, 60_000, 100).catch(async (e: Error) => {
        const pods = await core.listNamespacedPod({ namespace: NS });
        const states = pods.items.map((p) => `${p.metadata!.name} ${p.status?.phase}${p.metadata!.deletionTimestamp ? ' deleting' : ''}`);
        throw new Error(`${e.message}; the informer's watch errors: [${errors.join('; ')}]; pods in the API: [${states.join(', ')}]`);
      });
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
      await core.createNamespacedPod({ namespace: NS, body: { metadata: { name: 'solo' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'host', command: ['sleep', '3600'] }] } } });
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
  it('patches through setHeaderOptions: merge, strategic merge, JSON patch and server-side apply', async () => {
    await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'pat' }, spec: { ports: [{ name: 'a', port: 80 }] } } });
    const patch = (body: object, type: k8s.PatchStrategy, extra: object = {}) =>
      core.patchNamespacedService({ name: 'pat', namespace: NS, body, ...extra }, k8s.setHeaderOptions('Content-Type', type));
    // Strategic merge merges ports by their key; a JSON merge patch replaces the list.
    let svc = await patch({ spec: { ports: [{ name: 'b', port: 81 }] } }, k8s.PatchStrategy.StrategicMergePatch);
    expect(svc.spec!.ports!.map((p) => p.port).sort()).toEqual([80, 81]);
    svc = await patch({ metadata: { annotations: { merged: 'yes' } }, spec: { ports: [{ name: 'c', port: 82 }] } }, k8s.PatchStrategy.MergePatch);
    expect(svc.spec!.ports!.map((p) => p.port)).toEqual([82]);
    expect(svc.metadata!.annotations).toMatchObject({ merged: 'yes' });
    svc = await patch([{ op: 'replace', path: '/metadata/annotations/merged', value: 'json' }, { op: 'test', path: '/spec/ports/0/port', value: 82 }], k8s.PatchStrategy.JsonPatch);
    expect(svc.metadata!.annotations).toMatchObject({ merged: 'json' });
    // A failed JSON patch test is the API's 422, not a silent no-op.
    const failed = statusOf(await rejection(patch([{ op: 'test', path: '/spec/ports/0/port', value: 1 }], k8s.PatchStrategy.JsonPatch)));
    expect(failed.code).toBe(422);
    // Server-side apply: the manager owns what it applied; another manager's conflicting apply is a 409 unless forced.
    svc = await patch({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'pat', labels: { owner: 'js' } } }, k8s.PatchStrategy.ServerSideApply, { fieldManager: 'js-apply' });
    expect(svc.metadata!.labels).toMatchObject({ owner: 'js' });
    expect(svc.metadata!.managedFields!.find((m) => m.manager === 'js-apply')).toMatchObject({ operation: 'Apply', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:owner': {} } } } });
    const conflict = statusOf(await rejection(patch({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'pat', labels: { owner: 'other' } } }, k8s.PatchStrategy.ServerSideApply, { fieldManager: 'other' })));
    expect(conflict).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(conflict.details?.causes?.some((c) => c.field === '.metadata.labels.owner')).toBe(true);
    svc = await patch({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'pat', labels: { owner: 'other' } } }, k8s.PatchStrategy.ServerSideApply, { fieldManager: 'other', force: true });
    expect(svc.metadata!.labels).toMatchObject({ owner: 'other' });
  });

  it('pages with limit/continue and selects by label and field', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name, labels: { paged: 'yes' } } } });
    const first = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'paged=yes', limit: 2 });
    expect(first.items.map((c) => c.metadata!.name)).toEqual(['page-a', 'page-b']);
    // As kube-apiserver: remainingItemCount only on pages of an unfiltered list.
    expect(first.metadata!.remainingItemCount).toBeUndefined();
    const all = await core.listNamespacedConfigMap({ namespace: NS });
    expect((await core.listNamespacedConfigMap({ namespace: NS, limit: 1 })).metadata!.remainingItemCount).toBe(all.items.length - 1);
    const rest = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'paged=yes', limit: 2, _continue: first.metadata!._continue });
    expect(rest.items.map((c) => c.metadata!.name)).toEqual(['page-c']);
    expect(rest.metadata!._continue).toBeFalsy();
    const bad = statusOf(await rejection(core.listNamespacedConfigMap({ namespace: NS, limit: 1, _continue: 'not-a-token' })));
    expect(bad).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect((await core.listNamespacedConfigMap({ namespace: NS, fieldSelector: 'metadata.name=page-b' })).items.map((c) => c.metadata!.name)).toEqual(['page-b']);
    expect((await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'paged in (yes),paged!=no', fieldSelector: 'metadata.name!=page-a' })).items.map((c) => c.metadata!.name)).toEqual(['page-b', 'page-c']);
    const badField = statusOf(await rejection(core.listNamespacedConfigMap({ namespace: NS, fieldSelector: 'data.x=1' })));
    expect(badField).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  it('deletes with propagationPolicy Orphan (the ReplicaSet stays) and Foreground (the owner goes after its dependents)', async () => {
    const sel = { app: 'del' };
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: { metadata: { name: 'del' }, spec: { replicas: 1, selector: { matchLabels: sel }, template: { metadata: { labels: sel }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'host', command: ['sleep', '3600'] }] } } } },
    });
    const rs = await until('the ReplicaSet of deployment/del', async () => (await apps.listNamespacedReplicaSet({ namespace: NS, labelSelector: 'app=del' })).items[0]);
    await apps.deleteNamespacedDeployment({ name: 'del', namespace: NS, propagationPolicy: 'Orphan' });
    await until('deployment/del gone', async () => (await rejection(apps.readNamespacedDeployment({ name: 'del', namespace: NS })) as k8s.ApiException<string>).code === 404, 60_000, 100);
    const orphan = await apps.readNamespacedReplicaSet({ name: rs.metadata!.name!, namespace: NS });
    expect(orphan.metadata!.ownerReferences ?? []).toEqual([]);
    // Foreground: the ReplicaSet is kept, with a deletionTimestamp and the foregroundDeletion
    // finalizer, until the garbage collector has removed its pod; a watch sees both steps.
    const seen: { type: string; rs: k8s.V1ReplicaSet }[] = [];
    const rsName = rs.metadata!.name!;
    const watching = await new k8s.Watch(kc).watch(`/apis/apps/v1/namespaces/${NS}/replicasets`, { fieldSelector: `metadata.name=${rsName}`, resourceVersion: orphan.metadata!.resourceVersion }, (type, obj) => seen.push({ type, rs: obj }), () => undefined);
    try {
      const answer = await apps.deleteNamespacedReplicaSet({ name: rsName, namespace: NS, propagationPolicy: 'Foreground' });
      expect(answer.kind).toBe('ReplicaSet');
      await until('the ReplicaSet DELETED', async () => seen.some((e) => e.type === 'DELETED'), 90_000, 100);
    } finally {
      watching.abort();
    }
    const finalizing = seen.find((e) => e.type === 'MODIFIED' && e.rs.metadata!.deletionTimestamp);
    expect(finalizing?.rs.metadata!.finalizers).toContain('foregroundDeletion');
    expect(seen.at(-1)!.type).toBe('DELETED');
    // Its pod (blockOwnerDeletion) was gone before it.
    expect((await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=del' })).items).toEqual([]);
  });

  it('reads logs with the Log helper (tailLines, limitBytes, sinceTime, timestamps, follow) and runs commands with the Exec helper', async () => {
    await core.createNamespacedPod({
      namespace: NS,
      body: { metadata: { name: 'talk' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'host', command: ['sh', '-c', 'echo one; echo two; echo three >&2; sleep 3600'] }] } },
    });
    await until('pod talk Running', async () => (await core.readNamespacedPod({ name: 'talk', namespace: NS })).status?.phase === 'Running', 90_000, 200);
    const log = new k8s.Log(kc);
    const logs = async (opts: k8s.LogOptions) => {
      const out = sink();
      const ended = new Promise((r) => out.on('finish', r));
      await log.log(NS, 'talk', 'c', out, opts);
      await ended;
      return out.text;
    };
    await until('all three lines logged', async () => (await logs({})) === 'one\ntwo\nthree\n', 30_000, 200);
    expect(await logs({ tailLines: 1 })).toBe('three\n');
    expect(await logs({ limitBytes: 6 })).toBe('one\ntw');
    expect(await logs({ sinceTime: '2000-01-01T00:00:00Z' })).toBe('one\ntwo\nthree\n');
    expect(await logs({ timestamps: true, tailLines: 1 })).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z three\n$/);
    // follow: what was logged, then the stream stays open until aborted.
    const followed = sink();
    const controller = await log.log(NS, 'talk', 'c', followed, { follow: true });
    await until('followed logs', async () => followed.text === 'one\ntwo\nthree\n', 30_000, 50);
    expect(followed.writableFinished).toBe(false);
    controller.abort();
    const missing = await rejection(log.log(NS, 'ghost', 'c', sink(), {}));
    expect((missing as k8s.ApiException<unknown>).code).toBe(404);

    // Exec: stdin in, stdout and stderr apart, the exit code in the Status.
    const run = (command: string[], stdin?: string) => new Promise<{ out: string; err: string; status: k8s.V1Status }>((resolve, reject) => {
      const out = sink();
      const err = sink();
      const input = stdin === undefined ? null : new PassThrough();
      new k8s.Exec(kc).exec(NS, 'talk', 'c', command, out, err, input, false, (status) => resolve({ out: out.text, err: err.text, status })).catch(reject);
      input?.end(stdin);
    });
    const piped = await run(['sh', '-c', 'cat; echo to-stderr >&2; exit 7'], 'piped through\n');
    expect(piped.out).toBe('piped through\n');
    expect(piped.err).toBe('to-stderr\n');
    expect(piped.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } });
    expect(await run(['echo', 'hi'])).toMatchObject({ out: 'hi\n', status: { status: 'Success' } });
  });
});
