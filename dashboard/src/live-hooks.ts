// Preact hooks over LiveLists shared by path: every view asking for /api/v1/pods shares one
// list + watch, stopped a little after the last view lets go of it.
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { Api } from './api.js';
import { LiveList, type LiveSnapshot } from './live.js';
import { sortedItems } from './model/list-state.js';
import type { KubeObject } from './model/objects.js';
import type { ListState } from './model/list-state.js';

/** Each state's sorted items, computed once however many views and renders ask (5,000 pods). */
const sorted = new WeakMap<ListState, KubeObject[]>();
function itemsOf(state: ListState): KubeObject[] {
  let items = sorted.get(state);
  if (!items) sorted.set(state, (items = sortedItems(state)));
  return items;
}

export class LiveLists {
  private readonly lists = new Map<string, { list: LiveList; users: number; timer?: ReturnType<typeof setTimeout> }>();
  private readonly down = new Set<string>();
  private readonly listeners = new Set<(down: number) => void>();

  constructor(readonly api: Api) {}

  acquire(path: string): LiveList {
    let e = this.lists.get(path);
    if (!e) {
      e = { list: new LiveList(this.api, path, (up) => this.connection(path, up)), users: 0 };
      this.lists.set(path, e);
    }
    clearTimeout(e.timer);
    e.users++;
    return e.list;
  }

  release(path: string): void {
    const e = this.lists.get(path);
    if (!e || --e.users > 0) return;
    e.timer = setTimeout(() => {
      e.list.stop();
      this.lists.delete(path);
      this.connection(path, true);
    }, 30_000);
  }

  /** Stops every list (signing out: their watches must not outlive the token). */
  close(): void {
    for (const e of this.lists.values()) {
      clearTimeout(e.timer);
      e.list.stop();
    }
    this.lists.clear();
  }

  /** Called with how many lists are disconnected whenever that changes. */
  onConnection(fn: (down: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private connection(path: string, up: boolean): void {
    if (up) this.down.delete(path);
    else this.down.add(path);
    for (const fn of this.listeners) fn(this.down.size);
  }
}

export const LiveContext = createContext<LiveLists | undefined>(undefined);

export function useLive(path: string | undefined): LiveSnapshot & { items: KubeObject[] } {
  const lists = useContext(LiveContext)!;
  const [snap, setSnap] = useState<LiveSnapshot>({ state: undefined, connected: true });
  useEffect(() => {
    if (!path) return;
    const list = lists.acquire(path);
    const unsubscribe = list.subscribe(setSnap);
    return () => {
      unsubscribe();
      lists.release(path);
    };
  }, [path]);
  return { ...snap, items: snap.state ? itemsOf(snap.state) : [] };
}
