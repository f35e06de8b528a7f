// `kctl config`'s pure parts: what view hides without --raw, and get-contexts' rows.
import { describe, expect, it } from 'vitest';
import { contextRows, redact } from '../../cli/kctl/config.js';

const cfg = {
  'current-context': 'b',
  clusters: [{ name: 'c', cluster: { server: 'https://x', 'certificate-authority-data': 'AAAA' } }],
  contexts: [{ name: 'b', context: { cluster: 'c', user: 'u', namespace: 'dev' } }, { name: 'a', context: { cluster: 'c', user: 'u' } }],
  users: [{ name: 'u', user: { 'client-certificate-data': 'BBBB', 'client-key-data': 'CCCC', token: 'secret' } }],
};

describe('config', () => {
  it('view hides certificate data and secrets, as kubectl', () => {
    const r = redact(cfg);
    expect(r.clusters![0]!.cluster).toEqual({ server: 'https://x', 'certificate-authority-data': 'DATA+OMITTED' });
    expect(r.users![0]!.user).toEqual({ 'client-certificate-data': 'DATA+OMITTED', 'client-key-data': 'DATA+OMITTED', token: 'REDACTED' });
    expect(cfg.users[0]!.user.token).toBe('secret');
  });
  it('get-contexts: sorted by name, * on the current one', () => {
    expect(contextRows(cfg)).toEqual([['', 'a', 'c', 'u', ''], ['*', 'b', 'c', 'u', 'dev']]);
    expect(contextRows(cfg, 'a')).toEqual([['', 'a', 'c', 'u', '']]);
    expect(() => contextRows(cfg, 'zz')).toThrow('context zz not found');
  });
});
