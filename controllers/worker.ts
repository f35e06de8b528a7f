// The shape every controller loop shares (client-go's processNextWorkItem): N workers take
// keys from a work queue, sync them, forget on success, requeue with backoff on failure. A
// key is never synced by two workers at once (the queue guarantees it), so a sync may read
// caches and write without locks.
import { isStatusError } from '../api/errors.js';
import { WorkQueue } from '../client/index.js';

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
