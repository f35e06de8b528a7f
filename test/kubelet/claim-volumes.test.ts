// persistentVolumeClaim volumes on the node: which claim may be mounted (resolveClaim) and
// which local-path directory may be removed (shouldRemove, and a sweep over a real directory).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim } from '../../api/core/index.js';
import { resolveClaim } from '../../kubelet/volumes/claims.js';
import { LocalPathCleaner, shouldRemove } from '../../kubelet/volumes/local-path-cleaner.js';
import { TempDirs } from '../support/temp.js';

const temp = new TempDirs();
afterAll(() => temp.removeAll());

const claim = (over: Partial<PersistentVolumeClaim['metadata']> = {}, volumeName = 'pv-1', phase = 'Bound'): PersistentVolumeClaim => ({
  metadata: { name: 'data', namespace: 'default', uid: 'u1', ...over }, spec: { volumeName }, status: { phase: phase as 'Bound' },
});
const volume = (path: string, extra: Partial<PersistentVolume['spec']> = {}, phase = 'Bound', annotations: Record<string, string> = {}): PersistentVolume => ({
  metadata: { name: 'pv-1', annotations }, spec: { hostPath: { path, type: 'DirectoryOrCreate' }, claimRef: { namespace: 'default', name: 'data', uid: 'u1' }, persistentVolumeReclaimPolicy: 'Delete', ...extra }, status: { phase: phase as 'Bound' },
});

describe('resolveClaim', () => {
  it('a bound claim gives its volume\'s directory', () => {
    expect(resolveClaim('default', 'data', claim(), volume('/d'))).toEqual({ path: '/d', type: 'DirectoryOrCreate' });
    expect(resolveClaim('default', 'data', claim(), { metadata: { name: 'pv-1' }, spec: { local: { path: '/l' }, claimRef: { namespace: 'default', name: 'data' } } })).toEqual({ path: '/l', type: 'Directory' });
  });

  it('says why it cannot mount yet, in the kubelet\'s words', () => {
    expect(resolveClaim('default', 'data', undefined, undefined)).toEqual({ error: 'persistentvolumeclaim "data" not found' });
    expect(resolveClaim('default', 'data', claim({}, '', 'Pending'), undefined)).toEqual({ error: 'error processing PVC default/data: PVC is not bound' });
    expect(resolveClaim('default', 'data', claim({ deletionTimestamp: '2026-01-01T00:00:00Z' }), volume('/d'))).toEqual({ error: 'error processing PVC default/data: PVC is being deleted' });
    expect(resolveClaim('default', 'data', claim(), undefined)).toEqual({ error: 'persistentvolume "pv-1" not found' });
    expect(resolveClaim('default', 'data', claim({ uid: 'other' }), volume('/d'))).toMatchObject({ error: expect.stringContaining('bound to another claim') });
    const onNode2 = volume('/d', { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-2'] }] }] } } });
    expect(resolveClaim('default', 'data', claim(), onNode2, { metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } } })).toEqual({ error: 'volume node affinity conflict: persistentvolume "pv-1" is not reachable from node "node-1"' });
    expect(resolveClaim('default', 'data', claim(), onNode2, { metadata: { name: 'node-2', labels: { 'kubernetes.io/hostname': 'node-2' } } })).toEqual({ path: '/d', type: 'DirectoryOrCreate' });
  });
});

describe('local-path directories', () => {
  const LP = { 'pv.kubernetes.io/provisioned-by': 'skiff.dev/local-path' };
  it('removed once the volume is gone, or Released/Failed with Delete; never in use, never Retain or Bound', () => {
    expect(shouldRemove('/r/x', undefined, false)).toBe(true);
    expect(shouldRemove('/r/x', undefined, true)).toBe(false);
    expect(shouldRemove('/r/x', volume('/r/x', {}, 'Released', LP), false)).toBe(true);
    expect(shouldRemove('/r/x', volume('/r/x', {}, 'Failed', LP), false)).toBe(true);
    expect(shouldRemove('/r/x', volume('/r/x', {}, 'Bound', LP), false)).toBe(false);
    expect(shouldRemove('/r/x', volume('/r/x', { persistentVolumeReclaimPolicy: 'Retain' }, 'Released', LP), false)).toBe(false);
    expect(shouldRemove('/r/x', volume('/r/x', {}, 'Released'), false)).toBe(false); // not provisioned by local-path
    expect(shouldRemove('/r/x', volume('/elsewhere', {}, 'Released', LP), false)).toBe(false);
  });

  it('a sweep removes only the directories it may, and nothing else in the root', async () => {
    const root = temp.make('local-path-');
    const gone = join(root, 'pvc-0a1b_default_gone');
    const used = join(root, 'pvc-0a1c_default_used');
    const bound = join(root, 'pvc-0a1d_default_bound');
    const stranger = join(root, 'not-a-volume');
    for (const d of [gone, used, bound, stranger]) mkdirSync(d);
    const cleaner = new LocalPathCleaner({
      root,
      getVolume: async (name) => (name === 'pvc-0a1d' ? volume(bound, {}, 'Bound', LP) : undefined),
      claimInUse: (_ns, name) => name === 'used',
    });
    expect(await cleaner.sweep()).toEqual([gone]);
    expect([gone, used, bound, stranger].map(existsSync)).toEqual([false, true, true, true]);
  });
});
