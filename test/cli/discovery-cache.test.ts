// kctl get's discovery cache, as kubectl keeps its own: the pure parts (where the cache lives,
// which command a line names, legacy discovery documents), then the real `kctl` bin against a
// real API server over HTTPS: the cache is written, used instead of asking (a cached answer the
// server would never give is obeyed), asked afresh on a miss or when older than 6 hours, and
// get runs from its own bundle; its tables carry the objects' metadata only when printed.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandIndex, GET_BUNDLE_COMMANDS } from '../../cli/kctl/command-word.js';
import {
  cacheRoot, DISCOVERY_CACHE_FILE, DISCOVERY_CACHE_TTL_MS, discoveryCacheDir, fromLegacyDiscovery, readDiscoveryCache, resolveIn, type ResourceInfo,
} from '../../cli/kctl/discovery.js';
import { call, pod, startTestServer, type TestServer } from '../apiserver/harness.js';
import { TempDirs } from '../support/temp.js';
import { testPki } from '../support/tls.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'dist/kctl/kctl.cjs');
const temps = new TempDirs();
afterAll(() => temps.removeAll());

describe('where the discovery cache lives (kubectl computeDiscoverCacheDir)', () => {
  it('is ROOT/discovery/HOST_PORT, the scheme dropped and every other unsafe character made _', () => {
    expect(discoveryCacheDir('/h/.kube/cache', 'https://127.0.0.1:6443')).toBe('/h/.kube/cache/discovery/127.0.0.1_6443');
    expect(discoveryCacheDir('/c', 'http://localhost:8080')).toBe('/c/discovery/localhost_8080');
    // A path in the server URL stays a path; brackets, colons and dashes are not safe characters.
    expect(discoveryCacheDir('/c', 'https://[::1]:6443/k8s/clusters/c-1')).toBe('/c/discovery/___1__6443/k8s/clusters/c_1');
  });
  it('is under --cache-dir, else $KUBECACHEDIR, else ~/.kube/cache', () => {
    expect(cacheRoot('/flag', { KUBECACHEDIR: '/env', HOME: '/h' })).toBe('/flag');
    expect(cacheRoot(undefined, { KUBECACHEDIR: '/env', HOME: '/h' })).toBe('/env');
    expect(cacheRoot(undefined, { HOME: '/h' })).toBe('/h/.kube/cache');
  });
  it('is trusted only while younger than 6 hours and well-formed', () => {
    const dir = temps.make('skiff-kctl-cache-');
    const file = path.join(dir, DISCOVERY_CACHE_FILE);
    const resources: ResourceInfo[] = [{ group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: [] }];
    expect(readDiscoveryCache(file)).toBeUndefined();
    fs.writeFileSync(file, JSON.stringify({ resources }));
    const mtime = fs.statSync(file).mtimeMs;
    expect(readDiscoveryCache(file, mtime + 1000)).toEqual(resources);
    expect(readDiscoveryCache(file, mtime + DISCOVERY_CACHE_TTL_MS + 1000)).toBeUndefined();
    fs.writeFileSync(file, JSON.stringify({ resources: [{ plural: 'pods' }] }));
    expect(readDiscoveryCache(file)).toBeUndefined();
    fs.writeFileSync(file, '{not json');
    expect(readDiscoveryCache(file)).toBeUndefined();
  });
});

describe('the command word (dispatcher and launcher alike)', () => {
  it('is the first argument that is neither a global flag nor its value', () => {
    const word = (...argv: string[]) => argv[commandIndex(argv)];
    expect(word('get', 'pods')).toBe('get');
    expect(word('-n', 'shop', 'get', 'pods')).toBe('get');
    expect(word('--namespace=shop', '--as', 'jane', '--as-group', 'dev', 'events')).toBe('events');
    expect(word('--insecure-skip-tls-verify', '--cache-dir', '/c', '-s', 'https://h:6443', 'describe', 'pod', 'x')).toBe('describe');
    expect(word('--kubeconfig')).toBeUndefined();
    expect(word()).toBeUndefined();
    expect(GET_BUNDLE_COMMANDS).toEqual(['get', 'events']);
  });
});

describe('legacy discovery documents (a server without aggregated discovery)', () => {
  it('become the same resource facts, subresources folded in', () => {
    const list = fromLegacyDiscovery([
      { groupVersion: 'v1', resources: [
        { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', shortNames: ['po'], categories: ['all'] },
        { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod' },
        { name: 'nodes', singularName: '', namespaced: false, kind: 'Node', shortNames: ['no'] },
      ] },
      { groupVersion: 'apps/v1', resources: [{ name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', shortNames: ['deploy'] }] },
    ]);
    expect(list).toHaveLength(3);
    expect(resolveIn(list, 'po')).toEqual({ group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['log'] });
    expect(resolveIn(list, 'node')).toMatchObject({ plural: 'nodes', namespaced: false }); // an empty singularName is the kind in lower case
    expect(resolveIn(list, 'deploy')).toMatchObject({ group: 'apps', version: 'v1' });
  });
});

describe('kctl get with a discovery cache, against a real API server', () => {
  let srv: TestServer;
  let home: string;
  let cacheFile: string;
  beforeAll(async () => {
    srv = await startTestServer();
    expect((await call(srv.url, 'POST', '/api/v1/namespaces/default/pods', pod('cached-1'))).status).toBe(201);
    home = temps.make('skiff-kctl-home-');
    cacheFile = path.join(discoveryCacheDir(path.join(home, '.kube', 'cache'), srv.url), DISCOVERY_CACHE_FILE);
  });
  afterAll(async () => {
    await srv?.close();
  });

  const kctl = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const full = [BIN, '--server', srv.url, '--kubeconfig', testPki().kubeconfig, ...args];
      execFile(process.execPath, full, { env: { PATH: process.env.PATH, HOME: home, KCTL_CACHE_DIR: path.join(home, 'v8'), ...env } }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  const cached = () => (JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { resources: ResourceInfo[] }).resources;
  // A cache whose pods answer to a short name the server does not have: obeyed only if the cache is read.
  const poisoned = () => cached().map((r) => (r.plural === 'pods' && r.group === '' ? { ...r, shortNames: ['zz'] } : r));

  it('writes what the server said on the first run, in kubectl\'s directory for the server, from get\'s own bundle', async () => {
    const r = await kctl(['get', 'pods', '-o', 'name']);
    expect(r).toMatchObject({ code: 0, stdout: 'pod/cached-1\n' });
    expect(resolveIn(cached(), 'deploy')).toMatchObject({ group: 'apps', kind: 'Deployment' });
    expect(fs.readdirSync(path.join(home, 'v8'))).toEqual([expect.stringMatching(/^kctl-get\.bundle\.cjs-/)]);
  });

  it('resolves names from the cache on the next runs without asking', async () => {
    fs.writeFileSync(cacheFile, JSON.stringify({ resources: poisoned() }));
    const mtime = fs.statSync(cacheFile).mtimeMs;
    expect(await kctl(['get', 'zz', '-o', 'name'])).toMatchObject({ code: 0, stdout: 'pod/cached-1\n' });
    expect(fs.statSync(cacheFile).mtimeMs).toBe(mtime);
  });

  it('asks afresh when a name is not in the cached list, and keeps the new answer', async () => {
    fs.writeFileSync(cacheFile, JSON.stringify({ resources: cached().filter((r) => r.plural !== 'pods') }));
    expect(await kctl(['get', 'po', '-o', 'name'])).toMatchObject({ code: 0, stdout: 'pod/cached-1\n' });
    expect(resolveIn(cached(), 'po')).toMatchObject({ plural: 'pods' });
    // A name the server does not know either: kubectl's error, after the fresh answer.
    expect(await kctl(['get', 'nosuchkind'])).toMatchObject({ code: 1, stderr: 'error: the server doesn\'t have a resource type "nosuchkind"\n' });
  });

  it('asks afresh when the cache is older than 6 hours', async () => {
    fs.writeFileSync(cacheFile, JSON.stringify({ resources: poisoned() }));
    const old = new Date(Date.now() - DISCOVERY_CACHE_TTL_MS - 60_000);
    fs.utimesSync(cacheFile, old, old);
    expect(await kctl(['get', 'zz'])).toMatchObject({ code: 1, stderr: 'error: the server doesn\'t have a resource type "zz"\n' });
    expect(resolveIn(cached(), 'zz')).toBeUndefined();
    expect(Date.now() - fs.statSync(cacheFile).mtimeMs).toBeLessThan(DISCOVERY_CACHE_TTL_MS);
  });

  it('lives under --cache-dir or $KUBECACHEDIR when given', async () => {
    const flagDir = temps.make('skiff-kctl-cachedir-');
    const envDir = temps.make('skiff-kctl-kubecachedir-');
    expect((await kctl(['get', 'pods', '--cache-dir', flagDir, '-o', 'name'], { KUBECACHEDIR: envDir })).code).toBe(0);
    expect(fs.existsSync(path.join(discoveryCacheDir(flagDir, srv.url), DISCOVERY_CACHE_FILE))).toBe(true);
    expect(fs.readdirSync(envDir)).toEqual([]);
    expect((await kctl(['get', 'pods', '-o', 'name'], { KUBECACHEDIR: envDir })).code).toBe(0);
    expect(fs.existsSync(path.join(discoveryCacheDir(envDir, srv.url), DISCOVERY_CACHE_FILE))).toBe(true);
  });

  it('prints namespaces and labels from the rows\' objects only when asked, and the same columns either way', async () => {
    const plain = await kctl(['get', 'pods']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE\ncached-1 +0\/1 +Pending +0 +\S+\n$/);
    const both = await kctl(['get', 'pods', '-A', '--show-labels']);
    expect(both.code).toBe(0);
    expect(both.stdout).toMatch(/^NAMESPACE +NAME +READY +STATUS +RESTARTS +AGE +LABELS\ndefault +cached-1 +0\/1 +Pending +0 +\S+ +<none>\n$/);
    await call(srv.url, 'PATCH', '/api/v1/namespaces/default/pods/cached-1', { metadata: { labels: { tier: 'web' } } }, { 'Content-Type': 'application/merge-patch+json' });
    expect((await kctl(['get', 'pod', 'cached-1', '--show-labels'])).stdout).toMatch(/ tier=web\n$/);
  });

  it('events --for resolves its kind through discovery', async () => {
    const ev = {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'cached-1.x', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'cached-1', namespace: 'default' }, reason: 'Tested', message: 'hello', type: 'Normal',
    };
    expect((await call(srv.url, 'POST', '/api/v1/namespaces/default/events', ev)).status).toBe(201);
    const r = await kctl(['events', '--for', 'po/cached-1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('hello');
    expect(await kctl(['events', '--for', 'nosuchkind/x'])).toMatchObject({ code: 1, stderr: 'error: the server doesn\'t have a resource type "nosuchkind"\n' });
  });
});
