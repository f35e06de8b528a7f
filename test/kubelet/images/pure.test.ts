// Pure parts of the image service: reference normalisation, auth challenges and docker
// config credentials, platform selection, and how an image config meets a container spec.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialsFor, parseChallenges } from '../../../kubelet/images/auth.js';
import { containerArgv, containerEnv, containerWorkingDir, resolveUser } from '../../../kubelet/images/image-config.js';
import { MEDIA, nodePlatform, selectPlatform, type ImageIndex } from '../../../kubelet/images/manifest.js';
import { dockerConfigsFromSecrets, pulledMessage, registryAuthHeader } from '../../../kubelet/images/pull-secrets.js';
import { parseReference } from '../../../kubelet/images/reference.js';
import { podSecretNames } from '../../../kubelet/pod-references.js';
import type { Pod, Secret } from '../../../api/core/index.js';
import { isLoopbackRegistry } from '../../../kubelet/images/registry-client.js';

const D = (c: string) => 'sha256:' + c.repeat(64);

describe('image references (Docker normalisation)', () => {
  it.each([
    ['redis', 'docker.io', 'library/redis', 'latest', 'docker.io/library/redis:latest'],
    ['redis:7-alpine', 'docker.io', 'library/redis', '7-alpine', 'docker.io/library/redis:7-alpine'],
    ['team/api:1.4', 'docker.io', 'team/api', '1.4', 'docker.io/team/api:1.4'],
    ['index.docker.io/library/busybox', 'docker.io', 'library/busybox', 'latest', 'docker.io/library/busybox:latest'],
    ['host:5000/a/b:t', 'host:5000', 'a/b', 't', 'host:5000/a/b:t'],
    ['localhost/app', 'localhost', 'app', 'latest', 'localhost/app:latest'],
    ['registry.example.com/team/api', 'registry.example.com', 'team/api', 'latest', 'registry.example.com/team/api:latest'],
    ['127.0.0.1:5000/test/busybox:1', '127.0.0.1:5000', 'test/busybox', '1', '127.0.0.1:5000/test/busybox:1'],
  ])('%s', (ref, registry, repository, tag, canonical) => {
    expect(parseReference(ref)).toMatchObject({ registry, repository, tag, canonical });
  });

  it('digests pin the image; a tag beside one is kept but the digest is the key', () => {
    const r = parseReference(`busybox:1@${D('a')}`);
    expect(r).toMatchObject({ repository: 'library/busybox', tag: '1', digest: D('a'), canonical: `docker.io/library/busybox@${D('a')}` });
    expect(parseReference(`h:5000/x@${D('b')}`).tag).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['Redis', /repository component "Redis"/],
    ['a/b:', /tag "" is not valid/],
    ['a@sha256:xyz', /digest "sha256:xyz"/],
    ['a//b', /repository component ""/],
    ['-a', /repository component "-a"/],
  ])('refuses %j', (ref, msg) => {
    expect(() => parseReference(ref)).toThrow(msg);
  });

  it('loopback registries are plain HTTP, as Docker treats them', () => {
    expect(isLoopbackRegistry('localhost:5000')).toBe(true);
    expect(isLoopbackRegistry('127.0.0.1:41234')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('registry.example.com')).toBe(false);
  });
});

describe('auth', () => {
  it('parses bearer and basic challenges with quoted commas', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/redis:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/redis:pull,push' } },
    ]);
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    expect(parseChallenges('Basic realm="a", Bearer realm="b",service=s')).toEqual([
      { scheme: 'basic', params: { realm: 'a' } },
      { scheme: 'bearer', params: { realm: 'b', service: 's' } },
    ]);
  });

  it('finds credentials in docker config JSON by registry, Docker Hub under any of its names', () => {
    const auth = (u: string, p: string) => ({ auth: Buffer.from(`${u}:${p}`).toString('base64') });
    const cfgs = [
      { auths: { 'h:5000': auth('alice', 'pa:ss'), 'https://index.docker.io/v1/': auth('hub', 'x') } },
      { auths: { 'https://h:5000/v2/': { username: 'bob', password: 'b' } } },
    ];
    expect(credentialsFor('h:5000', cfgs)).toEqual([{ username: 'alice', password: 'pa:ss' }, { username: 'bob', password: 'b' }]);
    expect(credentialsFor('docker.io', cfgs)).toEqual([{ username: 'hub', password: 'x' }]);
    expect(credentialsFor('other:5000', cfgs)).toEqual([]);
  });
});

describe('platform selection', () => {
  const idx = (platforms: [string, string, string?][]): ImageIndex => ({
    schemaVersion: 2,
    mediaType: MEDIA.ociIndex,
    manifests: platforms.map(([os, architecture, variant], i) => ({ mediaType: MEDIA.ociManifest, digest: D(String(i)), size: 1, platform: { os, architecture, ...(variant ? { variant } : {}) } })),
  });

  it('maps process.arch to OCI words', () => {
    expect(nodePlatform('x64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(nodePlatform('arm64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
  });

  it('picks the node\'s os/arch, exact variant first; none when absent', () => {
    const i = idx([['linux', 'arm', 'v6'], ['linux', 'arm64'], ['windows', 'amd64'], ['linux', 'amd64'], ['linux', 'arm', 'v7']]);
    expect(selectPlatform(i, nodePlatform('x64'))?.digest).toBe(D('3'));
    expect(selectPlatform(i, nodePlatform('arm64'))?.digest).toBe(D('1'));
    expect(selectPlatform(i, nodePlatform('arm'))?.digest).toBe(D('4'));
    expect(selectPlatform(idx([['linux', 'arm64'], ['windows', 'amd64']]), nodePlatform('x64'))).toBeUndefined();
  });
});

describe('image config meets the container spec', () => {
  const img = { config: { Entrypoint: ['/ep'], Cmd: ['c1', 'c2'], Env: ['PATH=/img/bin', 'A=img', 'EQ=x=y'], WorkingDir: '/srv' } };

  it('the four command/args cases of the Kubernetes docs', () => {
    expect(containerArgv(img, [], [])).toEqual(['/ep', 'c1', 'c2']);
    expect(containerArgv(img, ['/cmd'], [])).toEqual(['/cmd']);
    expect(containerArgv(img, [], ['a1'])).toEqual(['/ep', 'a1']);
    expect(containerArgv(img, ['/cmd'], ['a1'])).toEqual(['/cmd', 'a1']);
    expect(containerArgv({ config: { Cmd: ['sh'] } }, [], [])).toEqual(['sh']);
  });

  it('Env merged under the pod\'s; WorkingDir unless the pod sets one', () => {
    expect(containerEnv(img, { A: 'pod' })).toEqual({ PATH: '/img/bin', A: 'pod', EQ: 'x=y' });
    expect(containerWorkingDir(img, undefined)).toBe('/srv');
    expect(containerWorkingDir(img, '/w')).toBe('/w');
  });

  it('User: numeric, names from the image\'s /etc/passwd and /etc/group, never the node\'s', () => {
    const root = mkdtempSync(join(tmpdir(), 'skiff-user-'));
    try {
      mkdirSync(join(root, 'etc'));
      writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n');
      writeFileSync(join(root, 'etc/group'), 'root:x:0:\nstaff:x:50:\n');
      expect(resolveUser(undefined, root)).toBeUndefined();
      expect(resolveUser('app', root)).toEqual({ uid: 1000, gid: 1001 });
      expect(resolveUser('1000', root)).toEqual({ uid: 1000, gid: 1001 });
      expect(resolveUser('4242', root)).toEqual({ uid: 4242, gid: 0 });
      expect(resolveUser('app:staff', root)).toEqual({ uid: 1000, gid: 50 });
      expect(resolveUser('7:8', root)).toEqual({ uid: 7, gid: 8 });
      expect(() => resolveUser('nobody-here', root)).toThrow('unable to find user nobody-here');
      rmSync(join(root, 'etc/passwd'));
      symlinkSync('../../../../etc/passwd', join(root, 'etc/passwd'));
      expect(() => resolveUser('root', root)).toThrow('unable to find user root');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('imagePullSecrets', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');
  it('reads dockerconfigjson and legacy dockercfg Secrets, ignores other types', () => {
    const secrets: Secret[] = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64({ auths: { 'h:1': { auth: 'eDp5' } } }) } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b' }, type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64({ 'h:2': { auth: 'eDp5' } }) } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c' }, type: 'Opaque', data: { '.dockerconfigjson': b64({ auths: {} }) } },
    ];
    const cfgs = dockerConfigsFromSecrets(secrets);
    expect(cfgs).toHaveLength(2);
    expect(credentialsFor('h:1', cfgs)).toEqual([{ username: 'x', password: 'y' }]);
    expect(credentialsFor('h:2', cfgs)).toEqual([{ username: 'x', password: 'y' }]);
  });

  it('the secret manager watches a pod\'s imagePullSecrets (VisitPodSecretNames)', () => {
    const pod = { metadata: { name: 'p' }, spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'c' }] } } as unknown as Pod;
    expect([...podSecretNames(pod)]).toEqual(['regcred']);
  });

  it('the Pulled event reads like the kubelet\'s', () => {
    expect(pulledMessage('r:1', 1234, 1500, 42)).toBe('Successfully pulled image "r:1" in 1.234s (1.5s including waiting). Image size: 42 bytes.');
  });
});

describe('registryAuthHeader (the docker runtime\'s X-Registry-Auth)', () => {
  it('the first credentials for the image\'s registry, base64url JSON; none for another registry', () => {
    const cfg = { auths: { 'registry.example.com': { auth: Buffer.from('alice:s3cret').toString('base64') } } };
    const header = registryAuthHeader('registry.example.com/team/api:1.4', [cfg]);
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString('utf8'))).toEqual({ username: 'alice', password: 's3cret', serveraddress: 'registry.example.com' });
    expect(registryAuthHeader('quay.io/team/api:1', [cfg])).toBeUndefined();
    expect(registryAuthHeader('Not A Reference', [cfg])).toBeUndefined();
  });
});
