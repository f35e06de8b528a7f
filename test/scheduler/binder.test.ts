import { describe, expect, it } from 'vitest';
import { Binder, type BindRequest } from '../../scheduler/binder.js';
import { Heap } from '../../scheduler/heap.js';

describe('Binder', () => {
  it('runs bindings concurrently up to maxInFlight and makes the loop wait for a slot', async () => {
    const pending: Array<{ req: BindRequest; resolve: () => void; reject: (e: Error) => void }> = [];
    const binder = new Binder(
      (req) => new Promise<void>((resolve, reject) => pending.push({ req, resolve, reject })),
      2,
    );
    const a = binder.bind({ namespace: 'default', name: 'a', nodeName: 'n' });
    const b = binder.bind({ namespace: 'default', name: 'b', nodeName: 'n' });
    expect(binder.pending).toBe(2);
    expect(binder.full()).toBe(true);
    let slot = false;
    const waiting = binder.waitForSlot().then(() => (slot = true));
    await Promise.resolve();
    expect(slot).toBe(false);
    pending[1]!.reject(new Error('conflict'));
    await expect(b).rejects.toThrow('conflict');
    await waiting;
    expect(slot).toBe(true);
    const idle = binder.waitIdle();
    pending[0]!.resolve();
    await a;
    await idle;
    expect(binder.pending).toBe(0);
  });

  it('a bind function that throws synchronously still settles as a rejection', async () => {
    const binder = new Binder(() => {
      throw new Error('boom');
    });
    await expect(binder.bind({ namespace: 'd', name: 'x', nodeName: 'n' })).rejects.toThrow('boom');
    expect(binder.pending).toBe(0);
  });
});

describe('Heap', () => {
  it('pops in order under random adds, updates and deletes', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const h = new Heap<{ k: string; v: number }>((x) => x.k, (a, b) => a.v < b.v);
    const ref = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const k = `k${Math.floor(rand() * 300)}`;
      const op = rand();
      if (op < 0.6) {
        const v = Math.floor(rand() * 1000);
        h.addOrUpdate({ k, v });
        ref.set(k, v);
      } else if (op < 0.8) {
        expect(h.delete(k)?.v).toBe(ref.get(k));
        ref.delete(k);
      } else if (h.length > 0) {
        const top = h.pop()!;
        expect(top.v).toBe(Math.min(...ref.values()));
        ref.delete(top.k);
      }
      expect(h.length).toBe(ref.size);
    }
    const out: number[] = [];
    for (let x = h.pop(); x; x = h.pop()) out.push(x.v);
    expect(out).toEqual([...ref.values()].sort((a, b) => a - b));
  });
});
