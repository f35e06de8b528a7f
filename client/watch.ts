// The watch stream: a chunked response of newline-delimited JSON events
// ({"type":"ADDED","object":{...}}\n...). Chunks split lines anywhere — even inside a
// multi-byte UTF-8 character — and one chunk may carry many events, so bytes are decoded
// with a StringDecoder and lines are cut only at '\n'.
import { StringDecoder } from 'node:string_decoder';
import type { KubeObject, Status, WatchEvent } from '../api/meta.js';
import { WATCH_EVENT_TYPES } from '../api/meta.js';
import { StatusError } from '../api/errors.js';

export interface WatchStream<T extends KubeObject = KubeObject> extends AsyncIterable<WatchEvent<T>> {
  /** Abort the request; iteration then ends quietly. */
  close(): void;
}

/** Cuts a byte stream into complete lines, holding a partial last line until its '\n' arrives. */
export class LineDecoder {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  /** Complete, non-blank lines contained in the data so far. */
  push(chunk: Buffer | string): string[] {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const parts = text.split('\n');
    this.partial = parts.pop()!;
    return parts.map((l) => l.trim()).filter((l) => l !== '');
  }

  /** At end of stream: the unterminated last line, if any. */
  flush(): string[] {
    const last = (this.partial + this.decoder.end()).trim();
    this.partial = '';
    return last ? [last] : [];
  }
}

/** Parse one line of a watch stream; throws on anything that is not a watch event. */
export function parseWatchLine<T extends KubeObject = KubeObject>(line: string): WatchEvent<T> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error(`watch: invalid JSON line: ${line.slice(0, 200)}`);
  }
  const ev = v as { type?: unknown; object?: unknown };
  if (!ev || typeof ev !== 'object' || !WATCH_EVENT_TYPES.includes(ev.type as never) || !ev.object || typeof ev.object !== 'object') {
    throw new Error(`watch: not a watch event: ${line.slice(0, 200)}`);
  }
  return { type: ev.type as WatchEvent['type'], object: ev.object as T | Status };
}

/** True for an ERROR event; its object is then a Status. */
export function isErrorEvent<T extends KubeObject>(ev: WatchEvent<T>): ev is { type: 'ERROR'; object: Status } {
  return ev.type === 'ERROR';
}

/**
 * A watch over HTTP. `open` starts the request (with a signal that close() aborts). The
 * iterator yields events as they arrive and ends when the server ends the stream or the
 * connection drops mid-stream (both mean: watch again from the last resourceVersion).
 * If the server refuses the watch with an HTTP error (e.g. 410), that Status is yielded as
 * one ERROR event, the same shape as an in-stream error. A failure to connect at all throws.
 */
export class HttpWatchStream<T extends KubeObject> implements WatchStream<T> {
  private readonly ac = new AbortController();
  private started = false;
  private readonly detachOuter: () => void = () => {};

  constructor(
    private readonly open: (signal: AbortSignal) => Promise<NodeJS.ReadableStream>,
    outer?: AbortSignal,
  ) {
    if (outer) {
      if (outer.aborted) this.ac.abort();
      else {
        // Long-lived signals (an informer's) see many watches: detach when this one ends.
        const onAbort = () => this.ac.abort();
        outer.addEventListener('abort', onAbort, { once: true });
        this.detachOuter = () => outer.removeEventListener('abort', onAbort);
      }
    }
  }

  close(): void {
    this.ac.abort();
    this.detachOuter();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    if (this.started) throw new Error('a watch stream can be iterated only once');
    this.started = true;
    try {
      yield* this.events();
    } finally {
      this.detachOuter();
    }
  }

  private async *events(): AsyncGenerator<WatchEvent<T>> {
    if (this.ac.signal.aborted) return;
    let body: NodeJS.ReadableStream;
    try {
      body = await this.open(this.ac.signal);
    } catch (e) {
      if (this.ac.signal.aborted) return;
      if (e instanceof StatusError) {
        yield { type: 'ERROR', object: e.status };
        return;
      }
      throw e;
    }
    const decoder = new LineDecoder();
    const destroy = () => (body as unknown as { destroy?: () => void }).destroy?.();
    this.ac.signal.addEventListener('abort', destroy, { once: true });
    try {
      for await (const chunk of body as AsyncIterable<Buffer | string>) {
        for (const line of decoder.push(chunk)) yield parseWatchLine<T>(line);
      }
      for (const line of decoder.flush()) yield parseWatchLine<T>(line);
    } catch (e) {
      // A closed or reset connection ends the watch like a normal end of stream; the caller
      // re-watches from the last resourceVersion. Malformed data is a real error.
      if (this.ac.signal.aborted || isConnectionLoss(e)) return;
      throw e;
    } finally {
      this.ac.signal.removeEventListener('abort', destroy);
      destroy();
    }
  }
}

function isConnectionLoss(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException | undefined;
  if (!err) return false;
  return err.name === 'AbortError' || ['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ECONNABORTED', 'ETIMEDOUT'].includes(err.code ?? '') ||
    /aborted|socket hang up|premature close/i.test(err.message ?? '');
}
