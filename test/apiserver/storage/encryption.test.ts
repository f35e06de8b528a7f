// Encryption at rest, without processes: the EncryptionConfiguration parser and its errors,
// each provider's value format (kube-apiserver's), rotation, and the Storage decorator — which
// must still keep the whole Storage contract.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isStatusError } from '../../../api/errors.js';
import { openEmbeddedStorage } from '../../../apiserver/storage/embedded.js';
import { encryptionPlan, parseEncryptionConfiguration, type EncryptionConfiguration } from '../../../apiserver/storage/encryption/config.js';
import { EncryptedStorage } from '../../../apiserver/storage/encryption/encrypted-storage.js';
import { aescbc, aesgcm } from '../../../apiserver/storage/encryption/providers.js';
import { ValueTransformer } from '../../../apiserver/storage/encryption/transformer.js';
import { valueFromBytes, valueToBytes } from '../../../apiserver/storage/value-bytes.js';
import { collector, put, storageContract, waitFor } from './storage-contract.js';

const key32 = () => crypto.randomBytes(32);
const b64 = (b: Buffer) => b.toString('base64');
const SECRET_KEY = '/registry/secrets/default/db';
const PLAIN = JSON.stringify({ kind: 'Secret', data: { password: 'hunter2-plaintext' } });

function config(providers: unknown[], resources = ['secrets']): string {
  return JSON.stringify({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources, providers }] });
}

describe('EncryptionConfiguration', () => {
  it('parses YAML as Kubernetes documents it', () => {
    const c = parseEncryptionConfiguration(`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
      - configmaps
    providers:
      - aesgcm:
          keys:
            - name: key1
              secret: c2VjcmV0IGlzIHNlY3VyZQ==
      - aescbc:
          keys:
            - name: key2
              secret: ${b64(key32())}
      - identity: {}
`);
    expect(c.resources[0]!.providers.map((p) => Object.keys(p)[0])).toEqual(['aesgcm', 'aescbc', 'identity']);
    const plan = encryptionPlan(c);
    expect(plan.byPrefix.get('/registry/secrets/')?.transformer.writer).toBe('aesgcm:key1');
    expect(plan.byPrefix.get('/registry/configmaps/')?.resource).toBe('configmaps');
    expect(plan.byPrefix.has('/registry/pods/')).toBe(false);
  });

  it('names the bad field in every error', () => {
    const bad: [string, RegExp][] = [
      ['{"apiVersion":"v1","kind":"EncryptionConfiguration","resources":[]}', /apiVersion:.*\n.*resources: Required value/],
      [config([{ aesgcm: { keys: [{ name: 'k', secret: b64(crypto.randomBytes(20)) }] } }]), /resources\[0\]\.providers\[0\]\.aesgcm\.keys\[0\]\.secret: secret is not of the expected length, got 20, expected one of \[16 24 32\]/],
      [config([{ aescbc: { keys: [{ name: 'k', secret: b64(crypto.randomBytes(16)) }] } }]), /aescbc\.keys\[0\]\.secret: .*got 16, expected one of \[32\]/],
      [config([{ aesgcm: { keys: [{ name: 'k', secret: 'not base64!' }] } }]), /keys\[0\]\.secret: must be base64 encoded/],
      [config([{ aesgcm: { keys: [{ name: 'a:b', secret: b64(key32()) }] } }]), /keys\[0\]\.name: must not contain ":"/],
      [config([{ aesgcm: { keys: [{ name: 'k', secret: b64(key32()) }, { name: 'k', secret: b64(key32()) }] } }]), /keys\[1\]\.name: Duplicate value: "k"/],
      [config([{ aesgcm: { keys: [] } }]), /aesgcm\.keys: Required value/],
      [config([{ identity: {}, aesgcm: { keys: [{ name: 'k', secret: b64(key32()) }] } }]), /providers\[0\]: more than one provider specified in a single element/],
      [config([{}]), /providers\[0\]: Required value: one provider/],
      [config([{ rot13: {} }]), /providers\[0\]: .*rot13/],
      [config([{ identity: {} }], ['Secrets']), /resources\[0\]\.resources\[0\]: must be a lowercase resource/],
      [config([{ identity: {} }], ['sec*']), /resources\[0\]\.resources\[0\]/],
      [config([{ identity: {} }], ['secrets', 'secrets.']), /resources\[0\]\.resources\[1\]: must be a lowercase resource/],
      [config([{ secretbox: { keys: [{ name: 'k', secret: b64(key32()) }] } }]), /providers\[0\]\.secretbox: not supported by this build/],
      ['resources: [unclosed', /not YAML or JSON/],
    ];
    for (const [text, re] of bad) expect(() => parseEncryptionConfiguration(text)).toThrow(re);
    const dup = JSON.stringify({
      apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration',
      resources: [{ resources: ['secrets'], providers: [{ identity: {} }] }, { resources: ['secrets'], providers: [{ identity: {} }] }],
    });
    expect(() => parseEncryptionConfiguration(dup)).toThrow(/resources\[1\]\.resources\[0\]: Duplicate value: "secrets"/);
  });

  it('looks resources up by name, then their group\'s wildcard, then *.*', () => {
    const c: EncryptionConfiguration = parseEncryptionConfiguration(JSON.stringify({
      apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration',
      resources: [
        { resources: ['*.*'], providers: [{ aescbc: { keys: [{ name: 'all', secret: b64(key32()) }] } }] },
        { resources: ['*.apps'], providers: [{ aesgcm: { keys: [{ name: 'apps', secret: b64(key32()) }] } }] },
        { resources: ['secrets', 'deployments.apps'], providers: [{ aesgcm: { keys: [{ name: 'named', secret: b64(key32()) }] } }] },
      ],
    }));
    const plan = encryptionPlan(c);
    expect(plan.byPrefix.get('/registry/secrets/')?.transformer.writer).toBe('aesgcm:named');
    expect(plan.byPrefix.get('/registry/apps/deployments/')?.transformer.writer).toBe('aesgcm:named');
    expect(plan.byPrefix.get('/registry/apps/replicasets/')?.transformer.writer).toBe('aesgcm:apps');
    expect(plan.byPrefix.get('/registry/pods/')?.transformer.writer).toBe('aescbc:all');
  });
});

describe.each([
  ['aesgcm', aesgcm, 'k8s:enc:aesgcm:v1:k1:'],
  ['aescbc', aescbc, 'k8s:enc:aescbc:v1:k1:'],
] as const)('%s provider', (name, make, prefix) => {
  it('round-trips in kube-apiserver\'s format', () => {
    const key = key32();
    const t = new ValueTransformer([make('k1', key)]);
    const stored = t.write(PLAIN, SECRET_KEY);
    expect(stored.startsWith(prefix)).toBe(true);
    const bytes = valueToBytes(stored);
    expect(bytes.toString('latin1')).not.toContain('hunter2');
    expect(valueFromBytes(bytes)).toBe(stored);
    // The layout after the prefix, decrypted independently with Node's crypto.
    const body = bytes.subarray(prefix.length);
    let plain: Buffer;
    if (name === 'aesgcm') {
      const d = crypto.createDecipheriv('aes-256-gcm', key, body.subarray(0, 12));
      d.setAAD(Buffer.from(SECRET_KEY));
      d.setAuthTag(body.subarray(body.length - 16));
      plain = Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]);
      expect(body.length).toBe(12 + Buffer.byteLength(PLAIN) + 16);
    } else {
      const d = crypto.createDecipheriv('aes-256-cbc', key, body.subarray(0, 16));
      plain = Buffer.concat([d.update(body.subarray(16)), d.final()]);
      expect((body.length - 16) % 16).toBe(0);
    }
    expect(plain.toString()).toBe(PLAIN);
    expect(t.read(stored, SECRET_KEY)).toEqual({ value: PLAIN, stale: false });
    // A fresh nonce/IV each write.
    expect(t.write(PLAIN, SECRET_KEY)).not.toBe(stored);
  });

  it('refuses a wrong key of the same name and tampered ciphertext', () => {
    const stored = new ValueTransformer([make('k1', key32())]).write(PLAIN, SECRET_KEY);
    const other = new ValueTransformer([make('k1', key32())]);
    if (name === 'aesgcm') expect(() => other.read(stored, SECRET_KEY)).toThrow(/aesgcm key "k1": cipher: message authentication failed/);
    // aescbc has no authentication: a wrong key fails its padding check, or yields bytes that are not the plaintext.
    else expect((() => { try { return other.read(stored, SECRET_KEY).value; } catch (e) { return (e as Error).message; } })()).not.toBe(PLAIN);
    const t = new ValueTransformer([make('k1', key32())]);
    const good = t.write(PLAIN, SECRET_KEY);
    const bytes = valueToBytes(good);
    bytes[bytes.length - 1]! ^= 1;
    const tampered = valueFromBytes(bytes);
    expect(() => t.read(tampered, SECRET_KEY)).toThrow(name === 'aesgcm' ? /message authentication failed/ : /padding/);
    expect(() => t.read(good.slice(0, prefix.length + 5), SECRET_KEY)).toThrow(/shorter than the required size|multiple of the block size/);
  });

  it('rotates: old values read after a new key is listed first; writes use the new key', () => {
    const oldKey = make('old', key32());
    const before = new ValueTransformer([oldKey]).write(PLAIN, SECRET_KEY);
    const rotated = new ValueTransformer([make('new', key32()), oldKey]);
    expect(rotated.read(before, SECRET_KEY)).toEqual({ value: PLAIN, stale: true });
    const after = rotated.write(PLAIN, SECRET_KEY);
    expect(after.startsWith(`k8s:enc:${name}:v1:new:`)).toBe(true);
    expect(rotated.read(after, SECRET_KEY)).toEqual({ value: PLAIN, stale: false });
    // Once the old key is dropped its values are unreadable, and the error names it.
    const dropped = new ValueTransformer([make('new', key32())]);
    expect(() => dropped.read(before, SECRET_KEY)).toThrow(new RegExp(`provider ${name} \\(v1\\), key "old"`));
  });
});

describe('aesgcm binds a value to its storage key', () => {
  it('does not decrypt a value moved to another key', () => {
    const t = new ValueTransformer([aesgcm('k1', key32())]);
    const stored = t.write(PLAIN, SECRET_KEY);
    expect(() => t.read(stored, '/registry/secrets/default/other')).toThrow(/message authentication failed/);
  });
});

describe('identity', () => {
  it('first writes plaintext while ciphertext of a listed key still reads', () => {
    const k = aesgcm('k1', key32());
    const encrypted = new ValueTransformer([k]).write(PLAIN, SECRET_KEY);
    const decrypting = new ValueTransformer([{ provider: 'identity' }, k]);
    expect(decrypting.write(PLAIN, SECRET_KEY)).toBe(PLAIN);
    expect(decrypting.read(encrypted, SECRET_KEY)).toEqual({ value: PLAIN, stale: true });
    expect(decrypting.read(PLAIN, SECRET_KEY)).toEqual({ value: PLAIN, stale: false });
  });

  it('last reads values written before encryption; without it they are refused', () => {
    const k = aesgcm('k1', key32());
    expect(new ValueTransformer([k, { provider: 'identity' }]).read(PLAIN, SECRET_KEY)).toEqual({ value: PLAIN, stale: true });
    expect(() => new ValueTransformer([k]).read(PLAIN, SECRET_KEY)).toThrow(/no matching prefix found.*identity provider is not listed/);
  });
});

function secretsPlan(providers: unknown[]) {
  return encryptionPlan(parseEncryptionConfiguration(config(providers)));
}

describe('EncryptedStorage', () => {
  const gcm = (name: string, secret = b64(key32())) => ({ aesgcm: { keys: [{ name, secret }] } });

  it('encrypts the configured resources only and decrypts gets, ranges, txn answers and watches', async () => {
    const inner = await openEmbeddedStorage();
    const s = new EncryptedStorage(inner, secretsPlan([gcm('k1')]));
    const w = collector(s, '/registry/', s.revision);
    const created = await put(s, SECRET_KEY, PLAIN);
    expect(created.results[0]!.value).toBe(PLAIN);
    await put(s, '/registry/configmaps/default/cm', '{"kind":"ConfigMap"}');
    expect((await inner.get(SECRET_KEY))!.value.startsWith('k8s:enc:aesgcm:v1:k1:')).toBe(true);
    expect((await inner.get(SECRET_KEY))!.value).not.toContain('hunter2');
    expect((await inner.get('/registry/configmaps/default/cm'))!.value).toBe('{"kind":"ConfigMap"}');
    expect((await s.get(SECRET_KEY))!.value).toBe(PLAIN);
    expect((await s.range('/registry/secrets/')).kvs.map((kv) => kv.value)).toEqual([PLAIN]);
    const stale = await s.txn([{ key: SECRET_KEY, modRevision: 1 }], []);
    expect(stale.succeeded).toBe(false);
    expect(stale.current[0]!.value).toBe(PLAIN);
    const deleted = await s.txn([], [{ type: 'delete', key: SECRET_KEY }]);
    expect(deleted.results[0]!.value).toBe(PLAIN);
    await waitFor(() => w.events.length === 3, 'three watch events');
    expect(w.events.map((e) => [e.type, e.kv.value])).toEqual([['put', PLAIN], ['put', '{"kind":"ConfigMap"}'], ['delete', PLAIN]]);
    await s.close();
  });

  it('answers a value no listed key opens with a 500 naming the storage key and the key it was written with', async () => {
    const inner = await openEmbeddedStorage();
    await put(new EncryptedStorage(inner, secretsPlan([gcm('gone')])), SECRET_KEY, PLAIN);
    const s = new EncryptedStorage(inner, secretsPlan([gcm('k2')]));
    const err = await s.get(SECRET_KEY).catch((e) => e);
    expect(isStatusError(err, 'InternalError')).toBe(true);
    expect(err.status.code).toBe(500);
    expect(err.message).toMatch(/unable to transform key "\/registry\/secrets\/default\/db": .*provider aesgcm \(v1\), key "gone"/);
    await expect(s.range('/registry/secrets/')).rejects.toMatchObject({ code: 500 });
    // A watch that meets it ends with the 500 rather than skipping the event.
    const ended = new Promise<Error>((resolve) => s.watch('/registry/secrets/', 1, { onEvents: () => undefined, onError: resolve }));
    expect((await ended).message).toMatch(/key "gone"/);
    await s.close();
  });
});

// The decorator keeps every guarantee of the store it wraps (here: every key encrypted).
storageContract('embedded behind aesgcm encryption', async () => {
  const transformer = new ValueTransformer([aesgcm('k1', key32())]);
  return new EncryptedStorage(await openEmbeddedStorage(), { byPrefix: new Map([['/', { resource: '*.*', transformer }]]) });
});

describe('EncryptedStorage: rewriting and leaving a resource out', () => {
  it('marks values another key wrote as stale, so an unchanged update still re-encrypts them', async () => {
    const inner = await openEmbeddedStorage();
    const oldKey = { aesgcm: { keys: [{ name: 'old', secret: b64(key32()) }] } };
    await put(new EncryptedStorage(inner, secretsPlan([oldKey])), SECRET_KEY, PLAIN);
    const rotated = new EncryptedStorage(inner, secretsPlan([{ aesgcm: { keys: [{ name: 'new', secret: b64(key32()) }] } }, oldKey]));
    const kv = (await rotated.get(SECRET_KEY))!;
    expect(kv.stale).toBe(true);
    await put(rotated, SECRET_KEY, kv.value);
    expect((await inner.get(SECRET_KEY))!.value.startsWith('k8s:enc:aesgcm:v1:new:')).toBe(true);
    expect((await rotated.get(SECRET_KEY))!.stale).toBeUndefined();
    // Encrypted data of a resource the config no longer lists is an error, not ciphertext as an object.
    const without = new EncryptedStorage(inner, encryptionPlan(parseEncryptionConfiguration(config([{ identity: {} }], ['configmaps']))));
    await expect(without.get(SECRET_KEY)).rejects.toThrow(/lists no provider for its resource/);
    await inner.close();
  });
});
