// ApiServer.close() ends every connection, including one the HTTP layer does not know of yet:
// a TLS handshake not begun (a browser's preconnect). node's server.close() would wait for it
// until the TLS handshake timeout (120 s); a restarted server on the same port waited with it.
import net from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { call, startTestServer } from './harness.js';
import { testPki } from '../support/tls.js';

describe('ApiServer.close()', () => {
  it('ends a connection still before its TLS handshake, and a watch, and returns', async () => {
    const t = await startTestServer();
    const preconnect = net.connect(Number(new URL(t.url).port), '127.0.0.1');
    await once(preconnect, 'connect');
    const preconnectClosed = once(preconnect, 'close');
    const watch = await startWatch(t.url);
    // Accepted in order: once this request is answered, the preconnect was accepted too.
    expect((await call(t.url, 'GET', '/healthz')).status).toBe(200);
    await t.close();
    await preconnectClosed;
    expect(await watch.ended).toBe('ended');
  }, 30_000);
});

/** A pods watch, established; `ended` resolves once the server ends its stream. */
async function startWatch(url: string): Promise<{ ended: Promise<string> }> {
  const res = await testPki().fetch(`${url}/api/v1/pods?watch=true`);
  expect(res.status).toBe(200);
  const ended = (async () => {
    try {
      for await (const _ of res.body as unknown as AsyncIterable<Uint8Array>) { /* events */ }
    } catch { /* a dropped connection ends it too */ }
    return 'ended';
  })();
  return { ended };
}
