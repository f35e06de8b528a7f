// The blob store's tee: a layer unpacks from the bytes of its download as they arrive. The
// unpack's failure does not stop the download (the blob is still verified and stored); a
// download that fails verification fails the unpack with it and keeps nothing.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobStore, DigestMismatchError } from '../../../kubelet/images/blob-store.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'skiff-blobs-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const digest = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
/** The bytes in many small chunks, as a download delivers them. */
const chunked = (b: Buffer) => Readable.from(Array.from({ length: Math.ceil(b.length / 4096) }, (_, i) => b.subarray(i * 4096, (i + 1) * 4096)));
const drain = async (s: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
};

describe('BlobStore.write with a tee', () => {
  it('the tee sees every byte; the blob is stored verified', async () => {
    const data = randomBytes(300_000);
    const store = new BlobStore(root);
    let seen: Buffer | undefined;
    const res = await store.write(digest(data), data.length, chunked(data), async (s) => (seen = await drain(s)));
    expect(res.teeError).toBeUndefined();
    expect(seen!.equals(data)).toBe(true);
    expect(readFileSync(store.path(digest(data))).equals(data)).toBe(true);
  });

  it('a tee that fails early does not stop the download: its error is returned, the blob stored', async () => {
    const data = randomBytes(300_000);
    const store = new BlobStore(root);
    const res = await store.write(digest(data), data.length, chunked(data), async (s) => {
      for await (const _ of s) throw new Error('refused at the first chunk');
    });
    expect((res.teeError as Error).message).toBe('refused at the first chunk');
    expect(store.has(digest(data), data.length)).toBe(true);
  });

  it('a mismatch fails the write and the tee, keeping nothing', async () => {
    const data = randomBytes(300_000);
    const store = new BlobStore(root);
    let teeFailed: unknown;
    const wrong = digest(Buffer.from('something else'));
    const err = await store.write(wrong, data.length, chunked(data), async (s) => {
      try {
        await drain(s);
      } catch (e) {
        teeFailed = e;
        throw e;
      }
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(teeFailed).toBeInstanceOf(DigestMismatchError);
    expect(store.has(wrong)).toBe(false);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });
});
