// One DNS exchange with a server over UDP or TCP (RFC 1035 4.2: TCP messages carry a 2-byte
// length prefix). The forwarder asks its upstreams through these; tests and the benchmark use
// them as a client. The answer must carry the query's id, or it is not the answer.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(s: string, defaultPort = 53): HostPort {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (m) return { host: m[1]!, port: m[2] ? Number(m[2]) : defaultPort };
  return { host: s, port: defaultPort }; // a bare IPv6 address
}

export class DnsTimeoutError extends Error {
  constructor(server: HostPort, ms: number) {
    super(`no answer from ${server.host}:${server.port} within ${ms} ms`);
  }
}

/** Send `query` (an encoded message) over UDP; resolves with the first reply with its id. */
export function exchangeUdp(server: HostPort, query: Buffer, timeoutMs = 2000): Promise<Buffer> {
  const id = query.readUInt16BE(0);
  const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => done(new DnsTimeoutError(server, timeoutMs)), timeoutMs);
    const done = (err?: Error, msg?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(msg!);
    };
    socket.on('error', (e) => done(e));
    socket.on('message', (msg, rinfo) => {
      // Replies from elsewhere or for another id are ignored (spoofing, a late duplicate).
      if (msg.length < 12 || msg.readUInt16BE(0) !== id || rinfo.port !== server.port) return;
      done(undefined, msg);
    });
    socket.send(query, server.port, server.host, (e) => { if (e) done(e); });
  });
}

/** Send `query` over a new TCP connection; resolves with the reply. */
export function exchangeTcp(server: HostPort, query: Buffer, timeoutMs = 2000): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => done(new DnsTimeoutError(server, timeoutMs)), timeoutMs);
    const done = (err?: Error, msg?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(msg!);
    };
    socket.on('error', (e) => done(e));
    socket.on('connect', () => socket.write(Buffer.concat([lengthPrefix(query.length), query])));
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 2) return;
      const len = buf.readUInt16BE(0);
      if (buf.length >= 2 + len) done(undefined, buf.subarray(2, 2 + len));
    });
    socket.on('end', () => done(new Error(`${server.host}:${server.port} closed the connection before answering`)));
  });
}

export function lengthPrefix(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** Encode a query for one question (RD set). */
export function encodeQuery(name: string, type: dnsPacket.RecordType, id = Math.floor(Math.random() * 65536), opts: { ednsUdpSize?: number } = {}): Buffer {
  return dnsPacket.encode({
    type: 'query', id, flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    ...(opts.ednsUdpSize ? { additionals: [{ name: '.', type: 'OPT', udpPayloadSize: opts.ednsUdpSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as dnsPacket.Answer] } : {}),
  });
}
