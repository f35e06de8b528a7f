// etcd v3's protobuf messages, encoded and decoded by hand: only the fields the etcd storage
// backend uses (KV Range/Txn/Compact, Watch). Field numbers are those of etcd's
// api/etcdserverpb/rpc.proto and api/mvccpb/kv.proto (stable since etcd 3.0).
//
// Protobuf wire format in brief: a message is a sequence of (tag, value) where
// tag = fieldNumber << 3 | wireType; wire type 0 is a varint (ints, bools, enums), 2 is
// length-delimited (bytes, strings, nested messages, packed repeated). Fields at their
// default value (0, false, empty) are simply absent. int64 values here are revisions and
// counts, far below 2^53, so they are JS numbers.

// ---- encoding -------------------------------------------------------------------------

export class ProtoWriter {
  private parts: Buffer[] = [];
  private cur = Buffer.allocUnsafe(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.parts.push(this.cur.subarray(0, this.pos));
    this.cur = Buffer.allocUnsafe(Math.max(256, n));
    this.pos = 0;
  }

  private varint(v: number): void {
    this.ensure(10);
    // Non-negative integers up to 2^53; arithmetic instead of bit ops (which truncate to 32 bits).
    while (v >= 0x80) {
      this.cur[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.cur[this.pos++] = v;
  }

  /** A varint field (int64, bool, enum); zero is the default and is omitted. */
  uint(field: number, v: number | boolean): this {
    const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    if (n === 0) return this;
    if (n < 0 || !Number.isSafeInteger(n)) throw new Error(`etcd wire: cannot encode ${n}`);
    this.varint(field << 3);
    this.varint(n);
    return this;
  }

  /** A length-delimited field; `always` writes it even when empty (a oneof member must be present). */
  bytes(field: number, b: Buffer | undefined, always = false): this {
    if (!b || (b.length === 0 && !always)) return this;
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.ensure(b.length);
    b.copy(this.cur, this.pos);
    this.pos += b.length;
    return this;
  }

  finish(): Buffer {
    this.parts.push(this.cur.subarray(0, this.pos));
    const out = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    this.cur = Buffer.allocUnsafe(0);
    this.pos = 0;
    return out;
  }
}

// ---- decoding -------------------------------------------------------------------------

type FieldVisitor = (field: number, wireType: number, r: ProtoReader) => void;

export class ProtoReader {
  pos = 0;
  constructor(readonly buf: Buffer, private end = buf.length) {}

  varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('etcd wire: truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
  }

  bytes(): Buffer {
    const n = this.varint();
    const start = this.pos;
    this.pos += n;
    if (this.pos > this.end) throw new Error('etcd wire: truncated field');
    return this.buf.subarray(start, this.pos);
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`etcd wire: unknown wire type ${wireType}`);
  }

  /** Calls `visit` for each field; the visitor must consume the value or call skip(). */
  each(visit: FieldVisitor): void {
    while (this.pos < this.end) {
      const tag = this.varint();
      visit(Math.floor(tag / 8), tag & 7, this);
    }
  }
}

function decode<T>(buf: Buffer, init: T, visit: (m: T, field: number, wireType: number, r: ProtoReader) => boolean): T {
  const r = new ProtoReader(buf);
  r.each((field, wt, rr) => {
    if (!visit(init, field, wt, rr)) rr.skip(wt);
  });
  return init;
}

// ---- messages -------------------------------------------------------------------------

export interface WireKeyValue {
  key: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  value: Buffer;
}

const EMPTY: Buffer = Buffer.alloc(0);

export function decodeKeyValue(buf: Buffer): WireKeyValue {
  return decode<WireKeyValue>(buf, { key: EMPTY, createRevision: 0, modRevision: 0, version: 0, value: EMPTY }, (m, f, wt, r) => {
    if (f === 1 && wt === 2) m.key = r.bytes();
    else if (f === 2 && wt === 0) m.createRevision = r.varint();
    else if (f === 3 && wt === 0) m.modRevision = r.varint();
    else if (f === 4 && wt === 0) m.version = r.varint();
    else if (f === 5 && wt === 2) m.value = r.bytes();
    else return false;
    return true;
  });
}

/** ResponseHeader: only the revision matters here (cluster/member ids are uint64 we ignore). */
function decodeHeaderRevision(buf: Buffer): number {
  let rev = 0;
  decode(buf, null, (_m, f, wt, r) => {
    if (f === 3 && wt === 0) rev = r.varint();
    else return false;
    return true;
  });
  return rev;
}

export interface RangeRequest {
  key: Buffer;
  rangeEnd?: Buffer;
  limit?: number;
  revision?: number;
  countOnly?: boolean;
}

export function encodeRangeRequest(q: RangeRequest, w = new ProtoWriter()): ProtoWriter {
  return w.bytes(1, q.key, true).bytes(2, q.rangeEnd).uint(3, q.limit ?? 0).uint(4, q.revision ?? 0).uint(9, q.countOnly ?? false);
}

export interface RangeResponse {
  revision: number;
  kvs: WireKeyValue[];
  more: boolean;
  count: number;
}

export function decodeRangeResponse(buf: Buffer): RangeResponse {
  return decode<RangeResponse>(buf, { revision: 0, kvs: [], more: false, count: 0 }, (m, f, wt, r) => {
    if (f === 1 && wt === 2) m.revision = decodeHeaderRevision(r.bytes());
    else if (f === 2 && wt === 2) m.kvs.push(decodeKeyValue(r.bytes()));
    else if (f === 3 && wt === 0) m.more = r.varint() !== 0;
    else if (f === 4 && wt === 0) m.count = r.varint();
    else return false;
    return true;
  });
}

/** Compare.CompareTarget.MOD with CompareResult.EQUAL: `mod_revision(key) == modRevision` (0 = absent). */
export interface ModRevisionCompare {
  key: Buffer;
  modRevision: number;
}

export type RequestOp =
  | { put: { key: Buffer; value: Buffer } }
  | { deleteRange: { key: Buffer } }
  | { range: RangeRequest };

function encodeRequestOp(op: RequestOp): Buffer {
  const w = new ProtoWriter();
  if ('put' in op) {
    // PutRequest{key=1, value=2, prev_kv=4}: the previous kv gives the new kv's create
    // revision and version (etcd's put response carries only the header and prev_kv).
    w.bytes(2, new ProtoWriter().bytes(1, op.put.key, true).bytes(2, op.put.value).uint(4, true).finish(), true);
  } else if ('deleteRange' in op) {
    // DeleteRangeRequest{key=1, prev_kv=3}
    w.bytes(3, new ProtoWriter().bytes(1, op.deleteRange.key, true).uint(3, true).finish(), true);
  } else {
    w.bytes(1, encodeRangeRequest(op.range).finish(), true);
  }
  return w.finish();
}

export function encodeTxnRequest(compares: ModRevisionCompare[], success: RequestOp[], failure: RequestOp[]): Buffer {
  const w = new ProtoWriter();
  for (const c of compares) {
    // Compare{result=1 (EQUAL=0, omitted), target=2 (MOD=2), key=3, mod_revision=6}. A
    // mod_revision of 0 must still be sent: it is a member of the target_union oneof, and an
    // absent oneof would compare nothing. Encode it explicitly (tag 6<<3|0, value 0).
    const cw = new ProtoWriter().uint(2, 2).bytes(3, c.key, true);
    const enc = cw.finish();
    const mod = c.modRevision === 0 ? Buffer.from([6 << 3, 0]) : new ProtoWriter().uint(6, c.modRevision).finish();
    w.bytes(1, Buffer.concat([enc, mod]), true);
  }
  for (const op of success) w.bytes(2, encodeRequestOp(op), true);
  for (const op of failure) w.bytes(3, encodeRequestOp(op), true);
  return w.finish();
}

export type ResponseOp =
  | { range: RangeResponse }
  | { put: { prevKv?: WireKeyValue } }
  | { deleteRange: { deleted: number; prevKvs: WireKeyValue[] } };

function decodeResponseOp(buf: Buffer): ResponseOp {
  let out: ResponseOp | undefined;
  decode(buf, null, (_m, f, wt, r) => {
    if (wt !== 2) return false;
    if (f === 1) out = { range: decodeRangeResponse(r.bytes()) };
    else if (f === 2) {
      const put: { prevKv?: WireKeyValue } = {};
      decode(r.bytes(), null, (_n, f2, wt2, r2) => {
        if (f2 === 2 && wt2 === 2) put.prevKv = decodeKeyValue(r2.bytes());
        else return false;
        return true;
      });
      out = { put };
    } else if (f === 3) {
      const del = { deleted: 0, prevKvs: [] as WireKeyValue[] };
      decode(r.bytes(), null, (_n, f2, wt2, r2) => {
        if (f2 === 2 && wt2 === 0) del.deleted = r2.varint();
        else if (f2 === 3 && wt2 === 2) del.prevKvs.push(decodeKeyValue(r2.bytes()));
        else return false;
        return true;
      });
      out = { deleteRange: del };
    } else return false;
    return true;
  });
  if (!out) throw new Error('etcd wire: empty ResponseOp');
  return out;
}

export interface TxnResponse {
  revision: number;
  succeeded: boolean;
  responses: ResponseOp[];
}

export function decodeTxnResponse(buf: Buffer): TxnResponse {
  return decode<TxnResponse>(buf, { revision: 0, succeeded: false, responses: [] }, (m, f, wt, r) => {
    if (f === 1 && wt === 2) m.revision = decodeHeaderRevision(r.bytes());
    else if (f === 2 && wt === 0) m.succeeded = r.varint() !== 0;
    else if (f === 3 && wt === 2) m.responses.push(decodeResponseOp(r.bytes()));
    else return false;
    return true;
  });
}

/** CompactionRequest{revision=1, physical=2}: physical waits until the old revisions are gone from the backend. */
export function encodeCompactionRequest(revision: number, physical: boolean): Buffer {
  return new ProtoWriter().uint(1, revision).uint(2, physical).finish();
}

/** The header revision of any response whose field 1 is a ResponseHeader (CompactionResponse, ...). */
export function decodeResponseHeaderRevision(buf: Buffer): number {
  let rev = 0;
  decode(buf, null, (_m, f, wt, r) => {
    if (f === 1 && wt === 2) rev = decodeHeaderRevision(r.bytes());
    else return false;
    return true;
  });
  return rev;
}

export interface WatchCreate {
  key: Buffer;
  rangeEnd?: Buffer;
  startRevision: number;
  progressNotify: boolean;
  prevKv: boolean;
}

/** WatchRequest{create_request=1: WatchCreateRequest{key=1, range_end=2, start_revision=3, progress_notify=4, prev_kv=6}}. */
export function encodeWatchCreateRequest(c: WatchCreate): Buffer {
  const create = new ProtoWriter()
    .bytes(1, c.key, true)
    .bytes(2, c.rangeEnd)
    .uint(3, c.startRevision)
    .uint(4, c.progressNotify)
    .uint(6, c.prevKv)
    .finish();
  return new ProtoWriter().bytes(1, create, true).finish();
}

export interface WireEvent {
  type: 'put' | 'delete';
  kv: WireKeyValue;
  prevKv?: WireKeyValue;
}

export interface WatchResponse {
  revision: number;
  watchId: number;
  created: boolean;
  canceled: boolean;
  compactRevision: number;
  cancelReason: string;
  events: WireEvent[];
}

export function decodeWatchResponse(buf: Buffer): WatchResponse {
  return decode<WatchResponse>(
    buf,
    { revision: 0, watchId: 0, created: false, canceled: false, compactRevision: 0, cancelReason: '', events: [] },
    (m, f, wt, r) => {
      if (f === 1 && wt === 2) m.revision = decodeHeaderRevision(r.bytes());
      else if (f === 2 && wt === 0) m.watchId = r.varint();
      else if (f === 3 && wt === 0) m.created = r.varint() !== 0;
      else if (f === 4 && wt === 0) m.canceled = r.varint() !== 0;
      else if (f === 5 && wt === 0) m.compactRevision = r.varint();
      else if (f === 6 && wt === 2) m.cancelReason = r.bytes().toString('utf8');
      else if (f === 11 && wt === 2) m.events.push(decodeEvent(r.bytes()));
      else return false;
      return true;
    },
  );
}

function decodeEvent(buf: Buffer): WireEvent {
  const ev: { type: 'put' | 'delete'; kv?: WireKeyValue; prevKv?: WireKeyValue } = { type: 'put' };
  decode(buf, null, (_m, f, wt, r) => {
    if (f === 1 && wt === 0) ev.type = r.varint() === 1 ? 'delete' : 'put';
    else if (f === 2 && wt === 2) ev.kv = decodeKeyValue(r.bytes());
    else if (f === 3 && wt === 2) ev.prevKv = decodeKeyValue(r.bytes());
    else return false;
    return true;
  });
  if (!ev.kv) throw new Error('etcd wire: event without kv');
  return { type: ev.type, kv: ev.kv, ...(ev.prevKv ? { prevKv: ev.prevKv } : {}) };
}

/** The end of the range holding every key that starts with `prefix` (etcd's GetPrefixRangeEnd). */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  // All 0xff (or empty): every key from `prefix` on; etcd spells that range_end = "\0".
  return Buffer.from([0]);
}
