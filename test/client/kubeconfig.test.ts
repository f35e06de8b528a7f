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
