// The SPDY/3.1 server session (kubelet/spdy.ts) against a client built here from the spec:
// the dictionary is the spec's (1423 bytes), SYN_STREAM headers are inflated with it, every
// stream gets a SYN_REPLY before its data, DATA and FIN flow both ways, client PINGs are
// echoed, and port-forward stream pairs relay to a real TCP server.
import net from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { servePortForwardSpdy } from '../../kubelet/port-forward-spdy.js';
import {
  controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, FLAG_FIN, FrameType, HEADER_DICTIONARY, SpdySession, type SpdyStream,
} from '../../kubelet/spdy.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** A connected socket pair on loopback. */
async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const serverSide = await accepted;
  server.close();
  cleanup.push(() => { client.destroy(); serverSide.destroy(); });
  return [client, serverSide];
}

/** The client's half: frames out (headers deflated in one context), frames in (parsed, headers inflated). */
function client(sock: net.Socket) {
  const deflate = zlib.createDeflate({ dictionary: HEADER_DICTIONARY });
  const inflate = zlib.createInflate({ dictionary: HEADER_DICTIONARY });
  const run = (z: zlib.Deflate | zlib.Inflate, b: Buffer) => new Promise<Buffer>((resolve) => {
    const out: Buffer[] = [];
    const on = (d: Buffer) => out.push(d);
    z.on('data', on);
    z.write(b);
    z.flush(zlib.constants.Z_SYNC_FLUSH, () => { z.off('data', on); resolve(Buffer.concat(out)); });
  });
  const frames: { type: number | 'data'; stream: number; flags: number; data: Buffer; headers?: Record<string, string[]> }[] = [];
  let buf = Buffer.alloc(0);
  let chain = Promise.resolve();
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 8 && buf.length >= 8 + (buf.readUInt32BE(4) & 0xffffff)) {
      const f = buf.subarray(0, 8 + (buf.readUInt32BE(4) & 0xffffff));
      buf = buf.subarray(f.length);
      chain = chain.then(async () => {
        const first = f.readUInt32BE(0);
        const data = f.subarray(8);
        if (!(first & 0x80000000)) return void frames.push({ type: 'data', stream: first, flags: f[4]!, data });
        const type = first & 0xffff;
        const stream = type === FrameType.PING ? 0 : data.readUInt32BE(0) & 0x7fffffff;
        const headers = type === FrameType.SYN_REPLY ? decodeHeaderBlock(await run(inflate, data.subarray(4))) : undefined;
        frames.push({ type, stream, flags: f[4]!, data, headers });
      });
    }
  });
  cleanup.push(() => { deflate.close(); inflate.close(); });
  return {
    frames,
    async synStream(id: number, headers: Record<string, string[]>, flags = 0) {
      const block = await run(deflate, encodeHeaderBlock(headers));
      const head = Buffer.alloc(10);
      head.writeUInt32BE(id);
      sock.write(controlFrame(FrameType.SYN_STREAM, flags, Buffer.concat([head, block])));
    },
    data: (id: number, data: string, flags = 0) => sock.write(dataFrame(id, flags, Buffer.from(data))),
    ping: (id: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(id); sock.write(controlFrame(FrameType.PING, 0, b)); },
    until: async <T>(what: () => T | undefined): Promise<T> => {
      for (;;) {
        const v = what();
        if (v !== undefined) return v;
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

describe('SPDY/3.1 framing', () => {
  it('builds the spec\'s header dictionary', () => {
    expect(HEADER_DICTIONARY.length).toBe(1423);
    expect(HEADER_DICTIONARY.subarray(0, 11).toString('latin1')).toBe('\0\0\0\x07options');
    expect(HEADER_DICTIONARY.subarray(-6).toString()).toBe('enq=0.');
  });

  it('round-trips a name/value block, multiple values NUL-joined', () => {
    const h = { streamtype: ['data'], port: ['8080'], multi: ['a', 'b'] };
    expect(decodeHeaderBlock(encodeHeaderBlock(h))).toEqual(h);
    expect(() => decodeHeaderBlock(Buffer.from([0, 0, 0, 1, 0, 0, 0, 9]))).toThrow('truncated header block');
  });
});

describe('SpdySession (server)', () => {
  it('replies to each stream, carries data and FIN both ways, echoes client pings', async () => {
    const [c, s] = await socketPair();
    const session = new SpdySession(s);
    const got: string[] = [];
    session.on('stream', (st: SpdyStream) => {
      expect(st.header('greeting')).toBe('hello');
      st.on('data', (d: Buffer) => got.push(d.toString()));
      st.on('end', () => st.end('bye'));
    });
    const k = client(c);
    await k.synStream(1, { greeting: ['hello'] });
    await k.synStream(3, { greeting: ['hello'] });
    k.data(1, 'one');
    k.data(3, 'three', FLAG_FIN);
    k.ping(7);
    const reply1 = await k.until(() => k.frames.find((f) => f.type === FrameType.SYN_REPLY && f.stream === 1));
    expect(reply1.headers).toEqual({});
    await k.until(() => k.frames.find((f) => f.type === FrameType.SYN_REPLY && f.stream === 3));
    await k.until(() => k.frames.find((f) => f.type === FrameType.PING));
    expect(k.frames.find((f) => f.type === FrameType.PING)!.data.readUInt32BE(0)).toBe(7);
    const bye = await k.until(() => k.frames.find((f) => f.type === 'data' && f.stream === 3 && f.data.length));
    expect(bye.data.toString()).toBe('bye');
    const fin = await k.until(() => k.frames.find((f) => f.type === 'data' && f.stream === 3 && f.flags & FLAG_FIN));
    expect(fin.data.length).toBe(0);
    // The reply precedes the stream's data.
    expect(k.frames.findIndex((f) => f.type === FrameType.SYN_REPLY && f.stream === 3)).toBeLessThan(k.frames.indexOf(bye));
    expect(got.sort()).toEqual(['one', 'three']);
    // A stream id that does not increase is refused with RST_STREAM (protocol error).
    await k.synStream(1, {});
    const rst = await k.until(() => k.frames.find((f) => f.type === FrameType.RST_STREAM));
    expect(rst.data.readUInt32BE(4)).toBe(1);
  });

  it('port-forward: a data/error pair relays to the port; a refused port is the kubelet\'s message on the error stream', async () => {
    const echo = net.createServer((conn) => conn.on('data', (d) => conn.end(`echo:${d}`)));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => echo.close());
    const port = (echo.address() as net.AddressInfo).port;
    const [c, s] = await socketPair();
    const session = new SpdySession(s);
    servePortForwardSpdy(session, 'web', 'uid-1', (p) => new Promise((resolve, reject) => {
      const conn = net.connect(p, '127.0.0.1');
      conn.once('connect', () => resolve(conn)).once('error', reject);
    }));
    const k = client(c);
    await k.synStream(1, { streamtype: ['error'], port: [String(port)], requestid: ['0'] }, FLAG_FIN);
    await k.synStream(3, { streamtype: ['data'], port: [String(port)], requestid: ['0'] });
    k.data(3, 'ping');
    const reply = await k.until(() => k.frames.find((f) => f.type === 'data' && f.stream === 3 && f.data.length));
    expect(reply.data.toString()).toBe('echo:ping');
    await k.until(() => k.frames.find((f) => f.type === 'data' && f.stream === 3 && f.flags & FLAG_FIN));
    await k.until(() => k.frames.find((f) => f.type === 'data' && f.stream === 1 && f.flags & FLAG_FIN));
    expect(k.frames.some((f) => f.type === 'data' && f.stream === 1 && f.data.length)).toBe(false);

    // Nothing listens on port 1.
    await k.synStream(5, { streamtype: ['error'], port: ['1'], requestid: ['1'] }, FLAG_FIN);
    await k.synStream(7, { streamtype: ['data'], port: ['1'], requestid: ['1'] });
    const err = await k.until(() => k.frames.find((f) => f.type === 'data' && f.stream === 5 && f.data.length));
    expect(err.data.toString()).toMatch(/^error forwarding port 1 to pod web, uid uid-1: connect ECONNREFUSED/);
    await k.until(() => k.frames.find((f) => f.type === 'data' && f.stream === 7 && f.flags & FLAG_FIN));
  });
});
