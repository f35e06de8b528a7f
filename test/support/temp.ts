// Temp dirs under os.tmpdir() that a test removes on cleanup (afterAll/afterEach), also on failure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class TempDirs {
  private dirs: string[] = [];

  /** A fresh dir named `${prefix}XXXXXX` under os.tmpdir(); removed by removeAll(). */
  make(prefix = 'skiff-test-'): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const d of this.dirs.splice(0)) removeDir(d);
  }
}

/**
 * Remove a test's dir — first unmounting whatever is still mounted under it: the tmpfs of a
 * pod's secret or ServiceAccount volume whose kubelet a test killed with -9 stays mounted,
 * and the rm would fail with EBUSY (and leak the mount).
 */
export function removeDir(dir: string | undefined): void {
  if (!dir) return;
  unmountUnder(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Lazily unmount every mount point below `dir`, deepest first. */
export function unmountUnder(dir: string): void {
  let mountinfo: string;
  try {
    mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return;
  }
  let root: string;
  try {
    root = fs.realpathSync(dir);
  } catch {
    return;
  }
  const points = mountinfo.split('\n').map((l) => l.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m): m is string => !!m && m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of points) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
}
