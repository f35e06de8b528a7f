// Content-addressed blobs on the node: <root>/blobs/sha256/<hex>. A blob lands there only
// after its size and sha256 were checked against the descriptor, written to <root>/tmp first
// and renamed into place, so a kubelet killed mid-download leaves only a temp file (swept at
// start) and never a blob that is later trusted. Two images with one base layer share it.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class DigestMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DigestMismatchError';
  }
}

/** Counts and hashes what passes through; check() compares with the expected digest and size. */
export class Verifier extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  constructor(
    readonly digest: string,
    readonly size: number | undefined,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.size !== undefined && this.bytes > this.size) {
      cb(new DigestMismatchError(`blob ${this.digest}: more than the ${this.size} bytes its descriptor declares`));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }
  check(): void {
    if (this.size !== undefined && this.bytes !== this.size)
      throw new DigestMismatchError(`blob ${this.digest}: got ${this.bytes} bytes, its descriptor declares ${this.size}`);
    const got = 'sha256:' + this.hash.digest('hex');
    if (got !== this.digest) throw new DigestMismatchError(`blob ${this.digest}: content has digest ${got}`);
  }
}

export function hexOf(digest: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new Error(`unsupported digest "${digest}" (only sha256)`);
  return m[1]!;
}

export class BlobStore {
  readonly blobsDir: string;
  readonly tmpDir: string;

  /** `sweep` false: another process may be writing into tmp/ (skiff kubelet import-image beside a kubelet). */
  constructor(readonly root: string, sweep = true) {
    this.blobsDir = join(root, 'blobs', 'sha256');
    this.tmpDir = join(root, 'tmp');
    mkdirSync(this.blobsDir, { recursive: true });
    // Whatever a killed pull left behind is unverified: drop it.
    if (sweep) rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  path(digest: string): string {
    return join(this.blobsDir, hexOf(digest));
  }

  has(digest: string, size?: number): boolean {
    try {
      const st = statSync(this.path(digest));
      return st.isFile() && (size === undefined || st.size === size);
    } catch {
      return false;
    }
  }

  /**
   * Stream `source` into the store, verified; nothing lands under blobs/ unless it matches.
   * `tee` gets the same bytes as they arrive (not yet verified: whatever it makes of them stays
   * staged until this resolves), so a layer unpacks while it downloads. Its failure does not
   * stop the download: it is returned as `teeError` and the blob is still stored.
   */
  async write(digest: string, size: number | undefined, source: Readable, tee?: (bytes: Readable) => Promise<unknown>): Promise<{ teeError?: unknown }> {
    const final = this.path(digest);
    const tmp = join(this.tmpDir, `${hexOf(digest)}.${randomBytes(4).toString('hex')}`);
    const verifier = new Verifier(digest, size);
    const fh = await open(tmp, 'wx', 0o644);
    let branch: PassThrough | undefined;
    let teeDone: Promise<unknown> | undefined;
    let teeError: unknown;
    if (tee) {
      const b = new PassThrough({ highWaterMark: 1 << 20 });
      branch = b;
      teeDone = tee(b).then(
        () => undefined,
        (err: unknown) => {
          teeError = err;
          if (branch === b) branch = undefined;
          b.destroy();
        },
      );
    }
    const sink = new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _e, cb) {
        void (async () => {
          let off = 0;
          while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
          const b = branch;
          // The unpack keeps pace with the download (or is dropped when it fails).
          if (b && !b.write(chunk)) await new Promise<void>((r) => {
            const done = () => {
              b.off('drain', done);
              b.off('close', done);
              r();
            };
            b.on('drain', done);
            b.on('close', done);
          });
        })().then(() => cb(), cb);
      },
    });
    try {
      try {
        await pipeline(source, verifier, sink);
        verifier.check();
        // The tee's end only after the check: it never sees unverified content end cleanly.
        branch?.end();
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, final);
    } catch (err) {
      rmSync(tmp, { force: true });
      branch?.destroy(err as Error);
      await teeDone;
      throw err;
    }
    await teeDone;
    return teeError === undefined ? {} : { teeError };
  }

  delete(digest: string): void {
    rmSync(this.path(digest), { force: true });
  }

  list(): string[] {
    return existsSync(this.blobsDir) ? readdirSync(this.blobsDir).map((h) => `sha256:${h}`) : [];
  }
}
