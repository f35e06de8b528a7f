// `kctl cp SRC DEST`: files and directories between this machine and a container, the way
// kubectl cp does it — through `tar` in the container over exec (remote-command.ts):
//   to a pod:   a tar made here → stdin of `tar -xmf - -C DIR` (into DEST itself when `test -d DEST`)
//   from a pod: stdout of `tar cf - SRC` → unpacked here under DEST
// A file spec is `[NAMESPACE/]POD:PATH` in the container or a local path. What comes back is
// checked as kubectl checks it: every entry must sit under the source's prefix ("tar contents
// corrupted"), and one that would land outside DEST (`../`) or is a symlink is skipped with
// kubectl's warning — an archive from a container is never trusted.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, pack as tarPack, type Pack } from 'tar-stream';
import type { Command, Output } from './command.js';
import { connect, type Connection } from './connection.js';
import { ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { pickContainer } from './logs.js';
import { REMOTE_COMMAND_PROTOCOLS, runSession } from './remote-command.js';

export interface FileSpec {
  /** Set for a container path. */
  pod?: string;
  namespace?: string;
  path: string;
}

/** kubectl's extractFileSpec: `[NS/]POD:PATH` is remote; anything else (or a path starting with / or .) is local. */
export function parseFileSpec(arg: string): FileSpec {
  const i = arg.indexOf(':');
  // Windows drive letters aside, kubectl treats a colon after a leading path as local too.
  if (i < 0 || arg.startsWith('/') || arg.startsWith('.')) {
    if (arg === '') throw new UsageError('filepath can not be empty');
    return { path: arg };
  }
  const podRef = arg.slice(0, i);
  const file = arg.slice(i + 1);
  if (file === '') throw new UsageError('filepath can not be empty');
  const parts = podRef.split('/');
  if (parts.length === 1 && parts[0]) return { pod: parts[0], path: file };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], pod: parts[1], path: file };
  throw new UsageError(`unexpected fileSpec format: ${arg}`);
}

/** The prefix every entry of `tar cf - SRC` starts with: SRC cleaned, without leading slashes (tar strips them). */
export function tarPrefix(src: string): string {
  return path.posix.normalize(src).replace(/(.)\/+$/, '$1').replace(/^\/+/, '');
}

/**
 * Where an entry named `name` of the archive of `prefix` goes under the local `dest`:
 * `{ file }`, or `{ outside }` when it would land outside dest, or `{ corrupted }` when the
 * name does not start with the prefix (kubectl's untarAll).
 */
export function entryDestination(prefix: string, name: string, dest: string): { file: string } | { outside: string } | { corrupted: true } {
  if (!name.startsWith(prefix)) return { corrupted: true };
  // Joining as a remote path: the rest is made absolute, then cleaned, so `..` cannot climb above it...
  const rest = name.slice(prefix.length);
  const file = path.join(dest, rest);
  // ...except that join resolves `..` against dest itself; what ends outside it is refused.
  const rel = path.relative(path.resolve(dest), path.resolve(file));
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return { outside: file };
  return { file };
}

const OPTIONS: OptionDefs = {
  container: { type: 'string', short: 'c', help: 'the container (default: the first)' },
  'no-preserve': { type: 'boolean', help: 'do not keep ownership and permissions of copied files in the container' },
};

export const cp: Command = {
  usage: 'kctl cp SRC DEST   (one of them [NAMESPACE/]POD:PATH, e.g. kctl cp ./app.conf web-1:/etc/app/ or kctl cp web-1:/var/log ./logs)',
  summary: 'Copy files and directories to and from containers (through tar in the container).',
  options: OPTIONS,
  async run(flags, io) {
    const [srcArg, destArg, ...extra] = flags.positionals;
    if (!srcArg || !destArg || extra.length) throw new UsageError('source and destination are required');
    const src = parseFileSpec(srcArg);
    const dest = parseFileSpec(destArg);
    if (src.pod && dest.pod) throw new UsageError('one of src or dest must be a local file specification');
    if (!src.pod && !dest.pod) throw new UsageError('one of src or dest must be a remote file specification');
    const conn = await connect(flags);
    if (dest.pod) await copyToPod(conn, io, src.path, dest, flags.string('container'), flags.bool('no-preserve'));
    else await copyFromPod(conn, io, src, dest.path, flags.string('container'));
  },
};

interface Target {
  namespace: string;
  pod: string;
  container?: string;
}

async function target(conn: Connection, io: Output, spec: FileSpec, container: string | undefined): Promise<Target> {
  const namespace = spec.namespace ?? conn.namespace;
  const pod = await conn.client.pods().get(spec.pod!, namespace);
  return { namespace, pod: spec.pod!, container: pickContainer(pod, container, io) };
}

/** Run `command` in the container with stdin/stdout as given; resolves with its exit code. */
async function execIn(conn: Connection, t: Target, command: string[], stdin: Readable | undefined, stdout: Writable): Promise<number> {
  const query = { command, container: t.container, stdin: stdin ? true : undefined, stdout: true, stderr: true };
  const ws = await conn.client.podStream(t.namespace, t.pod, 'exec', query, [REMOTE_COMMAND_PROTOCOLS[0]!]);
  return runSession(ws, { stdin: stdin as NodeJS.ReadStream | undefined, stdout: stdout as NodeJS.WriteStream, stderr: process.stderr, tty: false });
}

async function copyToPod(conn: Connection, io: Output, local: string, dest: FileSpec, container: string | undefined, noPreserve: boolean): Promise<void> {
  if (!fs.existsSync(local)) throw new UsageError(`${local} doesn't exist in local filesystem`);
  const t = await target(conn, io, dest, container);
  let destPath = dest.path;
  // kubectl's checkDestinationIsDir: into an existing directory goes the source's own name.
  const sink = new PassThrough();
  sink.resume();
  if ((await execIn(conn, t, ['test', '-d', destPath], undefined, sink)) === 0) destPath = path.posix.join(destPath, path.basename(path.resolve(local)));
  const srcAbs = path.resolve(local);
  const destClean = path.posix.normalize(destPath);
  const destDir = path.posix.dirname(destClean);
  const destBase = path.posix.basename(destClean);
  // Entries named after the destination, unpacked with -C its directory (kubectl's makeTar).
  const pack = tarPack();
  void addToTar(pack, srcAbs, destBase).then(() => pack.finalize(), (e: Error) => pack.destroy(e));
  const command = ['tar', ...(noPreserve ? ['--no-same-permissions', '--no-same-owner'] : []), '-xmf', '-', ...(destDir ? ['-C', destDir] : [])];
  const out = new PassThrough();
  out.on('data', (d: Buffer) => process.stdout.write(d));
  const code = await execIn(conn, t, command, pack as unknown as Readable, out);
  if (code !== 0) {
    io.err(`command terminated with exit code ${code}\n`);
    throw new ReportedFailure(code);
  }
}

/** `file` (a file, directory or symlink, recursively) into `pack` as `name`. */
async function addToTar(pack: Pack, file: string, name: string): Promise<void> {
  const st = fs.lstatSync(file);
  const base = { name, mode: st.mode & 0o7777, mtime: st.mtime, uid: st.uid, gid: st.gid };
  if (st.isSymbolicLink()) {
    pack.entry({ ...base, type: 'symlink', linkname: fs.readlinkSync(file) });
  } else if (st.isDirectory()) {
    pack.entry({ ...base, type: 'directory' });
    for (const child of fs.readdirSync(file).sort()) await addToTar(pack, path.join(file, child), `${name}/${child}`);
  } else if (st.isFile()) {
    const entry = pack.entry({ ...base, type: 'file', size: st.size });
    await pipeline(fs.createReadStream(file), entry);
  }
}

async function copyFromPod(conn: Connection, io: Output, src: FileSpec, local: string, container: string | undefined): Promise<void> {
  const t = await target(conn, io, src, container);
  const prefix = tarPrefix(src.path);
  const extract = tarExtract();
  let warnedSymlink = false;
  let corrupted = false;
  extract.on('entry', (header, stream, next) => {
    const done = () => { stream.resume(); stream.on('end', () => next()); };
    const where = entryDestination(prefix, header.name, local);
    if ('corrupted' in where) {
      corrupted = true;
      extract.destroy(new Error('tar contents corrupted'));
      return;
    }
    if ('outside' in where) {
      io.err(`warning: file ${JSON.stringify(where.outside)} is outside target destination, skipping\n`);
      return done();
    }
    fs.mkdirSync(path.dirname(where.file), { recursive: true });
    if (header.type === 'directory') {
      fs.mkdirSync(where.file, { recursive: true });
      return done();
    }
    if (header.type === 'symlink' || header.type === 'link') {
      if (!warnedSymlink) io.err(`warning: skipping symlink: ${JSON.stringify(where.file)} -> ${JSON.stringify(header.linkname ?? '')}\n`);
      warnedSymlink = true;
      return done();
    }
    if (header.type !== 'file' && header.type !== 'contiguous-file') return done();
    const out = fs.createWriteStream(where.file, { mode: (header.mode ?? 0o644) & 0o777 });
    pipeline(stream, out).then(() => next(), (e: Error) => next(e));
  });
  // (tar-stream's extract is also a source of entries, so it is awaited by its events, not piped on.)
  const finished = new Promise<Error | undefined>((resolve) => {
    extract.on('finish', () => resolve(undefined));
    extract.on('error', (e: Error) => resolve(e));
  });
  const tarOut = new PassThrough();
  tarOut.pipe(extract);
  const code = await execIn(conn, t, ['tar', 'cf', '-', src.path], undefined, tarOut);
  tarOut.end();
  const err = await finished;
  if (corrupted) throw new UsageError('tar contents corrupted');
  if (err instanceof Error) throw err;
  if (code !== 0) {
    io.err(`command terminated with exit code ${code}\n`);
    throw new ReportedFailure(code);
  }
}
