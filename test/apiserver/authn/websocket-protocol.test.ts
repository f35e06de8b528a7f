// The bearer token in a WebSocket subprotocol (Kubernetes' base64url.bearer.authorization.k8s.io.).
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BEARER_PROTOCOL_PREFIX, protocolsWithoutToken, WebSocketProtocolAuthenticator } from '../../../apiserver/authn/websocket-protocol.js';

const tokens = [{ authenticateToken: async (t: string) => (t === 'good-token' ? { name: 'jane', groups: ['dev'] } : undefined) }];
const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const proto = (t: string) => BEARER_PROTOCOL_PREFIX + Buffer.from(t).toString('base64url');
const auth = new WebSocketProtocolAuthenticator(tokens);

describe('WebSocketProtocolAuthenticator', () => {
  it('reads the token from the subprotocol of a WebSocket upgrade', async () => {
    expect(await auth.authenticate(req({ upgrade: 'websocket', 'sec-websocket-protocol': `${proto('good-token')}, watch.skiff.dev` }))).toEqual({ user: { name: 'jane', groups: ['dev'] } });
  });

  it('refuses an unknown, undecodable or repeated token', async () => {
    expect(await auth.authenticate(req({ upgrade: 'websocket', 'sec-websocket-protocol': proto('other') }))).toEqual({ error: 'invalid bearer token' });
    expect(await auth.authenticate(req({ upgrade: 'websocket', 'sec-websocket-protocol': `${BEARER_PROTOCOL_PREFIX}not base64!` }))).toEqual({ error: 'invalid bearer token' });
    expect(await auth.authenticate(req({ upgrade: 'websocket', 'sec-websocket-protocol': `${BEARER_PROTOCOL_PREFIX}` }))).toEqual({ error: 'invalid bearer token' });
    expect(await auth.authenticate(req({ upgrade: 'websocket', 'sec-websocket-protocol': `${proto('good-token')},${proto('good-token')}` })))
      .toEqual({ error: 'multiple base64.bearer.authorization tokens specified' });
  });

  it('has no opinion on requests that are not WebSocket upgrades or carry no token protocol', async () => {
    expect(await auth.authenticate(req({ 'sec-websocket-protocol': proto('good-token') }))).toBeUndefined();
    expect(await auth.authenticate(req({ upgrade: 'websocket', 'sec-websocket-protocol': 'v4.channel.k8s.io' }))).toBeUndefined();
    expect(await auth.authenticate(req({ upgrade: 'websocket' }))).toBeUndefined();
  });

  it('leaves the token out of the protocols the server may answer with', () => {
    expect(protocolsWithoutToken([proto('good-token'), 'watch.skiff.dev'])).toEqual(['watch.skiff.dev']);
  });
});
