// Temp dirs under os.tmpdir() that a test removes on cleanup (afterAll/afterEach), also on failure.
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

export function removeDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
