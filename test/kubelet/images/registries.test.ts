// registries.yaml (k3s's format): parsing with errors that name the field, mirror endpoints
// in order then the registry itself, "*" for any registry, repository rewrites, credentials
// per host; and pulls through mirrors from real registries (one down, one with basic auth).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageService } from '../../../kubelet/images/image-service.js';
import { configCredentials, endpointsFor, parseRegistries, tlsFor, tlsProblems } from '../../../kubelet/images/registries.js';
import { testPki } from '../../support/tls.js';
import { ImagePullError } from '../../../kubelet/runtime/interface.js';
import { busyboxLayer, freePort, haveHtpasswd, haveRegistry, image, push, startRegistry, type Registry, type RegistryTlsFiles } from './registry.js';

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

  it('credentials per host: username/password or base64 auth; TLS files read per host, an unreadable one named', () => {
    expect(configCredentials(cfg, 'mirror.example.com')).toEqual([{ username: 'alice', password: 's3cret' }]);
    expect(configCredentials(cfg, 'other.example.com')).toEqual([{ username: 'bob', password: 'pw:with:colons' }]);
    expect(configCredentials(cfg, 'nobody.example.com')).toEqual([]);
    expect(tlsFor(cfg, 'mirror.example.com')).toBeUndefined();
    expect(() => tlsFor(cfg, 'other.example.com')).toThrow('registries.yaml: configs."other.example.com".tls.ca_file: cannot read /etc/ca.pem (ENOENT)');
    expect(tlsProblems(cfg)).toEqual(['registries.yaml: configs."other.example.com".tls.ca_file: cannot read /etc/ca.pem (ENOENT)']);
    const pki = testPki();
    const files = parseRegistries(`configs:\n  "r:5000":\n    tls: {ca_file: ${pki.caFile}, cert_file: ${pki.admin.certFile}, key_file: ${pki.admin.keyFile}, insecure_skip_verify: true}\n`);
    expect(tlsFor(files, 'r:5000')).toEqual({ ca: pki.caPem, cert: pki.admin.certPem, key: pki.admin.keyPem, insecureSkipVerify: true });
  });

  it('errors name the file and the field', () => {
    expect(() => parseRegistries('mirrors: [', 'r.yaml')).toThrow(/^r\.yaml: not YAML/);
    expect(() => parseRegistries('mirrors:\n  docker.io:\n    endpoints: [x]\n', 'r.yaml')).toThrow(/^r\.yaml: mirrors\.docker\.io: .*endpoints/);
    expect(() => parseRegistries('mirrors:\n  docker.io:\n    endpoint: ["ftp://x"]\n', 'r.yaml')).toThrow('r.yaml: mirrors.docker.io.endpoint: "ftp://x" must be http:// or https://');
    expect(() => parseRegistries('configs:\n  h:\n    auth: {username: 1}\n', 'r.yaml')).toThrow(/^r\.yaml: configs\.h\.auth\.username: /);
    expect(() => parseRegistries('configs:\n  h:\n    tls: {cert_file: /c.pem}\n', 'r.yaml')).toThrow('r.yaml: configs.h.tls: cert_file and key_file go together (a client certificate and its key)');
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

describe.skipIf(!haveRegistry)('a registry over TLS (configs.HOST.tls)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-registry-tls-'));
  const regs: Registry[] = [];
  let img: ReturnType<typeof image>;
  /** The same registry data served over TLS (pushed to first over plain HTTP: the test pusher speaks only that). */
  const serveTls = async (tls: RegistryTlsFiles) => {
    const r = await startRegistry(join(dir, 'reg'), { tls });
    regs.push(r);
    return r;
  };
  beforeAll(async () => {
    const plain = await startRegistry(join(dir, 'reg'));
    img = image([await busyboxLayer()], { Cmd: ['/bin/true'] });
    await push(plain.host, 'secure/app', '1', img);
    await plain.stop();
  }, 60_000);
  afterAll(async () => {
    for (const r of regs) await r.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const pull = (host: string, tlsYaml: string, store: string) =>
    new ImageService({ root: join(dir, store), registries: parseRegistries(`configs:\n  "${host}":\n    tls: ${tlsYaml}\n`), timeoutMs: 10_000 }).ensure(`${host}/secure/app:1`, { policy: 'IfNotPresent' });

  it('an unknown CA is refused saying so; with ca_file (or insecure_skip_verify) the pull works', async () => {
    const pki = testPki();
    const reg = await serveTls({ certFile: pki.serving.certFile, keyFile: pki.serving.keyFile });
    // A tls entry makes a loopback registry HTTPS; the system roots do not know the test CA.
    const err = await pull(reg.host, '{}', 'no-ca').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImagePullError);
    expect((err as Error).message).toBe(
      `GET https://${reg.host}/v2/secure/app/manifests/1: tls: certificate signed by unknown authority (UNABLE_TO_VERIFY_LEAF_SIGNATURE; give the registry's CA as configs."${reg.host}".tls.ca_file in registries.yaml)`,
    );
    const got = await pull(reg.host, `{ca_file: ${pki.caFile}}`, 'with-ca');
    expect(got.image.id).toBe(img.config.digest);
    expect((await pull(reg.host, '{insecure_skip_verify: true}', 'skip')).image.id).toBe(img.config.digest);
  });

  it('a registry that wants a client certificate gets the one cert_file/key_file name', async () => {
    const pki = testPki();
    const reg = await serveTls({ certFile: pki.serving.certFile, keyFile: pki.serving.keyFile, clientCaFile: pki.caFile });
    const err = await pull(reg.host, `{ca_file: ${pki.caFile}}`, 'no-cert').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImagePullError);
    expect((err as Error).message).toBe(
      `GET https://${reg.host}/v2/secure/app/manifests/1: tls: the registry refused the handshake (alert bad certificate; does it want a client certificate? configs."${reg.host}".tls.cert_file and key_file in registries.yaml)`,
    );
    const got = await pull(reg.host, `{ca_file: ${pki.caFile}, cert_file: ${pki.admin.certFile}, key_file: ${pki.admin.keyFile}}`, 'with-cert');
    expect(got.image.id).toBe(img.config.digest);
  });
});
