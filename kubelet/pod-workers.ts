// One worker per pod (the kubelet's podWorkers): syncs of one pod never overlap, a trigger
// that arrives during a sync runs exactly one more sync after it, and a pod can ask to be
// synced again at a time (back-off expiry, image pull retry). Different pods sync in parallel.

interface Worker {
  syncing: boolean;
  again: boolean;
  timer?: NodeJS.Timeout;
  timerAtMs?: number;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  /** The sync loops running now: stop() waits for them, so nothing starts after shutdown stops what runs. */
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly sync: (uid: string) => Promise<void>,
    private readonly onError: (uid: string, err: unknown) => void,
    /** After a failed sync, try again this much later. */
    private readonly errorRetryMs = 1000,
  ) {}

  trigger(uid: string): void {
    if (this.stopped) return;
    let w = this.workers.get(uid);
    if (!w) {
      w = { syncing: false, again: false };
      this.workers.set(uid, w);
    }
    if (w.syncing) {
      w.again = true;
      return;
    }
    w.syncing = true;
    const worker = w;
    const loop = (async () => {
      do {
        worker.again = false;
        try {
          await this.sync(uid);
        } catch (err) {
          this.onError(uid, err);
          this.retryAt(uid, Date.now() + this.errorRetryMs);
        }
      } while (worker.again && !this.stopped && this.workers.get(uid) === worker);
      worker.syncing = false;
    })();
    this.inFlight.add(loop);
    void loop.finally(() => this.inFlight.delete(loop));
  }

  /** Sync the pod again at `atMs` (the earliest of several requests wins). */
  retryAt(uid: string, atMs: number): void {
    const w = this.workers.get(uid);
    if (!w || this.stopped) return;
    if (w.timer && w.timerAtMs !== undefined && w.timerAtMs <= atMs) return;
    if (w.timer) clearTimeout(w.timer);
    w.timerAtMs = atMs;
    w.timer = setTimeout(() => {
      w.timer = undefined;
      w.timerAtMs = undefined;
      this.trigger(uid);
    }, Math.max(0, atMs - Date.now()));
  }

  /** The pod is gone: drop its worker (a sync in progress finishes, no more follow). */
  forget(uid: string): void {
    const w = this.workers.get(uid);
    if (w?.timer) clearTimeout(w.timer);
    this.workers.delete(uid);
  }

  /**
   * No more syncs; resolves once the syncs running now have finished (or after `waitMs`): a
   * sync that is mid-way may still start a container, which whoever stops the pods must see.
   */
  async stop(waitMs = 0): Promise<void> {
    this.stopped = true;
    for (const w of this.workers.values()) if (w.timer) clearTimeout(w.timer);
    if (waitMs <= 0 || this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...this.inFlight]), new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }
}
