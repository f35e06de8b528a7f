// Layer application on temp dirs: whiteouts, opaque directories, links, modes, and hostile
// layers (absolute and ".." names, writes and hard links through symlinks out of the root)
// refused with nothing written outside the root.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyLayer, entryComponents, resolveInRoot, UnsafeLayerError } from '../../../kubelet/images/unpack.js';
import { makeTar, stream, type Entry } from './tar-fixtures.js';

let base: string;
let root: string;
let outside: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'skiff-unpack-'));
  root = join(base, 'root', 'fs');
  outside = join(base, 'outside');
  mkdirSync(root, { recursive: true });
  mkdirSync(outside);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const apply = async (entries: Entry[], gzip = false) => applyLayer(root, stream(await makeTar(entries, gzip)), { compression: gzip ? 'gzip' : 'none' });

describe('entry names and resolution', () => {
  it('refuses absolute and ".." names, keeps ./ names', () => {
    expect(() => entryComponents('/etc/passwd')).toThrow('entry "/etc/passwd" is an absolute path');
    expect(() => entryComponents('a/../../x')).toThrow('has a ".." element');
    expect(entryComponents('./usr//bin/')).toEqual(['usr', 'bin']);
  });

  it('follows symlinks inside the root; an absolute target is the root\'s own path', async () => {
    await apply([
      { name: 'usr/lib', type: 'directory' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: 'abs', type: 'symlink', linkname: '/usr' },
      { name: 'out', type: 'symlink', linkname: '../../outside' },
    ]);
    expect(resolveInRoot(root, ['lib', 'x'], 't')).toEqual(['usr', 'lib', 'x']);
    expect(resolveInRoot(root, ['abs', 'lib'], 't')).toEqual(['usr', 'lib']);
    expect(() => resolveInRoot(root, ['out', 'x'], 'entry "out/x"')).toThrow('entry "out/x" leads out of the root through a symlink');
  });
});

describe('applying layers', () => {
  it('writes files, dirs, symlinks, hard links with modes and owners (gzip)', async () => {
    const mtime = new Date('2020-01-02T03:04:05Z');
    const stats = await apply(
      [
        { name: 'bin/', type: 'directory', mode: 0o750 },
        { name: 'bin/tool', body: '#!/bin/sh\necho hi\n', mode: 0o4755, uid: 1234, gid: 4321, mtime },
        { name: 'bin/alias', type: 'symlink', linkname: 'tool' },
        { name: 'bin/hard', type: 'link', linkname: 'bin/tool' },
      ],
      true,
    );
    expect(stats.entries).toBe(4);
    expect(stats.diffId).toMatch(/^sha256:[a-f0-9]{64}$/);
    const st = statSync(join(root, 'bin/tool'));
    expect(st.mode & 0o7777).toBe(0o4755);
    expect(statSync(join(root, 'bin')).mode & 0o777).toBe(0o750);
    if (process.getuid?.() === 0) expect([st.uid, st.gid]).toEqual([1234, 4321]);
    expect(st.mtime.toISOString()).toBe(mtime.toISOString());
    expect(readlinkSync(join(root, 'bin/alias'))).toBe('tool');
    expect(statSync(join(root, 'bin/hard')).ino).toBe(st.ino);
  });

  it('whiteouts delete lower entries; an opaque dir hides lower contents whatever the tar order', async () => {
    await apply([
      { name: 'etc/keep', body: 'k' },
      { name: 'etc/gone', body: 'g' },
      { name: 'var/cache/old1', body: '1' },
      { name: 'var/cache/sub/old2', body: '2' },
    ]);
    await apply([
      { name: 'etc/.wh.gone' },
      { name: 'var/cache/new', body: 'n' }, // before the opaque marker in tar order: kept
      { name: 'var/cache/.wh..wh..opq' },
    ]);
    expect(readdirSync(join(root, 'etc'))).toEqual(['keep']);
    expect(readdirSync(join(root, 'var/cache'))).toEqual(['new']);
  });

  it('a file replaces a lower symlink instead of writing through it', async () => {
    await apply([{ name: 'etc/conf', type: 'symlink', linkname: '../../../outside/victim' }]);
    await apply([{ name: 'etc/conf', body: 'mine' }]);
    expect(lstatSync(join(root, 'etc/conf')).isFile()).toBe(true);
    expect(existsSync(join(outside, 'victim'))).toBe(false);
  });
});

describe('hostile layers are refused and write nothing outside the root', () => {
  const cases: [string, Entry[][], RegExp][] = [
    ['a ../ name', [[{ name: '../../outside/pwned', body: 'x' }]], /has a "\.\." element/],
    ['an absolute name', [[{ name: 'OUTSIDE/pwned', body: 'x' }]], /is an absolute path/],
    ['a write through its own symlink', [[{ name: 'esc', type: 'symlink', linkname: '../../outside' }, { name: 'esc/pwned', body: 'x' }]], /leads out of the root through a symlink/],
    ['a write through an earlier layer\'s symlink', [[{ name: 'esc', type: 'symlink', linkname: '../../outside' }], [{ name: 'esc/pwned', body: 'x' }]], /leads out of the root through a symlink/],
    ['a chain of symlinks', [[{ name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: 'c/..//../../../outside' }, { name: 'c', type: 'directory' }, { name: 'a/pwned', body: 'x' }]], /leads out of the root/],
    ['a hard link to a file outside', [[{ name: 'esc', type: 'symlink', linkname: '../../outside' }, { name: 'h', type: 'link', linkname: 'esc/secret' }]], /leads out of the root/],
    ['a hard link with a .. name', [[{ name: 'h', type: 'link', linkname: '../../outside/secret' }]], /has a "\.\." element/],
    ['a whiteout through a symlink', [[{ name: 'esc', type: 'symlink', linkname: '../../outside' }, { name: 'esc/.wh.secret' }]], /leads out of the root/],
  ];
  for (const [what, layers, msg] of cases) {
    it(what, async () => {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(outside, 'secret'), 's');
      let err: unknown;
      try {
        for (const l of layers) await apply(l.map((e) => ({ ...e, name: e.name.replace('OUTSIDE', outside) })));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UnsafeLayerError);
      expect((err as Error).message).toMatch(msg);
      expect(readdirSync(outside)).toEqual(['secret']);
      expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('s');
      expect(existsSync(join(base, 'pwned'))).toBe(false);
    });
  }
});

describe.skipIf(spawnSync('zstd', ['--version']).status !== 0)('zstd layers (the system zstd decoder)', () => {
  it('applies a zstd-compressed layer with its diff ID; a corrupt one is refused saying so', async () => {
    const tar = await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/zstd', body: 'decompressed\n' }]);
    const compressed = execFileSync('zstd', ['-c', '-q'], { input: tar });
    const stats = await applyLayer(root, stream(compressed), { compression: 'zstd' });
    expect(readFileSync(join(root, 'etc/zstd'), 'utf8')).toBe('decompressed\n');
    expect(stats.diffId).toBe('sha256:' + createHash('sha256').update(tar).digest('hex'));
    const corrupt = Buffer.concat([compressed.subarray(0, 8), Buffer.alloc(64, 0x55)]);
    await expect(applyLayer(join(base, 'root'), stream(corrupt), { compression: 'zstd' })).rejects.toThrow(/zstd-compressed layer does not decompress/);
  });
});
