// The bootstrap token cleaner against real `skiff apiserver` and `skiff controller-manager`
// processes: expired and unreadable tokens' Secrets go, one that expires while the cleaner runs
// goes when its time comes; unexpired, expiry-less, other-typed and other-namespace Secrets stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Secret } from '../../../api/core/index.js';
import { isStatusError } from '../../../api/errors.js';
import { Cluster, waitFor } from './cluster.js';

const c = new Cluster();
beforeAll(async () => {
  await c.apiserver();
  c.controllerManager(['--leader-elect=false', '--controllers', 'tokencleaner']);
}, 60_000);
afterAll(() => c.stopAll());

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const secret = (id: string, expiration: string | undefined, o: { type?: string; namespace?: string } = {}): Secret => ({
  apiVersion: 'v1', kind: 'Secret', type: o.type ?? 'bootstrap.kubernetes.io/token',
  metadata: { name: `bootstrap-token-${id}`, namespace: o.namespace ?? 'kube-system' },
  stringData: { 'token-id': id, 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', ...(expiration !== undefined ? { expiration } : {}) },
} as Secret);

describe('tokencleaner', () => {
  it('deletes expired bootstrap tokens, and a token when it expires; leaves the rest', async () => {
    const secrets = c.client.resource<Secret>('Secret');
    await c.client.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } }).catch(() => undefined);
    const now = Date.now();
    const gone = [secret('expird', rfc3339(now - 60_000)), secret('garble', 'next tuesday'), secret('soonxx', rfc3339(now + 4_000))];
    const stay = [secret('future', rfc3339(now + 3600_000)), secret('foreva', undefined), secret('opaque', rfc3339(now - 60_000), { type: 'Opaque' }), secret('elsewh', rfc3339(now - 60_000), { namespace: 'other' })];
    for (const s of [...gone, ...stay]) await secrets.create(s, { namespace: s.metadata.namespace });
    const exists = async (s: Secret) => secrets.get(s.metadata.name!, s.metadata.namespace).then(() => true, (e) => {
      if (isStatusError(e, 'NotFound')) return false;
      throw e;
    });
    for (const s of gone) await waitFor(async () => !(await exists(s)), 60_000, () => `${s.metadata.name} deleted`);
    for (const s of stay) expect(await exists(s), s.metadata.name).toBe(true);
  });
});
