// `skiff kubelet import-image` into the image service's store: an OCI layout (directory and
// tar), a `docker save` archive and a root filesystem (directory, gzip tar) each become an image
// the store lists, that any pull policy finds without a registry, whose blobs are verified and
// shared with other images; a hostile or mismatched archive is refused and leaves nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageService } from '../../../kubelet/images/image-service.js';
import { formatOf, importImage, layerMediaType, pickDockerEntry, pickFromIndex } from '../../../kubelet/images/import.js';
import { MEDIA } from '../../../kubelet/images/manifest.js';
import { overlaySupported } from '../../../kubelet/images/overlay.js';
import { SKIFF } from '../../support/processes.js';
import { TempDirs } from '../../support/temp.js';
import { busyboxLayer, image, layer, sha256, type Image } from './registry.js';
import { makeTar } from './tar-fixtures.js';

const temp = new TempDirs();
afterAll(() => temp.removeAll());
const AMD64 = { os: 'linux', architecture: 'amd64' };
const d = (c: string) => ({ mediaType: MEDIA.ociManifest, digest: `sha256:${c.repeat(64)}`, size: 1 });

describe('import formats and choices (pure)', () => {
  it('tells the format by the top-level names', () => {
    expect(formatOf(['oci-layout', 'index.json', 'blobs'])).toBe('oci-layout');
    expect(formatOf(['./', './oci-layout', './index.json', './blobs/', './manifest.json'])).toBe('oci-layout');
    expect(formatOf(['manifest.json', 'repositories', `${'a'.repeat(64)}.json`, 'abc'])).toBe('docker-archive');
    expect(formatOf(['bin', 'etc', 'usr'])).toBe('rootfs');
  });
  it('picks the one image, else the one named; an index of platforms by the node\'s', () => {
    expect(pickFromIndex({ manifests: [d('a')] }, 'x:9', AMD64, () => ({ schemaVersion: 2, manifests: [] }))).toEqual(d('a'));
    const two = { manifests: [{ ...d('a'), annotations: { 'org.opencontainers.image.ref.name': '1' } }, { ...d('b'), annotations: { 'org.opencontainers.image.ref.name': 'localhost:5000/demo:2' } }] };
    expect(pickFromIndex(two, 'localhost:5000/demo:1', AMD64, () => { throw new Error('no'); }).digest).toBe(d('a').digest);
    expect(pickFromIndex(two, 'localhost:5000/demo:2', AMD64, () => { throw new Error('no'); }).digest).toBe(d('b').digest);
    expect(() => pickFromIndex(two, 'demo:3', AMD64, () => { throw new Error('no'); })).toThrow('the layout holds 2 images (1, localhost:5000/demo:2) and none is named "3"');
    const nested = { manifests: [{ ...d('c'), mediaType: MEDIA.ociIndex }] };
    const platforms = { schemaVersion: 2 as const, manifests: [{ ...d('e'), platform: { os: 'linux', architecture: 'arm64' } }, { ...d('f'), platform: AMD64 }] };
    expect(pickFromIndex(nested, 'x', AMD64, () => platforms).digest).toBe(d('f').digest);
    expect(() => pickFromIndex(nested, 'x', { os: 'linux', architecture: 's390x' }, () => platforms)).toThrow(/no image for linux\/s390x .*linux\/arm64, linux\/amd64/);
  });
  it('picks a docker save entry by tag', () => {
    const entries = [{ Config: 'a.json', RepoTags: ['busybox:latest'], Layers: [] }, { Config: 'b.json', RepoTags: ['localhost:5000/demo:1'], Layers: [] }];
    expect(pickDockerEntry(entries, 'docker.io/library/busybox').Config).toBe('a.json');
    expect(pickDockerEntry(entries, 'localhost:5000/demo:1').Config).toBe('b.json');
    expect(() => pickDockerEntry(entries, 'other')).toThrow('the archive holds 2 images (busybox:latest, localhost:5000/demo:1) and none is other');
  });
  it('names a layer\'s media type by its first bytes', () => {
    expect(layerMediaType(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    expect(layerMediaType(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
    expect(layerMediaType(Buffer.from('bin/'))).toBe('application/vnd.oci.image.layer.v1.tar');
  });
});

/** An OCI image layout directory of these images, each named by its ref.name annotation. */
function writeLayout(dir: string, images: { name: string; img: Image }[]): string {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const { img } of images) for (const b of [img.config, img.manifest, ...img.layers]) writeFileSync(join(dir, 'blobs', 'sha256', b.digest.slice(7)), b.data);
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: images.map(({ name, img }) => ({ mediaType: MEDIA.ociManifest, digest: img.manifest.digest, size: img.manifest.size, annotations: { 'org.opencontainers.image.ref.name': name } })),
    }),
  );
  return dir;
}

const layeredHere = overlaySupported(temp.make('skiff-import-probe-'));

/** What an image's root holds at `path` (through its layers when the store is layered). */
function readInImage(img: { rootfs: string; lowerDirs?: string[] }, path: string): string {
  for (const dir of img.lowerDirs ?? [img.rootfs]) {
    try {
      return readFileSync(join(dir, path), 'utf8');
    } catch {
      /* a lower layer */
    }
  }
  throw new Error(`${path} not in the image`);
}

describe('importing into the store', () => {
  const service = () => new ImageService({ root: join(temp.make('skiff-import-store-'), '.oci'), layered: layeredHere });

  it('an OCI layout, as a directory and as a tar: listed, found by any pull policy, base layer stored once', async () => {
    const base = await busyboxLayer();
    const one = image([base, await layer([{ name: 'etc/version', body: '1\n' }])], { Cmd: ['/bin/sh'] });
    const two = image([base, await layer([{ name: 'etc/version', body: '2\n' }])], { Cmd: ['/bin/sh'] });
    const src = writeLayout(temp.make('skiff-import-layout-'), [{ name: '1', img: one }, { name: '2', img: two }]);
    const archive = join(temp.make('skiff-import-archive-'), 'demo.tar');
    execFileSync('tar', ['-C', src, '-cf', archive, '.']);
    const s = service();
    const a = await importImage(s, 'localhost:5000/demo:1', src);
    expect(a.format).toBe('oci-layout');
    expect(a.image).toMatchObject({ id: one.config.digest, reference: 'localhost:5000/demo:1', repoDigest: `localhost:5000/demo@${one.manifest.digest}`, imported: true });
    const b = await importImage(s, 'localhost:5000/demo:2', archive);
    expect(b.image.id).toBe(two.config.digest);
    expect(readInImage(s.lookup('localhost:5000/demo:1')!, 'etc/version')).toBe('1\n');
    expect(readInImage(s.lookup('localhost:5000/demo:2')!, 'etc/version')).toBe('2\n');
    // One copy of the shared base blob; two images, each by tag and by digest.
    expect(s.blobs.list().filter((x) => x === base.digest)).toHaveLength(1);
    expect(s.blobs.list().sort()).toEqual([base.digest, one.config.digest, one.layers[1]!.digest, two.config.digest, two.layers[1]!.digest].sort());
    const listed = s.list().sort((x, y) => x.id.localeCompare(y.id));
    expect(listed.map((i) => i.id).sort()).toEqual([one.config.digest, two.config.digest].sort());
    expect(listed.find((i) => i.id === one.config.digest)!.repoTags).toEqual(['localhost:5000/demo:1']);
    // No registry runs: Always finds the imported image (it has nowhere to be pulled from).
    for (const policy of ['Always', 'IfNotPresent', 'Never'] as const) expect(await s.ensure('localhost:5000/demo:1', { policy })).toMatchObject({ pulled: false, image: { id: one.config.digest } });
  });

  it('a docker save archive (plain-tar layers, a layer linked to another entry\'s)', async () => {
    const base = await busyboxLayer();
    const top = await makeTar([{ name: 'etc/motd', body: 'saved\n' }]);
    const baseTar = gunzipSync(base.data);
    const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Entrypoint: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [sha256(baseTar), sha256(top)] } }));
    const dir = temp.make('skiff-import-save-');
    const cfgName = `${sha256(cfg).slice(7)}.json`;
    writeFileSync(join(dir, cfgName), cfg);
    for (const [id, data] of [['l0', baseTar], ['l1', top]] as const) {
      mkdirSync(join(dir, id));
      writeFileSync(join(dir, id, 'layer.tar'), data);
    }
    // docker save links a layer it already wrote: ../l0/layer.tar.
    mkdirSync(join(dir, 'l2'));
    symlinkSync('../l0/layer.tar', join(dir, 'l2', 'layer.tar'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: cfgName, RepoTags: ['saved:1'], Layers: ['l2/layer.tar', 'l1/layer.tar'] }]));
    writeFileSync(join(dir, 'repositories'), '{}');
    const archive = join(temp.make('skiff-import-save-tar-'), 'saved.tar');
    execFileSync('tar', ['-C', dir, '-cf', archive, '.']);
    const s = service();
    const r = await importImage(s, 'saved:1', archive);
    expect(r.format).toBe('docker-archive');
    expect(r.image).toMatchObject({ id: sha256(cfg), reference: 'docker.io/library/saved:1', imported: true });
    expect(r.image.config.config?.Entrypoint).toEqual(['/bin/sh']);
    expect(readInImage(s.lookup('saved:1')!, 'etc/motd')).toBe('saved\n');
  });

  it('a root filesystem, as a directory and as a gzip tar, under an empty config', async () => {
    const root = temp.make('skiff-import-rootfs-');
    mkdirSync(join(root, 'bin'));
    writeFileSync(join(root, 'bin', 'hello'), 'v1');
    const tgz = join(temp.make('skiff-import-tgz-'), 'rootfs.tar.gz');
    execFileSync('tar', ['-czf', tgz, '-C', root, '.']);
    const s = service();
    const a = await importImage(s, 'tool', root);
    expect(a.format).toBe('rootfs');
    expect(a.image.config.config).toEqual({});
    expect(readInImage(a.image, 'bin/hello')).toBe('v1');
    const b = await importImage(s, 'example.com/app:1.0', tgz);
    expect(readInImage(b.image, 'bin/hello')).toBe('v1');
    expect(s.list().flatMap((i) => i.repoTags).sort()).toEqual(['docker.io/library/tool:latest', 'example.com/app:1.0']);
  });

  it('refuses an archive whose blob leads outside it, and a blob that does not match its digest, storing nothing', async () => {
    const base = await busyboxLayer();
    const img = image([base]);
    const s = service();
    const evil = writeLayout(temp.make('skiff-import-evil-'), [{ name: '1', img }]);
    const outside = join(temp.make('skiff-import-outside-'), 'secret');
    writeFileSync(outside, base.data);
    const blob = join(evil, 'blobs', 'sha256', base.digest.slice(7));
    execFileSync('rm', [blob]);
    symlinkSync(outside, blob);
    await expect(importImage(s, 'evil:1', evil)).rejects.toThrow(`blobs/sha256/${base.digest.slice(7)}: leads outside the archive`);
    const tampered = writeLayout(temp.make('skiff-import-tampered-'), [{ name: '1', img }]);
    const data = Buffer.from(base.data);
    data[data.length - 1] ^= 1;
    writeFileSync(join(tampered, 'blobs', 'sha256', base.digest.slice(7)), data);
    await expect(importImage(s, 'tampered:1', tampered)).rejects.toThrow(`blob ${base.digest}: content has digest`);
    expect(s.list()).toEqual([]);
    expect(s.blobs.list().filter((b) => b === base.digest)).toEqual([]);
    expect(readdirSync(s.blobs.tmpDir)).toEqual([]);
  });
});

describe('skiff kubelet import-image', () => {
  it('imports an OCI archive and keeps the old rootfs form; refuses bad names plainly', async () => {
    const root = temp.make('skiff-import-cli-');
    const src = writeLayout(temp.make('skiff-import-cli-layout-'), [{ name: '1', img: image([await busyboxLayer()], { Cmd: ['/bin/sh'] }) }]);
    const archive = join(temp.make('skiff-import-cli-tar-'), 'demo.tar');
    execFileSync('tar', ['-C', src, '-cf', archive, '.']);
    const out = execFileSync(process.execPath, [SKIFF, 'kubelet', 'import-image', 'localhost:5000/demo:1', archive, '--root-dir', root], { encoding: 'utf8' });
    expect(out).toMatch(new RegExp(`^imported localhost:5000/demo:1 into ${root}/images \\(sha256:[0-9a-f]{64}; OCI image layout, as localhost:5000/demo:1\\)`));
    const rootfs = temp.make('skiff-import-cli-rootfs-');
    mkdirSync(join(rootfs, 'bin'));
    writeFileSync(join(rootfs, 'bin', 'hello'), 'v3');
    expect(execFileSync(process.execPath, [SKIFF, 'kubelet', 'import-image', 'tool', rootfs, '--root-dir', root], { encoding: 'utf8' })).toMatch(/^imported tool into .*images \(sha256:.*; root filesystem, as docker.io\/library\/tool:latest\)/);
    const s = new ImageService({ root: join(root, 'images', '.oci'), shared: true });
    expect(s.list().flatMap((i) => i.repoTags).sort()).toEqual(['docker.io/library/tool:latest', 'localhost:5000/demo:1']);
    const bad = spawnSync(process.execPath, [SKIFF, 'kubelet', 'import-image', 'Demo:1', archive, '--root-dir', root], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('import-image: "Demo:1" is not an image name pods could use: repository component "Demo" must be lowercase letters, digits and separators');
    const missing = spawnSync(process.execPath, [SKIFF, 'kubelet', 'import-image', 'x', join(root, 'nope.tar'), '--root-dir', root], { encoding: 'utf8' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain(`nope.tar: no such file or directory`);
  });
});
