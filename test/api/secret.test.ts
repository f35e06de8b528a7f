// core/v1 Secret: the stringData conversion, SetDefaults_Secret and ValidateSecret /
// ValidateSecretUpdate with Kubernetes' field paths and messages.
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../api/defaults.js';
import { validate } from '../../api/validation.js';
import { corruptBase64Offset } from '../../api/schema-errors.js';

const secret = (fields: Record<string, unknown>, annotations?: Record<string, string>): any => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default', ...(annotations ? { annotations } : {}) }, ...fields,
});
const errs = (obj: unknown, old?: unknown) => validate('Secret', applyDefaults('Secret', obj), old).map((e) => `${e.field}: ${e.message}`);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('Secret defaults and stringData', () => {
  it('defaults type to Opaque', () => {
    expect(applyDefaults('Secret', secret({})).type).toBe('Opaque');
    expect(applyDefaults('Secret', secret({ type: 'example.com/custom' })).type).toBe('example.com/custom');
  });
  it('merges stringData into data (stringData wins) and drops it', () => {
    const s = applyDefaults('Secret', secret({ data: { a: b64('old'), b: b64('keep') }, stringData: { a: 'new', c: 'ünï' } }));
    expect(s).not.toHaveProperty('stringData');
    expect(s.data).toEqual({ a: b64('new'), b: b64('keep'), c: Buffer.from('ünï', 'utf8').toString('base64') });
  });
  it('validates stringData keys as data keys', () => {
    expect(errs(secret({ stringData: { 'bad key': 'x' } }))).toEqual([
      "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
  });
});

describe('ValidateSecret', () => {
  it('accepts Opaque and custom types with any keys', () => {
    expect(errs(secret({ data: { 'tls.crt': b64('x'), '.hidden': '' } }))).toEqual([]);
    expect(errs(secret({ type: 'example.com/custom' }))).toEqual([]);
  });

  it('refuses data that is not base64 at data[key], without the value', () => {
    expect(errs(secret({ data: { password: 's3cret!' } }))).toEqual(['data[password]: Invalid value: illegal base64 data at input byte 6']);
  });

  it('limits the decoded data to 1 MiB', () => {
    expect(errs(secret({ data: { a: Buffer.alloc(1024 * 1024).toString('base64') } }))).toEqual([]);
    expect(errs(secret({ data: { a: Buffer.alloc(1024 * 1024).toString('base64'), b: b64('x') } }))).toEqual(['data: Too long: may not be more than 1048576 bytes']);
    expect(errs(secret({ stringData: { a: 'x'.repeat(1024 * 1024 + 1) } }))).toEqual(['data: Too long: may not be more than 1048576 bytes']);
  });

  it('requires the keys of each kubernetes.io/ type', () => {
    expect(errs(secret({ type: 'kubernetes.io/basic-auth' }))).toEqual(['data[username]: Required value', 'data[password]: Required value']);
    expect(errs(secret({ type: 'kubernetes.io/basic-auth', stringData: { password: '' } }))).toEqual([]);
    expect(errs(secret({ type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '' } }))).toEqual(['data[ssh-privatekey]: Required value']);
    expect(errs(secret({ type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': 'KEY' } }))).toEqual([]);
    expect(errs(secret({ type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'C' } }))).toEqual(['data[tls.key]: Required value']);
    expect(errs(secret({ type: 'kubernetes.io/tls' }))).toEqual(['data[tls.crt]: Required value', 'data[tls.key]: Required value']);
    expect(errs(secret({ type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'C', 'tls.key': 'K' } }))).toEqual([]);
    expect(errs(secret({ type: 'kubernetes.io/service-account-token' }))).toEqual(['metadata.annotations[kubernetes.io/service-account.name]: Required value']);
    expect(errs(secret({ type: 'kubernetes.io/service-account-token' }, { 'kubernetes.io/service-account.name': 'default' }))).toEqual([]);
  });

  it('requires docker configs to be JSON objects, and redacts them when they are not', () => {
    expect(errs(secret({ type: 'kubernetes.io/dockerconfigjson' }))).toEqual(['data[.dockerconfigjson]: Required value']);
    expect(errs(secret({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{}}' } }))).toEqual([]);
    const [bad] = errs(secret({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': 'hunter2' } }));
    expect(bad).toMatch(/^data\[\.dockerconfigjson\]: Invalid value: "<secret contents redacted>": /);
    expect(bad).not.toContain('hunter2');
    expect(errs(secret({ type: 'kubernetes.io/dockercfg', stringData: { '.dockercfg': '[]' } }))).toEqual([
      'data[.dockercfg]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}',
    ]);
    expect(errs(secret({ type: 'kubernetes.io/dockercfg' }))).toEqual(['data[.dockercfg]: Required value']);
  });
});

describe('ValidateSecretUpdate', () => {
  const old = applyDefaults('Secret', secret({ stringData: { a: '1' }, immutable: true }));
  it('keeps the type', () => {
    const opaque = applyDefaults('Secret', secret({ data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } }));
    expect(errs({ ...opaque, type: 'kubernetes.io/tls' }, opaque)).toEqual(['type: Invalid value: "kubernetes.io/tls": field is immutable']);
  });
  it('refuses changed data (stringData included) and unsetting immutable, allows metadata', () => {
    expect(errs({ ...old, metadata: { ...old.metadata, labels: { l: 'v' } } }, old)).toEqual([]);
    expect(errs({ ...old, stringData: { a: '2' } }, old)).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
    expect(errs({ ...old, immutable: false }, old)).toEqual(['immutable: Forbidden: field is immutable when `immutable` is set']);
  });
});

describe('corruptBase64Offset (Go CorruptInputError)', () => {
  it.each([['ab!c', 2], ['abc', 0], ['abcde', 4], ['ab=c', 2], ['a===', 1]])('%s → %d', (s, n) => expect(corruptBase64Offset(s)).toBe(n));
});
