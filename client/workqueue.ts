// The work queue, with client-go's guarantees:
//  - dedup: a key added many times before a worker takes it is processed once;
//  - exclusivity: a key is never handed to two workers at once; a key added while a worker
//    processes it is held ("dirty") and queued again when that worker calls done(key);
//  - per-item exponential backoff for addRateLimited (base 5 ms doubling, cap 1000 s),
//    reset by forget(key); optionally an overall token bucket (client-go's default
//    controller rate limiter is the max of the two: 10 qps, burst 100);
//  - addAfter: delayed adds kept in a min-heap, one timer for the earliest; a key waiting
//    twice keeps the earlier time;
//  - shutDown: no more adds; get() keeps handing out what is queued, then undefined;
//    shutDownWithDrain also waits for every in-flight key to be done().
//
// Worked example: add(a) add(a) add(b) → get()=a, get()=b, queue empty. While a is being
// processed add(a) → len()=0 (a is dirty, held); done(a) → a queued again, len()=1.

export interface WorkQueueOptions {
  name?: string;
  /** First backoff step of addRateLimited (default 5 ms). */
  baseDelayMs?: number;
  /** Backoff cap (default 1000 s). */
  maxDelayMs?: number;
  /** Overall rate limit for addRateLimited, a token bucket (off unless qps is given). */
  qps?: number;
  burst?: number;
}

interface Delayed<K> {
  at: number;
  key: K;
  seq: number;
}

/** A binary min-heap ordered by (at, seq). */
class DelayHeap<K> {
  private items: Delayed<K>[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Delayed<K> | undefined {
    return this.items[0];
  }
  push(d: Delayed<K>): void {
    const a = this.items;
    a.push(d);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Delayed<K> | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
  clear(): void {
    this.items = [];
  }
}
function less<K>(x: Delayed<K>, y: Delayed<K>): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}

/** Per-item exponential backoff: base·2^failures, capped. Pure, for tests and reuse. */
export function itemBackoffMs(failures: number, baseMs: number, maxMs: number): number {
  const d = baseMs * 2 ** Math.min(failures, 60);
  return Math.min(d, maxMs);
}

/** A token bucket: how long the next caller must wait for a token (reserving it). */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(private readonly qps: number, private readonly burst: number, private readonly clock: () => number = Date.now) {
    this.tokens = burst;
    this.last = clock();
  }
  reserve(): number {
    const t = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }
}

export class WorkQueue<K = string> {
  readonly name: string;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly bucket?: TokenBucket;

  private readonly queue: K[] = [];
  private head = 0; // queue is consumed from `head` to avoid O(n) shifts
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly waiters: ((k: K | undefined) => void)[] = [];
  private shuttingDown = false;
  private drainWaiters: (() => void)[] = [];

  private readonly heap = new DelayHeap<K>();
  private readonly waitingUntil = new Map<K, number>();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? '';
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000_000;
    if (opts.qps !== undefined && opts.qps > 0) this.bucket = new TokenBucket(opts.qps, opts.burst ?? Math.max(1, Math.ceil(opts.qps * 10)));
  }

  /** Queue a key; dedups against queued and held keys. Ignored after shutDown. */
  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // held until done(key)
    this.enqueue(key);
  }

  /** Queue a key after delayMs (at once if ≤ 0). A key already waiting keeps the earlier time. */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (!(delayMs > 0)) return this.add(key);
    const at = Date.now() + delayMs;
    const prev = this.waitingUntil.get(key);
    if (prev !== undefined && prev <= at) return;
    this.waitingUntil.set(key, at);
    this.heap.push({ at, key, seq: this.seq++ });
    this.armTimer();
  }

  /** Requeue after the key's backoff (and the overall rate limit, if any); counts a failure. */
  addRateLimited(key: K): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const perItem = itemBackoffMs(n, this.baseDelayMs, this.maxDelayMs);
    const overall = this.bucket ? this.bucket.reserve() : 0;
    this.addAfter(key, Math.max(perItem, overall));
  }

  /** Reset the key's backoff (call after a successful sync). */
  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key; waits while the queue is empty; undefined once shut down and drained. */
  get(): Promise<K | undefined> {
    if (this.head < this.queue.length) return Promise.resolve(this.take());
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker finished with key; a re-add that arrived meanwhile is queued now. */
  done(key: K): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key)) this.enqueue(key);
    this.checkDrained();
  }

  /** Keys waiting to be handed out (not counting held, in-flight or delayed ones). */
  len(): number {
    return this.queue.length - this.head;
  }

  shuttingDownNow(): boolean {
    return this.shuttingDown;
  }

  /** Stop accepting; workers waiting in get() get undefined; queued keys are still handed out. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.heap.clear();
    this.waitingUntil.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
    this.checkDrained();
  }

  /** shutDown, then wait until every in-flight key is done() (client-go's ShutDownWithDrain). */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private enqueue(key: K): void {
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(key);
      this.processing.add(key);
      w(key);
      return;
    }
    this.queue.push(key);
  }

  private take(): K {
    const key = this.queue[this.head]!;
    this.queue[this.head] = undefined as K;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private checkDrained(): void {
    if (this.shuttingDown && this.processing.size === 0) for (const d of this.drainWaiters.splice(0)) d();
  }

  private armTimer(): void {
    const next = this.heap.peek();
    if (!next || next.at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next.at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next.at - Date.now()));
    // A pending delayed add should not by itself keep the process alive.
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const t = Date.now();
    for (let d = this.heap.peek(); d && d.at <= t; d = this.heap.peek()) {
      this.heap.pop();
      // Skip stale heap entries superseded by an earlier addAfter of the same key.
      if (this.waitingUntil.get(d.key) !== d.at) continue;
      this.waitingUntil.delete(d.key);
      this.add(d.key);
    }
    this.armTimer();
  }
}
