// The degraded data plane (no root or no nft): NodePorts relayed in userspace.
import http from 'node:http';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { endpointsByServicePort } from '../../proxy/endpoints.js';
import { servicePorts } from '../../proxy/service-ports.js';
import { UserspaceRelay } from '../../proxy/userspace-relay.js';
import { service, slice } from './fixtures.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const get = (port: number) =>
  new Promise<string>((resolve) => {
    http.get({ host: '127.0.0.1', port, agent: false }, (r) => {
      let b = '';
      r.on('data', (d) => (b += d));
      r.on('end', () => resolve(b));
    }).on('error', (e: NodeJS.ErrnoException) => resolve(`error: ${e.code}`));
  });

describe('userspace relay', () => {
  const relay = new UserspaceRelay('127.0.0.1');
  const backend = http.createServer((_q, s) => s.end('from backend'));
  afterAll(() => {
    relay.close();
    backend.close();
  });

  it('relays a NodePort to a ready endpoint, and stops listening when the Service goes', async () => {
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const backendPort = (backend.address() as net.AddressInfo).port;
    const nodePort = await freePort();
    const svc = service('web', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort, protocol: 'TCP' }] });
    const state = (eps: Parameters<typeof slice>[1]) => ({ servicePorts: servicePorts(svc), endpoints: endpointsByServicePort([slice('web', eps, { port: backendPort })]) });

    await relay.sync(state([{ ip: '127.0.0.1' }]));
    expect(await get(nodePort)).toBe('from backend');
    // No usable endpoint: the connection is closed at once.
    await relay.sync(state([{ ip: '127.0.0.1', ready: false, serving: false }]));
    expect(await get(nodePort)).toMatch(/^error: (ECONNRESET|EPIPE)$/);
    await relay.sync({ servicePorts: [], endpoints: new Map() });
    expect(await get(nodePort)).toBe('error: ECONNREFUSED');
  });
});
