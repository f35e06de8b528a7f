// AtomicWriter: how the kubelet writes configMap, secret, downwardAPI and projected volumes
// so a reader in the container never sees half of an update (after Kubernetes'
// pkg/volume/util/atomic_writer.go). The volume directory holds
//
//   ..2026_12_05_18_47_23.Ab12Cd/   the payload, one timestamped directory per version
//   ..data -> ..2026_12_05_18_47_23.Ab12Cd
//   app.conf -> ..data/app.conf      user-visible paths: symlinks through ..data
//
// A new version is written into a fresh timestamped directory, then `..data` is swapped to it
// with ONE rename of a symlink (atomic on POSIX), then user-visible links are added or removed
// and the old directory deleted. A bind mount of the whole volume sees every swap; a subPath
// mount binds one file of one version and so, as in Kubernetes, never sees updates.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

export const DATA_DIR_NAME = '..data';
const DATA_DIR_TMP_NAME = '..data_tmp';
const MAX_PATH_LENGTH = 4096;
const MAX_FILE_NAME_LENGTH = 255;

/** One file of a volume: its bytes and permission bits. */
export interface FileProjection {
  data: Buffer;
  mode: number;
}

/** Relative path → file. */
export type Payload = Map<string, FileProjection>;

/**
 * The node's own check of a payload path (the API server checks too, but the kubelet must not
 * trust it): relative, no `..` element, not starting with `..` (the writer's own names).
 */
export function validatePath(p: string): void {
  if (p === '') throw new Error('invalid path: must not be empty');
  if (p.length > MAX_PATH_LENGTH) throw new Error(`invalid path: must be less than or equal to ${MAX_PATH_LENGTH} characters`);
  if (p.startsWith('/')) throw new Error(`invalid path: must be relative path: ${p}`);
  const items = p.split('/');
  if (items.some((i) => i.length > MAX_FILE_NAME_LENGTH)) throw new Error(`invalid path: filenames must be less than or equal to ${MAX_FILE_NAME_LENGTH} characters`);
  if (items.includes('..')) throw new Error(`invalid path: must not contain '..': ${p}`);
  if (p.startsWith('..')) throw new Error(`invalid path: must not start with '..': ${p}`);
}

/** Validate every path and key the payload by its cleaned form (`a//b/` → `a/b`). */
export function validatePayload(payload: Payload): Payload {
  const out: Payload = new Map();
  for (const [p, f] of payload) {
    validatePath(p);
    out.set(posix.normalize(p).replace(/\/+$/, ''), f);
  }
  return out;
}

/** Every file under dir, as relative path → bytes and mode (what the current version holds). */
export function readTree(dir: string): Payload {
  const out: Payload = new Map();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.set(r, { data: readFileSync(join(dir, r)), mode: statSync(join(dir, r)).mode & 0o777 });
    }
  };
  if (existsSync(dir)) walk('');
  return out;
}

/**
 * What a write has to do, given the payload and the current version's files: whether any file
 * is new, different or has another mode, and which current paths (files and the directories
 * that only held them) disappear. Pure.
 */
export function diffPayload(payload: Payload, current: Payload): { changed: boolean; pathsToRemove: string[] } {
  let changed = false;
  for (const [p, f] of payload) {
    const cur = current.get(p);
    if (!cur || cur.mode !== f.mode || !cur.data.equals(f.data)) changed = true;
  }
  const keep = new Set<string>();
  for (const p of payload.keys()) {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) keep.add(parts.slice(0, i).join('/'));
  }
  const remove = new Set<string>();
  for (const p of current.keys()) {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      if (!keep.has(sub)) remove.add(sub);
    }
  }
  const pathsToRemove = [...remove].sort();
  return { changed: changed || pathsToRemove.length > 0, pathsToRemove };
}

/** `..2026_12_05_18_47_23.` — the prefix of a version directory (mkdtemp adds the random tail). */
export function timestampDirPrefix(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

export class AtomicWriter {
  constructor(readonly targetDir: string) {}

  /** Make the volume hold exactly `payload`. Returns whether anything changed on disk. */
  write(payload: Payload, now: Date = new Date()): boolean {
    const clean = validatePayload(payload);
    const dataLink = join(this.targetDir, DATA_DIR_NAME);
    let oldTsName = '';
    try {
      oldTsName = readlinkSync(dataLink);
    } catch {
      /* first write */
    }
    const oldTsDir = oldTsName ? join(this.targetDir, oldTsName) : '';
    const current = oldTsDir ? readTree(oldTsDir) : new Map();
    const { changed, pathsToRemove } = diffPayload(clean, current);
    if (!changed && oldTsDir && existsSync(oldTsDir)) {
      // Nothing new; still repair user-visible links someone removed.
      this.createUserVisibleFiles(clean);
      return false;
    }
    mkdirSync(this.targetDir, { recursive: true });
    const tsDir = mkdtempSync(join(this.targetDir, timestampDirPrefix(now)));
    chmodSync(tsDir, 0o755);
    try {
      for (const [p, f] of clean) {
        const file = join(tsDir, p);
        mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
        writeFileSync(file, f.data, { mode: f.mode });
        chmodSync(file, f.mode); // the umask must not narrow what the pod asked for
      }
      // The swap: a new symlink under a temporary name, renamed over ..data in one step.
      const tmpLink = join(this.targetDir, DATA_DIR_TMP_NAME);
      rmSync(tmpLink, { force: true });
      symlinkSync(tsDir.slice(this.targetDir.length + 1), tmpLink);
      renameSync(tmpLink, dataLink);
    } catch (err) {
      rmSync(tsDir, { recursive: true, force: true });
      throw err;
    }
    this.createUserVisibleFiles(clean);
    for (const p of pathsToRemove) {
      // Only top-level names are links of ours; deeper paths vanish with the old version.
      if (p.includes('/')) continue;
      const link = join(this.targetDir, p);
      try {
        if (lstatSync(link).isSymbolicLink()) unlinkSync(link);
      } catch {
        /* already gone */
      }
    }
    // The old version, and any a kubelet killed mid-write left behind.
    const tsName = tsDir.slice(this.targetDir.length + 1);
    for (const name of readdirSync(this.targetDir)) {
      if (name.startsWith('..') && name !== DATA_DIR_NAME && name !== tsName) rmSync(join(this.targetDir, name), { recursive: true, force: true });
    }
    return true;
  }

  /** `name -> ..data/name` for each top-level name of the payload that has no link yet. */
  private createUserVisibleFiles(payload: Payload): void {
    const tops = new Set([...payload.keys()].map((p) => p.split('/')[0]!));
    for (const t of tops) {
      const link = join(this.targetDir, t);
      try {
        lstatSync(link);
      } catch {
        symlinkSync(`${DATA_DIR_NAME}/${t}`, link);
      }
    }
  }
}
