import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IMAGE_SERVICE_DIR, ImageStore } from '../../../kubelet/runtime/process/image-store.js';
import { ImageService } from '../../../kubelet/images/image-service.js';
import { ImagePullError } from '../../../kubelet/runtime/interface.js';
import { SKIFF } from '../harness.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rootfs(name: string, content: string): string {
  const r = join(dir, name);
  mkdirSync(join(r, 'bin'), { recursive: true });
  writeFileSync(join(r, 'bin', 'hello'), content);
  return r;
}

describe('image store', () => {
  it('imports a rootfs tarball (gzip too) and a directory; resolves IDs; host is reserved', () => {
    const store = new ImageStore(join(dir, 'images'));
    const src = rootfs('src', 'v1');
    execFileSync('tar', ['-czf', join(dir, 'app.tar.gz'), '-C', src, '.']);
    const id = store.import('example.com/app:1.0', join(dir, 'app.tar.gz'));
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(readFileSync(join(store.rootfs('example.com/app:1.0'), 'bin', 'hello'), 'utf8')).toBe('v1');
    for (const d of ['proc', 'dev', 'tmp']) expect(existsSync(join(store.rootfs('example.com/app:1.0'), d))).toBe(true);
    expect(store.resolve('example.com/app:1.0')).toEqual({ id, rootfs: store.rootfs('example.com/app:1.0') });

    const id2 = store.import('busybox', rootfs('src2', 'v2'));
    expect(store.resolve('docker.io/library/busybox:latest').id).toBe(id2);
    expect(store.resolve('host')).toEqual({ id: 'host' });
    expect(() => store.import('host', src)).toThrow(/reserved/);
    expect(() => store.resolve('nginx')).toThrow(ImagePullError);
  });

  it('`skiff kubelet import-image` imports into the node root dir\'s image service store, replacing an older plain import', () => {
    const root = join(dir, 'node-root');
    new ImageStore(join(root, 'images')).import('tool', rootfs('src4', 'old'));
    const out = execFileSync(process.execPath, [SKIFF, 'kubelet', 'import-image', 'tool', rootfs('src3', 'v3'), '--root-dir', root], { encoding: 'utf8' });
    expect(out).toMatch(/^imported tool into .*images \(sha256:/);
    const img = new ImageService({ root: join(root, 'images', IMAGE_SERVICE_DIR), shared: true }).lookup('tool')!;
    expect(readFileSync(join(img.lowerDirs?.[1] ?? img.rootfs, 'bin', 'hello'), 'utf8')).toBe('v3');
    // The older import (a plain directory, found first by the runtime) is gone.
    expect(existsSync(join(root, 'images', 'tool'))).toBe(false);
  });
});
