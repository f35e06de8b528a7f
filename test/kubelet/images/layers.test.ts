// Layered mode of the image service (root, overlayfs): each layer unpacked once under
// layers/<chain ID>, shared by images with the same base; deletions as overlay whiteouts; the
// stack mounted as containers get it shows the image; a hostile layer is refused through the
// layers below it; removing an image keeps the layers another image stands on.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageService } from '../../../kubelet/images/image-service.js';
import { chainIds, lowerdirOption, mountOverlay, overlaySupported } from '../../../kubelet/images/overlay.js';
import { ImagePullError } from '../../../kubelet/runtime/interface.js';
import { busyboxLayer, haveRegistry, image, layer, push, startRegistry, type Registry } from './registry.js';

const dirs: string[] = [];
const temp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), `skiff-layers-${p}-`));
  dirs.push(d);
  return d;
};
const layered = overlaySupported(tmpdir());

describe.skipIf(!layered)('the overlayfs probe', () => {
  it("unmounts and removes a probe its killed kubelet left mounted, and leaves a live process's alone", () => {
    const scratch = temp('probe');
    const gone = spawnSync('true').pid!; // exited and reaped once spawnSync returns
    const stale = join(scratch, `.overlay-probe.${gone}.00000000`);
    for (const s of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(stale, s), { recursive: true });
    mountOverlay([join(stale, 'lower')], join(stale, 'upper'), join(stale, 'work'), join(stale, 'merged'));
    const live = join(scratch, `.overlay-probe.${process.pid}.11111111`);
    mkdirSync(live);

    expect(overlaySupported(scratch)).toBe(true);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(stale);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(readdirSync(scratch)).toEqual([`.overlay-probe.${process.pid}.11111111`]);
  });
});

describe('chain IDs and the lowerdir option (pure)', () => {
  it('chains as containerd computes them; refuses paths overlayfs cannot take and stacks too long for one mount', () => {
    const a = 'sha256:' + 'a'.repeat(64);
    const b = 'sha256:' + 'b'.repeat(64);
    const [c0, c1] = chainIds([a, b]);
    expect(c0).toBe(a);
    // sha256("sha256:aaa… sha256:bbb…")
    expect(c1).toBe('sha256:' + execFileSync('sha256sum', { input: `${a} ${b}` }).toString().split(' ')[0]);
    expect(lowerdirOption(['/x/top', '/x/bottom'])).toBe('/x/top:/x/bottom');
    expect(lowerdirOption(['/x/a:b'])).toBeUndefined();
    expect(lowerdirOption(['/x/a,b'])).toBeUndefined();
    expect(lowerdirOption(Array.from({ length: 40 }, (_, i) => `/var/lib/skiff/kubelet/node/images/.oci/layers/${String(i).padStart(64, '0')}`))).toBeUndefined();
  });
});

describe.skipIf(!layered || !haveRegistry)('layered image store (overlayfs)', () => {
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

  const mounted = (lowerDirs: string[], fn: (root: string) => void) => {
    const d = temp('mnt');
    mkdirSync(join(d, 'm'));
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowerDirs.join(':')}`, join(d, 'm')]);
    try {
      fn(join(d, 'm'));
    } finally {
      execFileSync('umount', [join(d, 'm')]);
    }
  };

  it('unpacks a shared base once; whiteouts are overlay whiteouts; the stack shows the image', async () => {
    const a = image([base, await layer([{ name: 'app/', type: 'directory' }, { name: 'app/a', body: 'a\n' }, { name: 'etc/.wh.group' }])], { User: 'app' });
    const b = image([base, await layer([{ name: 'b', body: 'b\n' }])]);
    await push(reg.host, 'layers/a', '1', a);
    await push(reg.host, 'layers/b', '1', b);
    const root = temp('store');
    const svc = new ImageService({ root, layered: true });
    const pa = (await svc.ensure(`${reg.host}/layers/a:1`, { policy: 'IfNotPresent' })).image;
    const pb = (await svc.ensure(`${reg.host}/layers/b:1`, { policy: 'IfNotPresent' })).image;
    // base + a's top + b's top: three layer directories, the base one shared
    expect(readdirSync(join(root, 'layers')).sort()).toEqual([...new Set([...pa.chains!, ...pb.chains!])].map((c) => c.slice(7)).sort());
    expect(pa.chains![0]).toBe(pb.chains![0]);
    expect(pa.lowerDirs).toEqual([pa.rootfs, ...pa.chains!.map((c) => join(root, 'layers', c.slice(7))).reverse()]);
    // etc/group deleted by a's top layer: a 0/0 character device in that layer only
    const wh = lstatSync(join(root, 'layers', pa.chains![1]!.slice(7), 'etc', 'group'));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
    expect(existsSync(join(root, 'layers', pa.chains![0]!.slice(7), 'etc', 'group'))).toBe(true);
    // the image's own top layer: only mount points; its /etc/passwd copied out for User names
    expect(readdirSync(pa.rootfs).sort()).toEqual(['dev', 'proc', 'tmp']);
    expect(readFileSync(join(pa.userRoot, 'etc/passwd'), 'utf8')).toContain('app:x:1000:1000');
    mounted(pa.lowerDirs!, (m) => {
      expect(readFileSync(join(m, 'app/a'), 'utf8')).toBe('a\n');
      expect(existsSync(join(m, 'etc/group'))).toBe(false);
      expect(existsSync(join(m, 'b'))).toBe(false);
      expect(execFileSync('chroot', [m, '/bin/echo', 'ok'], { encoding: 'utf8' })).toBe('ok\n');
    });
    // Removing a keeps the base b stands on.
    svc.remove(pa.id);
    expect(readdirSync(join(root, 'layers')).sort()).toEqual(pb.chains!.map((c) => c.slice(7)).sort());
    expect(existsSync(pa.userRoot)).toBe(false);
    mounted(svc.lookup(`${reg.host}/layers/b:1`)!.lowerDirs!, (m) => expect(readFileSync(join(m, 'b'), 'utf8')).toBe('b\n'));
  });

  it('a layer writing through a lower layer\'s symlink out of the root is refused; nothing is left staged', async () => {
    const link = await layer([{ name: 'escape', type: 'symlink', linkname: '../../../../../../../../tmp' }]);
    const write = await layer([{ name: 'escape/skiff-layered-escape', body: 'pwned' }]);
    await push(reg.host, 'layers/hostile', '1', image([base, link, write]));
    const root = temp('store');
    const svc = new ImageService({ root, layered: true });
    const err = await svc.ensure(`${reg.host}/layers/hostile:1`, { policy: 'IfNotPresent' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImagePullError);
    expect((err as Error).message).toMatch(/leads out of the root through a symlink/);
    expect(existsSync('/tmp/skiff-layered-escape')).toBe(false);
    expect(readdirSync(join(root, 'layers')).filter((d) => d.startsWith('.'))).toEqual([]);
    expect(readdirSync(join(root, 'rootfs'))).toEqual([]);
    expect(execFileSync('cat', ['/proc/self/mounts'], { encoding: 'utf8' })).not.toContain(root);
  });

  it('layers unpacked alone, at once: a parent under a lower symlink goes through it (the stack, mounted); an implicit parent keeps the lower mode', async () => {
    const lower = await layer([
      { name: 'usr/', type: 'directory' },
      { name: 'usr/lib/', type: 'directory' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: 'tmp/', type: 'directory', mode: 0o1777 },
    ]);
    // No directory entries: lib/ is meant through the symlink, tmp/ is the lower /tmp.
    const upper = await layer([{ name: 'lib/libfoo.so', body: 'so' }, { name: 'tmp/x', body: 'x' }]);
    await push(reg.host, 'layers/through', '1', image([base, lower, upper]));
    const root = temp('store');
    const svc = new ImageService({ root, layered: true });
    const got = (await svc.ensure(`${reg.host}/layers/through:1`, { policy: 'IfNotPresent' })).image;
    mounted(got.lowerDirs!, (m) => {
      expect(lstatSync(join(m, 'lib')).isSymbolicLink()).toBe(true);
      expect(readFileSync(join(m, 'usr/lib/libfoo.so'), 'utf8')).toBe('so');
      expect(lstatSync(join(m, 'tmp')).mode & 0o7777).toBe(0o1777);
      expect(readFileSync(join(m, 'tmp/x'), 'utf8')).toBe('x');
      expect(execFileSync('chroot', [m, '/bin/echo', 'ok'], { encoding: 'utf8' })).toBe('ok\n');
    });
    expect(readdirSync(join(root, 'layers')).filter((d) => d.startsWith('.'))).toEqual([]);
  });

  it('a layer tampered with in the registry: refused by digest, its partial unpack and blob removed; a later good pull works', async () => {
    const data = randomBytes(200_000);
    const top = await layer([{ name: 'data', body: data }]);
    await push(reg.host, 'layers/tampered', '1', image([base, top]));
    const path = reg.blobPath(top.digest);
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[bad.length - 10] ^= 0xff;
    writeFileSync(path, bad);
    const root = temp('store');
    const svc = new ImageService({ root, layered: true });
    try {
      const err = await svc.ensure(`${reg.host}/layers/tampered:1`, { policy: 'IfNotPresent' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImagePullError);
      expect((err as Error).message).toContain(`blob ${top.digest}: content has digest sha256:`);
      expect(svc.blobs.has(top.digest)).toBe(false);
      expect(readdirSync(svc.blobs.tmpDir)).toEqual([]);
      // Only the base layer (verified) was stacked; nothing of the tampered one, staged or not.
      expect(readdirSync(join(root, 'layers'))).toEqual([base.diffId.slice(7)]);
      expect(readdirSync(join(root, 'rootfs'))).toEqual([]);
    } finally {
      writeFileSync(path, good);
    }
    const ok = (await svc.ensure(`${reg.host}/layers/tampered:1`, { policy: 'IfNotPresent' })).image;
    mounted(ok.lowerDirs!, (m) => expect(readFileSync(join(m, 'data')).equals(data)).toBe(true));
  });
});
