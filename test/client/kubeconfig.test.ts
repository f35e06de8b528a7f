import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KubeconfigError, kubeconfigPaths, loadKubeconfig, mergeKubeconfigContext, mergeKubeconfigs, removeKubeconfigContext,
} from '../../client/kubeconfig.js';

let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-kubeconfig-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, doc: unknown): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, typeof doc === 'string' ? doc : yaml.dump(doc));
  return p;
}

const cfgA = {
  apiVersion: 'v1', kind: 'Config', 'current-context': 'a',
  clusters: [{ name: 'ca', cluster: { server: 'http://a:1' } }, { name: 'shared', cluster: { server: 'http://from-a' } }],
  contexts: [{ name: 'a', context: { cluster: 'ca', user: 'u', namespace: 'team-a' } }, { name: 's', context: { cluster: 'shared' } }],
  users: [{ name: 'u', user: {} }],
};
const cfgB = {
  apiVersion: 'v1', kind: 'Config', 'current-context': 'b',
  clusters: [{ name: 'cb', cluster: { server: 'http://b:2' } }, { name: 'shared', cluster: { server: 'http://from-b' } }],
  contexts: [{ name: 'b', context: { cluster: 'cb' } }],
};

describe('loadKubeconfig', () => {
  it('reads --kubeconfig, picks current-context, namespace defaults to "default"', () => {
    const a = write('a.yaml', cfgA);
    expect(loadKubeconfig({ kubeconfig: a }, {})).toMatchObject({ server: 'http://a:1', namespace: 'team-a', contextName: 'a' });
    expect(loadKubeconfig({ kubeconfig: a, context: 's' }, {})).toMatchObject({ server: 'http://from-a', namespace: 'default', contextName: 's' });
  });

  it('merges $KUBECONFIG with the first file winning per key', () => {
    const a = write('a2.yaml', cfgA);
    const b = write('b2.yaml', cfgB);
    const env = { KUBECONFIG: [b, path.join(dir, 'missing.yaml'), a].join(path.delimiter) };
    expect(kubeconfigPaths({}, env)).toEqual([b, path.join(dir, 'missing.yaml'), a]);
    const got = loadKubeconfig({}, env);
    expect(got).toMatchObject({ server: 'http://b:2', contextName: 'b' });
    expect(got.files).toEqual([b, a]);
    // "shared" is defined in both: b came first.
    expect(loadKubeconfig({ context: 's' }, env).server).toBe('http://from-b');
    // contexts only in a still resolve.
    expect(loadKubeconfig({ context: 'a' }, env).server).toBe('http://a:1');
  });

  it('falls back to ~/.kube/config', () => {
    const home = path.join(dir, 'home');
    fs.mkdirSync(path.join(home, '.kube'), { recursive: true });
    fs.writeFileSync(path.join(home, '.kube', 'config'), yaml.dump(cfgB));
    expect(loadKubeconfig({}, { HOME: home }).server).toBe('http://b:2');
  });

  it('gives clear errors', () => {
    expect(() => loadKubeconfig({ kubeconfig: path.join(dir, 'nope.yaml') }, {})).toThrow(/does not exist/);
    expect(() => loadKubeconfig({}, { HOME: path.join(dir, 'nohome') })).toThrow(/no kubeconfig found/);
    const a = write('a3.yaml', cfgA);
    expect(() => loadKubeconfig({ kubeconfig: a, context: 'zzz' }, {})).toThrow(/context "zzz" does not exist/);
    const noCur = write('nocur.yaml', { ...cfgA, 'current-context': undefined });
    expect(() => loadKubeconfig({ kubeconfig: noCur }, {})).toThrow(KubeconfigError);
    const dangling = write('dangling.yaml', { contexts: [{ name: 'x', context: { cluster: 'gone' } }], 'current-context': 'x' });
    expect(() => loadKubeconfig({ kubeconfig: dangling }, {})).toThrow(/cluster "gone", which does not exist/);
    const bad = write('bad.yaml', 'clusters: [unclosed');
    expect(() => loadKubeconfig({ kubeconfig: bad }, {})).toThrow(/invalid YAML/);
  });

  it('mergeKubeconfigs keeps first entries', () => {
    const m = mergeKubeconfigs([cfgB, cfgA]);
    expect(m['current-context']).toBe('b');
    expect(m.clusters!.map((c) => c.name)).toEqual(['cb', 'shared', 'ca']);
  });
});

describe('mergeKubeconfigContext', () => {
  it('creates the file (and directory) when missing', () => {
    const p = path.join(dir, 'new', 'sub', 'config');
    mergeKubeconfigContext(p, { name: 'skiff', server: 'http://127.0.0.1:6443' });
    expect(loadKubeconfig({ kubeconfig: p }, {})).toMatchObject({ server: 'http://127.0.0.1:6443', contextName: 'skiff', namespace: 'default' });
    expect(fs.statSync(p).mode & 0o777).toBe(0o600);
  });

  it('adds/replaces the skiff entries, sets current-context and keeps everything else', () => {
    const p = write('existing.yaml', cfgA);
    mergeKubeconfigContext(p, { name: 'skiff', server: 'http://127.0.0.1:1111' });
    mergeKubeconfigContext(p, { name: 'skiff', server: 'http://127.0.0.1:2222' });
    const doc = yaml.load(fs.readFileSync(p, 'utf8')) as typeof cfgA;
    expect(doc['current-context']).toBe('skiff');
    expect(doc.clusters.filter((c) => c.name === 'skiff')).toHaveLength(1);
    expect(doc.clusters.map((c) => c.name)).toEqual(['ca', 'shared', 'skiff']);
    expect(doc.users.map((u) => u.name)).toEqual(['u', 'skiff']);
    expect(loadKubeconfig({ kubeconfig: p }, {}).server).toBe('http://127.0.0.1:2222');
    expect(loadKubeconfig({ kubeconfig: p, context: 'a' }, {}).server).toBe('http://a:1');
    removeKubeconfigContext(p, 'skiff');
    const after = yaml.load(fs.readFileSync(p, 'utf8')) as typeof cfgA;
    expect(after.clusters.map((c) => c.name)).toEqual(['ca', 'shared']);
    expect(after['current-context']).toBe('');
  });
});

describe('credentials', () => {
  const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${Buffer.from(body).toString('base64')}\n-----END ${label}-----\n`;
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('reads inline data, files relative to the kubeconfig, tokens and the TLS switches', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-kc-creds-'));
    try {
      fs.mkdirSync(path.join(dir, 'certs'));
      fs.writeFileSync(path.join(dir, 'certs', 'ca.crt'), pem('CERTIFICATE', 'ca'));
      fs.writeFileSync(path.join(dir, 'certs', 'me.crt'), pem('CERTIFICATE', 'me'));
      fs.writeFileSync(path.join(dir, 'certs', 'me.key'), pem('PRIVATE KEY', 'key'));
      const file = path.join(dir, 'config');
      fs.writeFileSync(file, yaml.dump({
        apiVersion: 'v1', kind: 'Config', 'current-context': 'files',
        clusters: [
          { name: 'files', cluster: { server: 'https://a:6443', 'certificate-authority': 'certs/ca.crt', 'tls-server-name': 'kubernetes' } },
          { name: 'inline', cluster: { server: 'https://b:6443', 'certificate-authority-data': b64('inline-ca'), 'insecure-skip-tls-verify': true } },
        ],
        users: [
          { name: 'me', user: { 'client-certificate': 'certs/me.crt', 'client-key': 'certs/me.key' } },
          { name: 'tok', user: { token: 'abc', 'client-certificate-data': b64('c'), 'client-key-data': b64('k') } },
          { name: 'tokfile', user: { tokenFile: 'certs/token' } },
          { name: 'half', user: { 'client-certificate': 'certs/me.crt' } },
          { name: 'exec', user: { exec: { command: 'aws' } } },
        ],
        contexts: [
          { name: 'files', context: { cluster: 'files', user: 'me' } },
          { name: 'inline', context: { cluster: 'inline', user: 'tok' } },
          { name: 'tokfile', context: { cluster: 'files', user: 'tokfile' } },
          { name: 'half', context: { cluster: 'files', user: 'half' } },
          { name: 'exec', context: { cluster: 'files', user: 'exec' } },
          { name: 'ghost', context: { cluster: 'files', user: 'nobody' } },
        ],
      }));
      const files = loadKubeconfig({ kubeconfig: file }, {});
      expect(String(files.credentials.caData)).toBe(pem('CERTIFICATE', 'ca'));
      expect(String(files.credentials.certData)).toBe(pem('CERTIFICATE', 'me'));
      expect(String(files.credentials.keyData)).toBe(pem('PRIVATE KEY', 'key'));
      expect(files.credentials.tlsServerName).toBe('kubernetes');
      const inline = loadKubeconfig({ kubeconfig: file, context: 'inline' }, {});
      expect(String(inline.credentials.caData)).toBe('inline-ca');
      expect(inline.credentials).toMatchObject({ token: 'abc', insecureSkipTLSVerify: true });
      expect(String(inline.credentials.certData)).toBe('c');
      expect(loadKubeconfig({ kubeconfig: file, context: 'tokfile' }, {}).credentials.tokenFile).toBe(path.join(dir, 'certs', 'token'));
      expect(() => loadKubeconfig({ kubeconfig: file, context: 'half' }, {})).toThrow('user "half": a client certificate needs its key and a key its certificate');
      expect(() => loadKubeconfig({ kubeconfig: file, context: 'exec' }, {})).toThrow('user "exec": "exec" credentials are not supported');
      expect(() => loadKubeconfig({ kubeconfig: file, context: 'ghost' }, {})).toThrow('refers to user "nobody", which does not exist');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skiff up writes the CA and the client certificate inline, replacing older credentials', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-kc-creds-'));
    try {
      const p = path.join(dir, 'config');
      mergeKubeconfigContext(p, { name: 'skiff', server: 'https://127.0.0.1:6443', caPem: 'CA1', clientCertPem: 'C1', clientKeyPem: 'K1' });
      mergeKubeconfigContext(p, { name: 'skiff', server: 'https://127.0.0.1:6443', caPem: 'CA2', clientCertPem: 'C2', clientKeyPem: 'K2' });
      expect(fs.statSync(p).mode & 0o777).toBe(0o600);
      const kc = loadKubeconfig({ kubeconfig: p }, {});
      expect([String(kc.credentials.caData), String(kc.credentials.certData), String(kc.credentials.keyData)]).toEqual(['CA2', 'C2', 'K2']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
