// A pod's resolv.conf and /etc/hosts (kubelet/pod-dns.ts), pure: every dnsPolicy, dnsConfig
// merging, the resolver's limits, the managed hosts file; and that the search list the kubelet
// writes makes `svc`, `svc.ns` and `svc.ns.svc` reach the names the cluster zone answers.
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import { formatResolvConf, parseResolvConf, podDnsConfig, podHostsFile, type ClusterDnsSettings } from '../../kubelet/pod-dns.js';
import { answerQuestion } from '../../dns/zone.js';
import { service, zoneData } from '../dns/fixtures.js';

const host = parseResolvConf('# host\nnameserver 192.0.2.53\nnameserver 192.0.2.54 # second\nsearch corp.example lab.example.\noptions edns0 timeout:2\n');
const settings: ClusterDnsSettings = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', host };

function pod(spec: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'shop', uid: 'u1', ...meta }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } };
}

describe('pod resolv.conf', () => {
  it('parses a host resolv.conf: nameservers, the search line, options; comments dropped', () => {
    expect(host).toEqual({ nameservers: ['192.0.2.53', '192.0.2.54'], searches: ['corp.example', 'lab.example'], options: ['edns0', 'timeout:2'] });
  });

  it('ClusterFirst: the cluster DNS, the namespace search path then the host\'s, ndots:5', () => {
    const { config, warnings } = podDnsConfig(pod({ dnsPolicy: 'ClusterFirst' }), settings);
    expect(formatResolvConf(config)).toBe('nameserver 10.96.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\noptions ndots:5\n');
    expect(warnings).toEqual([]);
    // unset means ClusterFirst (the API server defaults it)
    expect(podDnsConfig(pod(), settings).config).toEqual(config);
  });

  it('ClusterFirst on a hostNetwork pod falls back to Default; ClusterFirstWithHostNet keeps the cluster\'s', () => {
    expect(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirst' }), settings).config).toEqual(host);
    expect(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), settings).config.nameservers).toEqual(['10.96.0.10']);
  });

  it('Default: the host\'s resolv.conf as it is', () => {
    expect(podDnsConfig(pod({ dnsPolicy: 'Default' }), settings).config).toEqual(host);
  });

  it('ClusterFirst without --cluster-dns falls back to Default with a MissingClusterDNS warning', () => {
    const { config, warnings } = podDnsConfig(pod(), { ...settings, clusterDNS: [] });
    expect(config).toEqual(host);
    expect(warnings[0]![0]).toBe('MissingClusterDNS');
    expect(warnings[0]![1]).toContain('Falling back to "Default" policy');
  });

  it('None: only dnsConfig; options given as name/value', () => {
    const { config } = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.example.'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), settings);
    expect(formatResolvConf(config)).toBe('nameserver 1.1.1.1\nsearch a.example\noptions ndots:2 edns0\n');
  });

  it('merges dnsConfig into ClusterFirst: appended without duplicates, options overridden by name', () => {
    const { config } = podDnsConfig(pod({ dnsConfig: { nameservers: ['10.96.0.10', '192.0.2.99'], searches: ['svc.cluster.local', 'extra.example'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request' }] } }), settings);
    expect(config.nameservers).toEqual(['10.96.0.10', '192.0.2.99']);
    expect(config.searches).toEqual(['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example', 'extra.example']);
    expect(config.options).toEqual(['ndots:1', 'single-request']);
  });

  it('cuts nameservers to 3 and the search list to 32 paths / 2048 characters, saying so', () => {
    const four = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'] } }), settings);
    expect(four.config.nameservers).toEqual(['1.1.1.1', '1.1.1.2', '1.1.1.3']);
    expect(four.warnings.map((w) => w[1])).toEqual(['Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 1.1.1.2 1.1.1.3']);
    const searches = Array.from({ length: 40 }, (_, i) => `s${i}.example`);
    const many = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches } }), settings);
    expect(many.config.searches).toEqual(searches.slice(0, 32));
    expect(many.warnings[0]![1]).toMatch(/^Search Line limits were exceeded/);
    const long = Array.from({ length: 10 }, (_, i) => `${String(i).padStart(250, 'x')}.example`.slice(-253));
    const cut = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: long } }), settings).config.searches;
    expect(cut.join(' ').length).toBeLessThanOrEqual(2048);
    expect(cut).toEqual(long.slice(0, cut.length));
    expect(cut.length).toBeLessThan(10);
  });

  it('search expansion of the written resolv.conf reaches the zone\'s names for svc, svc.ns and svc.ns.svc', () => {
    const zone = zoneData([service('shop', 'redis', { clusterIP: '10.96.0.30', ports: [{ port: 6379 }] })], []);
    const { config } = podDnsConfig(pod(), settings);
    // the resolver tries name + each search domain in order (ndots:5: all these have fewer dots)
    const resolve = (name: string) => {
      for (const s of config.searches) {
        const a = answerQuestion({ name: `${name}.${s}`, type: 'A', class: 'IN' }, zone, { domain: 'cluster.local', ttl: 5, serial: 1 });
        if (a.rcode === 'NOERROR' && a.answers.length) return (a.answers[0] as { data: string }).data;
        if (!s.endsWith('cluster.local')) break; // outside the zone: not ours to answer here
      }
      return undefined;
    };
    expect(resolve('redis')).toBe('10.96.0.30');
    expect(resolve('redis.shop')).toBe('10.96.0.30');
    expect(resolve('redis.shop.svc')).toBe('10.96.0.30');
    expect(resolve('redis.other')).toBeUndefined();
  });
});

describe('pod /etc/hosts', () => {
  it('has the localhost lines and the pod IP with its hostname', () => {
    expect(podHostsFile(pod(), ['10.244.0.5'], 'cluster.local')).toBe([
      '# Kubernetes-managed hosts file.',
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'fe00::0\tip6-mcastprefix',
      'fe00::1\tip6-allnodes',
      'fe00::2\tip6-allrouters',
      '10.244.0.5\tweb-0',
      '',
    ].join('\n'));
  });

  it('names the pod by its FQDN first when it has a subdomain, and adds hostAliases', () => {
    const text = podHostsFile(pod({ hostname: 'db-1', subdomain: 'db', hostAliases: [{ ip: '192.0.2.1', hostnames: ['foo.local', 'bar.local'] }] }), ['10.244.0.6'], 'cluster.local');
    expect(text).toContain('10.244.0.6\tdb-1.db.shop.svc.cluster.local\tdb-1\n');
    expect(text).toMatch(/# Entries added by HostAliases\.\n192\.0\.2\.1\tfoo\.local\tbar\.local\n$/);
  });
});
