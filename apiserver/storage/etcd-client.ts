// A small gRPC client for etcd v3 over node:http2: unary KV calls and bidirectional Watch
// streams — with failover across the given endpoints.
//
// Why not the `etcd3` npm package or etcd's JSON gateway (measured on this machine first):
// - etcd3 pulls in @grpc/grpc-js, proto-loader, protobufjs and cockatiel; its default circuit
//   breaker blocks all calls for 5 s after 3 failures, its 4 MB read cap fails big lists, and a
//   watch from a compacted revision surfaces only as "Watcher canceled" (no compact revision),
//   while its watch manager throws from a stream handler on an unknown watch id.
// - The JSON gateway (/v3/kv/…, base64) reports compact_revision and needs nothing, but costs
//   a JSON hop inside etcd and one HTTP/1.1 request per call (≈ 2.4k puts/s at 64 in flight
//   here, where etcd3 did ≈ 1.5–4k on the same loaded machine).
// gRPC itself is simple framing over HTTP/2 (5-byte prefix: compressed flag + length), and the
// few messages we need are encoded in etcd-wire.ts. So: zero dependencies, one multiplexed
// connection, full control of watch resumption and error mapping, and speed: CAS creates at
// 64 in flight, alternating rounds on one etcd, ran 1.4–2x etcd3's rate (e.g. 2.6k vs 1.9k/s).
//
// Failure handling in one place: calls move to the next endpoint when a connection fails or a
// member says "no leader"; reads and compaction retry until the deadline, a txn only when it
// certainly never reached etcd (its outcome is otherwise unknown: the caller gets a 503).
// HTTP/2 pings detect a frozen member; watches reconnect by themselves (see etcd.ts).
import http2 from 'node:http2';

/** gRPC status codes etcd uses. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  OUT_OF_RANGE: 11,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** A status etcd answered with (the request reached a server). */
export class GrpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'GrpcError';
  }
}

/** The connection failed; `unsent` means the request never left this process (safe to retry any call). */
export class EtcdUnavailableError extends Error {
  constructor(
    message: string,
    readonly unsent: boolean,
  ) {
    super(message);
    this.name = 'EtcdUnavailableError';
  }
}

export function frame(msg: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + msg.length);
  out[0] = 0;
  out.writeUInt32BE(msg.length, 1);
  msg.copy(out, 5);
  return out;
}

/** Splits a byte stream into gRPC messages (chunks are joined once per message, not per chunk). */
export class FrameParser {
  private chunks: Buffer[] = [];
  private size = 0;
  private need = 5; // bytes needed before we can make progress

  push(chunk: Buffer, onMessage: (m: Buffer) => void): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size >= this.need) {
      const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
      this.chunks = [buf];
      if (buf[0] !== 0) throw new Error('etcd: compressed gRPC messages are not supported');
      const len = buf.readUInt32BE(1);
      if (buf.length < 5 + len) {
        this.need = 5 + len;
        return;
      }
      const rest = buf.subarray(5 + len);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.size = rest.length;
      this.need = 5;
      onMessage(buf.subarray(5, 5 + len));
    }
  }
}

function statusOf(headers: http2.IncomingHttpHeaders): GrpcError | undefined | 'ok' {
  const raw = headers['grpc-status'];
  if (raw === undefined) return undefined;
  const code = Number(raw);
  if (code === 0) return 'ok';
  let message = String(headers['grpc-message'] ?? `grpc status ${code}`);
  try {
    message = decodeURIComponent(message);
  } catch {
    // keep it as sent
  }
  return new GrpcError(code, message);
}

const WINDOW = 32 * 1024 * 1024;

export interface EtcdConnectionOptions {
  endpoints: string[];
  /** Per unary call, including retries across endpoints (default 30 s). */
  requestTimeoutMs?: number;
  /** Unary calls in flight at once; more wait their turn in order (default 256). */
  maxInFlight?: number;
  /** HTTP/2 ping interval (default 10 s) and how long a pong may take (default 5 s). */
  keepaliveMs?: number;
  keepaliveTimeoutMs?: number;
}

/** A handle on one open bidirectional stream (a Watch call). */
export interface GrpcStream {
  write(msg: Buffer): void;
  close(): void;
}

export interface GrpcStreamHandlers {
  onMessage(msg: Buffer): void;
  /** The stream ended: a GrpcError from etcd, or a transport failure. Called once. */
  onEnd(err: Error): void;
}

export class EtcdConnection {
  private readonly endpoints: string[];
  private next = 0;
  private session: http2.ClientHttp2Session | undefined;
  /** Sessions whose connection was established: a request on one may have reached etcd. */
  private readonly connectedSessions = new WeakSet<http2.ClientHttp2Session>();
  private closed = false;
  readonly requestTimeoutMs: number;

  constructor(opts: EtcdConnectionOptions) {
    if (opts.endpoints.length === 0) throw new Error('etcd: no endpoints');
    // "127.0.0.1:2379" means http://127.0.0.1:2379, as etcdctl's --endpoints does.
    this.endpoints = opts.endpoints.map((e) => (/^[a-z]+:\/\//i.test(e) ? e : `http://${e}`).replace(/\/+$/, ''));
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.maxInFlight = opts.maxInFlight ?? 256;
    this.keepaliveMs = opts.keepaliveMs ?? 10_000;
    this.keepaliveTimeoutMs = opts.keepaliveTimeoutMs ?? 5_000;
  }

  private readonly keepaliveMs: number;
  private readonly keepaliveTimeoutMs: number;

  /**
   * Leave the current endpoint (it answered "no leader", or stopped answering): the next call
   * or watch connects to the next one. Streams on the old connection end and reconnect.
   */
  rotate(): void {
    const s = this.session;
    if (s) this.dropSession(s);
  }

  get endpoint(): string {
    return this.endpoints[(this.next + this.endpoints.length - 1) % this.endpoints.length]!;
  }

  /** The current session, or a new one to the next endpoint in turn. */
  private getSession(): { session: http2.ClientHttp2Session; connected: boolean } {
    if (this.closed) throw new Error('storage: closed');
    const cur = this.session;
    if (cur && !cur.closed && !cur.destroyed) return { session: cur, connected: this.connectedSessions.has(cur) };
    const url = this.endpoints[this.next]!;
    this.next = (this.next + 1) % this.endpoints.length;
    const s = http2.connect(url, {
      settings: { initialWindowSize: WINDOW },
      // Defensive: node assumes 100 concurrent streams until etcd's SETTINGS arrive (etcd allows
      // far more), and big lists need more than the default 10 MB session memory.
      peerMaxConcurrentStreams: 10_000,
      maxSessionMemory: 256,
    });
    this.session = s;
    s.on('connect', () => {
      this.connectedSessions.add(s);
      try {
        s.setLocalWindowSize(WINDOW);
      } catch {
        // not fatal: only a smaller window
      }
    });
    // Keepalive, like gRPC's: a member that stops answering (frozen, partitioned) would
    // otherwise hold watches forever on a connection that never errors. No pong in time:
    // drop the connection; calls and watches move to the next endpoint.
    const keepalive = setInterval(() => {
      if (s.destroyed || s.connecting) return;
      let answered = false;
      const deadline = setTimeout(() => {
        if (!answered) this.dropSession(s);
      }, this.keepaliveTimeoutMs);
      deadline.unref();
      try {
        s.ping((err) => {
          answered = !err;
          clearTimeout(deadline);
          if (err && !s.destroyed) this.dropSession(s);
        });
      } catch {
        clearTimeout(deadline);
        this.dropSession(s);
      }
    }, this.keepaliveMs);
    keepalive.unref();
    const drop = () => {
      clearInterval(keepalive);
      if (this.session === s) this.session = undefined;
    };
    s.on('error', drop);
    s.on('goaway', drop);
    s.on('close', drop);
    // Idle watch-less sessions must not keep the process alive.
    s.unref();
    return { session: s, connected: false };
  }

  private dropSession(s: http2.ClientHttp2Session): void {
    if (this.session === s) this.session = undefined;
    // Destroyed on a later turn: destroying a session from inside one of its streams' event
    // handlers hung node 20's http2 (seen when a watch ended with "no leader").
    setImmediate(() => {
      if (!s.destroyed) s.destroy();
    });
  }

  /** One unary call attempt. */
  private unaryOnce(path: string, body: Buffer, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let session: http2.ClientHttp2Session;
      let connected: boolean;
      try {
        ({ session, connected } = this.getSession());
      } catch (e) {
        reject(e);
        return;
      }
      let settled = false;
      const chunks: Buffer[] = [];
      let status: GrpcError | 'ok' | undefined;
      const finish = (err: Error | undefined, value?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value!);
      };
      const timer = setTimeout(() => {
        req.close(http2.constants.NGHTTP2_CANCEL);
        finish(new EtcdUnavailableError(`etcd: ${path} timed out after ${timeoutMs} ms`, false));
      }, timeoutMs);
      let req: http2.ClientHttp2Stream;
      try {
        req = session.request(
          // hasleader: a member without a leader refuses at once ("no leader") rather than
          // letting the call wait for etcd's request timeout; we then try another member.
          { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', hasleader: 'true' },
          { endStream: false },
        );
      } catch (e) {
        clearTimeout(timer);
        this.dropSession(session);
        reject(new EtcdUnavailableError(`etcd: ${(e as Error).message}`, !connected));
        return;
      }
      req.on('response', (headers) => {
        const s = statusOf(headers); // trailers-only responses carry the status here
        if (s) status = s;
      });
      req.on('trailers', (trailers) => {
        const s = statusOf(trailers);
        if (s) status = s;
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', (e: Error) => {
        // A stream error with no gRPC status: the connection failed under us. Whether a
        // request that was sent took effect is unknown, so only never-connected ones count as
        // unsent — and streams the server refused (REFUSED_STREAM: a member going away answers
        // GOAWAY, and HTTP/2 guarantees those streams were not processed).
        const refused = /REFUSED_STREAM/.test(e.message) || (req.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM);
        const unsent = refused || (!connected && !this.connectedSessions.has(session));
        this.dropSession(session);
        finish(new EtcdUnavailableError(`etcd ${this.endpoint}: ${e.message}`, unsent));
      });
      req.on('close', () => {
        if (status instanceof GrpcError) return finish(status);
        if (status !== 'ok') {
          const unsent = !connected && !this.connectedSessions.has(session);
          if (unsent) this.dropSession(session);
          return finish(new EtcdUnavailableError(`etcd: ${path}: stream closed without a status`, unsent));
        }
        const data = Buffer.concat(chunks);
        if (data.length < 5) return finish(new Error(`etcd: ${path}: empty response`));
        finish(undefined, data.subarray(5, 5 + data.readUInt32BE(1)));
      });
      req.end(frame(body));
    });
  }

  /**
   * A unary call. Connection failures move on to the next endpoint and retry with backoff until
   * the deadline when the call is idempotent (reads, compaction) or was never sent (any call).
   */
  async unary(path: string, body: Buffer, idempotent: boolean): Promise<Buffer> {
    // Bounded in flight: a burst of thousands of writes would otherwise queue inside etcd and
    // some would hit etcd's own request timeout (an unknown outcome for a write). Waiting here
    // costs nothing: the requests in flight already keep etcd's raft batches full.
    if (this.inFlight >= this.maxInFlight) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    try {
      return await this.unaryWithRetry(path, body, idempotent);
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly waiting: (() => void)[] = [];

  private async unaryWithRetry(path: string, body: Buffer, idempotent: boolean): Promise<Buffer> {
    const deadline = Date.now() + this.requestTimeoutMs;
    let backoff = 25;
    for (;;) {
      try {
        return await this.unaryOnce(path, body, Math.max(1, deadline - Date.now()));
      } catch (e) {
        if (this.closed) throw new Error('storage: closed');
        const retryable =
          (e instanceof EtcdUnavailableError && (idempotent || e.unsent)) ||
          // "no leader" (hasleader) is refused before anything is proposed: safe for any call.
          (e instanceof GrpcError && e.code === GrpcCode.UNAVAILABLE && (idempotent || /no leader/.test(e.message)));
        if (!retryable || Date.now() + backoff > deadline) throw e;
        // A member without a leader cannot serve linearizable calls: try another one.
        if (e instanceof GrpcError) this.rotate();
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  }

  /** Opens a bidirectional stream (e.g. /etcdserverpb.Watch/Watch) on the current endpoint. */
  openStream(path: string, handlers: GrpcStreamHandlers): GrpcStream {
    let session: http2.ClientHttp2Session;
    let ended = false;
    const end = (err: Error) => {
      if (ended) return;
      ended = true;
      handlers.onEnd(err);
    };
    let req: http2.ClientHttp2Stream | undefined;
    try {
      session = this.getSession().session;
      // hasleader (clientv3's WithRequireLeader): etcd ends the stream when this member loses
      // its leader, instead of leaving a watch silently stale on a partitioned member.
      req = session.request(
        { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', hasleader: 'true' },
        { endStream: false },
      );
    } catch (e) {
      const err = e as Error;
      setImmediate(() => end(err.message.includes('closed') ? err : new EtcdUnavailableError(`etcd: ${err.message}`, true)));
      return { write: () => {}, close: () => void (ended = true) };
    }
    const stream = req;
    // A live watch keeps the process alive the way an open socket would; the session is unref'd.
    let status: GrpcError | 'ok' | undefined;
    const parser = new FrameParser();
    stream.on('response', (h) => {
      const s = statusOf(h);
      if (s) status = s;
    });
    stream.on('trailers', (t) => {
      const s = statusOf(t);
      if (s) status = s;
    });
    stream.on('data', (c: Buffer) => {
      if (ended) return;
      try {
        parser.push(c, (m) => {
          if (!ended) handlers.onMessage(m);
        });
      } catch (e) {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        end(e as Error);
      }
    });
    stream.on('error', (e: Error) => {
      this.dropSession(session);
      end(new EtcdUnavailableError(`etcd ${this.endpoint}: ${e.message}`, false));
    });
    stream.on('close', () => {
      if (status instanceof GrpcError) end(status);
      else end(new EtcdUnavailableError(`etcd: ${path}: stream ended`, false));
    });
    return {
      write: (msg) => {
        if (!ended && !stream.destroyed) stream.write(frame(msg));
      },
      close: () => {
        ended = true;
        if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
      },
    };
  }

  /** Ends every call and stream; resolves once the connection is gone. */
  async close(): Promise<void> {
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    // On a later turn, for the same reason as dropSession().
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (s && !s.destroyed) s.destroy();
  }
}
