import { describe, expect, it } from 'vitest';
import { kubeletAttributes, webhookAuthorizer } from '../../kubelet/webhook-authorizer.js';
import type { RestClient } from '../../client/index.js';

describe('the kubelet\'s webhook authorizer', () => {
  it('maps requests to nodes subresources as the Kubernetes kubelet does', () => {
    expect(kubeletAttributes('GET', '/containerLogs/ns/p/c')).toEqual({ verb: 'get', subresource: 'proxy' });
    expect(kubeletAttributes('POST', '/exec/ns/p/c')).toEqual({ verb: 'create', subresource: 'proxy' });
    expect(kubeletAttributes('GET', '/stats/summary')).toEqual({ verb: 'get', subresource: 'stats' });
    expect(kubeletAttributes('GET', '/metrics')).toEqual({ verb: 'get', subresource: 'metrics' });
    expect(kubeletAttributes('GET', '/logs/syslog')).toEqual({ verb: 'get', subresource: 'log' });
  });
  it('asks once and caches: allowed for 5 minutes, denied for 30 seconds', async () => {
    let asked = 0;
    let clock = 0;
    const client = { request: async (_m: string, _p: string, o: { body: { spec: { user: string } } }) => { asked++; return { status: { allowed: o.body.spec.user === 'ops' } }; } } as unknown as RestClient;
    const z = webhookAuthorizer(client, 'n1', () => clock);
    expect((await z({ name: 'ops', groups: [] }, 'GET', '/containerLogs/a/b/c')).allowed).toBe(true);
    expect((await z({ name: 'ops', groups: [] }, 'GET', '/containerLogs/x/y/z')).allowed).toBe(true);
    expect((await z({ name: 'jane', groups: [] }, 'GET', '/containerLogs/a/b/c')).allowed).toBe(false);
    expect(asked).toBe(2);
    clock = 31_000;
    await z({ name: 'jane', groups: [] }, 'GET', '/containerLogs/a/b/c');
    await z({ name: 'ops', groups: [] }, 'GET', '/containerLogs/a/b/c');
    expect(asked).toBe(3);
  });
});
