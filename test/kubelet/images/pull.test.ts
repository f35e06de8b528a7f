// The image service against a real registry (Debian's docker-registry): pull by tag and by
// digest, platform selection from an index, layers shared between images, a tampered blob
// and a hostile layer refused (nothing corrupt kept, nothing written outside), basic auth
// with credentials from a docker config, a bearer-token challenge, and a registry that is down.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageService } from '../../../kubelet/images/image-service.js';
import { ImageNeverPullError, ImagePullError } from '../../../kubelet/runtime/interface.js';
import { busyboxLayer, dockerArchive, freePort, haveHtpasswd, haveRegistry, haveSkopeo, image, index, layer, push, startRegistry, type Registry } from './registry.js';

const dirs: string[] = [];
const temp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), `skiff-images-${p}-`));
  dirs.push(d);
  return d;
};
const service = () => new ImageService({ root: temp('store') });
const pullError = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ImagePullError);
    return err as Error;
  }
  throw new Error('the pull succeeded');
};

describe.skipIf(!haveRegistry)('pulling from a real registry', () => {
  let reg: Registry;
  let base: Awaited<ReturnType<typeof busyboxLayer>>;
  beforeAll(async () => {
    reg = await startRegistry(temp('registry'));
    base = await busyboxLayer();
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('pulls by tag and by digest, verifies and unpacks every layer, and the image runs', async () => {
    const app = await layer([{ name: 'app/hello.txt', body: 'hello from layer 2\n' }, { name: 'etc/.wh.group' }]);
    const img = image([base, app], { Entrypoint: ['/bin/echo'], Cmd: ['hi'], Env: ['A=1'], WorkingDir: '/app' });
    await push(reg.host, 'test/busybox', '1', img);
    const svc = service();
    const byTag = await svc.ensure(`${reg.host}/test/busybox:1`, { policy: 'IfNotPresent' });
    expect(byTag.pulled).toBe(true);
    expect(byTag.image.id).toBe(img.config.digest);
    expect(byTag.image.repoDigest).toBe(`${reg.host}/test/busybox@${img.manifest.digest}`);
    expect(byTag.image.size).toBe(img.config.size + base.size + app.size);
    expect(byTag.image.config.config).toMatchObject({ Entrypoint: ['/bin/echo'], Cmd: ['hi'], WorkingDir: '/app' });
    const rootfs = byTag.image.rootfs;
    expect(readFileSync(join(rootfs, 'app/hello.txt'), 'utf8')).toBe('hello from layer 2\n');
    expect(existsSync(join(rootfs, 'etc/group'))).toBe(false); // the whiteout of layer 2
    expect(statSync(join(rootfs, 'bin/sh')).ino).toBe(statSync(join(rootfs, 'bin/busybox')).ino);
    expect(execFileSync(join(rootfs, 'bin/busybox'), ['echo', 'hi'], { encoding: 'utf8' })).toBe('hi\n');
    // Present now: IfNotPresent does not pull again; Never finds it.
    expect((await svc.ensure(`${reg.host}/test/busybox:1`, { policy: 'IfNotPresent' })).pulled).toBe(false);
    expect((await svc.ensure(`${reg.host}/test/busybox:1`, { policy: 'Never' })).image.id).toBe(img.config.digest);
    // By digest, into a fresh store.
    const byDigest = await service().ensure(`${reg.host}/test/busybox@${img.manifest.digest}`, { policy: 'IfNotPresent' });
    expect(byDigest.image.id).toBe(img.config.digest);
  });

  it('Never with the image absent is ErrImageNeverPull; an unknown tag carries the registry\'s error', async () => {
    const svc = service();
    await expect(svc.ensure(`${reg.host}/test/busybox:nope`, { policy: 'Never' })).rejects.toBeInstanceOf(ImageNeverPullError);
    const err = await pullError(svc.ensure(`${reg.host}/test/busybox:nope`, { policy: 'IfNotPresent' }));
    expect(err.message).toMatch(/404 Not Found \(MANIFEST_UNKNOWN: manifest unknown\)/);
  });

  it('two images with one base layer store it once', async () => {
    const a = image([base, await layer([{ name: 'a', body: 'a' }])]);
    const b = image([base, await layer([{ name: 'b', body: 'b' }])]);
    await push(reg.host, 'test/a', '1', a);
    await push(reg.host, 'test/b', '1', b);
    const svc = service();
    await svc.ensure(`${reg.host}/test/a:1`, { policy: 'IfNotPresent' });
    await svc.ensure(`${reg.host}/test/b:1`, { policy: 'IfNotPresent' });
    const blobs = svc.blobs.list().sort();
    // two configs, the shared base, two top layers (manifests are not kept as blobs)
    expect(blobs).toEqual([a.config.digest, b.config.digest, base.digest, a.layers[1]!.digest, b.layers[1]!.digest].sort());
  });

  it('lists images with their names and removes one, keeping the blobs another image shares', async () => {
    const a = image([base, await layer([{ name: 'a', body: 'a' }])]);
    const b = image([base, await layer([{ name: 'b', body: 'b' }])]);
    await push(reg.host, 'test/gc-a', '1', a);
    await push(reg.host, 'test/gc-b', '1', b);
    const svc = service();
    const pa = (await svc.ensure(`${reg.host}/test/gc-a:1`, { policy: 'IfNotPresent' })).image;
    await svc.ensure(`${reg.host}/test/gc-b:1`, { policy: 'IfNotPresent' });
    const listed = svc.list().sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(listed).toEqual(
      [
        { id: a.config.digest, repoTags: [`${reg.host}/test/gc-a:1`], repoDigests: [`${reg.host}/test/gc-a@${a.manifest.digest}`], sizeBytes: a.config.size + base.size + a.layers[1]!.size },
        { id: b.config.digest, repoTags: [`${reg.host}/test/gc-b:1`], repoDigests: [`${reg.host}/test/gc-b@${b.manifest.digest}`], sizeBytes: b.config.size + base.size + b.layers[1]!.size },
      ].sort((x, y) => (x.id < y.id ? -1 : 1)),
    );
    svc.remove(a.config.digest);
    expect(svc.list().map((i) => i.id)).toEqual([b.config.digest]);
    expect(svc.lookup(`${reg.host}/test/gc-a:1`)).toBeUndefined();
    expect(existsSync(pa.rootfs)).toBe(false);
    expect(svc.blobs.list().sort()).toEqual([b.config.digest, base.digest, b.layers[1]!.digest].sort());
    // b still runs from what is left; a pulls again (its base not fetched twice).
    expect(existsSync(join(svc.lookup(`${reg.host}/test/gc-b:1`)!.rootfs, 'b'))).toBe(true);
    expect((await svc.ensure(`${reg.host}/test/gc-a:1`, { policy: 'IfNotPresent' })).pulled).toBe(true);
    const fs = svc.fsStats();
    expect(fs.capacityBytes).toBeGreaterThan(0);
    expect(fs.availableBytes).toBeLessThanOrEqual(fs.capacityBytes);
  });

  it('picks linux/amd64 from an index; an index without it is refused naming the platforms', async () => {
    const amd = image([await layer([{ name: 'arch', body: 'amd64' }])], {}, 'amd64');
    const arm = image([await layer([{ name: 'arch', body: 'arm64' }])], {}, 'arm64');
    await push(reg.host, 'test/multi', '1', { index: index([{ image: arm, os: 'linux', architecture: 'arm64' }, { image: amd, os: 'linux', architecture: 'amd64' }]), images: [arm, amd] });
    await push(reg.host, 'test/armonly', '1', { index: index([{ image: arm, os: 'linux', architecture: 'arm64' }]), images: [arm] });
    const svc = new ImageService({ root: temp('store'), platform: { os: 'linux', architecture: 'amd64' } });
    const got = await svc.ensure(`${reg.host}/test/multi:1`, { policy: 'IfNotPresent' });
    expect(readFileSync(join(got.image.rootfs, 'arch'), 'utf8')).toBe('amd64');
    const err = await pullError(svc.ensure(`${reg.host}/test/armonly:1`, { policy: 'IfNotPresent' }));
    expect(err.message).toContain('no matching manifest for linux/amd64 in the manifest list entries');
    expect(err.message).toContain('it has linux/arm64');
  });

  it('a blob tampered with in the registry is refused naming its digest; nothing of it is kept; a later good pull works', async () => {
    const top = await layer([{ name: 'data', body: 'x'.repeat(5000) }]);
    const img = image([base, top]);
    await push(reg.host, 'test/tampered', '1', img);
    const path = reg.blobPath(top.digest);
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[bad.length - 10] ^= 0xff;
    writeFileSync(path, bad);
    const svc = service();
    const err = await pullError(svc.ensure(`${reg.host}/test/tampered:1`, { policy: 'IfNotPresent' }));
    expect(err.message).toContain(`blob ${top.digest}: content has digest sha256:`);
    expect(svc.blobs.has(top.digest)).toBe(false);
    expect(readdirSync(svc.blobs.tmpDir)).toEqual([]);
    expect(svc.lookup(`${reg.host}/test/tampered:1`)).toBeUndefined();
    writeFileSync(path, good);
    const ok = await svc.ensure(`${reg.host}/test/tampered:1`, { policy: 'IfNotPresent' });
    expect(readFileSync(join(ok.image.rootfs, 'data'), 'utf8')).toBe('x'.repeat(5000));
  });

  it('a hostile layer is refused: no rootfs, nothing written outside the store', async () => {
    const victimDir = temp('victim');
    const evil = await layer([
      { name: 'esc', type: 'symlink', linkname: '../'.repeat(12) + victimDir.slice(1) },
      { name: 'esc/pwned', body: 'x' },
    ]);
    await push(reg.host, 'test/evil', '1', image([base, evil]));
    const svc = service();
    const err = await pullError(svc.ensure(`${reg.host}/test/evil:1`, { policy: 'IfNotPresent' }));
    expect(err.message).toBe(`layer ${evil.digest}: entry "esc/pwned" leads out of the root through a symlink`);
    expect(readdirSync(victimDir)).toEqual([]);
    expect(readdirSync(join(svc.blobs.root, 'rootfs'))).toEqual([]);
  });

  it('a download cut mid-blob and a registry answering 500: clear errors, nothing partial kept', async () => {
    const top = await layer([{ name: 'big', body: randomBytes(300_000) }]); // incompressible: the blob is big
    await push(reg.host, 'test/cut', '1', image([base, top]));
    let mode: 'cut' | '500' = 'cut';
    // A proxy in front of the registry that misbehaves on the top layer.
    const server: Server = createServer((req, res) => {
      if (req.url!.includes(top.digest)) {
        if (mode === '500') {
          res.statusCode = 500;
          res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'storage backend down' }] }));
          return;
        }
        res.writeHead(200, { 'content-length': String(top.size) });
        res.write(top.data.subarray(0, 1000));
        setTimeout(() => res.socket?.destroy(), 50);
        return;
      }
      request(`http://${reg.host}${req.url}`, { headers: { accept: req.headers.accept ?? '*/*' } }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      }).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const ref = `127.0.0.1:${(server.address() as { port: number }).port}/test/cut:1`;
      const svc = service();
      const cut = await pullError(svc.ensure(ref, { policy: 'IfNotPresent' }));
      expect(cut.message).toMatch(new RegExp(`^blob ${top.digest}: download failed after a partial transfer`));
      expect(svc.blobs.has(top.digest)).toBe(false);
      expect(readdirSync(svc.blobs.tmpDir)).toEqual([]);
      mode = '500';
      const e500 = await pullError(svc.ensure(ref, { policy: 'IfNotPresent' }));
      expect(e500.message).toMatch(/500 Internal Server Error \(UNKNOWN: storage backend down\)$/);
      expect(svc.lookup(ref)).toBeUndefined();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('a registry that is down is a clear error', async () => {
    const port = await freePort();
    const err = await pullError(service().ensure(`127.0.0.1:${port}/x/y:1`, { policy: 'IfNotPresent' }));
    expect(err.message).toBe(`GET http://127.0.0.1:${port}/v2/x/y/manifests/1: ECONNREFUSED`);
  });

  it('a bearer-token challenge: the token server is asked with the pull scope, then the registry with the token', async () => {
    await push(reg.host, 'test/bearer', '1', image([base]));
    const scopes: string[] = [];
    const seen: string[] = [];
    // A token server and a gate in front of the registry that wants its tokens.
    const server: Server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/token') {
        scopes.push(`${url.searchParams.get('service')} ${url.searchParams.get('scope')} ${req.headers.authorization ?? '-'}`);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ token: 'tok-' + url.searchParams.get('scope') }));
        return;
      }
      seen.push(req.headers.authorization ?? '-');
      if (req.headers.authorization !== 'Bearer tok-repository:test/bearer:pull') {
        res.statusCode = 401;
        res.setHeader('www-authenticate', `Bearer realm="http://${req.headers.host}/token",service="skiff-test",scope="repository:test/bearer:pull"`);
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      const up = request(`http://${reg.host}${req.url}`, { headers: { accept: req.headers.accept ?? '*/*' } }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      up.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const cfg = { auths: { [`127.0.0.1:${port}`]: { username: 'u', password: 'p' } } };
      const got = await service().ensure(`127.0.0.1:${port}/test/bearer:1`, { policy: 'IfNotPresent', dockerConfigs: [cfg] });
      expect(existsSync(join(got.image.rootfs, 'bin/busybox'))).toBe(true);
      expect(scopes[0]).toBe(`skiff-test repository:test/bearer:pull Basic ${Buffer.from('u:p').toString('base64')}`);
      expect(scopes.length).toBe(1); // the token is reused for the config and layers
      expect(seen.filter((s) => s === '-').length).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe.skipIf(!haveRegistry || !haveHtpasswd)('a registry with basic auth (htpasswd)', () => {
  let reg: Registry;
  beforeAll(async () => {
    reg = await startRegistry(temp('registry-auth'), { htpasswd: { user: 'alice', password: 's3cret' } });
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('refuses an anonymous pull and a wrong password; pulls with the credentials of a docker config', async () => {
    const basic = (u: string, p: string) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');
    await push(reg.host, 'private/app', '2', image([await layer([{ name: 'secret-app', body: 'ok' }])]), basic('alice', 's3cret'));
    const ref = `${reg.host}/private/app:2`;
    const anon = await pullError(service().ensure(ref, { policy: 'IfNotPresent' }));
    expect(anon.message).toContain(`unauthorized: registry ${reg.host} requires credentials`);
    const cfg = (p: string) => ({ auths: { [reg.host]: { auth: Buffer.from(`alice:${p}`).toString('base64') } } });
    const wrong = await pullError(service().ensure(ref, { policy: 'IfNotPresent', dockerConfigs: [cfg('nope')] }));
    expect(wrong.message).toMatch(/401 Unauthorized/);
    const got = await service().ensure(ref, { policy: 'IfNotPresent', dockerConfigs: [cfg('s3cret')] });
    expect(readFileSync(join(got.image.rootfs, 'secret-app'), 'utf8')).toBe('ok');
  });
});

describe.skipIf(!haveRegistry || !haveSkopeo)('an image pushed by skopeo (Docker schema 2, from a docker-archive)', () => {
  let reg: Registry;
  beforeAll(async () => {
    reg = await startRegistry(temp('registry-skopeo'));
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('pulls and unpacks what skopeo pushed; a kubelet killed mid-download leaves nothing trusted', async () => {
    const dir = temp('archive');
    const archive = join(dir, 'app.tar');
    await dockerArchive(
      archive,
      [
        [{ name: 'bin/busybox', body: readFileSync('/bin/busybox'), mode: 0o755 }, { name: 'bin/sh', type: 'symlink', linkname: 'busybox' }, { name: 'old/file', body: 'lower' }],
        [{ name: 'old/.wh..wh..opq' }, { name: 'old/new', body: 'upper' }],
      ],
      { Cmd: ['/bin/sh', '-c', 'echo skopeo'] },
      'test/skopeo:1',
    );
    execFileSync('skopeo', ['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${reg.host}/test/skopeo:1`], { stdio: 'pipe' });
    const root = temp('store');
    // Leftovers of a pull killed mid-download or mid-unpack are swept, never trusted.
    mkdirSync(join(root, 'tmp'), { recursive: true });
    writeFileSync(join(root, 'tmp', 'a'.repeat(64) + '.1234'), 'partial');
    mkdirSync(join(root, 'rootfs', `.${'b'.repeat(64)}.5678`, 'bin'), { recursive: true });
    const svc = new ImageService({ root });
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    expect(readdirSync(join(root, 'rootfs'))).toEqual([]);
    // Pods asking at once share one download.
    const ref = `${reg.host}/test/skopeo:1`;
    const [p1, p2] = [svc.pull(ref, []), svc.pull(ref, [])];
    expect(p1).toBe(p2);
    await p1;
    const got = await svc.ensure(ref, { policy: 'IfNotPresent' });
    expect(got.pulled).toBe(false);
    expect(got.image.config.config?.Cmd).toEqual(['/bin/sh', '-c', 'echo skopeo']);
    expect(readdirSync(join(got.image.rootfs, 'old'))).toEqual(['new']);
    expect(execFileSync(join(got.image.rootfs, 'bin/busybox'), ['cat', join(got.image.rootfs, 'old/new')], { encoding: 'utf8' })).toBe('upper');
  });
});
