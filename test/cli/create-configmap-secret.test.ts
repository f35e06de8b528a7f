// kctl create configmap / secret generic: the data sources as kubectl reads them, and the
// objects built from them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configMapFor, secretFor } from '../../cli/kctl/create.js';
import { parseEnvFile, parseFileSource, parseLiteralSource, readDataSources } from '../../cli/kctl/data-sources.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kctl-create-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer) => {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
};
const none = { literals: [], files: [], envFiles: [] };

describe('data sources', () => {
  it('splits a literal at its first =', () => {
    expect(parseLiteralSource('url=http://x/?a=b')).toEqual({ key: 'url', value: Buffer.from('http://x/?a=b') });
    expect(parseLiteralSource('empty=')).toEqual({ key: 'empty', value: Buffer.alloc(0) });
    expect(() => parseLiteralSource('=v')).toThrow('invalid literal source =v, expected key=value');
    expect(() => parseLiteralSource('novalue')).toThrow('invalid literal source novalue, expected key=value');
  });

  it('names a file by its base name unless a key is given', () => {
    expect(parseFileSource('/etc/app.conf')).toEqual({ path: '/etc/app.conf' });
    expect(parseFileSource('cfg=/etc/app.conf')).toEqual({ key: 'cfg', path: '/etc/app.conf' });
    expect(() => parseFileSource('a=b=c')).toThrow("key names or file paths cannot contain '='");
  });

  it('reads env files: comments and blank lines skipped, a bare key from the environment', () => {
    expect(parseEnvFile('# c\n\nA=1\n  B=x=y\nC\nUNSET\n', 'f', { C: 'from-env' }).map((e) => [e.key, e.value.toString()])).toEqual([['A', '1'], ['B', 'x=y'], ['C', 'from-env']]);
  });

  it('reads a directory as one key per regular file, and refuses bad or repeated keys', () => {
    file('d/a.txt', 'A');
    file('d/b.bin', Buffer.from([0xff, 0x00]));
    file('d/sub/ignored', 'x');
    expect(readDataSources({ ...none, files: [path.join(dir, 'd')] }, 'ConfigMap', 'c').map((e) => e.key)).toEqual(['a.txt', 'b.bin']);
    expect(() => readDataSources({ ...none, files: [`k=${path.join(dir, 'd')}`] }, 'ConfigMap', 'c')).toThrow('cannot give a key name for a directory path');
    expect(() => readDataSources({ ...none, literals: ['a b=1'] }, 'Secret', 's')).toThrow(/"a b" is not a valid key name for a Secret: a valid config key/);
    expect(() => readDataSources({ ...none, literals: ['a=1'], files: [`a=${file('x', 'X')}`] }, 'ConfigMap', 'c')).toThrow('cannot add key "a", another key by that name already exists in Data for ConfigMap "c"');
    expect(() => readDataSources({ ...none, files: [path.join(dir, 'missing')] }, 'ConfigMap', 'c')).toThrow(/no such file/);
  });
});

describe('the objects', () => {
  it('a ConfigMap keeps UTF-8 values in data and other bytes in binaryData', () => {
    const entries = readDataSources({ literals: ['mode=dev'], files: [`logo=${file('logo', Buffer.from([0x89, 0x50, 0xff]))}`, file('app.conf', 'x=1\n')], envFiles: [] }, 'ConfigMap', 'app');
    expect(configMapFor('app', entries)).toEqual({
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' },
      data: { mode: 'dev', 'app.conf': 'x=1\n' },
      binaryData: { logo: Buffer.from([0x89, 0x50, 0xff]).toString('base64') },
    });
    expect(configMapFor('empty', [])).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'empty' } });
  });

  it('a Secret holds every value base64 in data, with the type only when one is given', () => {
    const entries = readDataSources({ ...none, literals: ['user=admin', 'password=s3cr=t'] }, 'Secret', 'db');
    expect(secretFor('db', entries)).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { user: 'YWRtaW4=', password: Buffer.from('s3cr=t').toString('base64') } });
    expect(secretFor('auth', entries, 'kubernetes.io/basic-auth').type).toBe('kubernetes.io/basic-auth');
  });
});
