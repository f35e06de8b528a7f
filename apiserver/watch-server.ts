// Serving watches: chunked newline-delimited JSON over HTTP, or the same events as
// WebSocket messages. Sinks batch what one tick produces into one write, and report their
// unwritten backlog so the watch cache can close a hopelessly slow watcher.
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { KubeObject, Status } from '../api/meta.js';
import type { ResourceInfo } from '../api/resources.js';
import { isStatusError } from '../api/errors.js';
import { bookmarkObject, eventBytes, eventChunk, httpChunk, type CacheEvent, type EventType, type WatchSink, type Watcher } from './watch-cache.js';
import type { Store, ListOptions } from './registry/store.js';

/** Renders an event's object differently (kubectl's Table watch); undefined → the cached JSON line. */
export type EventEncoder = (type: EventType, obj: KubeObject) => string;

abstract class BatchingSink implements WatchSink {
  /** Payload bytes waiting for this tick's write, and (when known) each one pre-framed. */
  protected pending: Buffer[] = [];
  protected pendingChunks: (Buffer | undefined)[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  protected ended = false;
  onEnd?: () => void;

  constructor(protected readonly info: ResourceInfo, private readonly encoder?: EventEncoder) {}

  /** Write payload bytes; `framed` is the same as one HTTP chunk when the caller has it. */
  protected abstract write(payload: Buffer[], framed: (Buffer | undefined)[]): void;
  protected abstract close(): void;
  protected abstract destroy(): void;
  protected abstract unwritten(): number;

  abort(): void {
    if (this.ended) return;
    this.ended = true;
    this.pending = [];
    this.pendingChunks = [];
    this.destroy();
    this.onEnd?.();
  }

  send(type: EventType, ev: CacheEvent): void {
    if (this.encoder) this.queue(Buffer.from(this.encoder(type, ev.obj)));
    else this.queue(eventBytes(ev, type), eventChunk(ev, type));
  }

  bookmark(revision: number): void {
    this.queue(Buffer.from(`{"type":"BOOKMARK","object":${bookmarkObject(this.info, revision)}}\n`));
  }

  error(status: Status): void {
    this.queue(Buffer.from(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`));
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    this.close();
    this.onEnd?.();
  }

  backlog(): number {
    return this.pendingBytes + this.unwritten();
  }

  private queue(payload: Buffer, framed?: Buffer): void {
    if (this.ended) return;
    this.pending.push(payload);
    this.pendingChunks.push(framed);
    this.pendingBytes += payload.length;
    if (!this.scheduled) {
      this.scheduled = true;
      // Everything one storage batch produces goes out in one write.
      queueMicrotask(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.ended || this.pending.length === 0) return;
    const payload = this.pending;
    const framed = this.pendingChunks;
    this.pending = [];
    this.pendingChunks = [];
    this.pendingBytes = 0;
    this.write(payload, framed);
  }
}

export class HttpWatchSink extends BatchingSink {
  private headersSent = false;
  constructor(private readonly res: ServerResponse, info: ResourceInfo, encoder?: EventEncoder) {
    super(info, encoder);
  }
  /** Send the 200 and headers now, so a client sees its watch established before any event. */
  start(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    this.res.flushHeaders();
  }
  /**
   * The hot path of fan-out: the chunked body is written straight to the socket, one write
   * per watcher per tick, with the chunk framing shared by all watchers of an event (node's
   * res.write would re-encode and frame the same bytes for each of them). res.end() then
   * writes the terminating chunk as usual.
   */
  protected write(payload: Buffer[], framed: (Buffer | undefined)[]): void {
    this.start();
    const socket = this.res.socket;
    if (!socket || socket.destroyed || this.res.destroyed) return;
    // Only while this response owns the connection and its headers are out (always, unless
    // a client pipelines requests); otherwise let node frame and order the bytes.
    const owned = (socket as unknown as { _httpMessage?: unknown })._httpMessage === this.res
      && ((this.res as unknown as { outputData?: unknown[] }).outputData?.length ?? 0) === 0;
    if (!owned) {
      this.res.write(payload.length === 1 ? payload[0]! : Buffer.concat(payload));
      return;
    }
    if (payload.length === 1 && framed[0]) socket.write(framed[0]);
    else socket.write(httpChunk(payload.length === 1 ? payload[0]! : Buffer.concat(payload)));
  }
  protected close(): void {
    this.start();
    if (!this.res.destroyed) this.res.end();
  }
  protected destroy(): void {
    this.res.destroy();
  }
  protected unwritten(): number {
    return (this.res.socket?.writableLength ?? 0) + this.res.writableLength;
  }
}

export class WebSocketWatchSink extends BatchingSink {
  constructor(private readonly ws: WebSocket, info: ResourceInfo, encoder?: EventEncoder) {
    super(info, encoder);
  }
  protected write(payload: Buffer[]): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // One text message per event (without its newline), as kube-apiserver's websocket watch sends them.
    for (const p of payload) this.ws.send(p.subarray(0, p.length - 1), { binary: false });
  }
  protected close(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
  }
  protected destroy(): void {
    this.ws.terminate();
  }
  protected unwritten(): number {
    return this.ws.bufferedAmount;
  }
}

export interface WatchRequest extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

/** kube-apiserver's default: a random timeout in [minRequestTimeout, 2×minRequestTimeout). */
const MIN_REQUEST_TIMEOUT_S = 1800;

/**
 * Run a watch into a sink until the client leaves, the timeout passes or the cache ends it.
 * A resourceVersion too old to serve becomes an ERROR event (410 Expired) on a 200 stream,
 * as kube-apiserver answers; other errors (bad selectors) are thrown before anything is sent.
 */
export async function serveWatch(
  store: Store,
  namespace: string | undefined,
  opts: WatchRequest,
  sink: HttpWatchSink | WebSocketWatchSink,
  onClientGone: (cb: () => void) => void,
): Promise<Watcher | undefined> {
  let watcher: Watcher | undefined;
  try {
    watcher = await store.watch(namespace, opts, sink);
  } catch (e) {
    if (isStatusError(e) && e.code === 410) {
      if (sink instanceof HttpWatchSink) sink.start();
      sink.error(e.status);
      return undefined;
    }
    throw e;
  }
  if (sink instanceof HttpWatchSink) sink.start();
  const seconds = opts.timeoutSeconds && opts.timeoutSeconds > 0 ? opts.timeoutSeconds : MIN_REQUEST_TIMEOUT_S * (1 + Math.random());
  const timer = setTimeout(() => {
    watcher!.stop();
    sink.end();
  }, seconds * 1000);
  timer.unref();
  const stop = () => {
    clearTimeout(timer);
    watcher!.stop();
  };
  sink.onEnd = stop;
  onClientGone(() => {
    stop();
    sink.end();
  });
  return watcher;
}
