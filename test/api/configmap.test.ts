// core/v1 ConfigMap: ValidateConfigMap / ValidateConfigMapUpdate with Kubernetes' field paths and messages.
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../api/defaults.js';
import { validate } from '../../api/validation.js';
import { isConfigMapKey } from '../../api/names.js';

const cm = (fields: Record<string, unknown>): any => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, ...fields });
const errs = (obj: unknown, old?: unknown) => validate('ConfigMap', applyDefaults('ConfigMap', obj), old).map((e) => `${e.field}: ${e.message}`);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('IsConfigMapKey', () => {
  it.each(['a', 'key.name', 'KEY_NAME', 'key-name', '.dotfile', 'a..b', 'x'.repeat(253)])('accepts %s', (k) => expect(isConfigMapKey(k)).toEqual([]));
  it('refuses other characters, ".", "..", a ".." prefix and more than 253 characters', () => {
    expect(isConfigMapKey('a/b')).toEqual(["a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"]);
    expect(isConfigMapKey('.')).toEqual(["must not be '.'"]);
    expect(isConfigMapKey('..')).toEqual(["must not be '..'"]);
    expect(isConfigMapKey('..data')).toEqual(["must not start with '..'"]);
    expect(isConfigMapKey('x'.repeat(254))).toEqual(['must be no more than 253 characters']);
    expect(isConfigMapKey('')).toHaveLength(1);
  });
});

describe('ValidateConfigMap', () => {
  it('accepts text data, base64 binaryData and immutable', () => {
    expect(errs(cm({ data: { 'app.properties': 'a=1\n', EMPTY: '' }, binaryData: { 'logo.png': b64('\x89PNG') }, immutable: true }))).toEqual([]);
    expect(errs(cm({}))).toEqual([]);
  });

  it('reports bad keys at data[key] / binaryData[key]', () => {
    expect(errs(cm({ data: { 'a b': 'x' }, binaryData: { '..x': b64('y') } }))).toEqual([
      "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      "binaryData[..x]: Invalid value: \"..x\": must not start with '..'",
    ]);
  });

  it('reports a value of the wrong type at its map key, as Go writes map keys', () => {
    expect(errs(cm({ data: { count: 3, 'a.b': true } }))).toEqual(['data[count]: Invalid value: 3: must be of type string', 'data[a.b]: Invalid value: true: must be of type string']);
  });

  it('refuses a key in both data and binaryData', () => {
    expect(errs(cm({ data: { k: 'x' }, binaryData: { k: b64('y') } }))).toEqual(['data[k]: Invalid value: "k": duplicate of key present in binaryData']);
  });

  it('refuses binaryData that is not base64, without echoing it', () => {
    expect(errs(cm({ binaryData: { k: 'not base64!' } }))).toEqual(['binaryData[k]: Invalid value: illegal base64 data at input byte 3']);
    expect(errs(cm({ binaryData: { k: 'abc' } }))).toEqual(['binaryData[k]: Invalid value: illegal base64 data at input byte 0']);
  });

  it('counts data (UTF-8 bytes) and binaryData (decoded bytes) together against 1 MiB, on the whole object', () => {
    const half = 'x'.repeat(512 * 1024);
    expect(errs(cm({ data: { a: half }, binaryData: { b: Buffer.alloc(512 * 1024).toString('base64') } }))).toEqual([]);
    expect(errs(cm({ data: { a: half, b: half, c: 'x' } }))).toEqual(['[]: Too long: may not be more than 1048576 bytes']);
    // 2 bytes a character in UTF-8.
    expect(errs(cm({ data: { a: 'é'.repeat(512 * 1024 + 1) } }))).toEqual(['[]: Too long: may not be more than 1048576 bytes']);
  });
});

describe('ValidateConfigMapUpdate', () => {
  const old = cm({ data: { a: '1' }, binaryData: { b: b64('2') }, immutable: true });
  it('allows metadata changes and re-sending the same data to an immutable ConfigMap', () => {
    expect(errs({ ...old, metadata: { ...old.metadata, labels: { x: 'y' } } }, old)).toEqual([]);
  });
  it('refuses new data or binaryData, and unsetting immutable', () => {
    expect(errs({ ...old, data: { a: '2' } }, old)).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
    expect(errs({ ...old, binaryData: {} }, old)).toEqual(['binaryData: Forbidden: field is immutable when `immutable` is set']);
    expect(errs({ ...old, immutable: false }, old)).toEqual(['immutable: Forbidden: field is immutable when `immutable` is set']);
    const { immutable: _, ...unset } = old;
    expect(errs(unset, old)).toEqual(['immutable: Forbidden: field is immutable when `immutable` is set']);
  });
  it('lets a mutable ConfigMap change anything and become immutable', () => {
    const mutable = cm({ data: { a: '1' } });
    expect(errs(cm({ data: { a: '2' }, immutable: true }), mutable)).toEqual([]);
  });
});
