import { describe, expect, it } from 'vitest';
import { endpointsByServicePort, usableEndpoints } from '../../proxy/endpoints.js';
import { buildRuleset, chainNames, type RulesetConfig } from '../../proxy/nftables/ruleset.js';
import { diffScript, fullScript } from '../../proxy/nftables/transaction.js';
import { servicePorts } from '../../proxy/service-ports.js';
import type { Service } from '../../api/core/index.js';
import type { EndpointSlice } from '../../api/discovery/index.js';
import { service, slice } from './fixtures.js';

const cfg: RulesetConfig = { table: 't', clusterCIDR: '10.244.0.0/16', masqueradeAll: false, isLocal: (n) => n === 'node-1' };
const plan = (svcs: Service[], slices: EndpointSlice[], c = cfg) => buildRuleset(svcs.flatMap(servicePorts), endpointsByServicePort(slices), c);
const sp = (svc: Service) => servicePorts(svc)[0]!;

describe('service ports', () => {
  it('skips headless, ExternalName and unallocated Services', () => {
    expect(servicePorts(service('h', { clusterIP: 'None' }))).toEqual([]);
    expect(servicePorts(service('e', { type: 'ExternalName', externalName: 'example.com', clusterIP: undefined }))).toEqual([]);
    expect(servicePorts(service('u', { clusterIP: undefined }))).toEqual([]);
  });
  it('takes node ports only from NodePort/LoadBalancer Services, affinity with its default timeout', () => {
    expect(sp(service('a', { ports: [{ name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' }] })).nodePort).toBeUndefined();
    const np = sp(service('b', { type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' }] }));
    expect(np).toMatchObject({ nodePort: 30080, affinitySeconds: 10800, key: 'default/b/tcp/http' });
  });
});

describe('endpoints', () => {
  it('joins slices to service ports by service label, port name and protocol; one entry per address', () => {
    const eps = endpointsByServicePort([
      slice('web', [{ ip: '10.244.1.2', ready: false }], { name: 'a' }),
      slice('web', [{ ip: '10.244.1.2' }, { ip: '10.244.1.3' }], { name: 'b' }),
      slice('web', [{ ip: '10.244.1.9' }], { name: 'c', portName: 'metrics', port: 9090 }),
    ]);
    expect(eps.get('default/web/tcp/http')!.map((e) => [e.ip, e.ready])).toEqual([['10.244.1.2', true], ['10.244.1.3', true]]);
    expect(eps.get('default/web/tcp/metrics')!.map((e) => e.port)).toEqual([9090]);
  });
  it('uses ready endpoints, falling back to serving-but-terminating ones when none is ready', () => {
    const all = endpointsByServicePort([slice('web', [
      { ip: '10.244.1.2', ready: false, serving: true, terminating: true },
      { ip: '10.244.1.3', ready: false, serving: false },
      { ip: '10.244.2.4', ready: false, serving: true, terminating: true, node: 'node-2' },
    ])]).get('default/web/tcp/http')!;
    const u = usableEndpoints(all, (n) => n === 'node-1');
    expect(u.cluster.map((e) => e.ip)).toEqual(['10.244.1.2', '10.244.2.4']);
    expect(u.local.map((e) => e.ip)).toEqual(['10.244.1.2']);
    const withReady = usableEndpoints([...all, { ip: '10.244.3.3', port: 8080, ready: true, serving: true, terminating: false }], () => false);
    expect(withReady.cluster.map((e) => e.ip)).toEqual(['10.244.3.3']);
  });
});

describe('ruleset', () => {
  const web = service('web', { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }] });
  const two = slice('web', [{ ip: '10.244.1.2' }, { ip: '10.244.2.3', node: 'node-2' }]);

  it('maps the cluster IP and node port to chains that pick an endpoint at random and DNAT to it', () => {
    const rs = plan([web], [two]);
    const p = sp(web);
    expect(rs.maps['service-ips'].get('10.96.0.20 . tcp . 80')).toBe(`goto ${chainNames.service(p)}`);
    expect(rs.maps['service-nodeports'].get('tcp . 30080')).toBe(`goto ${chainNames.external(p)}`);
    expect(rs.chains.get(chainNames.service(p))).toEqual([
      'ip daddr 10.96.0.20 th dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade',
      `goto ${chainNames.cluster(p)}`,
    ]);
    const eps = endpointsByServicePort([two]).get(p.key)!;
    expect(rs.chains.get(chainNames.cluster(p))).toEqual([`numgen random mod 2 vmap { 0 : goto ${chainNames.endpoint(p, eps[0]!)} , 1 : goto ${chainNames.endpoint(p, eps[1]!)} }`]);
    expect(rs.chains.get(chainNames.endpoint(p, eps[0]!))).toEqual(['ip saddr 10.244.1.2 jump mark-for-masquerade', 'meta l4proto tcp dnat to 10.244.1.2:8080']);
    expect(rs.chains.get(chainNames.external(p))).toEqual(['jump mark-for-masquerade', `goto ${chainNames.cluster(p)}`]);
    expect(rs.maps['no-endpoint-services'].size).toBe(0);
  });

  it('refuses connections to a Service with no usable endpoint', () => {
    const rs = plan([web], [slice('web', [{ ip: '10.244.1.2', ready: false, serving: false }])]);
    expect(rs.maps['service-ips'].size).toBe(0);
    expect(rs.maps['no-endpoint-services'].get('10.96.0.20 . tcp . 80')).toBe('goto reject-chain');
    expect(rs.maps['no-endpoint-nodeports'].get('tcp . 30080')).toBe('goto reject-chain');
    expect(rs.chains.size).toBe(0);
  });

  it('internalTrafficPolicy Local balances over this host\'s endpoints only, and drops when it has none', () => {
    const local = service('web', { internalTrafficPolicy: 'Local' });
    const p = sp(local);
    const rs = plan([local], [two]);
    expect(rs.chains.get(chainNames.service(p))!.at(-1)).toBe(`goto ${chainNames.local(p)}`);
    expect(rs.chains.get(chainNames.local(p))![0]).toMatch(/^numgen random mod 1 vmap \{ 0 : goto endpoint-.*__10\.244\.1\.2\/8080 \}$/);
    const none = plan([local], [slice('web', [{ ip: '10.244.2.3', node: 'node-2' }])]);
    expect(none.chains.get(chainNames.service(p))!.at(-1)).toBe('drop');
  });

  it('externalTrafficPolicy Local keeps the client address for outside traffic and serves pods and the node from every endpoint', () => {
    const local = service('web', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' }] });
    const p = sp(local);
    expect(plan([local], [two]).chains.get(chainNames.external(p))).toEqual([
      `ip saddr 10.244.0.0/16 goto ${chainNames.cluster(p)}`,
      'fib saddr type local jump mark-for-masquerade',
      `fib saddr type local goto ${chainNames.cluster(p)}`,
      `goto ${chainNames.local(p)}`,
    ]);
  });

  it('session affinity: a timed set per endpoint, consulted before the random pick', () => {
    const sticky = service('web', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
    const p = sp(sticky);
    const rs = plan([sticky], [two]);
    expect([...rs.sets.values()]).toEqual(['type ipv4_addr ; flags dynamic,timeout ; timeout 60s ;', 'type ipv4_addr ; flags dynamic,timeout ; timeout 60s ;']);
    const cluster = rs.chains.get(chainNames.cluster(p))!;
    expect(cluster).toHaveLength(3);
    expect(cluster[0]).toMatch(/^ip saddr @affinity-\S+ goto endpoint-/);
    const ep = [...rs.chains.entries()].find(([n]) => n.startsWith('endpoint-'))![1];
    expect(ep[1]).toMatch(/^update @affinity-\S+ \{ ip saddr \}$/);
  });

  it('masquerades every connection when asked to (no br_netfilter)', () => {
    const rs = plan([web], [two], { ...cfg, masqueradeAll: true });
    expect(rs.chains.get(chainNames.service(sp(web)))![0]).toBe('ip daddr 10.96.0.20 th dport 80 jump mark-for-masquerade');
  });
});

describe('transactions', () => {
  const web = service('web');
  const p = sp(web);

  it('a full script replaces the table in one transaction', () => {
    const s = fullScript('skiff-t', plan([web], [slice('web', [{ ip: '10.244.1.2' }])]));
    const lines = s.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual(['add table ip skiff-t', 'delete table ip skiff-t', 'table ip skiff-t {']);
    expect(lines.at(-1)).toBe(`add element ip skiff-t service-ips { 10.96.0.20 . tcp . 80 : goto ${chainNames.service(p)} }`);
  });

  it('nothing changed: nothing written', () => {
    const a = plan([web], [slice('web', [{ ip: '10.244.1.2' }])]);
    const b = plan([web], [slice('web', [{ ip: '10.244.1.2' }])]);
    expect(diffScript('t', a, b)).toBe('');
  });

  it('a new endpoint: one new chain, the balancer refilled, the Service chain and maps untouched', () => {
    const a = plan([web], [slice('web', [{ ip: '10.244.1.2' }])]);
    const b = plan([web], [slice('web', [{ ip: '10.244.1.2' }, { ip: '10.244.1.3' }])]);
    const lines = diffScript('t', a, b).trim().split('\n');
    expect(lines[0]).toMatch(/^add chain ip t endpoint-.*__10\.244\.1\.3\/8080$/);
    expect(lines).toContain(`flush chain ip t ${chainNames.cluster(p)}`);
    expect(lines.some((l) => l.includes(chainNames.service(p) + ' '))).toBe(false);
    expect(lines.some((l) => l.includes('element'))).toBe(false);
  });

  it('the last endpoint gone: the Service moves to the reject map and its chains are deleted after their references', () => {
    const a = plan([web], [slice('web', [{ ip: '10.244.1.2' }])]);
    const b = plan([web], []);
    const lines = diffScript('t', a, b).trim().split('\n');
    const delElem = lines.indexOf('delete element ip t service-ips { 10.96.0.20 . tcp . 80 }');
    const delChain = lines.indexOf(`delete chain ip t ${chainNames.service(p)}`);
    expect(delElem).toBeGreaterThanOrEqual(0);
    expect(delChain).toBeGreaterThan(delElem);
    expect(lines).toContain('add element ip t no-endpoint-services { 10.96.0.20 . tcp . 80 : goto reject-chain }');
    expect(lines.filter((l) => l.startsWith('delete chain'))).toHaveLength(3);
  });

  it('a new affinity timeout is a new set; the old one goes after the rules that used it', () => {
    const mk = (t: number) => plan([service('web', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: t } } })], [slice('web', [{ ip: '10.244.1.2' }])]);
    const lines = diffScript('t', mk(60), mk(120)).trim().split('\n');
    expect(lines[0]).toMatch(/^add set ip t affinity-\S+ \{ type ipv4_addr ; flags dynamic,timeout ; timeout 120s ; \}$/);
    expect(lines.at(-1)).toMatch(/^delete set ip t affinity-/);
  });
});
