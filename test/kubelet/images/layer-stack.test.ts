// A layer unpacked alone (ownLayerOnly) and fitted onto the layers below it without mounting
// them (layer-stack.ts): whiteouts and hard links to lower files need the layers below; the
// directories a layer made only as parents are reported, take the mode and owner of the
// directory below, and one standing where the layers below have a symlink or a file is refused.
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fitOnLower, lookupLower } from '../../../kubelet/images/layer-stack.js';
import { applyLayer, NeedsLowerLayersError } from '../../../kubelet/images/unpack.js';
import { makeTar, stream, type Entry } from './tar-fixtures.js';

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'skiff-stack-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const dir = (name: string) => {
  const d = join(base, name);
  mkdirSync(d, { recursive: true });
  return d;
};
const alone = async (root: string, entries: Entry[]) => applyLayer(root, stream(await makeTar(entries, true)), { compression: 'gzip', ownLayerOnly: true });
const isRoot = process.getuid?.() === 0;

describe('unpacking a layer alone', () => {
  it('reports the directories made only as parents, not those with entries', async () => {
    const stats = await alone(dir('l'), [{ name: 'usr/', type: 'directory', mode: 0o755 }, { name: 'usr/lib/x/a', body: 'a' }, { name: 'tmp/b', body: 'b' }]);
    expect(stats.implicitDirs!.sort()).toEqual(['tmp', 'usr/lib', 'usr/lib/x']);
  });

  it('a whiteout or a hard link to a file of a lower layer needs the layers below', async () => {
    await expect(alone(dir('a'), [{ name: 'etc/.wh.group' }])).rejects.toBeInstanceOf(NeedsLowerLayersError);
    await expect(alone(dir('b'), [{ name: 'a/.wh..wh..opq' }])).rejects.toBeInstanceOf(NeedsLowerLayersError);
    await expect(alone(dir('c'), [{ name: 'bin/sh', type: 'link', linkname: 'bin/busybox' }])).rejects.toThrow(/hard link "bin\/sh" → "bin\/busybox": the target is not in this layer/);
    // A hard link within the layer is fine.
    await alone(dir('d'), [{ name: 'bin/busybox', body: 'x' }, { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' }]);
    expect(lstatSync(join(base, 'd/bin/sh')).ino).toBe(lstatSync(join(base, 'd/bin/busybox')).ino);
  });
});

describe('the lower layers\' merged view (no mount)', () => {
  it('the topmost entry wins; a whiteout or a file hides what is below; symlinks are reported, not followed', () => {
    const [top, mid, bottom] = [dir('top'), dir('mid'), dir('bottom')];
    mkdirSync(join(bottom, 'a/b'), { recursive: true });
    writeFileSync(join(bottom, 'a/b/f'), 'x');
    mkdirSync(join(mid, 'a'));
    chmodSync(join(mid, 'a'), 0o700);
    symlinkSync('usr/lib', join(top, 'lib'));
    mkdirSync(join(bottom, 'gone'));
    if (isRoot) execFileSync('mknod', [join(mid, 'gone'), 'c', '0', '0']); // an overlay whiteout
    writeFileSync(join(mid, 'file'), 'f');
    mkdirSync(join(bottom, 'file'));
    const stack = [top, mid, bottom];
    const a = lookupLower(stack, ['a']);
    expect(a.kind).toBe('directory');
    expect(a.kind === 'directory' && a.stats.mode & 0o777).toBe(0o700); // mid's, over bottom's
    expect(lookupLower(stack, ['a', 'b', 'f']).kind).toBe('other'); // merged through mid's a into bottom's
    expect(lookupLower(stack, ['lib']).kind).toBe('symlink');
    expect(lookupLower(stack, ['lib', 'x']).kind).toBe('symlink');
    expect(lookupLower(stack, ['nothing']).kind).toBe('absent');
    expect(lookupLower(stack, ['file']).kind).toBe('other');
    expect(lookupLower(stack, ['file', 'x']).kind).toBe('other');
    if (isRoot) expect(lookupLower(stack, ['gone']).kind).toBe('absent');
  });

  it('fitting: implicit directories take the lower directory\'s mode; one over a lower symlink or file is refused', async () => {
    const lower = dir('lower');
    mkdirSync(join(lower, 'tmp'));
    chmodSync(join(lower, 'tmp'), 0o1777);
    mkdirSync(join(lower, 'usr/lib'), { recursive: true });
    symlinkSync('usr/lib', join(lower, 'lib'));
    writeFileSync(join(lower, 'data'), 'f');

    const fits = dir('fits');
    const s1 = await alone(fits, [{ name: 'tmp/x', body: 'x' }, { name: 'new/y', body: 'y' }]);
    expect(fitOnLower(fits, s1.implicitDirs!, [lower])).toBe(true);
    expect(lstatSync(join(fits, 'tmp')).mode & 0o7777).toBe(0o1777); // not the 0755 it was made with
    expect(lstatSync(join(fits, 'new')).mode & 0o7777).toBe(0o755); // nothing below: as made

    const through = dir('through');
    const s2 = await alone(through, [{ name: 'lib/libfoo.so', body: 'so' }]);
    expect(fitOnLower(through, s2.implicitDirs!, [lower])).toBe(false); // meant to go through lib -> usr/lib
    const overFile = dir('over-file');
    const s3 = await alone(overFile, [{ name: 'data/z', body: 'z' }]);
    expect(fitOnLower(overFile, s3.implicitDirs!, [lower])).toBe(false);
    // An explicit directory entry replaces the lower symlink, as on the stack.
    const explicit = dir('explicit');
    const s4 = await alone(explicit, [{ name: 'lib/', type: 'directory' }, { name: 'lib/libfoo.so', body: 'so' }]);
    expect(fitOnLower(explicit, s4.implicitDirs!, [lower])).toBe(true);
  });
});
