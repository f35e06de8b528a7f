// A list kept current by a watch, as an informer's store: a list replaces everything (so a
// relist after 410 Gone leaves no duplicated or stale rows), watch events add, replace or
// remove one object by key, and the resourceVersion to resume from follows both. Pure.
import { keyOf, type KubeObject, type WatchEvent } from './objects.js';

export interface ListState {
  items: Map<string, KubeObject>;
  /** The resourceVersion a watch resumes from (the list's, then each event's). */
  resourceVersion: string;
}

export function fromList(items: KubeObject[], resourceVersion: string): ListState {
  return { items: new Map(items.map((o) => [keyOf(o), o])), resourceVersion };
}

/** The state after one watch event; ERROR events are the caller's (they carry a Status). */
export function applyEvent(state: ListState, e: WatchEvent): ListState {
  const rv = (e.object as KubeObject | undefined)?.metadata?.resourceVersion ?? state.resourceVersion;
  if (e.type === 'BOOKMARK') return { items: state.items, resourceVersion: rv };
  if (e.type !== 'ADDED' && e.type !== 'MODIFIED' && e.type !== 'DELETED') return state;
  const items = new Map(state.items);
  const key = keyOf(e.object as KubeObject);
  if (e.type === 'DELETED') items.delete(key);
  else items.set(key, e.object as KubeObject);
  return { items, resourceVersion: rv };
}

/** Items sorted by namespace, then name — a stable order for tables. */
export function sortedItems(state: ListState): KubeObject[] {
  return [...state.items.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
}
