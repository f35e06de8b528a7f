// The kubelet's volume manager for the volumes it writes itself (configMap, secret,
// downwardAPI, projected): where each lives on the node, the memory medium secret and
// projected volumes get, writing them through the AtomicWriter on every pod sync (so an edit of
// a ConfigMap reaches running pods as soon as the configmap manager sees it), and tearing them
// down — unmounting every tmpfs — when the pod goes. emptyDir and hostPath stay in kubelet.ts.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Pod } from '../../api/core/index.js';
import type { EnvContext } from '../container-env.js';
import { AtomicWriter } from './atomic-writer.js';
import { isMemoryBacked, volumePayload } from './projection.js';

/**
 * Where memory-backed volumes live: `tmpfs` mounts one per volume (root, as the Kubernetes
 * kubelet does); `shm` (not root: no mounts) keeps them in a directory of /dev/shm — a tmpfs
 * too — linked from the pod's volume directory.
 */
export type MemoryMedium = 'tmpfs' | 'shm';

export interface VolumeManagerOptions {
  podsDir: string;
  /** Default: `tmpfs` as root on Linux, else `shm`. */
  medium?: MemoryMedium;
  /** For `shm`: the node's directory under /dev/shm. */
  shmDir?: string;
}

export interface VolumeError {
  volume: string;
  message: string;
}

/** Mount points listed in a /proc/self/mountinfo text (field 5, octal escapes decoded). Pure. */
export function parseMountPoints(mountinfo: string): Set<string> {
  const out = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length > 4) out.add(f[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

export function isMountPoint(dir: string): boolean {
  try {
    // mountinfo lists real paths: a root dir reached through a symlink must not look unmounted
    // (a second tmpfs stacked on the first would hide the files running containers see).
    return parseMountPoints(readFileSync('/proc/self/mountinfo', 'utf8')).has(realpathSync(dir));
  } catch {
    return false;
  }
}

export class VolumeManager {
  private readonly podsDir: string;
  private readonly shmDir: string;
  private readonly medium: MemoryMedium;

  constructor(o: VolumeManagerOptions) {
    this.podsDir = resolve(o.podsDir);
    this.medium = o.medium ?? (process.getuid?.() === 0 && process.platform === 'linux' ? 'tmpfs' : 'shm');
    this.shmDir = o.shmDir ?? join('/dev/shm', `skiff-${createHash('sha256').update(this.podsDir).digest('hex').slice(0, 12)}`);
  }

  volumeDir(uid: string, name: string): string {
    return join(this.podsDir, uid, 'volumes', name);
  }

  /**
   * Write every configMap/secret/downwardAPI/projected volume of the pod. Each volume is tried
   * even when another fails; the failures come back with Kubernetes' messages.
   */
  setUpPod(pod: Pod, ctx: EnvContext): VolumeError[] {
    const uid = pod.metadata.uid!;
    const errors: VolumeError[] = [];
    for (const v of pod.spec.volumes ?? []) {
      try {
        const payload = volumePayload(pod, v, ctx);
        if (!payload) continue;
        const dir = this.volumeDir(uid, v.name);
        if (isMemoryBacked(v)) this.ensureMemoryDir(uid, v.name, dir);
        else mkdirSync(dir, { recursive: true });
        new AtomicWriter(dir).write(payload);
      } catch (err) {
        errors.push({ volume: v.name, message: err instanceof Error ? err.message : String(err) });
      }
    }
    return errors;
  }

  /** Unmount and remove what the pod's memory-backed volumes hold; the caller removes the pod directory. */
  tearDownPod(uid: string): void {
    const vols = join(this.podsDir, uid, 'volumes');
    if (existsSync(vols)) {
      for (const name of readdirSync(vols)) {
        const dir = join(vols, name);
        if (isMountPoint(dir)) unmount(dir);
      }
    }
    rmSync(join(this.shmDir, uid), { recursive: true, force: true });
    try {
      rmdirSync(this.shmDir); // the node's own /dev/shm directory, once no pod uses it
    } catch {
      /* absent, or other pods still there */
    }
  }

  /** Pod directories on disk (for cleaning up after pods deleted while the kubelet was away). */
  podUidsOnDisk(): string[] {
    const uids = new Set<string>();
    for (const d of [this.podsDir, this.shmDir]) if (existsSync(d)) for (const n of readdirSync(d)) uids.add(n);
    return [...uids];
  }

  private ensureMemoryDir(uid: string, name: string, dir: string): void {
    if (this.medium === 'tmpfs') {
      mkdirSync(dir, { recursive: true });
      if (!isMountPoint(dir)) execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      return;
    }
    const real = join(this.shmDir, uid, name);
    mkdirSync(real, { recursive: true });
    let linked = false;
    try {
      linked = lstatSync(dir).isSymbolicLink() && realpathSync(dir) === realpathSync(real);
    } catch {
      /* not there yet */
    }
    if (!linked) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(join(dir, '..'), { recursive: true });
      symlinkSync(real, dir);
    }
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch {
    // Still busy (a process holding a file open): detach it now, the kernel frees it after.
    execFileSync('umount', ['-l', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}
