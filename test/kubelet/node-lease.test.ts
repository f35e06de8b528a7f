// NodeLeases against an in-memory stand-in for the leases API: creation, renewal by update,
// recovery from a conflict, and the bound on requests in flight.
import { describe, expect, it } from 'vitest';
import type { Lease } from '../../api/coordination/index.js';
import { StatusError } from '../../api/errors.js';
import type { RestClient } from '../../client/rest.js';
import { NodeLeases } from '../../kubelet/node-lease.js';
import { waitFor } from './harness.js';

function fakeApi(opts: { conflictOnce?: string } = {}) {
  const store = new Map<string, Lease>();
  let rv = 0;
  let inFlight = 0;
  const stats = { maxInFlight: 0, creates: 0, updates: 0, gets: 0 };
  let conflicted = false;
  const slow = async <T>(f: () => T): Promise<T> => {
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 2));
    inFlight--;
    return f();
  };
  const leases = {
    create: (l: Lease) =>
      slow(() => {
        stats.creates++;
        const name = l.metadata.name!;
        if (store.has(name)) throw new StatusError({ kind: 'Status', apiVersion: 'v1', code: 409, reason: 'AlreadyExists', message: 'exists' } as never);
        const saved = { ...l, metadata: { ...l.metadata, resourceVersion: String(++rv) } };
        store.set(name, saved);
        return saved;
      }),
    get: (name: string) =>
      slow(() => {
        stats.gets++;
        return store.get(name)!;
      }),
    update: (l: Lease) =>
      slow(() => {
        stats.updates++;
        const name = l.metadata.name!;
        const cur = store.get(name)!;
        if ((opts.conflictOnce === name && !conflicted) || cur.metadata.resourceVersion !== l.metadata.resourceVersion) {
          conflicted = true;
          throw new StatusError({ kind: 'Status', apiVersion: 'v1', code: 409, reason: 'Conflict', message: 'conflict' } as never);
        }
        const saved = { ...l, metadata: { ...l.metadata, resourceVersion: String(++rv) } };
        store.set(name, saved);
        return saved;
      }),
  };
  return { client: { leases: () => leases } as unknown as RestClient, store, stats };
}

describe('NodeLeases', () => {
  it('creates one lease per node, then renews each by update with a bounded number in flight', async () => {
    const api = fakeApi();
    const leases = new NodeLeases(api.client, { renewMs: 100, concurrency: 8 });
    leases.start();
    for (let i = 0; i < 40; i++) leases.add(`n${i}`, `uid-${i}`);
    await waitFor('every lease renewed at least twice', () => [...api.store.values()].length === 40 && leases.stats.renewals >= 40 * 3);
    leases.stop();
    expect(api.stats.creates).toBe(40);
    expect(api.stats.updates).toBeGreaterThanOrEqual(80);
    expect(api.stats.maxInFlight).toBeLessThanOrEqual(8);
    const l = api.store.get('n7')!;
    expect(l.spec).toMatchObject({ holderIdentity: 'n7', leaseDurationSeconds: 40 });
    expect(l.metadata.namespace).toBe('kube-node-lease');
    expect(l.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'n7', uid: 'uid-7' }]);
    expect(l.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT[\d:]+\.\d{6}Z$/);
  });

  it('re-reads the lease after a conflict and keeps renewing', async () => {
    const api = fakeApi({ conflictOnce: 'solo' });
    const leases = new NodeLeases(api.client, { renewMs: 50 });
    leases.start();
    leases.add('solo');
    await waitFor('renewed after the conflict', () => leases.stats.failures === 1 && leases.stats.renewals >= 3);
    leases.stop();
    expect(api.stats.gets).toBeGreaterThanOrEqual(1);
  });
});
