// The process runtime's store of images imported by hand: an image is a root filesystem
// directory, <imageDir>/<name>/rootfs, imported from a rootfs tarball or a directory. Images
// pulled from registries live beside it in <imageDir>/.oci (kubelet/images). `host` is
// reserved and means "run on the host's own filesystem".
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ImagePullError } from '../interface.js';

export const HOST_IMAGE = 'host';

/** Under the image dir: the image service's store (pulled and `skiff kubelet import-image`ed images). */
export const IMAGE_SERVICE_DIR = '.oci';

/** "docker.io/library/busybox:latest" and "busybox" are the same image; tags other than latest are kept. */
export function normalizeImageName(ref: string): string {
  let name = ref.trim();
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  for (const prefix of ['docker.io/library/', 'docker.io/', 'index.docker.io/library/']) {
    if (name.startsWith(prefix)) name = name.slice(prefix.length);
  }
  if (name.endsWith(':latest')) name = name.slice(0, -':latest'.length);
  return name;
}

/** Directory name for an image: safe characters only ("my/app:1.0" → "my_app_1.0"). */
export function imageDirName(ref: string): string {
  return normalizeImageName(ref).replace(/[^A-Za-z0-9._-]/g, '_');
}

export function pullHint(ref: string, imageDir: string): string {
  return (
    `image "${ref}" is not in the process runtime's local image store (${imageDir}); ` +
    `import a root filesystem with \`skiff kubelet import-image ${normalizeImageName(ref)} ROOTFS.tar|DIR --image-dir ${imageDir}\`, ` +
    `use image "host" to run on the node's own filesystem, or run the kubelet with --runtime docker`
  );
}

export class ImageStore {
  constructor(readonly dir: string) {}

  rootfs(ref: string): string {
    return join(this.dir, imageDirName(ref), 'rootfs');
  }

  has(ref: string): boolean {
    return normalizeImageName(ref) === HOST_IMAGE || existsSync(this.rootfs(ref));
  }

  /** The image's ID (sha256 of name + import time), or throws ImagePullError with how to import it. */
  resolve(ref: string): { id: string; rootfs?: string } {
    if (normalizeImageName(ref) === HOST_IMAGE) return { id: 'host' };
    const rootfs = this.rootfs(ref);
    if (!existsSync(rootfs)) throw new ImagePullError(pullHint(ref, this.dir));
    let id: string;
    try {
      id = readFileSync(join(this.dir, imageDirName(ref), 'id'), 'utf8').trim();
    } catch {
      id = 'sha256:' + createHash('sha256').update(`${ref}@${statSync(rootfs).mtimeMs}`).digest('hex');
    }
    return { id, rootfs };
  }

  /** Import a rootfs tarball (any compression GNU tar detects) or copy a directory. */
  import(ref: string, source: string): string {
    const name = normalizeImageName(ref);
    if (name === HOST_IMAGE) throw new Error('"host" is a reserved image name');
    const target = join(this.dir, imageDirName(ref));
    const staging = `${target}.importing-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(join(staging, 'rootfs'), { recursive: true });
    try {
      if (statSync(source).isDirectory()) execFileSync('cp', ['-a', `${source}/.`, join(staging, 'rootfs')]);
      else execFileSync('tar', ['-xf', source, '-C', join(staging, 'rootfs'), '--no-same-owner']);
      // Mount points the process runtime needs inside every image.
      for (const d of ['proc', 'dev', 'tmp', 'etc']) mkdirSync(join(staging, 'rootfs', d), { recursive: true });
      const id = 'sha256:' + createHash('sha256').update(`${name}@${Date.now()}@${source}`).digest('hex');
      writeFileSync(join(staging, 'id'), id + '\n');
      rmSync(target, { recursive: true, force: true });
      renameSync(staging, target);
      return id;
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    }
  }
}
