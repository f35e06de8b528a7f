// The AtomicWriter: payload diffing and path validation (pure), and on a temp dir the
// timestamped version directories, the one-rename ..data swap, user-visible links and cleanup.
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtomicWriter, diffPayload, timestampDirPrefix, validatePath, validatePayload, type Payload } from '../../kubelet/volumes/atomic-writer.js';
import { parseMountPoints } from '../../kubelet/volumes/volume-manager.js';

const file = (text: string, mode = 0o644) => ({ data: Buffer.from(text), mode });
const payload = (entries: Record<string, string | [string, number]>): Payload =>
  new Map(Object.entries(entries).map(([p, v]) => [p, typeof v === 'string' ? file(v) : file(v[0], v[1])]));

describe('AtomicWriter paths and diffs (pure)', () => {
  it('refuses absolute paths, .. elements and the reserved .. prefix', () => {
    expect(() => validatePath('/etc/passwd')).toThrow('invalid path: must be relative path: /etc/passwd');
    expect(() => validatePath('a/../../b')).toThrow("invalid path: must not contain '..': a/../../b");
    expect(() => validatePath('..')).toThrow("must not contain '..'");
    expect(() => validatePath('..data')).toThrow("invalid path: must not start with '..': ..data");
    expect(() => validatePath('')).toThrow('must not be empty');
    expect(() => validatePath('x'.repeat(256))).toThrow('filenames must be less than or equal to 255 characters');
    expect(() => validatePath('conf/app.d/a.conf')).not.toThrow();
    expect([...validatePayload(payload({ 'a//b/': 'x', '.hidden': 'y' })).keys()]).toEqual(['a/b', '.hidden']);
  });

  it('diffs a payload against the current version: new, changed, re-moded, removed paths', () => {
    const cur = payload({ a: '1', 'd/x': '2', 'd/y': '3', 'gone/z': '4' });
    expect(diffPayload(payload({ a: '1', 'd/x': '2', 'd/y': '3', 'gone/z': '4' }), cur)).toEqual({ changed: false, pathsToRemove: [] });
    expect(diffPayload(payload({ a: '1', 'd/x': '2', 'd/y': '3', 'gone/z': '5' }), cur).changed).toBe(true);
    expect(diffPayload(payload({ a: ['1', 0o600], 'd/x': '2', 'd/y': '3', 'gone/z': '4' }), cur).changed).toBe(true);
    expect(diffPayload(payload({ a: '1', 'd/x': '2' }), cur)).toEqual({ changed: true, pathsToRemove: ['d/y', 'gone', 'gone/z'] });
  });

  it('names version directories as Kubernetes does', () => {
    expect(timestampDirPrefix(new Date('2026-12-05T18:47:03.123Z'))).toBe('..2026_12_05_18_47_03.');
  });

  it('reads mount points from mountinfo, octal escapes decoded', () => {
    const info = '36 35 98:0 / /mnt/a\\040b rw,noatime master:1 - tmpfs tmpfs rw\n37 35 98:0 / /var/lib/x rw - ext4 /dev/sda1 rw\n';
    expect([...parseMountPoints(info)]).toEqual(['/mnt/a b', '/var/lib/x']);
  });
});

describe('AtomicWriter on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const versions = () => readdirSync(dir).filter((n) => n.startsWith('..2'));

  it('writes a timestamped version, swaps ..data to it and links user-visible paths through it', () => {
    const w = new AtomicWriter(dir);
    expect(w.write(payload({ 'app.conf': 'a=1', 'conf/db.conf': ['db=x', 0o600] }), new Date('2026-12-05T18:47:03Z'))).toBe(true);
    const [v1] = versions();
    expect(v1).toMatch(/^\.\.2026_12_05_18_47_03\./);
    expect(readlinkSync(join(dir, '..data'))).toBe(v1);
    expect(readlinkSync(join(dir, 'app.conf'))).toBe('..data/app.conf');
    expect(readlinkSync(join(dir, 'conf'))).toBe('..data/conf');
    expect(readFileSync(join(dir, 'conf/db.conf'), 'utf8')).toBe('db=x');
    expect(statSync(join(dir, 'conf/db.conf')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'app.conf')).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir).sort()).toEqual(['..data', v1, 'app.conf', 'conf'].sort());
  });

  it('leaves an unchanged payload alone and repairs a removed link', () => {
    const w = new AtomicWriter(dir);
    w.write(payload({ a: '1' }));
    const [v1] = versions();
    unlinkSync(join(dir, 'a'));
    expect(w.write(payload({ a: '1' }))).toBe(false);
    expect(versions()).toEqual([v1]);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('1');
  });

  it('on a change writes a new version, removes the old one and links of paths that went away', () => {
    const w = new AtomicWriter(dir);
    w.write(payload({ a: '1', b: '2', 'sub/c': '3' }));
    const [v1] = versions();
    // a reader holding the old version open still reads it whole (the inode survives the swap)
    const before = readFileSync(join(dir, 'a'), 'utf8');
    expect(w.write(payload({ a: 'changed' }))).toBe(true);
    const after = versions();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(v1);
    expect(before).toBe('1');
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('changed');
    expect(() => lstatSync(join(dir, 'b'))).toThrow();
    expect(() => lstatSync(join(dir, 'sub'))).toThrow();
    expect(readdirSync(dir).sort()).toEqual(['..data', after[0], 'a'].sort());
  });

  it('removes version directories a killed writer left behind', () => {
    const w = new AtomicWriter(dir);
    w.write(payload({ a: '1' }));
    const stale = mkdtempSync(join(dir, '..2020_01_01_00_00_00.'));
    w.write(payload({ a: '2' }));
    expect(versions()).not.toContain(stale.slice(dir.length + 1));
    expect(versions()).toHaveLength(1);
  });

  it('refuses a payload that would escape the volume, writing nothing', () => {
    const w = new AtomicWriter(dir);
    expect(() => w.write(payload({ '../escape': 'x' }))).toThrow("must not contain '..'");
    expect(() => w.write(payload({ '/etc/evil': 'x' }))).toThrow('must be relative path');
    expect(readdirSync(dir)).toEqual([]);
  });
});
