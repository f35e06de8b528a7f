// CRC-32 (IEEE, the zlib/gzip polynomial) for the log's and snapshots' record checksums.
// Node ≥ 20.15 has a native zlib.crc32; older Node 20 releases get the table-driven version.
import * as zlib from 'node:zlib';

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Table-driven CRC-32; `prev` continues a checksum over concatenated data. */
export function crc32Table(data: Uint8Array, prev = 0): number {
  let c = (prev ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export const crc32: (data: Uint8Array, prev?: number) => number = native ? (d, p = 0) => native(d, p) >>> 0 : crc32Table;
