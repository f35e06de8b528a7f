// SPDY/3.1 framing, the server's side of a session — what the real kubectl's port-forward
// speaks (moby/spdystream under k8s.io/apimachinery's httpstream/spdy): over a plain
// `Upgrade: SPDY/3.1` connection, or tunnelled in WebSocket binary messages
// (`SPDY/3.1+portforward.k8s.io`, kubectl's default since 1.31). No npm package for SPDY is
// maintained for current Node (spdy-transport was last released in 2018), so this is the
// subset spdystream uses: SYN_STREAM/SYN_REPLY/DATA/RST_STREAM/PING/GOAWAY (SETTINGS,
// HEADERS and WINDOW_UPDATE are read and ignored: spdystream does no flow control).
//
// Frames (draft-mbelshe-httpbis-spdy-00 §2.2):
//   control: 1 | version(15)=3 | type(16) | flags(8) | length(24) | data
//   data:    0 | stream id(31)            | flags(8) | length(24) | data
// Header blocks (§2.6.10) are zlib streams primed with the SPDY/3 dictionary, one continuous
// compression context per direction, each block ending with a sync flush.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';

export const SPDY_VERSION = 3;
export const FrameType = { SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9 } as const;
export const FLAG_FIN = 0x01;
export const RstStatus = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6 } as const;

/** The SPDY/3 header compression dictionary (§2.6.10.1): length-prefixed names, then common values. */
export const HEADER_DICTIONARY: Buffer = (() => {
  const names = ('options head post put delete trace accept accept-charset accept-encoding accept-language accept-ranges age allow ' +
    'authorization cache-control connection content-base content-encoding content-language content-length content-location ' +
    'content-md5 content-range content-type date etag expect expires from host if-match if-modified-since if-none-match ' +
    'if-range if-unmodified-since last-modified location max-forwards pragma proxy-authenticate proxy-authorization range ' +
    'referer retry-after server te trailer transfer-encoding upgrade user-agent vary via warning www-authenticate method get ' +
    'status').split(' ').concat(['200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin']);
  const tail = '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
    '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden' +
    '404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
    'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
    'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,' +
    'publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';
  const parts: Buffer[] = [];
  for (const n of names) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(n.length);
    parts.push(len, Buffer.from(n, 'latin1'));
  }
  parts.push(Buffer.from(tail, 'latin1'));
  return Buffer.concat(parts);
})();

/** Header name → values (names lowercase, as SPDY requires). */
export type SpdyHeaders = Record<string, string[]>;

/** The uncompressed name/value block: count, then length-prefixed names and NUL-joined values. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, values] of entries) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(values.join('\0'));
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = {};
  let off = 0;
  const need = (n: number) => {
    if (off + n > block.length) throw new Error('truncated header block');
  };
  need(4);
  const count = block.readUInt32BE(off);
  off += 4;
  for (let i = 0; i < count; i++) {
    need(4);
    const nl = block.readUInt32BE(off);
    need(4 + nl + 4);
    const name = block.toString('latin1', off + 4, off + 4 + nl).toLowerCase();
    off += 4 + nl;
    const vl = block.readUInt32BE(off);
    need(4 + vl);
    headers[name] = [...(headers[name] ?? []), ...block.toString('utf8', off + 4, off + 4 + vl).split('\0')];
    off += 4 + vl;
  }
  return headers;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

export function controlFrame(type: number, flags: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24 | data.length) >>> 0, 4);
  return Buffer.concat([h, data]);
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h.writeUInt32BE(((flags & 0xff) << 24 | data.length) >>> 0, 4);
  return Buffer.concat([h, data]);
}

/** One direction's zlib context: every block is compressed (or inflated) in order, each ending in a sync flush. */
class HeaderCodec {
  private readonly z: zlib.Deflate | zlib.Inflate;
  private out: Buffer[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(kind: 'deflate' | 'inflate') {
    this.z = kind === 'deflate' ? zlib.createDeflate({ dictionary: HEADER_DICTIONARY }) : zlib.createInflate({ dictionary: HEADER_DICTIONARY });
    this.z.on('data', (b: Buffer) => this.out.push(b));
    this.z.on('error', () => {}); // surfaced through the flush below
  }

  run(input: Buffer): Promise<Buffer> {
    const p = this.chain.then(() => new Promise<Buffer>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.z.once('error', onError);
      this.z.write(input);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.z.off('error', onError);
        const b = Buffer.concat(this.out);
        this.out = [];
        resolve(b);
      });
    }));
    this.chain = p.catch(() => {});
    return p;
  }

  close(): void {
    this.z.close();
  }
}

/** One SPDY stream: readable = the peer's DATA, writable = our DATA (end() sends FIN). */
export class SpdyStream extends Duplex {
  /** The peer has sent FIN (or the stream was reset). */
  remoteClosed = false;
  /** We have sent FIN (or the stream was reset). */
  localClosed = false;

  constructor(readonly session: SpdySession, readonly id: number, readonly headers: SpdyHeaders) {
    super({ allowHalfOpen: true });
  }

  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  override _read(): void {
    this.session.resumeTransport();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.localClosed) return cb(new Error(`write on closed stream ${this.id}`));
    this.session.send(dataFrame(this.id, 0, chunk), cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (this.localClosed) return cb();
    this.localClosed = true;
    this.session.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)), cb);
    this.session.maybeForget(this);
  }

  /** RST_STREAM: abandon the stream both ways. */
  reset(status: number = RstStatus.CANCEL): void {
    if (!this.localClosed || !this.remoteClosed) this.session.send(controlFrame(FrameType.RST_STREAM, 0, Buffer.concat([u32(this.id), u32(status)])));
    this.localClosed = this.remoteClosed = true;
    this.session.maybeForget(this);
    this.destroy();
  }
}

/**
 * A server-side SPDY/3.1 session over `transport` (a socket, or a WebSocket tunnel as a
 * Duplex). Each SYN_STREAM from the client becomes a SpdyStream handed to 'stream' listeners;
 * it is answered with a SYN_REPLY (empty headers) once the listener returns, as spdystream's
 * server does, so the client may write to it. PINGs are echoed. 'close' when the transport
 * goes; every stream is destroyed then.
 */
export class SpdySession extends EventEmitter {
  readonly streams = new Map<number, SpdyStream>();
  private buf: Buffer = Buffer.alloc(0);
  private readonly inflate = new HeaderCodec('inflate');
  private readonly deflate = new HeaderCodec('deflate');
  /** Frames are handled strictly in order: header blocks inflate asynchronously. */
  private inbound: Promise<void> = Promise.resolve();
  /** Frames go out strictly in order: a SYN_REPLY's header block deflates asynchronously. */
  private outbound: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private goneAway = false;
  closed = false;

  /** `head`: bytes already read from the transport (an upgrade's leftover). */
  constructor(readonly transport: Duplex, head?: Buffer) {
    super();
    if (head?.length) this.onData(head);
    transport.on('data', (d: Buffer) => this.onData(d));
    transport.on('error', () => transport.destroy());
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
  }

  /** Queue bytes to the peer after everything queued before; `cb` once the transport took them. */
  send(frame: Buffer | Promise<Buffer>, cb?: (e?: Error | null) => void): void {
    const p = this.outbound.then(async () => {
      const b = await frame;
      if (this.closed || this.transport.destroyed) throw new Error('SPDY connection closed');
      await new Promise<void>((resolve) => {
        // Backpressure: the writer's callback waits until the transport has room again.
        if (this.transport.write(b)) resolve();
        else this.transport.once('drain', () => resolve());
      });
    });
    this.outbound = p.catch(() => {});
    p.then(() => cb?.(), (e: Error) => cb?.(e));
  }

  /** Stop reading the transport while some stream's reader is full; _read resumes it. */
  resumeTransport(): void {
    if (this.transport.isPaused()) this.transport.resume();
  }

  maybeForget(s: SpdyStream): void {
    if (s.localClosed && s.remoteClosed) this.streams.delete(s.id);
  }

  /** GOAWAY, then close the transport once what is queued has gone out. */
  goAway(status = 0): void {
    if (this.closed) return;
    this.send(controlFrame(FrameType.GOAWAY, 0, Buffer.concat([u32(this.lastStreamId), u32(status)])));
    this.outbound.then(() => this.transport.end());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.destroy();
    this.streams.clear();
    this.inflate.close();
    this.deflate.close();
    if (!this.transport.destroyed) this.transport.destroy();
    this.emit('close');
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      const frame = this.buf.subarray(0, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      this.inbound = this.inbound.then(() => this.handle(frame)).catch((e: Error) => this.protocolError(e));
    }
  }

  private protocolError(e: Error): void {
    this.emit('protocolError', e);
    this.goAway(1);
  }

  private async handle(frame: Buffer): Promise<void> {
    if (this.closed) return;
    const first = frame.readUInt32BE(0);
    const flags = frame[4]!;
    const data = frame.subarray(8);
    if ((first & 0x80000000) === 0) return this.onDataFrame(first & 0x7fffffff, flags, data);
    const version = (first >>> 16) & 0x7fff;
    if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
    switch (first & 0xffff) {
      case FrameType.SYN_STREAM: {
        const id = data.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.inflate.run(data.subarray(10)));
        return this.onSynStream(id, flags, headers);
      }
      case FrameType.HEADERS:
      case FrameType.SYN_REPLY:
        // Still inflated, so the compression context stays in step.
        await this.inflate.run(data.subarray(4));
        return;
      case FrameType.RST_STREAM: {
        const s = this.streams.get(data.readUInt32BE(0) & 0x7fffffff);
        if (s) {
          s.localClosed = s.remoteClosed = true;
          this.streams.delete(s.id);
          s.destroy();
        }
        return;
      }
      case FrameType.PING:
        // Client pings are odd; echo them (ours would be even, and we send none).
        if (data.readUInt32BE(0) % 2 === 1) this.send(frame);
        return;
      case FrameType.GOAWAY:
        this.goneAway = true;
        if (this.streams.size === 0) this.goAway();
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE, CREDENTIAL: nothing to do
    }
  }

  private onSynStream(id: number, flags: number, headers: SpdyHeaders): void {
    if (this.goneAway || id % 2 === 0 || id <= this.lastStreamId || this.streams.has(id)) {
      this.send(controlFrame(FrameType.RST_STREAM, 0, Buffer.concat([u32(id), u32(RstStatus.PROTOCOL_ERROR)])));
      return;
    }
    this.lastStreamId = id;
    const s = new SpdyStream(this, id, headers);
    this.streams.set(id, s);
    if (flags & FLAG_FIN) {
      s.remoteClosed = true;
      s.push(null);
    }
    this.emit('stream', s);
    if (!s.destroyed) this.reply(s);
  }

  private reply(s: SpdyStream): void {
    const block = this.deflate.run(encodeHeaderBlock({}));
    this.send(block.then((b) => controlFrame(FrameType.SYN_REPLY, 0, Buffer.concat([u32(s.id), b]))));
  }

  private onDataFrame(id: number, flags: number, data: Buffer): void {
    const s = this.streams.get(id);
    if (!s || s.remoteClosed) return;
    if (data.length && !s.push(data)) this.transport.pause();
    if (flags & FLAG_FIN) {
      s.remoteClosed = true;
      s.push(null);
      this.maybeForget(s);
    }
  }
}
