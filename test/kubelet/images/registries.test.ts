// registries.yaml (k3s's format): parsing with errors that name the field, mirror endpoints
// in order then the registry itself, "*" for any registry, repository rewrites, credentials
// per host; and pulls through mirrors from real registries (one down, one with basic auth).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageService } from '../../../kubelet/images/image-service.js';
import { configCredentials, endpointsFor, parseRegistries, unsupportedTls } from '../../../kubelet/images/registries.js';
import { ImagePullError } from '../../../kubelet/runtime/interface.js';
import { busyboxLayer, freePort, haveHtpasswd, haveRegistry, image, push, startRegistry, type Registry } from './registry.js';

describe('registries.yaml (pure)', () => {
  const cfg = parseRegistries(`
mirrors:
  docker.io:
    endpoint: ["http://127.0.0.1:5000", "https://mirror.example.com/v2"]
    rewrite:
      "^library/(.*)": "hub/$1"
  "*":
    endpoint: ["https://any.example.com"]
configs:
  mirror.example.com:
    auth: {username: alice, password: s3cret}
  other.example.com:
    auth: {auth: ${Buffer.from('bob:pw:with:colons').toString('base64')}}
    tls: {ca_file: /etc/ca.pem}
`);

  it('mirror endpoints in order (rewritten repository), then the registry itself', () => {
    expect(endpointsFor(cfg, 'docker.io', 'library/redis', false)).toEqual([
      { base: 'http://127.0.0.1:5000', host: '127.0.0.1:5000', repository: 'hub/redis', upstream: false },
      { base: 'https://mirror.example.com', host: 'mirror.example.com', repository: 'hub/redis', upstream: false },
      { base: 'https://registry-1.docker.io', host: 'docker.io', repository: 'library/redis', upstream: true },
    ]);
    expect(endpointsFor(cfg, 'quay.io', 'a/b', false).map((e) => e.base)).toEqual(['https://any.example.com', 'https://quay.io']);
    expect(endpointsFor(parseRegistries(''), 'localhost:5000', 'a', true)).toEqual([{ base: 'http://localhost:5000', host: 'localhost:5000', repository: 'a', upstream: true }]);
  });

  it('credentials per host: username/password or base64 auth; TLS it cannot apply is named', () => {
    expect(configCredentials(cfg, 'mirror.example.com')).toEqual([{ username: 'alice', password: 's3cret' }]);
    expect(configCredentials(cfg, 'other.example.com')).toEqual([{ username: 'bob', password: 'pw:with:colons' }]);
    expect(configCredentials(cfg, 'nobody.example.com')).toEqual([]);
    expect(unsupportedTls(cfg)).toEqual(['other.example.com']);
  });

  it('errors name the file and the field', () => {
    expect(() => parseRegistries('mirrors: [', 'r.yaml')).toThrow(/^r\.yaml: not YAML/);
    expect(() => parseRegistries('mirrors:\n  docker.io:\n    endpoints: [x]\n', 'r.yaml')).toThrow(/^r\.yaml: mirrors\.docker\.io: .*endpoints/);
    expect(() => parseRegistries('mirrors:\n  docker.io:\n    endpoint: ["ftp://x"]\n', 'r.yaml')).toThrow('r.yaml: mirrors.docker.io.endpoint: "ftp://x" must be http:// or https://');
    expect(() => parseRegistries('configs:\n  h:\n    auth: {username: 1}\n', 'r.yaml')).toThrow(/^r\.yaml: configs\.h\.auth\.username: /);
  });
});

describe.skipIf(!haveRegistry || !haveHtpasswd)('pulling through mirrors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-mirrors-'));
  let priv: Registry;
  beforeAll(async () => {
    priv = await startRegistry(join(dir, 'private'), { htpasswd: { user: 'alice', password: 's3cret' } });
    await push(priv.host, 'mirrored/app', '1', image([await busyboxLayer()], { Cmd: ['/bin/true'] }), 'Basic ' + Buffer.from('alice:s3cret').toString('base64'));
  }, 60_000);
  afterAll(async () => {
    await priv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a registry that does not exist is pulled from its mirror (past one that is down), with the mirror\'s credentials and rewrite', async () => {
    const down = `127.0.0.1:${await freePort()}`;
    const registries = parseRegistries(`
mirrors:
  registry.invalid:
    endpoint: ["http://${down}", "http://${priv.host}"]
    rewrite: {"^team/(.*)": "mirrored/$1"}
configs:
  "${priv.host}":
    auth: {username: alice, password: s3cret}
`);
    const svc = new ImageService({ root: join(dir, 'store'), registries, timeoutMs: 5000 });
    const got = await svc.ensure('registry.invalid/team/app:1', { policy: 'IfNotPresent' });
    expect(got.image.repoDigest).toMatch(/^registry\.invalid\/team\/app@sha256:[a-f0-9]{64}$/);
    expect(svc.lookup('registry.invalid/team/app:1')?.id).toBe(got.image.id);

    // Without the credentials the mirror refuses, and the registry itself cannot be reached: every failure is named.
    const bare = new ImageService({ root: join(dir, 'store2'), registries: parseRegistries(`mirrors:\n  registry.invalid:\n    endpoint: ["http://${down}", "http://${priv.host}"]\n    rewrite: {"^team/(.*)": "mirrored/$1"}\n`), timeoutMs: 5000 });
    const err = await bare.ensure('registry.invalid/team/app:1', { policy: 'IfNotPresent' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImagePullError);
    const msg = (err as Error).message;
    expect(msg).toContain('GET https://registry.invalid/v2/team/app/manifests/1');
    expect(msg).toContain(`mirror http://${down}: GET http://${down}/v2/mirrored/app/manifests/1: ECONNREFUSED`);
    expect(msg).toContain(`mirror http://${priv.host}: unauthorized: registry ${priv.host} requires credentials`);
  });
});
