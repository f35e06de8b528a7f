// kctl describe svc's Endpoints line, as kubectl's formatEndpointSlices prints it.
import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from '../../api/discovery/index.js';
import { formatEndpointSlices } from '../../cli/kctl/describe.js';

const slice = (ports: { name?: string; port?: number }[], ips: [string, boolean][]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's' }, addressType: 'IPv4',
  ports, endpoints: ips.map(([ip, ready]) => ({ addresses: [ip], conditions: { ready } })),
});

describe('formatEndpointSlices', () => {
  it('says <none> without slices and nothing for an empty placeholder slice', () => {
    expect(formatEndpointSlices([], 'http')).toBe('<none>');
    expect(formatEndpointSlices([slice([], [])], 'http')).toBe('');
  });

  it('lists ready endpoints of the named port, three at most, then how many more', () => {
    const s = slice([{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }], [['10.0.0.1', true], ['10.0.0.2', false], ['10.0.0.3', true]]);
    expect(formatEndpointSlices([s], 'http')).toBe('10.0.0.1:8080,10.0.0.3:8080');
    expect(formatEndpointSlices([s], 'metrics')).toBe('10.0.0.1:9090,10.0.0.3:9090');
    const many = slice([{ name: '', port: 80 }], [1, 2, 3, 4, 5].map((i) => [`10.0.0.${i}`, true]));
    expect(formatEndpointSlices([many], '')).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...');
  });

  it('gives bare addresses for a headless Service without ports', () => {
    expect(formatEndpointSlices([slice([], [['10.0.0.7', true], ['10.0.0.8', true]])], undefined)).toBe('10.0.0.7,10.0.0.8');
  });
});
