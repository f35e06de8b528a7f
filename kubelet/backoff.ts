// CrashLoopBackOff, as the kubelet does it (flowcontrol.Backoff keyed per container):
// a container that exits and must restart is restarted at once the first time; after that
// it waits `delay` since it last finished, and each restart doubles the delay (10 s, 20 s,
// 40 s … capped at 5 min). An entry whose last crash was more than 2×max (10 min) before the
// next one expires, so a container that ran for 10 minutes starts again from 10 s.

export interface BackoffEntry {
  delayMs: number;
  /** The finishedAt (ms) of the crash that last advanced this entry. */
  lastMs: number;
}

export class CrashLoopBackoff {
  private readonly entries = new Map<string, BackoffEntry>();

  constructor(
    readonly baseMs = 10_000,
    readonly maxMs = 300_000,
  ) {}

  private expired(e: BackoffEntry, eventMs: number): boolean {
    return eventMs - e.lastMs > 2 * this.maxMs;
  }

  /** Still waiting out the delay after a crash that finished at `finishedMs`? Returns the ms left (0 = may restart). */
  remaining(key: string, finishedMs: number, nowMs: number): number {
    const e = this.entries.get(key);
    if (!e || this.expired(e, finishedMs)) return 0;
    return Math.max(0, finishedMs + e.delayMs - nowMs);
  }

  /** Record a restart of the crash that finished at `finishedMs`: the next wait doubles. */
  next(key: string, finishedMs: number): BackoffEntry {
    const e = this.entries.get(key);
    const entry: BackoffEntry =
      !e || this.expired(e, finishedMs)
        ? { delayMs: this.baseMs, lastMs: finishedMs }
        : { delayMs: Math.min(e.delayMs * 2, this.maxMs), lastMs: finishedMs };
    this.entries.set(key, entry);
    return entry;
  }

  /** The current delay for a key (what a BackOff message quotes). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? this.baseMs;
  }

  forgetPrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** "10s", "1m20s", "5m0s", as Go prints a duration in a back-off message. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}
