// Layer tars built with tar-stream itself: ordinary ones and hostile ones.
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';

export type Entry = Partial<Header> & { name: string; body?: string | Buffer };

export async function makeTar(entries: Entry[], gzip = false): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    p.on('data', (c: unknown) => chunks.push(Buffer.from(c as Uint8Array)));
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  for (const { body, ...h } of entries) {
    await new Promise<void>((resolve, reject) => {
      if (h.type === undefined || h.type === 'file') p.entry({ mode: 0o644, ...h }, body ?? '', (err) => (err ? reject(err) : resolve()));
      else p.entry({ mode: h.type === 'directory' ? 0o755 : 0o777, ...h }, (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return gzip ? gzipSync(tar) : tar;
}

export const stream = (b: Buffer) => Readable.from([b]);
