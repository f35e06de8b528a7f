// The ReplicaSet loop with an in-memory client and informers: a watch that lags behind our
// creations never makes the controller create twice, and slow start stops at the first error.
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../api/core/index.js';
import type { ReplicaSet } from '../../../api/apps/index.js';
import type { KubeObject } from '../../../api/meta.js';
import { StatusError } from '../../../api/errors.js';
import { CacheIndexer, type EventHandlers } from '../../../client/index.js';
import { ReplicaSetController } from '../../../controllers/replicaset/controller.js';

class FakeInformer<T extends KubeObject> {
  store = new CacheIndexer<T>();
  handlers: EventHandlers<T>[] = [];
  addEventHandler(h: EventHandlers<T>) { this.handlers.push(h); }
  add(o: T) { this.store.set(o); for (const h of this.handlers) h.onAdd?.(o); }
  update(o: T) { const old = this.store.get(`${o.metadata.namespace}/${o.metadata.name}`)!; this.store.set(o); for (const h of this.handlers) h.onUpdate?.(old, o); }
}

function setup(opts: { failCreateAt?: number } = {}) {
  const rsInf = new FakeInformer<ReplicaSet>();
  const podInf = new FakeInformer<Pod>();
  const created: Pod[] = [];
  const deleted: string[] = [];
  let calls = 0, seq = 0;
  const client = {
    pods: () => ({
      create: async (p: Pod) => {
        calls++;
        if (opts.failCreateAt !== undefined && calls === opts.failCreateAt) throw new StatusError({ kind: 'Status', apiVersion: 'v1', code: 403, reason: 'Forbidden', message: 'quota' });
        const pod = { ...structuredClone(p), metadata: { ...p.metadata, name: `${p.metadata.generateName}${++seq}`, uid: `pod-${seq}`, resourceVersion: String(100 + seq) } };
        created.push(pod);
        return pod;
      },
      delete: async (name: string) => { deleted.push(name); return {}; },
      update: async (p: Pod) => p,
    }),
    replicaSets: () => ({
      // The write comes back through the watch, as it would from a real API server.
      updateStatus: async (rs: ReplicaSet) => {
        const out = { ...rs, metadata: { ...rs.metadata, resourceVersion: String(Number(rs.metadata.resourceVersion ?? 1) + 1000) } };
        rsInf.update(out);
        return out;
      },
      get: async () => rsInf.store.list()[0],
    }),
  };
  const informers = { replicaSets: () => rsInf, pods: () => podInf };
  const events: string[] = [];
  const recorder = { event: (_o: unknown, _t: string, reason: string, msg: string) => events.push(`${reason}: ${msg}`) };
  const c = new ReplicaSetController(client as never, informers as never, recorder as never);
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: 'web-abc', namespace: 'default', uid: 'rs-uid', generation: 1, resourceVersion: '1' },
    spec: { replicas: 5, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  };
  rsInf.add(rs);
  return { c, rsInf, podInf, created, deleted, events, calls: () => calls };
}

describe('ReplicaSet controller loop', () => {
  it('a slow watch never causes over-creation: expectations hold syncs until the creations are seen', async () => {
    const t = setup();
    await t.c.sync('default/web-abc');
    expect(t.created).toHaveLength(5);
    expect(t.created.every((p) => p.metadata.ownerReferences?.[0]?.uid === 'rs-uid' && p.metadata.generateName === 'web-abc-')).toBe(true);
    expect(t.events.filter((e) => e.startsWith('SuccessfulCreate: Created pod: web-abc-'))).toHaveLength(5);
    // The watch has delivered nothing yet: syncing again must not create more.
    await t.c.sync('default/web-abc');
    await t.c.sync('default/web-abc');
    expect(t.created).toHaveLength(5);
    // Three arrive; still waiting for two.
    for (const p of t.created.slice(0, 3)) t.podInf.add(p);
    await t.c.sync('default/web-abc');
    expect(t.created).toHaveLength(5);
    for (const p of t.created.slice(3)) t.podInf.add(p);
    await t.c.sync('default/web-abc');
    expect(t.created).toHaveLength(5);
    expect(t.deleted).toEqual([]);
  });

  it('slow start stops at the first failed batch and lowers expectations so the next sync retries', async () => {
    const t = setup({ failCreateAt: 2 });
    await expect(t.c.sync('default/web-abc')).rejects.toThrow(/quota/);
    // batches 1 then 2: the first succeeded, the second had one failure; nothing after that.
    expect(t.calls()).toBe(3);
    expect(t.created).toHaveLength(2);
    expect(t.events.some((e) => e.startsWith('FailedCreate: Error creating: quota'))).toBe(true);
    const failedRS = t.rsInf.store.get('default/web-abc')!;
    expect(failedRS.status?.conditions).toEqual([expect.objectContaining({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota' })]);
    for (const p of t.created) t.podInf.add(p);
    await t.c.sync('default/web-abc');
    expect(t.created).toHaveLength(5);
    // A clean sync clears the failure.
    expect(t.rsInf.store.get('default/web-abc')!.status?.conditions).toBeUndefined();
  });
});
