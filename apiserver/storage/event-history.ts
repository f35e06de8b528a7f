// The retained events in revision order: what a watch started in the past replays before it
// goes live. One transaction's events share its revision and stay adjacent.
//
// Compaction drops a prefix of the array; rather than shifting the array on every compaction,
// a head offset advances and the dead prefix is cut off once it is at least half the array.
import type { StoreEvent } from './interface.js';

export class EventHistory {
  private events: StoreEvent[] = [];
  private head = 0;

  get length(): number {
    return this.events.length - this.head;
  }

  append(e: StoreEvent): void {
    this.events.push(e);
  }

  /** Revision of an event: a put's or a delete's kv.modRevision is the event's revision. */
  private static rev(e: StoreEvent): number {
    return e.kv.modRevision;
  }

  /** Position of the first retained event with revision ≥ rev. */
  private lowerBound(rev: number): number {
    const events = this.events;
    let lo = this.head;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (EventHistory.rev(events[mid]!) < rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Events with fromRev ≤ revision ≤ toRev on keys under `prefix`, scanning at most about
   * `maxScan` events (a revision is never split). Returns the events and the next revision to
   * read from (toRev + 1 once everything up to toRev was scanned).
   */
  collect(fromRev: number, toRev: number, prefix: string, maxScan: number): { events: StoreEvent[]; next: number } {
    const events = this.events;
    const out: StoreEvent[] = [];
    let i = this.lowerBound(fromRev);
    let scanned = 0;
    while (i < events.length) {
      const e = events[i]!;
      const rev = EventHistory.rev(e);
      if (rev > toRev) break;
      if (scanned >= maxScan && rev !== EventHistory.rev(events[i - 1]!)) return { events: out, next: rev };
      if (prefix === '' || e.kv.key.startsWith(prefix)) out.push(e);
      scanned++;
      i++;
    }
    return { events: out, next: toRev + 1 };
  }

  /** Events with revision in (fromRev, toRev], unfiltered (the live fan-out of one commit). */
  slice(afterRev: number, toRev: number): StoreEvent[] {
    const start = this.lowerBound(afterRev + 1);
    let end = start;
    const events = this.events;
    while (end < events.length && EventHistory.rev(events[end]!) <= toRev) end++;
    return events.slice(start, end);
  }

  /** Calls `visit` with the key of every event with revision > afterRev, in order. */
  forEachAfter(afterRev: number, visit: (key: string) => void): void {
    const events = this.events;
    for (let i = this.lowerBound(afterRev + 1); i < events.length; i++) visit(events[i]!.kv.key);
  }

  /** Calls `visit` with the key of every retained event with revision ≤ atRev, in order. */
  forEachUpTo(atRev: number, visit: (key: string) => void): void {
    const events = this.events;
    const end = this.lowerBound(atRev + 1);
    for (let i = this.head; i < end; i++) visit(events[i]!.kv.key);
  }

  /** Drops events with revision ≤ atRev. */
  compact(atRev: number): void {
    this.head = this.lowerBound(atRev + 1);
    if (this.head > 1024 && this.head * 2 >= this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }
}
