import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/meta.js';
import { WrittenVersions } from '../../controllers/cache-freshness.js';
import { newControllerRef, planClaims, withControllerRef, withoutOwnerRefs } from '../../controllers/controller-ref.js';
import { parseDuration } from '../../controllers/main.js';

const owner: KubeObject = { metadata: { name: 'web', namespace: 'default', uid: 'U' } };
const obj = (name: string, labels: Record<string, string>, ownerUid?: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, labels, ...(ownerUid ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', uid: ownerUid, controller: true }] } : {}), ...extra },
});

describe('controller references and claims', () => {
  const sel = { matchLabels: { app: 'web' } };
  it('claims owned matches, adopts matching orphans, releases owned non-matches, ignores the rest', () => {
    const r = planClaims(owner, sel, [
      obj('owned', { app: 'web' }, 'U'), obj('orphan', { app: 'web' }), obj('strayed', { app: 'api' }, 'U'),
      obj('foreign', { app: 'web' }, 'V'), obj('other-ns', { app: 'web' }, undefined, { namespace: 'kube-system' }),
      obj('dying-orphan', { app: 'web' }, undefined, { deletionTimestamp: '2026-01-01T00:00:00Z' }),
    ]);
    expect(r.claimed.map((o) => o.metadata.name)).toEqual(['owned', 'orphan']);
    expect(r.adopt.map((o) => o.metadata.name)).toEqual(['orphan']);
    expect(r.release.map((o) => o.metadata.name)).toEqual(['strayed']);
  });
  it('a controller being deleted neither adopts nor releases', () => {
    const dying = { metadata: { ...owner.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    const r = planClaims(dying, sel, [obj('orphan', { app: 'web' }), obj('strayed', { app: 'api' }, 'U'), obj('owned', { app: 'web' }, 'U')]);
    expect(r).toEqual({ claimed: [expect.objectContaining({ metadata: expect.objectContaining({ name: 'owned' }) })], adopt: [], release: [] });
  });
  it('adds and removes owner references without touching other owners', () => {
    const ref = newControllerRef(owner, 'apps/v1', 'Deployment');
    expect(ref).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'U', controller: true, blockOwnerDeletion: true });
    const adopted = withControllerRef(obj('o', {}), ref);
    expect(adopted.metadata.ownerReferences).toEqual([ref]);
    const two = { metadata: { ...adopted.metadata, ownerReferences: [ref, { apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'N' }] } };
    expect(withoutOwnerRefs(two, new Set(['U'])).metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'N' }]);
    expect(withoutOwnerRefs(adopted, new Set(['U'])).metadata.ownerReferences).toBeUndefined();
  });
});

describe('cache freshness', () => {
  it('a cached copy older than our last write is stale until the watch catches up', () => {
    const w = new WrittenVersions();
    const at = (rv: string): KubeObject => ({ metadata: { name: 'web', namespace: 'default', resourceVersion: rv } });
    expect(w.isStale('Deployment', at('5'))).toBe(false);
    w.wrote('Deployment', at('120'));
    expect(w.isStale('Deployment', at('117'))).toBe(true);
    expect(w.isStale('ReplicaSet', at('117'))).toBe(false);
    expect(w.isStale('Deployment', at('120'))).toBe(false);
    expect(w.isStale('Deployment', at('117'))).toBe(false); // forgotten once caught up
  });
});

describe('controller-manager flags', () => {
  it('parses durations like Kubernetes flags', () => {
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('3')).toBe(3000);
    expect(parseDuration(undefined)).toBeUndefined();
    expect(() => parseDuration('soon')).toThrow();
  });
});
