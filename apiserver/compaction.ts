// Periodic compaction, as kube-apiserver drives etcd's: every interval, compact to the
// revision seen one interval ago, so about one interval (5 minutes by default) of history
// stays available to watches and continue tokens; older resourceVersions get 410.
import type { Storage } from './storage/interface.js';

export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60 * 1000;

export function startCompaction(storage: Storage, intervalMs = DEFAULT_COMPACTION_INTERVAL_MS): () => void {
  let seen = storage.revision;
  let running = false;
  const timer = setInterval(() => {
    const target = seen;
    seen = storage.revision;
    if (running || target <= storage.compactedRevision) return;
    running = true;
    storage.compact(target).catch((e: unknown) => {
      console.error(`skiff apiserver: compaction to ${target} failed: ${(e as Error).message}`);
    }).finally(() => { running = false; });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
