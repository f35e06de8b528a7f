// The slow start a controller carries from one sync to the next (SlowStartMemory): pure.
import { describe, expect, it } from 'vitest';
import { SlowStartMemory } from '../../controllers/pod-control.js';

describe('SlowStartMemory', () => {
  it('starts at 1, then where the last fully successful round got to', () => {
    const m = new SlowStartMemory();
    const first = m.batches('ns/job', 64);
    expect(first).toEqual([1, 2, 4, 8, 16, 32, 1]);
    m.record('ns/job', first, false);
    expect(m.batches('ns/job', 64)).toEqual([32, 32]);
    m.record('ns/job', [32, 32], false);
    expect(m.batches('ns/job', 100)).toEqual([32, 64, 4]);
    // Other owners start from 1.
    expect(m.batches('ns/other', 5)).toEqual([1, 2, 2]);
  });

  it('a failed round starts over at 1; forget drops the owner', () => {
    const m = new SlowStartMemory();
    m.record('ns/job', [1, 2, 4, 8], false);
    expect(m.batches('ns/job', 10)).toEqual([8, 2]);
    m.record('ns/job', [8], true);
    expect(m.batches('ns/job', 10)).toEqual([1, 2, 4, 3]);
    m.record('ns/job', [1, 2, 4, 3], false);
    m.forget('ns/job');
    expect(m.batches('ns/job', 3)).toEqual([1, 2]);
  });

  it('never starts beyond its cap', () => {
    const m = new SlowStartMemory(16);
    m.record('k', [1, 2, 4, 8, 16, 32, 64], false);
    expect(m.batches('k', 40)).toEqual([16, 24]);
  });
});
