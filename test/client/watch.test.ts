import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpWatchStream, LineDecoder, parseWatchLine } from '../../client/watch.js';
import { RestClient } from '../../client/rest.js';
import type { Pod } from '../../api/core/index.js';

describe('LineDecoder', () => {
  it('joins lines split across chunks and splits chunks carrying many lines', () => {
    const d = new LineDecoder();
    expect(d.push(Buffer.from('{"a":'))).toEqual([]);
    expect(d.push(Buffer.from('1}\n{"b":2}\n{"c"'))).toEqual(['{"a":1}', '{"b":2}']);
    expect(d.push(Buffer.from(':3}\n'))).toEqual(['{"c":3}']);
    expect(d.flush()).toEqual([]);
  });

  it('keeps multi-byte UTF-8 characters split between chunks intact', () => {
    const bytes = Buffer.from('{"m":"héllo ✓"}\n', 'utf8');
    const d = new LineDecoder();
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...d.push(bytes.subarray(i, i + 1)));
    expect(out).toEqual(['{"m":"héllo ✓"}']);
  });

  it('skips blank lines, tolerates CRLF, and flushes an unterminated last line', () => {
    const d = new LineDecoder();
    expect(d.push('\n\n{"x":1}\r\n\n{"y"')).toEqual(['{"x":1}']);
    expect(d.push(':2}')).toEqual([]);
    expect(d.flush()).toEqual(['{"y":2}']);
  });
});

describe('parseWatchLine', () => {
  it('parses events and ERROR Status events', () => {
    expect(parseWatchLine('{"type":"ADDED","object":{"metadata":{"name":"a"}}}')).toEqual({ type: 'ADDED', object: { metadata: { name: 'a' } } });
    const e = parseWatchLine('{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","code":410,"reason":"Expired"}}');
    expect(e.type).toBe('ERROR');
    expect((e.object as { code: number }).code).toBe(410);
  });
  it('rejects malformed lines', () => {
    expect(() => parseWatchLine('{"type":"ADDED"')).toThrow(/invalid JSON/);
    expect(() => parseWatchLine('{"type":"NOPE","object":{}}')).toThrow(/not a watch event/);
    expect(() => parseWatchLine('[1]')).toThrow(/not a watch event/);
  });
});

describe('HttpWatchStream over HTTP', () => {
  const servers: http.Server[] = [];
  const clients: RestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  async function serve(handler: http.RequestListener): Promise<string> {
    const s = http.createServer(handler);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }

  it('yields events written in odd chunk boundaries, then ends with the stream', async () => {
    const lines = [
      { type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '5' } } },
      { type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '6' } } },
      { type: 'BOOKMARK', object: { metadata: { resourceVersion: '7' } } },
      { type: 'DELETED', object: { metadata: { name: 'a', resourceVersion: '8' } } },
    ];
    let seenQuery = '';
    const url = await serve(async (req, res) => {
      seenQuery = req.url!;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const text = lines.map((l) => JSON.stringify(l) + '\n').join('');
      // Write in uneven slices with pauses so lines straddle chunks.
      for (let i = 0; i < text.length; i += 7) {
        res.write(text.slice(i, i + 7));
        if (i % 35 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      res.end();
    });
    const c = new RestClient({ server: url });
    clients.push(c);
    const got = [];
    for await (const ev of c.pods().watch({ namespace: 'default', resourceVersion: '4', allowWatchBookmarks: true })) got.push(ev);
    expect(got.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'BOOKMARK', 'DELETED']);
    expect(seenQuery).toContain('/api/v1/namespaces/default/pods?');
    expect(seenQuery).toContain('watch=true');
    expect(seenQuery).toContain('resourceVersion=4');
    expect(seenQuery).toContain('allowWatchBookmarks=true');
  });

  it('close() aborts a stream that the server keeps open', async () => {
    let closedByClient = false;
    const url = await serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'x' } } }) + '\n');
      req.socket.on('close', () => (closedByClient = true));
    });
    const c = new RestClient({ server: url });
    clients.push(c);
    const w = c.pods().watch();
    const got: string[] = [];
    for await (const ev of w) {
      got.push(ev.type);
      w.close();
    }
    expect(got).toEqual(['ADDED']);
    const end = Date.now() + 10_000;
    while (!closedByClient && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(closedByClient).toBe(true);
  });

  it('an HTTP error on open becomes one ERROR event carrying the Status', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(410, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version' }));
    });
    const c = new RestClient({ server: url });
    clients.push(c);
    const got = [];
    for await (const ev of c.resource<Pod>('Pod').watch({ resourceVersion: '1' })) got.push(ev);
    expect(got).toHaveLength(1);
    expect(got[0]!.type).toBe('ERROR');
    expect((got[0]!.object as { reason: string }).reason).toBe('Expired');
  });

  it('a connection dropped mid-stream ends the iteration quietly', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'x' } } }) + '\n{"type":"MOD');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const c = new RestClient({ server: url });
    clients.push(c);
    const got: string[] = [];
    for await (const ev of c.pods().watch()) got.push(ev.type);
    expect(got).toEqual(['ADDED']);
  });

  it('an outer abort signal ends the watch', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('');
    });
    const c = new RestClient({ server: url });
    clients.push(c);
    const ac = new AbortController();
    const w = new HttpWatchStream((signal) => c.stream('/api/v1/pods', { watch: true }, signal), ac.signal);
    setTimeout(() => ac.abort(), 50);
    const got = [];
    for await (const ev of w) got.push(ev);
    expect(got).toEqual([]);
  });
});

describe('HttpWatchStream and long-lived signals', () => {
  it('does not leave abort listeners behind on the outer signal', async () => {
    const { Readable } = await import('node:stream');
    const ac = new AbortController();
    for (let i = 0; i < 30; i++) {
      const w = new HttpWatchStream(async () => Readable.from([Buffer.from('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n')]), ac.signal);
      const got = [];
      for await (const ev of w) got.push(ev);
      expect(got).toHaveLength(1);
    }
    const closed = new HttpWatchStream(async () => Readable.from([]), ac.signal);
    closed.close();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
});

describe('streams and timeouts', () => {
  it('a stream whose server is slow to send headers is not cut by the request timeout', async () => {
    const s = http.createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('late\n');
      }, 300);
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const c = new RestClient({ server: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, timeoutMs: 100, retries: 0 });
    try {
      const body = await c.stream('/api/v1/namespaces/d/pods/p/log', { follow: true });
      let text = '';
      for await (const chunk of body as AsyncIterable<Buffer>) text += chunk.toString();
      expect(text).toBe('late\n');
    } finally {
      c.close();
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
});
