// Binary encodings of what goes to disk: a transaction's writes (one log record) and a
// snapshot's key-values. Little-endian; strings are UTF-8 with a u32 byte length; revisions
// are 48-bit unsigned integers (exact in a JS number). Values are the JSON strings the
// registry wrote, stored as they are, never parsed.
//
//   write record:  u8 kind (1) | u32 op count | ops…
//     op:          u8 type (0 put, 1 delete) | str key | (put only) str value
//   snapshot kv:   str key | str value | u48 createRevision | u48 modRevision | u32 version
import type { KeyValue, Op } from './interface.js';

const RECORD_TXN = 1;

/** Encodes a write record, leaving `headroom` bytes free at the start (for the log's frame header). */
export function encodeOps(ops: Op[], headroom = 0): Buffer {
  let size = headroom + 5;
  for (const op of ops) {
    size += 1 + 4 + Buffer.byteLength(op.key);
    if (op.type === 'put') size += 4 + Buffer.byteLength(op.value);
  }
  const buf = Buffer.allocUnsafe(size);
  buf[headroom] = RECORD_TXN;
  buf.writeUInt32LE(ops.length, headroom + 1);
  let off = headroom + 5;
  for (const op of ops) {
    buf[off++] = op.type === 'put' ? 0 : 1;
    off = writeString(buf, off, op.key);
    if (op.type === 'put') off = writeString(buf, off, op.value);
  }
  return buf;
}

export function decodeOps(buf: Buffer): Op[] {
  if (buf[0] !== RECORD_TXN) throw new Error(`storage: unknown log record kind ${buf[0]}`);
  const n = buf.readUInt32LE(1);
  const r = new Reader(buf, 5);
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const type = r.u8();
    const key = r.str();
    if (type === 0) ops.push({ type: 'put', key, value: r.str() });
    else if (type === 1) ops.push({ type: 'delete', key });
    else throw new Error(`storage: unknown op type ${type}`);
  }
  r.end();
  return ops;
}

export function kvSize(kv: KeyValue): number {
  return 4 + Buffer.byteLength(kv.key) + 4 + Buffer.byteLength(kv.value) + 6 + 6 + 4;
}

export function writeKv(buf: Buffer, off: number, kv: KeyValue): number {
  off = writeString(buf, off, kv.key);
  off = writeString(buf, off, kv.value);
  buf.writeUIntLE(kv.createRevision, off, 6);
  buf.writeUIntLE(kv.modRevision, off + 6, 6);
  buf.writeUInt32LE(kv.version, off + 12);
  return off + 16;
}

function writeString(buf: Buffer, off: number, s: string): number {
  const n = buf.write(s, off + 4, 'utf8');
  buf.writeUInt32LE(n, off);
  return off + 4 + n;
}

/** Sequential reads with bounds checks: a malformed buffer throws instead of reading garbage. */
export class Reader {
  constructor(private readonly buf: Buffer, public off = 0) {}
  private need(n: number): void {
    if (this.off + n > this.buf.length) throw new Error('storage: record truncated');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.off++]!;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.off);
    this.off += 4;
    return v;
  }
  u48(): number {
    this.need(6);
    const v = this.buf.readUIntLE(this.off, 6);
    this.off += 6;
    return v;
  }
  str(): string {
    const n = this.u32();
    this.need(n);
    const s = this.buf.toString('utf8', this.off, this.off + n);
    this.off += n;
    return s;
  }
  kv(): KeyValue {
    const key = this.str();
    const value = this.str();
    const createRevision = this.u48();
    const modRevision = this.u48();
    const version = this.u32();
    return { key, value, createRevision, modRevision, version };
  }
  end(): void {
    if (this.off !== this.buf.length) throw new Error('storage: trailing bytes in record');
  }
}
