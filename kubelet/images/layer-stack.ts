// A stack of unpacked layer directories read as overlayfs would merge them, without mounting
// it: what the layered store needs to check a layer that was unpacked alone (unpack.ts,
// ownLayerOnly) before it is stacked on the layers below.
//
// A layer unpacked alone made some directories only as parents of its entries. On the
// overlay those directories hide whatever the layers below have at that path, so each is
// checked against the merged view of the lower layers:
//   - a directory below: ours takes its mode, owner and time (as a copy-up would keep them);
//   - nothing below: ours stays as made (0755, as an unpack onto the stack makes it);
//   - a symlink or a file below: the layer's entries were meant to go through that symlink (or
//     would fail on the file), which only an unpack onto the mounted stack can do — the caller
//     unpacks the layer again that way.
// Overlay whiteouts (0/0 character devices) hide what is below them. Opaque directories (an
// xattr Node cannot read) are not seen: an entry below one can only make a check more careful
// (a symlink found there sends the layer the slow way) or lend an implicit directory its mode.
import { chmodSync, lchownSync, lstatSync, utimesSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** What the merged view has at a path; `path` is where the topmost entry is on disk. */
export type LowerEntry = { kind: 'absent' } | { kind: 'directory' | 'symlink' | 'other'; stats: Stats; path: string };

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

/** What the merged view of `lowerTopFirst` has at `components` (symlinks are not followed). */
export function lookupLower(lowerTopFirst: string[], components: string[]): LowerEntry {
  let merged = lowerTopFirst; // the layers whose view of the path so far is a directory
  let found: { stats: Stats; path: string } | undefined;
  for (let k = 1; k <= components.length; k++) {
    const rel = components.slice(0, k);
    const next: string[] = [];
    found = undefined;
    for (const dir of merged) {
      const p = join(dir, ...rel);
      const st = lstatOrUndefined(p);
      if (!st) continue;
      if (isWhiteout(st)) break; // deleted here: nothing lower shows
      found ??= { stats: st, path: p };
      if (!st.isDirectory()) break; // a non-directory hides the layers below it
      next.push(dir);
    }
    if (!found) return { kind: 'absent' };
    if (found.stats.isSymbolicLink()) return { kind: 'symlink', ...found };
    if (!found.stats.isDirectory()) return { kind: 'other', ...found };
    merged = next;
  }
  return found ? { kind: 'directory', ...found } : { kind: 'absent' };
}

/**
 * Fit a layer unpacked alone in `dir` onto `lowerTopFirst`: its implicit directories take the
 * lower directories' attributes. False when one of them stands where the layers below have a
 * symlink or a file (then the layer must be unpacked onto the mounted stack instead).
 */
export function fitOnLower(dir: string, implicitDirs: string[], lowerTopFirst: string[], chown = process.getuid?.() === 0): boolean {
  if (!lowerTopFirst.length) return true;
  const checks: { path: string; stats: Stats }[] = [];
  for (const rel of implicitDirs) {
    const comps = rel.split('/');
    const own = lstatOrUndefined(join(dir, ...comps));
    if (!own?.isDirectory()) continue; // replaced by a later entry of the layer
    const below = lookupLower(lowerTopFirst, comps);
    if (below.kind === 'symlink' || below.kind === 'other') return false;
    if (below.kind === 'directory') checks.push({ path: join(dir, ...comps), stats: below.stats });
  }
  for (const { path, stats } of checks) {
    if (chown) lchownSync(path, stats.uid, stats.gid);
    chmodSync(path, stats.mode & 0o7777);
    utimesSync(path, stats.atime, stats.mtime);
  }
  return true;
}
