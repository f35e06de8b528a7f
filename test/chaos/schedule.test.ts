import { describe, expect, it } from 'vitest';
import { chaosSeed, faultSchedule, prng } from './schedule.js';

const opts = { seed: 42, durationMs: 60_000, targets: ['apiserver', 'controller-manager', 'scheduler', 'kubelet-a', 'kubelet-b', 'kubelet-c', 'proxy', 'dns'], meanGapMs: 2_000, perTargetSpacingMs: 10_000, quietTailMs: 10_000 };

describe('fault schedule', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(faultSchedule(opts)).toEqual(faultSchedule(opts));
    expect(faultSchedule({ ...opts, seed: 43 })).not.toEqual(faultSchedule(opts));
  });

  it('gives a 60-second soak at least 20 faults, in order, none in the quiet tail', () => {
    const f = faultSchedule(opts);
    expect(f.length).toBeGreaterThanOrEqual(20);
    for (let i = 1; i < f.length; i++) expect(f[i]!.atMs).toBeGreaterThan(f[i - 1]!.atMs);
    expect(f.at(-1)!.atMs).toBeLessThanOrEqual(50_000);
  });

  it('never kills one component twice within the spacing (the supervisor backoff)', () => {
    const f = faultSchedule({ ...opts, seed: 7, meanGapMs: 300 });
    const last = new Map<string, number>();
    for (const x of f) {
      const prev = last.get(x.target);
      if (prev !== undefined) expect(x.atMs - prev).toBeGreaterThanOrEqual(10_000);
      last.set(x.target, x.atMs);
    }
    expect(new Set(f.map((x) => x.target))).toEqual(new Set(opts.targets));
  });

  it('refuses an empty target list', () => {
    expect(() => faultSchedule({ ...opts, targets: [] })).toThrow(/no targets/);
  });

  it('prng stays in [0, 1)', () => {
    const r = prng(1);
    for (let i = 0; i < 1000; i++) {
      const x = r();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('takes SKIFF_CHAOS_SEED to replay, and refuses a bad one', () => {
    expect(chaosSeed({ SKIFF_CHAOS_SEED: '12345' })).toBe(12345);
    expect(() => chaosSeed({ SKIFF_CHAOS_SEED: 'abc' })).toThrow(/SKIFF_CHAOS_SEED must be an integer/);
    const fresh = chaosSeed({});
    expect(Number.isInteger(fresh)).toBe(true);
  });
});
