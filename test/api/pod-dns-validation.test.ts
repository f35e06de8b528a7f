// Pod spec.dnsConfig and spec.hostAliases validation (ValidatePodSpec's validatePodDNSConfig and
// validateHostAliases): the fields and messages kube-apiserver gives.
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../api/defaults.js';
import { validate } from '../../api/validation.js';

const pod = (spec: Record<string, unknown>): any => applyDefaults('Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'busybox:1' }], ...spec } });
const byField = (errs: { field: string; message: string }[]) => Object.fromEntries(errs.map((e) => [e.field, e.message]));

describe('pod DNS fields', () => {
  it('accepts dnsConfig and hostAliases that are well formed', () => {
    expect(validate('Pod', pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2001:db8::1'], searches: ['a.example', 'b.example.'], options: [{ name: 'ndots', value: '2' }] }, hostAliases: [{ ip: '192.0.2.1', hostnames: ['foo.local'] }] }))).toEqual([]);
  });

  it('needs a dnsConfig with a nameserver when dnsPolicy is None', () => {
    expect(byField(validate('Pod', pod({ dnsPolicy: 'None' })))).toEqual({ 'spec.dnsConfig': 'Required value: must provide `dnsConfig` when `dnsPolicy` is None' });
    expect(byField(validate('Pod', pod({ dnsPolicy: 'None', dnsConfig: { searches: ['a.example'] } })))).toEqual({ 'spec.dnsConfig.nameservers': 'Required value: must provide at least one DNS nameserver when `dnsPolicy` is None' });
  });

  it('refuses bad nameservers, too many of them, bad search paths, nameless options and bad host aliases', () => {
    const errs = byField(validate('Pod', pod({
      dnsConfig: { nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', 'dns.example'], searches: ['Bad_Name'], options: [{ value: '2' }] },
      hostAliases: [{ ip: '10.0.0.300', hostnames: ['ok.local', 'NOT OK'] }],
    })));
    expect(errs['spec.dnsConfig.nameservers']).toMatch(/must not have more than 3 nameservers$/);
    expect(errs['spec.dnsConfig.nameservers[3]']).toBe('Invalid value: "dns.example": must be valid IP address');
    expect(errs['spec.dnsConfig.searches[0]']).toMatch(/^Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    expect(errs['spec.dnsConfig.options[0]']).toBe('Required value: Option.Name must not be empty');
    expect(errs['spec.hostAliases[0].ip']).toBe('Invalid value: "10.0.0.300": must be valid IP address');
    expect(errs['spec.hostAliases[0].hostnames[1]']).toMatch(/^Invalid value: "NOT OK"/);
  });
});
