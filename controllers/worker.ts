// The shape every controller loop shares (client-go's processNextWorkItem): N workers take
// keys from a work queue, sync them, forget on success, requeue with backoff on failure. A
// key is never synced by two workers at once (the queue guarantees it), so a sync may read
// caches and write without locks. And the two answers a sync's write treats as done rather
// than as failures: NotFound (the object went meanwhile) and, for a create, AlreadyExists.
import { isStatusError } from '../api/errors.js';
import type { WorkQueue } from '../client/index.js';

export interface SyncResult {
  /** Sync this key again after this long even if nothing changes (a clock-driven condition). */
  requeueAfterMs?: number;
}

export async function runWorkers(name: string, queue: WorkQueue<string>, workers: number, sync: (key: string) => Promise<SyncResult | void>): Promise<void> {
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const r = await sync(key);
        queue.forget(key);
        if (r && r.requeueAfterMs !== undefined) queue.addAfter(key, r.requeueAfterMs);
      } catch (e) {
        const n = queue.numRequeues(key);
        // A conflict only means our cache was behind; the retry plans on fresher data.
        const quiet = isStatusError(e, 'Conflict') && n < 5;
        if (!quiet && (n < 3 || n % 10 === 0)) console.error(`${name}: sync ${key}: ${(e as Error).message}`);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
}

/** A write to an object that is already gone needs nothing more: NotFound → undefined. */
export async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isStatusError(e, 'NotFound')) return undefined;
    throw e;
  }
}

/** A create that finds its object made already (ours, from a sync whose watch event is still coming) is done. */
export async function ignoreAlreadyExists<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isStatusError(e, 'AlreadyExists')) return undefined;
    throw e;
  }
}
