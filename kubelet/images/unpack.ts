// Apply image layers, in order, to a root filesystem directory (the OCI image spec's
// "applying changesets", after containerd's naive applier):
//   - `.wh.NAME` deletes NAME of a lower layer; `.wh..wh..opq` empties its directory of
//     everything lower layers put there, before this layer's own entries whatever the tar order;
//   - regular files, directories, symlinks, hard links (to something already in the root), fifos;
//     modes (setuid bits too) and, as root, ownership;
//   - every path is resolved INSIDE the root, symlinks followed there (an absolute link target
//     means the root's own path, as in a chroot). A layer is refused — nothing more of it is
//     written — for an absolute or `..` entry name, a hard link or write through a symlink that
//     leads out of the root (a relative target climbing above it), whether the link came from
//     this layer or an earlier one.
// With `ownLayerOnly` the layer is unpacked alone into an empty directory (the layered store
// unpacks every layer of an image at once, each into its own directory, and stacks them with
// overlayfs): what needs the layers below — a whiteout, a hard link to a lower file — stops the
// unpack with NeedsLowerLayersError, and the directories the layer made without an entry of its
// own are reported, for the caller to check against the layers below (see layer-stack.ts).
import { createHash } from 'node:crypto';
import { chmodSync, lchownSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, utimesSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execFileSync, spawn } from 'node:child_process';
import { createGunzip } from 'node:zlib';
import { extract, type Header } from 'tar-stream';

export class UnsafeLayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeLayerError';
  }
}

/** An `ownLayerOnly` unpack met something that only means anything on top of the layers below. */
export class NeedsLowerLayersError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NeedsLowerLayersError';
  }
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const MAX_LINK_HOPS = 40;

/** An entry name as path components inside the root; refuses absolute and `..` names. */
export function entryComponents(name: string): string[] {
  if (name.startsWith('/')) throw new UnsafeLayerError(`entry "${name}" is an absolute path`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeLayerError(`entry "${name}" has a ".." element and would leave the root`);
  return parts;
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Resolve components inside `root`, following every symlink met on the way (scoped to the
 * root). Returns the resolved components; throws when a link climbs out of the root.
 */
export function resolveInRoot(root: string, components: string[], what: string): string[] {
  const out: string[] = [];
  const queue = [...components];
  let hops = 0;
  while (queue.length) {
    const c = queue.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (!out.length) throw new UnsafeLayerError(`${what} leads out of the root through a symlink`);
      out.pop();
      continue;
    }
    const p = join(root, ...out, c);
    const st = lstatOrUndefined(p);
    if (st?.isSymbolicLink()) {
      if (++hops > MAX_LINK_HOPS) throw new UnsafeLayerError(`${what}: too many levels of symbolic links`);
      const target = readlinkSync(p);
      if (target.startsWith('/')) out.length = 0;
      queue.unshift(...target.split('/'));
      continue;
    }
    if (st && !st.isDirectory() && queue.length) throw new UnsafeLayerError(`${what}: "${[...out, c].join('/')}" is not a directory`);
    out.push(c);
  }
  return out;
}

export interface LayerStats {
  entries: number;
  /** sha256 of the uncompressed tar (the layer's diff_id). */
  diffId: string;
  /** `ownLayerOnly`: directories (root-relative, "/"-joined) made as parents, with no entry of their own. */
  implicitDirs?: string[];
}

export interface ApplyOptions {
  chown?: boolean;
  compression?: Compression;
  /** Unpack into an empty directory as the layer alone (see the top of this file). */
  ownLayerOnly?: boolean;
}

/** Apply one layer (a tar stream, compressed as `opts.compression` says) to `root`. */
export async function applyLayer(root: string, tar: Readable, opts: ApplyOptions = {}): Promise<LayerStats> {
  const own = !!opts.ownLayerOnly;
  const compression = opts.compression ?? 'none';
  const chown = opts.chown ?? process.getuid?.() === 0;
  const hash = createHash('sha256');
  const hasher = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  /** Paths (resolved, joined) this layer wrote or created as parents: whiteouts never remove them. */
  const written = new Set<string>();
  const dirModes: { path: string; header: Header }[] = [];
  /** Directories this layer has an entry for (ownLayerOnly: the others it made are implicit). */
  const explicitDirs = new Set<string>();
  const parentDirs = new Set<string>();
  /**
   * Parent directories already resolved and made, by entry path: most entries share their
   * parent with the one before, and resolving it again costs an lstat per component. Dropped
   * whenever something that could turn a directory into a link is written or removed.
   */
  let knownParents = new Map<string, string[]>();
  let entries = 0;

  const markWritten = (comps: string[]) => {
    for (let i = 1; i <= comps.length; i++) written.add(comps.slice(0, i).join('/'));
  };

  const parentOf = (comps: string[], name: string): string[] => {
    const key = comps.slice(0, -1).join('/');
    const known = knownParents.get(key);
    if (known) return known;
    const parent = resolveInRoot(root, comps.slice(0, -1), `entry "${name}"`);
    mkdirSync(join(root, ...parent), { recursive: true, mode: 0o755 });
    markWritten(parent);
    if (own) for (let i = 1; i <= parent.length; i++) parentDirs.add(parent.slice(0, i).join('/'));
    knownParents.set(key, parent);
    return parent;
  };

  const removeLower = (target: string[]) => {
    if (written.has(target.join('/'))) return;
    knownParents = new Map();
    rmSync(join(root, ...target), { recursive: true, force: true });
  };

  const ex = extract();
  const consume = (async () => {
    try {
      for await (const entry of ex) {
        const h = entry.header;
        entries++;
        const comps = entryComponents(h.name);
        if (!comps.length) {
          entry.resume();
          continue;
        }
        const base = comps[comps.length - 1]!;
        if (base.startsWith(WHITEOUT)) {
          entry.resume();
          if (own) throw new NeedsLowerLayersError(`whiteout "${h.name}" deletes from the layers below`);
          const parent = parentOf(comps, h.name);
          if (base === OPAQUE) {
            // Empty the directory of lower layers' entries, keeping what this layer already wrote.
            const dir = join(root, ...parent);
            for (const child of readdirSync(dir)) removeLower([...parent, child]);
          } else {
            const victim = base.slice(WHITEOUT.length);
            if (!victim || victim === '..' || victim === '.') throw new UnsafeLayerError(`whiteout "${h.name}" names no entry`);
            removeLower([...parent, victim]);
          }
          continue;
        }
        const parent = parentOf(comps, h.name);
        const rel = [...parent, base];
        const dst = join(root, ...rel);
        const existing = lstatOrUndefined(dst);
        if (existing && !(h.type === 'directory' && existing.isDirectory())) {
          rmSync(dst, { recursive: true, force: true });
          knownParents = new Map();
        } else if (existing?.isDirectory() && h.type !== 'directory') knownParents = new Map();
        markWritten(rel);
        if (h.type === 'directory') explicitDirs.add(rel.join('/'));
        const mode = h.mode & 0o7777;
        switch (h.type) {
          case 'directory':
            mkdirSync(dst, { recursive: true, mode: 0o755 });
            dirModes.push({ path: dst, header: h });
            entry.resume();
            break;
          case 'file':
          case 'contiguous-file': {
            // Written, owned, moded and dated through one descriptor, off the main thread.
            const fh = await open(dst, 'wx', 0o600);
            try {
              await writeEntry(fh, entry);
              if (chown) await fh.chown(h.uid, h.gid);
              await fh.chmod(mode); // after chown, which clears setuid bits
              if (h.mtime) await fh.utimes(h.mtime, h.mtime);
            } finally {
              await fh.close();
            }
            continue;
          }
          case 'symlink':
            entry.resume();
            symlinkSync(h.linkname, dst);
            break;
          case 'link': {
            entry.resume();
            const lcomps = entryComponents(h.linkname);
            if (!lcomps.length) throw new UnsafeLayerError(`hard link "${h.name}" has no target`);
            const lparent = resolveInRoot(root, lcomps.slice(0, -1), `hard link "${h.name}" → "${h.linkname}"`);
            const src = join(root, ...lparent, lcomps[lcomps.length - 1]!);
            if (!lstatOrUndefined(src)) {
              if (own) throw new NeedsLowerLayersError(`hard link "${h.name}" → "${h.linkname}": the target is not in this layer`);
              throw new UnsafeLayerError(`hard link "${h.name}" → "${h.linkname}": the target is not in the image`);
            }
            linkSync(src, dst);
            break;
          }
          case 'fifo':
            entry.resume();
            execFileSync('mkfifo', ['-m', mode.toString(8), dst]);
            break;
          default:
            // Device nodes: containers get their own /dev; the node does not create them.
            entry.resume();
            continue;
        }
        if (h.type === 'directory' || h.type === 'link') continue;
        if (chown) lchownSync(dst, h.uid, h.gid);
        if (h.type !== 'symlink') {
          chmodSync(dst, mode); // after chown, which clears setuid bits
          utimesSync(dst, h.mtime, h.mtime);
        }
      }
    } catch (err) {
      // Stop reading the layer: nothing more of a refused layer is written.
      tar.destroy(err as Error);
      throw err;
    }
  })();
  const piped = compression === 'gzip' ? pipeline(tar, createGunzip({ chunkSize: INFLATE_CHUNK }), hasher, ex) : compression === 'zstd' ? unzstd(tar, hasher, ex) : pipeline(tar, hasher, ex);
  const [r1, r2] = await Promise.allSettled([consume, piped]);
  if (r1.status === 'rejected') throw r1.reason;
  if (r2.status === 'rejected') throw r2.reason;
  // Directory modes and owners last, so a read-only directory still took its entries.
  for (const { path, header } of dirModes.reverse()) {
    if (chown) lchownSync(path, header.uid, header.gid);
    chmodSync(path, header.mode & 0o7777);
    utimesSync(path, header.mtime, header.mtime);
  }
  const stats: LayerStats = { entries, diffId: 'sha256:' + hash.digest('hex') };
  if (own) stats.implicitDirs = [...parentDirs].filter((d) => !explicitDirs.has(d));
  return stats;
}

/** Gather an entry's chunks into large writes: each write is a trip to the thread pool. */
async function writeEntry(fh: FileHandle, entry: AsyncIterable<unknown>): Promise<void> {
  let pending: Buffer[] = [];
  let bytes = 0;
  const flush = async () => {
    let bufs = pending;
    pending = [];
    bytes = 0;
    while (bufs.length) {
      const { bytesWritten } = await fh.writev(bufs);
      bufs = dropBytes(bufs, bytesWritten); // a short write: the rest again
    }
  };
  for await (const c of entry) {
    const chunk = c as Buffer;
    pending.push(chunk);
    bytes += chunk.length;
    if (bytes >= WRITE_BATCH) await flush();
  }
  await flush();
}

const WRITE_BATCH = 512 * 1024;

function dropBytes(bufs: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of bufs) {
    if (n >= b.length) n -= b.length;
    else {
      out.push(n ? b.subarray(n) : b);
      n = 0;
    }
  }
  return out;
}

/** zlib's output chunk: larger than its 16 KiB default, for fewer callbacks per layer. */
const INFLATE_CHUNK = 128 * 1024;

export type Compression = 'gzip' | 'zstd' | 'none';

/**
 * zstd layers through the system's `zstd` decoder (Node 20 has none built in; the Debian
 * `zstd` package), streamed: compressed bytes in on stdin, the tar out on stdout.
 */
async function unzstd(source: Readable, hasher: Transform, ex: ReturnType<typeof extract>): Promise<void> {
  const child = spawn('zstd', ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code === 'ENOENT' ? 'zstd-compressed layer: the zstd program is not installed on this node (apt-get install zstd)' : `zstd: ${err.message}`)));
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`zstd-compressed layer does not decompress: ${stderr.trim() || `zstd exited ${code}`}`))));
  });
  try {
    // The decoder's own failure (or absence) says more than the broken pipe it causes.
    const flows = Promise.all([pipeline(source, child.stdin), pipeline(child.stdout, hasher, ex)]);
    const [a, b] = await Promise.allSettled([exited, flows]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** Sniff a layer's compression from its first bytes (docker-archive layers carry no media type). */
export function sniffCompression(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}
