import { describe, expect, it } from 'vitest';
import { CrashLoopBackoff, formatDuration } from '../../kubelet/backoff.js';

describe('CrashLoopBackoff', () => {
  it('restarts at once the first time, then waits 10s, 20s, 40s … capped at 5 min', () => {
    const b = new CrashLoopBackoff(10_000, 300_000);
    let t = 1_000_000;
    expect(b.remaining('p/c', t, t)).toBe(0); // first crash: no entry, restart now
    expect(b.next('p/c', t).delayMs).toBe(10_000);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      t += 1000; // crashed again one second after starting
      const left = b.remaining('p/c', t, t);
      expect(left).toBe(b.delay('p/c'));
      delays.push(left);
      t += left; // waited it out
      expect(b.remaining('p/c', t - left, t)).toBe(0);
      b.next('p/c', t - left);
    }
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it('resets after a crash more than 10 minutes after the previous one', () => {
    const b = new CrashLoopBackoff(10_000, 300_000);
    b.next('k', 0);
    b.next('k', 5_000);
    expect(b.delay('k')).toBe(20_000);
    const later = 5_000 + 600_001;
    expect(b.remaining('k', later, later)).toBe(0);
    expect(b.next('k', later).delayMs).toBe(10_000);
  });

  it('keys are independent and can be forgotten per pod', () => {
    const b = new CrashLoopBackoff(1000, 8000);
    b.next('a/x', 0);
    b.next('a/x', 10);
    b.next('b/x', 0);
    expect(b.delay('a/x')).toBe(2000);
    expect(b.delay('b/x')).toBe(1000);
    b.forgetPrefix('a/');
    expect(b.remaining('a/x', 10, 11)).toBe(0);
    expect(b.remaining('b/x', 0, 1)).toBe(999);
  });

  it('formats delays the way Go prints durations', () => {
    expect(formatDuration(10_000)).toBe('10s');
    expect(formatDuration(80_000)).toBe('1m20s');
    expect(formatDuration(300_000)).toBe('5m0s');
  });
});
