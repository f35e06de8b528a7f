import { describe, expect, it } from 'vitest';
import { PodWorkers } from '../../kubelet/pod-workers.js';
import { waitFor } from './harness.js';

describe('PodWorkers', () => {
  it('never overlaps syncs of one pod and coalesces triggers during a sync into one more', async () => {
    let active = 0;
    let maxActive = 0;
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = new PodWorkers(async (uid) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(uid);
      if (runs.length === 1) await gate;
      active--;
    }, () => undefined);
    w.trigger('a');
    w.trigger('a');
    w.trigger('a');
    w.trigger('b'); // another pod runs in parallel
    await waitFor('b synced', () => runs.includes('b'));
    release();
    await waitFor('a synced twice', () => runs.filter((x) => x === 'a').length === 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(runs.filter((x) => x === 'a')).toHaveLength(2);
    expect(maxActive).toBe(2); // a and b at once, never a twice
  });

  it('retries after an error and at requested times; forget stops it', async () => {
    let n = 0;
    const errors: unknown[] = [];
    const w = new PodWorkers(async () => {
      n++;
      if (n === 1) throw new Error('boom');
    }, (_uid, err) => errors.push(err), 10);
    w.trigger('p');
    await waitFor('retried after the error', () => n === 2);
    expect(errors).toHaveLength(1);
    w.retryAt('p', Date.now() + 10);
    w.retryAt('p', Date.now() + 100_000); // a later request does not postpone the earlier one
    await waitFor('retried at the time', () => n === 3);
    w.retryAt('p', Date.now() + 10);
    w.forget('p');
    await new Promise((r) => setTimeout(r, 50));
    expect(n).toBe(3);
    w.stop();
  });

  it('stop() resolves once the syncs under way have finished, and no sync starts after it', async () => {
    const done: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = new PodWorkers(async (uid) => {
      if (uid === 'slow') await gate;
      done.push(uid);
    }, () => undefined);
    w.trigger('slow');
    let stopped = false;
    const stopping = w.stop(60_000).then(() => (stopped = true));
    w.trigger('late'); // after stop: never runs
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false); // still waiting for "slow"
    release();
    await stopping;
    expect(done).toEqual(['slow']);
  });
});
