// readBody over a real HTTP connection: a body already buffered when the handler asks (the
// common case: it came with the headers) is taken as it is; one still arriving is read
// through events; both are held to the size limit.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody } from '../../apiserver/request-body.js';
import { isStatusError } from '../../api/errors.js';

let server: http.Server | undefined;
async function stop(): Promise<void> {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
}
afterEach(stop);

/** A server whose handler waits until the body has fully arrived (or not), then reads it with a 1 KiB limit. */
async function serve(waitForComplete: boolean): Promise<{ port: number; seen: { complete: boolean[] } }> {
  const seen = { complete: [] as boolean[] };
  server = http.createServer((req, res) => {
    void (async () => {
      if (waitForComplete) while (!req.complete) await new Promise((r) => setTimeout(r, 2));
      seen.complete.push(req.complete);
      try {
        const body = await readBody(req, 1024);
        res.end(JSON.stringify({ length: body.length, text: body.toString() }));
      } catch (e) {
        res.statusCode = isStatusError(e) ? e.status.code! : 500;
        res.end(isStatusError(e) ? e.status.reason : String(e));
      }
    })();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server!.address() as AddressInfo).port, seen };
}

/** POST `chunks` with a pause between them; chunked (no Content-Length) so only the reader can enforce the limit. */
function post(port: number, chunks: string[], gapMs = 0): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    void (async () => {
      for (const c of chunks) {
        req.write(c);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
      req.end();
    })();
  });
}

describe('readBody', () => {
  it('takes a body that has fully arrived as it is, in every chunk it came in', async () => {
    const { port, seen } = await serve(true);
    const r = await post(port, ['{"a":', '1,"b":"ü"}'], 20);
    expect(seen.complete).toEqual([true]);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ length: Buffer.byteLength('{"a":1,"b":"ü"}'), text: '{"a":1,"b":"ü"}' });
  });

  it('reads a body still arriving through its events', async () => {
    const { port, seen } = await serve(false);
    const r = await post(port, ['{"a":', '2}'], 50);
    expect(seen.complete).toEqual([false]);
    expect(JSON.parse(r.text)).toEqual({ length: 7, text: '{"a":2}' });
  });

  it('413 for a body over the limit, whether it had fully arrived or not', async () => {
    for (const complete of [true, false]) {
      const { port } = await serve(complete);
      const r = await post(port, ['x'.repeat(600), 'y'.repeat(600)], 20);
      expect(r).toEqual({ status: 413, text: 'RequestEntityTooLarge' });
      await stop();
    }
  });
});
