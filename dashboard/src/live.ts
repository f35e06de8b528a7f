// A live list: list, then watch from the list's resourceVersion over a WebSocket (one event
// per message), as an informer's reflector. A dropped
// connection is retried with backoff from the last resourceVersion seen, reported as
// `connected: false` meanwhile; a 410 Gone (expired resourceVersion) relists silently, and the
// list replaces the state, so no row is duplicated or left stale. Events are applied a frame's
// worth at a time (live-batch.ts): one copy of the list and one render per frame, not per event.
import { ApiError, type Api } from './api.js';
import { applyEvents, Batcher, type Schedule } from './live-batch.js';
import { fromList, type ListState } from './model/list-state.js';
import type { WatchEvent } from './model/objects.js';

export interface LiveSnapshot {
  state: ListState | undefined;
  connected: boolean;
  /** A refusal that retrying will not cure (401, 403, 404): shown instead of the table. */
  error?: ApiError;
}

const BACKOFF_MS = [250, 500, 1000, 2000, 4000];

/**
 * The next animation frame, or 250 ms when no frame comes first: a hidden tab runs no frames,
 * and its events must not pile up until it is shown again.
 */
export const nextFrame: Schedule = (fn) => {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    cancelAnimationFrame(raf);
    clearTimeout(timer);
    fn();
  };
  const raf = requestAnimationFrame(once);
  const timer = setTimeout(once, 250);
  return () => {
    done = true;
    cancelAnimationFrame(raf);
    clearTimeout(timer);
  };
};

export class LiveList {
  private snapshot: LiveSnapshot = { state: undefined, connected: true };
  private readonly listeners = new Set<(s: LiveSnapshot) => void>();
  private abort = new AbortController();
  private stopped = false;
  private socket: WebSocket | undefined;
  private readonly batch = new Batcher<WatchEvent>((events) => this.set({ state: applyEvents(this.snapshot.state!, events) }), nextFrame);
  /** How many times this list was fetched whole (1 + relists after 410). */
  lists = 0;

  constructor(private readonly api: Api, readonly path: string, private readonly onConnection?: (up: boolean) => void) {
    void this.run();
  }

  get current(): LiveSnapshot {
    return this.snapshot;
  }

  subscribe(fn: (s: LiveSnapshot) => void): () => void {
    this.listeners.add(fn);
    fn(this.snapshot);
    return () => this.listeners.delete(fn);
  }

  stop(): void {
    this.stopped = true;
    this.batch.clear();
    this.abort.abort();
    this.socket?.close();
  }

  private set(s: Partial<LiveSnapshot>): void {
    const was = this.snapshot.connected;
    this.snapshot = { ...this.snapshot, ...s };
    if (s.connected !== undefined && s.connected !== was) this.onConnection?.(s.connected);
    for (const fn of this.listeners) fn(this.snapshot);
  }

  private async run(): Promise<void> {
    let failures = 0;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          const list = await this.api.get<{ items: any[]; metadata: { resourceVersion: string } }>(this.path, this.abort.signal);
          this.lists++;
          this.set({ state: fromList(list.items, list.metadata.resourceVersion), connected: true, error: undefined });
          needList = false;
        }
        const gone = await this.watch();
        failures = 0;
        if (gone) needList = true;
      } catch (e) {
        if (this.stopped) return;
        if (e instanceof ApiError && e.code === 410) { needList = true; continue; }
        if (e instanceof ApiError && (e.code === 401 || e.code === 403 || e.code === 404)) {
          this.set({ error: e, connected: true });
          return;
        }
        this.set({ connected: false });
        await new Promise((r) => setTimeout(r, BACKOFF_MS[Math.min(failures++, BACKOFF_MS.length - 1)]));
      }
    }
  }

  /**
   * One watch until the server ends it; true when it ended with 410 Gone (relist). A WebSocket
   * (one message per event), not a streamed fetch: a page keeps a dozen watches open and a
   * browser allows only six HTTP/1.1 connections per host. The token rides in Kubernetes'
   * bearer subprotocol; the second protocol is the one the server answers with.
   */
  private watch(): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const rv = this.snapshot.state!.resourceVersion;
      const sep = this.path.includes('?') ? '&' : '?';
      const url = new URL(`${this.api.base}${this.path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(rv)}`, location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const ws = new WebSocket(url, [bearerProtocol(this.api.token), WATCH_PROTOCOL]);
      this.socket = ws;
      let opened = false;
      let gone = false;
      let failure: Error | undefined;
      ws.onopen = () => {
        opened = true;
        this.set({ connected: true });
      };
      ws.onmessage = (m) => {
        const e = JSON.parse(String(m.data)) as WatchEvent;
        if (e.type === 'ERROR') {
          this.batch.flushNow();
          if (e.object?.code === 410) gone = true;
          else failure = new ApiError(e.object?.message ?? 'watch error', e.object?.code ?? 500, e.object?.reason);
          ws.close();
          return;
        }
        this.batch.push(e);
      };
      ws.onclose = () => {
        this.socket = undefined;
        // The next watch resumes from the last event received, so it must be applied first.
        this.batch.flushNow();
        if (failure) reject(failure);
        else if (!opened) reject(new Error('the watch could not connect'));
        else resolve(gone);
      };
    });
  }
}

/** What the page offers beside its token; the server answers with it. */
export const WATCH_PROTOCOL = 'watch.skiff.dev';

/** Kubernetes' `base64url.bearer.authorization.k8s.io.<token>` subprotocol (unpadded base64url). */
export function bearerProtocol(token: string): string {
  const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(token)));
  return `base64url.bearer.authorization.k8s.io.${b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}
