// Watch events gathered per animation frame: with 5,000 pods a rollout or a node going away
// sends hundreds of events a second, and applying each one alone would copy the list and
// re-render every view each time. A batch is applied with one copy of the list and one render,
// at the next frame the browser paints (live.ts supplies that schedule). Pure.
import { keyOf, type KubeObject, type WatchEvent } from './model/objects.js';
import type { ListState } from './model/list-state.js';

/** The state after a batch of watch events, in order: one copy of the map, however many events. */
export function applyEvents(state: ListState, events: readonly WatchEvent[]): ListState {
  let items = state.items;
  let copied = false;
  let resourceVersion = state.resourceVersion;
  for (const e of events) {
    resourceVersion = (e.object as KubeObject | undefined)?.metadata?.resourceVersion ?? resourceVersion;
    if (e.type !== 'ADDED' && e.type !== 'MODIFIED' && e.type !== 'DELETED') continue;
    if (!copied) {
      items = new Map(items);
      copied = true;
    }
    const key = keyOf(e.object as KubeObject);
    if (e.type === 'DELETED') items.delete(key);
    else items.set(key, e.object as KubeObject);
  }
  return items === state.items && resourceVersion === state.resourceVersion ? state : { items, resourceVersion };
}

/** Runs `fn` once, soon; returns a cancel. */
export type Schedule = (fn: () => void) => () => void;

/** Items pushed between two scheduled flushes are handed to `flush` together, in order. */
export class Batcher<T> {
  private pending: T[] = [];
  private cancel: (() => void) | undefined;

  constructor(private readonly flush: (items: T[]) => void, private readonly schedule: Schedule) {}

  push(item: T): void {
    this.pending.push(item);
    this.cancel ??= this.schedule(() => this.flushNow());
  }

  /** Hands over what is pending now (a watch that ends must leave its resourceVersion current). */
  flushNow(): void {
    this.cancel?.();
    this.cancel = undefined;
    if (this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    this.flush(items);
  }

  /** Drops what is pending (the list is being replaced, or stopped). */
  clear(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.pending = [];
  }

  get size(): number {
    return this.pending.length;
  }
}
