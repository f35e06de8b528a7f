// Image garbage collection and status.images, pure: the Kubernetes kubelet's thresholds,
// least-recently-used order, minimum age, in-use and pinned images, and the Node's image list.
import { describe, expect, it } from 'vitest';
import { detectImages, imagesInUse, nodeStatusImages, planImageGC, validateImageGCPolicy, type ImageRecord, type RuntimeImage } from '../../../kubelet/images/image-gc.js';

const GiB = 1024 ** 3;
const policy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 };
const rec = (r: Partial<ImageRecord> & { sizeBytes: number }): ImageRecord => ({ firstDetectedMs: 0, lastUsedMs: 0, pinned: false, ...r });
const img = (id: string, sizeBytes: number, names: Partial<RuntimeImage> = {}): RuntimeImage => ({ id, sizeBytes, repoTags: [], repoDigests: [], ...names });

describe('planImageGC', () => {
  const fs = (usedPercent: number) => ({ capacityBytes: 100 * GiB, availableBytes: (100 - usedPercent) * GiB });

  it('below the high threshold nothing is removed', () => {
    const plan = planImageGC({ records: new Map([['a', rec({ sizeBytes: GiB })]]), inUse: new Set(), fs: fs(84), policy, nowMs: 1e9 });
    expect(plan).toMatchObject({ usagePercent: 84, bytesToFree: 0, remove: [] });
  });

  it('at the high threshold frees down to the low one, least recently used first, then first detected', () => {
    const records = new Map([
      ['recent', rec({ sizeBytes: 3 * GiB, lastUsedMs: 500_000 })],
      ['old', rec({ sizeBytes: 2 * GiB, lastUsedMs: 100_000 })],
      ['never-used-later', rec({ sizeBytes: 2 * GiB, lastUsedMs: 0, firstDetectedMs: 50_000 })],
      ['never-used-first', rec({ sizeBytes: 2 * GiB, lastUsedMs: 0, firstDetectedMs: 10_000 })],
    ]);
    const plan = planImageGC({ records, inUse: new Set(), fs: fs(85), policy, nowMs: 1e9 });
    // 85 % used: free 100·20 % − 15 GiB available = 5 GiB
    expect(plan.bytesToFree).toBe(5 * GiB);
    expect(plan.remove.map((r) => r.id)).toEqual(['never-used-first', 'never-used-later', 'old']);
    expect(plan.freedBytes).toBe(6 * GiB);
    expect(plan.failure).toBeUndefined();
  });

  it('never removes an image in use, a pinned one, or one younger than the minimum age; says when it cannot free enough', () => {
    const now = 1_000_000;
    const records = new Map([
      ['used', rec({ sizeBytes: 10 * GiB })],
      ['pinned', rec({ sizeBytes: 10 * GiB, pinned: true })],
      ['young', rec({ sizeBytes: 10 * GiB, firstDetectedMs: now - 119_999 })],
      ['eligible', rec({ sizeBytes: GiB, firstDetectedMs: now - 120_000 })],
    ]);
    const plan = planImageGC({ records, inUse: new Set(['used']), fs: fs(90), policy, nowMs: now });
    expect(plan.remove).toEqual([{ id: 'eligible', sizeBytes: GiB }]);
    expect(plan.bytesToFree).toBe(10 * GiB);
    expect(plan.failure).toBe(`Failed to garbage collect required amount of images. Attempted to free ${10 * GiB} bytes, but only found ${GiB} bytes eligible to free.`);
  });

  it('usage is computed as Go\'s integer division; 100 disables GC; an unknown filesystem size does nothing', () => {
    // 14.5 % available → 100 − 14 = 86 % used
    const odd = { capacityBytes: 1000, availableBytes: 145 };
    expect(planImageGC({ records: new Map([['a', rec({ sizeBytes: 100 })]]), inUse: new Set(), fs: odd, policy, nowMs: 1e9 })).toMatchObject({ usagePercent: 86, bytesToFree: 55, remove: [{ id: 'a' }] });
    expect(planImageGC({ records: new Map([['a', rec({ sizeBytes: 100 })]]), inUse: new Set(), fs: { capacityBytes: 1000, availableBytes: 0 }, policy: { ...policy, highThresholdPercent: 100 }, nowMs: 1e9 }).remove).toEqual([]);
    expect(planImageGC({ records: new Map([['a', rec({ sizeBytes: 100 })]]), inUse: new Set(), fs: { capacityBytes: 0, availableBytes: 0 }, policy, nowMs: 1e9 }).remove).toEqual([]);
  });
});

describe('detectImages and imagesInUse', () => {
  it('keeps first-detected times, bumps last-used for images containers use, drops images gone', () => {
    const images = [img('sha256:a', 10, { repoDigests: ['r/a@sha256:m1'], repoTags: ['r/a:1'] }), img('sha256:b', 20, { repoTags: ['r/b:1'] })];
    const inUse = imagesInUse(images, [
      { image: 'r/x:1', imageId: 'r/a@sha256:m1' }, // by repo digest (the process runtime's imageID)
      { image: 'r/b:1', imageId: 'sha256:unknown' }, // by the reference it was created with
    ]);
    expect([...inUse].sort()).toEqual(['sha256:a', 'sha256:b']);
    const first = detectImages(new Map([['sha256:gone', rec({ sizeBytes: 1 })]]), images, new Set(['sha256:a']), 1000);
    expect([...first.keys()].sort()).toEqual(['sha256:a', 'sha256:b']);
    expect(first.get('sha256:a')).toEqual({ firstDetectedMs: 1000, lastUsedMs: 1000, sizeBytes: 10, pinned: false });
    expect(first.get('sha256:b')).toMatchObject({ firstDetectedMs: 1000, lastUsedMs: 0 });
    const second = detectImages(first, images, new Set(['sha256:b']), 2000);
    expect(second.get('sha256:a')).toMatchObject({ firstDetectedMs: 1000, lastUsedMs: 1000 });
    expect(second.get('sha256:b')).toMatchObject({ firstDetectedMs: 1000, lastUsedMs: 2000 });
  });
});

describe('nodeStatusImages', () => {
  it('largest first, at most 50, up to 5 names each: repo digests, then tags', () => {
    const many = Array.from({ length: 60 }, (_, i) => img(`sha256:${String(i).padStart(2, '0')}`, i, { repoTags: [`r/i:${i}`] }));
    const names = { repoDigests: ['r/a@sha256:1', 'q/a@sha256:1'], repoTags: ['r/a:1', 'r/a:2', 'r/a:3', 'r/a:4'] };
    const out = nodeStatusImages([...many, img('sha256:big', 1000, names)]);
    expect(out).toHaveLength(50);
    expect(out[0]).toEqual({ names: ['r/a@sha256:1', 'q/a@sha256:1', 'r/a:1', 'r/a:2', 'r/a:3'], sizeBytes: 1000 });
    expect(out[1]).toEqual({ names: ['r/i:59'], sizeBytes: 59 });
    expect(out[49]!.sizeBytes).toBe(11);
  });
});

describe('validateImageGCPolicy', () => {
  it('refuses a low threshold above the high one and percentages out of range', () => {
    expect(validateImageGCPolicy(policy)).toEqual([]);
    expect(validateImageGCPolicy({ ...policy, lowThresholdPercent: 90 })).toEqual(['--image-gc-low-threshold (90) can not be higher than --image-gc-high-threshold (85)']);
    expect(validateImageGCPolicy({ ...policy, highThresholdPercent: 101 })[0]).toMatch(/--image-gc-high-threshold: 101 must be an integer between 0 and 100/);
  });
});
