// overlayfs for the image store: each layer is unpacked once, as the upper directory of an
// overlay of the layers below it (so its deletions become overlay whiteouts and its paths
// resolve through the image as built so far), as containerd's overlay snapshotter does.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The kernel's limit on mount options is one page; leave room for upperdir/workdir. */
const MAX_LOWERDIR_CHARS = 3000;

/** containerd's chain ID: the first layer's diff ID, then sha256("<parent chain> <diff ID>"). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? d : 'sha256:' + createHash('sha256').update(`${parent} ${d}`).digest('hex'));
  }
  return out;
}

/** overlayfs' lowerdir option: top layer first. Undefined when a path cannot be written in it. */
export function lowerdirOption(dirsTopFirst: string[]): string | undefined {
  if (!dirsTopFirst.length || dirsTopFirst.some((d) => /[:,\\]/.test(d))) return undefined;
  const opt = dirsTopFirst.join(':');
  return opt.length > MAX_LOWERDIR_CHARS ? undefined : opt;
}

export function mountOverlay(lowerTopFirst: string[], upper: string, work: string, target: string): void {
  const lower = lowerdirOption(lowerTopFirst);
  if (!lower) throw new Error(`cannot stack ${lowerTopFirst.length} layers in one overlay mount`);
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, target], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function unmount(target: string): void {
  try {
    execFileSync('umount', [target], { stdio: 'ignore' });
  } catch {
    /* not mounted */
  }
}

/** Whether this process can mount overlays with whiteouts here (root, a kernel with overlayfs). */
export function overlaySupported(scratch: string): boolean {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return false;
  removeStaleProbes(scratch);
  const d = join(scratch, `.overlay-probe.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    for (const s of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(d, s), { recursive: true });
    mkdirSync(join(d, 'lower', 'x'));
    mountOverlay([join(d, 'lower')], join(d, 'upper'), join(d, 'work'), join(d, 'merged'));
    try {
      rmSync(join(d, 'merged', 'x'), { recursive: true }); // must leave a whiteout, not fail
    } finally {
      unmount(join(d, 'merged'));
    }
    return true;
  } catch {
    return false;
  } finally {
    unmount(join(d, 'merged'));
    rmSync(d, { recursive: true, force: true });
  }
}

/**
 * Probes a kubelet killed mid-probe left behind, still mounted: those named after a process
 * that is gone (another kubelet sharing an --image-dir may be probing right now).
 */
function removeStaleProbes(scratch: string): void {
  let names: string[];
  try {
    names = readdirSync(scratch).filter((x) => x.startsWith('.overlay-probe.'));
  } catch {
    return;
  }
  for (const n of names) {
    const pid = Number(n.split('.')[2]);
    if (Number.isInteger(pid) && pid > 0 && processExists(pid)) continue;
    unmount(join(scratch, n, 'merged'));
    rmSync(join(scratch, n), { recursive: true, force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
