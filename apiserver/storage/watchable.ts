// Watchers (etcd's watchableStore). A watcher is either
//   unsynced: it still has history to replay (events ≤ notifiedRevision it has not seen);
//             a background loop feeds it from the event history in bounded batches, or
//   synced:   it has seen everything up to notifiedRevision and gets each new commit's events
//             from the live fan-out.
// Everything here runs on the one JavaScript thread, and a watcher moves from unsynced to
// synced in the same synchronous step that finds it caught up to notifiedRevision, so there
// is no gap and no overlap between replay and live events.
//
// Live fan-out groups synced watchers by prefix: each commit's events are filtered once per
// distinct prefix and the same array is handed to every watcher of that prefix. Receivers
// must treat the arrays and events as read-only.
import { expired } from '../../api/errors.js';
import type { StoreEvent, WatchCallbacks, WatchHandle } from './interface.js';
import type { RevisionedStore } from './revisioned-store.js';

/** Events one unsynced watcher may scan per round of the replay loop. */
const REPLAY_BATCH = 2000;

interface Watcher {
  readonly prefix: string;
  /** Only events with revision > after (matters for a watch started in the future). */
  readonly after: number;
  /** Next revision the watcher needs (unsynced only). */
  nextRev: number;
  readonly cb: WatchCallbacks;
  state: 'unsynced' | 'synced' | 'done';
}

export class WatchHub {
  /** Everything ≤ this has been handed to synced watchers. */
  private notifiedRevision: number;
  private readonly unsynced = new Set<Watcher>();
  private readonly synced = new Map<string, Set<Watcher>>();
  private notifyScheduled = false;
  private replayScheduled = false;
  private closedWith: Error | undefined;

  constructor(private readonly store: RevisionedStore) {
    this.notifiedRevision = store.committedRevision;
  }

  get watcherCount(): number {
    let n = this.unsynced.size;
    for (const set of this.synced.values()) n += set.size;
    return n;
  }

  watch(prefix: string, afterRevision: number, cb: WatchCallbacks): WatchHandle {
    const w: Watcher = { prefix, after: afterRevision, nextRev: afterRevision + 1, cb, state: 'unsynced' };
    const handle: WatchHandle = { cancel: () => this.remove(w) };
    if (this.closedWith || afterRevision < this.store.compactedRevision) {
      // Report asynchronously so the caller holds the handle before any callback runs.
      const err =
        this.closedWith ??
        expired(`too old resource version: ${afterRevision} (${this.store.compactedRevision})`);
      w.state = 'done';
      queueMicrotask(() => cb.onError(err));
      return handle;
    }
    this.unsynced.add(w);
    this.scheduleReplay();
    return handle;
  }

  /** Delivers newly committed events soon (batched with other commits of this tick). */
  scheduleNotify(): void {
    if (this.notifyScheduled || this.closedWith) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      this.notify();
    });
  }

  /** Hands every committed event not yet delivered to the synced watchers. */
  notify(): void {
    const upto = this.store.committedRevision;
    const from = this.notifiedRevision;
    if (upto <= from || this.closedWith) return;
    this.notifiedRevision = upto;
    if (this.synced.size === 0) return;
    const batch = this.store.history.slice(from, upto);
    if (batch.length === 0) return;
    const firstRev = batch[0]!.kv.modRevision;
    for (const [prefix, set] of this.synced) {
      const events = prefix === '' ? batch : batch.filter((e) => e.kv.key.startsWith(prefix));
      if (events.length === 0) continue;
      for (const w of set) {
        if (w.after < firstRev) this.deliver(w, events);
        else {
          const later = events.filter((e) => e.kv.modRevision > w.after);
          if (later.length > 0) this.deliver(w, later);
        }
      }
    }
  }

  /** After a compaction: an unsynced watcher that still needed dropped events gets 410. */
  onCompacted(): void {
    const compacted = this.store.compactedRevision;
    for (const w of this.unsynced) {
      if (w.nextRev <= compacted) {
        this.remove(w);
        w.cb.onError(expired(`too old resource version: ${w.nextRev - 1} (${compacted})`));
      }
    }
  }

  /** Ends every watch with `err` (the store is closing or failed). */
  closeAll(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    const all = [...this.unsynced];
    for (const set of this.synced.values()) all.push(...set);
    this.unsynced.clear();
    this.synced.clear();
    for (const w of all) {
      w.state = 'done';
      try {
        w.cb.onError(err);
      } catch {
        // a failing callback must not keep the others from being told
      }
    }
  }

  private scheduleReplay(): void {
    if (this.replayScheduled) return;
    this.replayScheduled = true;
    // setImmediate, not a microtask: a long replay yields to I/O between rounds.
    setImmediate(() => {
      this.replayScheduled = false;
      this.replayRound();
    });
  }

  /** One bounded round of catching unsynced watchers up to notifiedRevision. */
  private replayRound(): void {
    if (this.closedWith) return;
    for (const w of this.unsynced) {
      if (w.state !== 'unsynced') continue;
      if (w.nextRev <= this.store.compactedRevision) {
        this.remove(w);
        w.cb.onError(expired(`too old resource version: ${w.nextRev - 1} (${this.store.compactedRevision})`));
        continue;
      }
      const upto = this.notifiedRevision;
      if (w.nextRev <= upto) {
        const { events, next } = this.store.history.collect(w.nextRev, upto, w.prefix, REPLAY_BATCH);
        w.nextRev = next;
        if (events.length > 0) this.deliver(w, events);
        if (w.state !== 'unsynced') continue; // cancelled by its own callback
      }
      if (w.nextRev > this.notifiedRevision) {
        this.unsynced.delete(w);
        w.state = 'synced';
        let set = this.synced.get(w.prefix);
        if (!set) this.synced.set(w.prefix, (set = new Set()));
        set.add(w);
      }
    }
    if (this.unsynced.size > 0) this.scheduleReplay();
  }

  private deliver(w: Watcher, events: StoreEvent[]): void {
    if (w.state === 'done') return;
    try {
      w.cb.onEvents(events);
    } catch (err) {
      // A receiver that cannot take events ends its watch rather than silently missing some.
      this.remove(w);
      try {
        w.cb.onError(err instanceof Error ? err : new Error(String(err)));
      } catch {
        // nothing more to tell it
      }
    }
  }

  private remove(w: Watcher): void {
    if (w.state === 'unsynced') this.unsynced.delete(w);
    else if (w.state === 'synced') {
      const set = this.synced.get(w.prefix);
      if (set) {
        set.delete(w);
        if (set.size === 0) this.synced.delete(w.prefix);
      }
    }
    w.state = 'done';
  }
}
