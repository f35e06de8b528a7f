import { describe, expect, it } from 'vitest';
import { itemBackoffMs, TokenBucket, WorkQueue } from '../../client/workqueue.js';

/** Poll until cond() holds (no timing assertions: only a generous deadline). */
async function until(cond: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('WorkQueue', () => {
  it('dedups a key queued many times', async () => {
    const q = new WorkQueue();
    q.add('a'); q.add('a'); q.add('b'); q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('holds a key re-added while it is processed until done(), never handing it out twice', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    expect(k).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0); // held, not queued: a second worker must not get it
    let second: string | undefined;
    void q.get().then((x) => (second = x));
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBeUndefined();
    q.done('a');
    await until(() => second === 'a', 'the held key');
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('never lets two concurrent workers process the same key', async () => {
    const q = new WorkQueue<number>();
    const active = new Set<number>();
    let overlaps = 0;
    let processed = 0;
    const worker = async () => {
      for (;;) {
        const k = await q.get();
        if (k === undefined) return;
        if (active.has(k)) overlaps++;
        active.add(k);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        active.delete(k);
        processed++;
        q.done(k);
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    for (let i = 0; i < 2000; i++) {
      q.add(i % 10);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => q.len() === 0, 'queue to empty');
    await q.shutDownWithDrain();
    await Promise.all(workers);
    expect(overlaps).toBe(0);
    expect(processed).toBeGreaterThanOrEqual(10);
  });

  it('addRateLimited backs off exponentially per item; forget resets', () => {
    expect(itemBackoffMs(0, 5, 1_000_000)).toBe(5);
    expect(itemBackoffMs(1, 5, 1_000_000)).toBe(10);
    expect(itemBackoffMs(10, 5, 1_000_000)).toBe(5120);
    expect(itemBackoffMs(40, 5, 1_000_000)).toBe(1_000_000);
    const q = new WorkQueue({ baseDelayMs: 1 });
    q.addRateLimited('x'); q.addRateLimited('x'); q.addRateLimited('y');
    expect(q.numRequeues('x')).toBe(2);
    expect(q.numRequeues('y')).toBe(1);
    q.forget('x');
    expect(q.numRequeues('x')).toBe(0);
    q.shutDown();
  });

  it('addRateLimited eventually delivers the key', async () => {
    const q = new WorkQueue({ baseDelayMs: 1 });
    q.addRateLimited('x');
    expect(q.len()).toBe(0);
    expect(await q.get()).toBe('x');
    q.done('x');
    q.shutDown();
  });

  it('addAfter delivers in time order and keeps the earlier of two times', async () => {
    const q = new WorkQueue();
    q.addAfter('late', 200);
    q.addAfter('early', 10);
    q.addAfter('late', 50); // earlier than 200: wins
    q.addAfter('late', 500); // later: ignored
    expect(await q.get()).toBe('early');
    expect(await q.get()).toBe('late');
    q.done('early'); q.done('late');
    // The superseded 200ms / 500ms entries must not deliver 'late' again by themselves.
    await new Promise((r) => setTimeout(r, 600));
    expect(q.len()).toBe(0);
    q.shutDown();
  });

  it('addAfter with a non-positive delay adds at once', () => {
    const q = new WorkQueue();
    q.addAfter('a', 0);
    expect(q.len()).toBe(1);
  });

  it('shutDown: queued keys are still handed out, then undefined; waiting workers get undefined; adds are ignored', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    const q2 = new WorkQueue();
    q2.add('a');
    q2.shutDown();
    q2.add('b');
    expect(await q2.get()).toBe('a');
    expect(await q2.get()).toBeUndefined();
  });

  it('shutDownWithDrain waits for in-flight keys to be done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    let drained = false;
    const p = q.shutDownWithDrain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false);
    q.done(k!);
    await p;
    expect(drained).toBe(true);
  });

  it('an overall token bucket delays beyond the burst', () => {
    let t = 0;
    const b = new TokenBucket(10, 2, () => t);
    expect(b.reserve()).toBe(0);
    expect(b.reserve()).toBe(0);
    expect(b.reserve()).toBeCloseTo(100);
    t = 1000;
    expect(b.reserve()).toBe(0);
  });

  it('works with non-string keys', async () => {
    const q = new WorkQueue<{ id: number }>();
    const k = { id: 1 };
    q.add(k); q.add(k);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe(k);
  });
});
