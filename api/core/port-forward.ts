// portforward.k8s.io over WebSocket, as the Kubernetes kubelet serves it
// (pkg/kubelet/cri/streaming/portforward/websocket.go over apiserver's wsstream): the
// connection names its ports in the query (`?port=80&port=443` to the kubelet, `?ports=` to
// the API server) and carries two channels per port, in order: data (2i, read-write) and
// error (2i+1, server → client). Every WebSocket message is one binary frame whose first byte
// is the channel; the first bytes the server writes on each channel are the port as a uint16,
// little-endian. An error is plain text on the error channel, after which the server closes
// that port's streams. One WebSocket is one TCP connection per port: a client forwarding
// several local connections opens a WebSocket for each.
/** The subprotocol we speak (binary channel frames); offering none gets the same framing, as wsstream's "" entry. */
export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io';

export const dataChannel = (portIndex: number): number => portIndex * 2;
export const errorChannel = (portIndex: number): number => portIndex * 2 + 1;

/** One message: the channel byte, then the payload. */
export function encodeFrame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/** A message → its channel and payload; undefined for an empty message. */
export function decodeFrame(msg: Buffer): { channel: number; data: Buffer } | undefined {
  if (msg.length === 0) return undefined;
  return { channel: msg[0]!, data: msg.subarray(1) };
}

/** The 2-byte little-endian port each channel starts with. */
export function portPrefix(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port);
  return b;
}

/**
 * The client's reading side: strips the port prefix from the start of every channel (it may
 * arrive split across messages or together with data) and hands back what follows.
 */
export class PortForwardDemuxer {
  /** Bytes of each channel's prefix seen so far (until 2). */
  private readonly prefix = new Map<number, Buffer>();
  /** The port each channel announced. */
  readonly ports = new Map<number, number>();

  push(msg: Buffer): { channel: number; data: Buffer } | undefined {
    const f = decodeFrame(msg);
    if (!f) return undefined;
    let data = f.data;
    if (!this.ports.has(f.channel)) {
      const seen = Buffer.concat([this.prefix.get(f.channel) ?? Buffer.alloc(0), data]);
      if (seen.length < 2) {
        this.prefix.set(f.channel, seen);
        return undefined;
      }
      this.prefix.delete(f.channel);
      this.ports.set(f.channel, seen.readUInt16LE(0));
      data = seen.subarray(2);
    }
    return data.length ? { channel: f.channel, data } : undefined;
  }
}

/** `ports` query values: integers 1–65535, as the kubelet's NewV4Options parses them (comma lists allowed). */
export function parsePortList(values: readonly string[]): number[] | { error: string } {
  if (values.length === 0) return { error: 'query parameter "port" is required' };
  const ports: number[] = [];
  for (const v of values) {
    if (v === '') return { error: 'query parameter "port" cannot be empty' };
    for (const p of v.split(',')) {
      const n = /^\d+$/.test(p) ? Number(p) : NaN;
      if (!Number.isInteger(n) || n > 65535) return { error: `unable to parse "${v}" as a port` };
      if (n < 1) return { error: `port "${v}" must be > 0` };
      ports.push(n);
    }
  }
  return ports;
}
