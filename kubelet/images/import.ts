// `skiff kubelet import-image NAME SOURCE`: an image from files into the image service's store,
// the same content-addressed, layered store pulls fill (blobs verified by digest, each layer
// unpacked once), so the imported image is listed in the Node's status.images, runs with any
// pull policy and is collected by image GC like a pulled one. SOURCE is one of:
//   - an OCI image layout: a directory (oci-layout, index.json, blobs/) or a tar of one
//     (`skopeo copy … oci-archive:`, `docker save` of Docker 25+);
//   - a `docker save` archive of older Dockers (manifest.json naming <id>.json configs and
//     <id>/layer.tar layers);
//   - a root filesystem, as a tar (gzip, zstd, xz, bzip2 or plain) or a directory: one layer
//     under an empty image config (the pod's command says what to run).
// Archives are unpacked into the store's tmp/ (swept when a kubelet starts) and read from there.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import { parseReference } from './reference.js';
import { formatPlatform, ImageIndex, ImageManifest, isIndex, MEDIA, nodePlatform, selectPlatform, type Descriptor, type Platform } from './manifest.js';
import type { BlobSource, ImageService, PulledImage } from './image-service.js';

export type ImportFormat = 'oci-layout' | 'docker-archive' | 'rootfs';

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

/** The annotation an OCI layout names an image by (a tag, or a whole reference as containerd writes it). */
const REF_NAME = 'org.opencontainers.image.ref.name';

/** What a list of an archive's (or a directory's) top-level names says it holds. Pure. */
export function formatOf(topLevel: string[]): ImportFormat {
  const names = new Set(topLevel.map((n) => n.replace(/^\.\//, '').replace(/\/$/, '')).filter(Boolean));
  if (names.has('oci-layout') && names.has('index.json')) return 'oci-layout';
  if (names.has('manifest.json') && [...names].some((n) => n.endsWith('.json') && n !== 'manifest.json' && n !== 'repositories')) return 'docker-archive';
  if (names.has('manifest.json') && names.has('blobs')) return 'docker-archive';
  return 'rootfs';
}

/**
 * The image of an OCI index `ref` names: the one manifest there is, else the one whose
 * ref.name annotation is the reference's tag or the reference itself. An index entry may be an
 * index of platforms (`readIndex` reads it), from which the node's platform is taken.
 */
export type AnnotatedDescriptor = Descriptor & { annotations?: Record<string, string> };

export function pickFromIndex(index: { manifests: AnnotatedDescriptor[] }, ref: string, platform: Platform, readIndex: (d: Descriptor) => ImageIndex): Descriptor {
  const r = parseReference(ref);
  const named = (d: AnnotatedDescriptor) => {
    const n = d.annotations?.[REF_NAME];
    if (!n) return false;
    if (n === r.tag) return true;
    try {
      return parseReference(n).canonical === r.canonical;
    } catch {
      return false;
    }
  };
  const entries = index.manifests;
  let pick: Descriptor | undefined = entries.length === 1 ? entries[0] : entries.find(named);
  if (!pick) {
    const names = entries.map((e) => e.annotations?.[REF_NAME]).filter(Boolean);
    throw new ImportError(`the layout holds ${entries.length} images${names.length ? ` (${names.join(', ')})` : ''} and none is named "${r.tag ?? r.digest}" (${REF_NAME})`);
  }
  if (isIndex(pick.mediaType, undefined)) {
    const inner = readIndex(pick);
    const p = selectPlatform(inner, platform);
    if (!p) throw new ImportError(`no image for ${formatPlatform(platform)} in the layout's index (it has ${inner.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : '?')).join(', ') || 'none'})`);
    pick = p;
  }
  return pick;
}

const DockerArchiveManifest = z.array(z.object({ Config: z.string(), RepoTags: z.array(z.string()).nullish(), Layers: z.array(z.string()) }));
export type DockerArchiveEntry = z.infer<typeof DockerArchiveManifest>[number];

/** The entry of a `docker save` manifest.json `ref` names: the only one, else the one tagged so. Pure. */
export function pickDockerEntry(entries: DockerArchiveEntry[], ref: string): DockerArchiveEntry {
  if (entries.length === 1) return entries[0]!;
  const want = parseReference(ref).canonical;
  const canon = (t: string) => {
    try {
      return parseReference(t).canonical;
    } catch {
      return undefined;
    }
  };
  const hit = entries.find((e) => (e.RepoTags ?? []).some((t) => canon(t) === want));
  if (!hit) throw new ImportError(`the archive holds ${entries.length} images (${entries.flatMap((e) => e.RepoTags ?? []).join(', ') || 'untagged'}) and none is ${ref}`);
  return hit;
}

/** The OCI media type of a layer file by its first bytes (docker save layers are plain tars). Pure. */
export function layerMediaType(head: Buffer): string {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'application/vnd.oci.image.layer.v1.tar+gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'application/vnd.oci.image.layer.v1.tar+zstd';
  return 'application/vnd.oci.image.layer.v1.tar';
}

/** A one-layer image config for a root filesystem (no Entrypoint, Cmd or Env: the pod says). Pure. */
export function rootfsConfig(diffId: string, platform: Platform): Buffer {
  return Buffer.from(JSON.stringify({ architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}), config: {}, rootfs: { type: 'layers', diff_ids: [diffId] } }));
}

export function manifestOf(config: Descriptor, layers: Descriptor[]): { body: Buffer; manifest: ImageManifest } {
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MEDIA.ociManifest, config, layers };
  return { body: Buffer.from(JSON.stringify(manifest)), manifest };
}

const sha256 = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function fileDigest(path: string): Promise<{ digest: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: 'sha256:' + h.digest('hex'), size };
}

function readHead(path: string, n = 6): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A file of an unpacked archive or layout, refused when it (or a link to it) leads outside `base`. */
function inside(base: string, rel: string): string {
  const p = join(base, rel);
  let real: string;
  try {
    real = realpathSync(p);
  } catch {
    throw new ImportError(`${rel}: not in the archive`);
  }
  const root = realpathSync(base);
  if (real !== root && !real.startsWith(root + sep)) throw new ImportError(`${rel}: leads outside the archive`);
  if (!statSync(real).isFile()) throw new ImportError(`${rel}: not a file`);
  return real;
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ImportError(`${what} is not JSON: ${(err as Error).message}`);
  }
}

const readJson = (path: string, what: string) => parseJson(readFileSync(path), what);

const fileSource = (files: Map<string, string>): BlobSource => ({
  blob: async (_repo: string, digest: string) => {
    const f = files.get(digest);
    if (!f) throw new ImportError(`blob ${digest} is not in the import`);
    return createReadStream(f);
  },
});

/** An OCI image layout directory. */
async function fromLayout(service: ImageService, ref: string, dir: string, platform: Platform): Promise<PulledImage> {
  const blobPath = (d: Descriptor) => inside(dir, join('blobs', ...d.digest.split(':')));
  const raw = readJson(inside(dir, 'index.json'), 'index.json') as { manifests?: { annotations?: Record<string, string> }[] };
  const index = ImageIndex.safeParse(raw);
  if (!index.success) throw new ImportError(`index.json is not an OCI index: ${index.error.issues[0]?.message}`);
  // The schema keeps what a pull needs; the names are in the annotations beside it.
  const annotated = index.data.manifests.map((d, i) => ({ ...d, annotations: raw.manifests?.[i]?.annotations }));
  const readVerified = (d: Descriptor): Buffer => {
    const body = readFileSync(blobPath(d));
    if (body.length !== d.size || sha256(body) !== d.digest) throw new ImportError(`blob ${d.digest} does not match its descriptor (${body.length} bytes, digest ${sha256(body)})`);
    return body;
  };
  const pick = pickFromIndex({ manifests: annotated }, ref, platform, (d) => {
    const inner = ImageIndex.safeParse(parseJson(readVerified(d), `index ${d.digest}`));
    if (!inner.success) throw new ImportError(`index ${d.digest} is malformed: ${inner.error.issues[0]?.message}`);
    return inner.data;
  });
  const m = ImageManifest.safeParse(parseJson(readVerified(pick), `manifest ${pick.digest}`));
  if (!m.success) throw new ImportError(`manifest ${pick.digest} is not an image manifest: ${m.error.issues[0]?.message}`);
  const files = new Map<string, string>();
  for (const d of [m.data.config, ...m.data.layers]) files.set(d.digest, blobPath(d));
  return service.importImage(ref, pick.digest, m.data, fileSource(files));
}

/** A `docker save` archive of Docker before 25 (unpacked). */
async function fromDockerArchive(service: ImageService, ref: string, dir: string): Promise<PulledImage> {
  const parsed = DockerArchiveManifest.safeParse(readJson(inside(dir, 'manifest.json'), 'manifest.json'));
  if (!parsed.success || !parsed.data.length) throw new ImportError(`manifest.json is not a docker save manifest${parsed.success ? ' (no images)' : `: ${parsed.error.issues[0]?.message}`}`);
  const entry = pickDockerEntry(parsed.data, ref);
  const files = new Map<string, string>();
  const describe = async (rel: string, mediaType: (path: string) => string): Promise<Descriptor> => {
    const path = inside(dir, rel);
    const { digest, size } = await fileDigest(path);
    files.set(digest, path);
    return { mediaType: mediaType(path), digest, size };
  };
  const config = await describe(entry.Config, () => 'application/vnd.oci.image.config.v1+json');
  const layers: Descriptor[] = [];
  for (const l of entry.Layers) layers.push(await describe(l, (p) => layerMediaType(readHead(p))));
  const { body, manifest } = manifestOf(config, layers);
  return service.importImage(ref, sha256(body), manifest, fileSource(files));
}

/** Decompress a rootfs tarball to a plain tar (its digest is then the layer's diff ID). */
async function plainTar(source: string, out: string): Promise<void> {
  const head = readHead(source);
  const tool = (cmd: string) => {
    const child = spawn(cmd, ['-dc', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    const done = new Promise<void>((resolve, reject) => {
      child.once('error', (e) => reject(new ImportError(`${cmd}: ${e.message}`)));
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new ImportError(`${cmd} -dc ${source}: ${err.trim() || `exit ${code}`}`))));
    });
    return { stream: child.stdout, done };
  };
  if (head[0] === 0x1f && head[1] === 0x8b) await pipeline(createReadStream(source), createGunzip(), createWriteStream(out));
  else if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) await runTool(tool('zstd'), out);
  else if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) await runTool(tool('xz'), out);
  else if (head.subarray(0, 3).toString('latin1') === 'BZh') await runTool(tool('bzip2'), out);
  else await pipeline(createReadStream(source), createWriteStream(out));
}

async function runTool(t: { stream: Readable; done: Promise<void> }, out: string): Promise<void> {
  await Promise.all([pipeline(t.stream, createWriteStream(out)), t.done]);
}

/** A root filesystem (tar or directory) as a one-layer image. */
async function fromRootfs(service: ImageService, ref: string, source: string, work: string, platform: Platform): Promise<PulledImage> {
  const layer = join(work, 'layer.tar');
  if (statSync(source).isDirectory()) {
    // Owners by number, as they are on disk (applied when the kubelet unpacks as root).
    execFileSync('tar', ['--numeric-owner', '-C', source, '-cf', layer, '.'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } else await plainTar(source, layer);
  const { digest, size } = await fileDigest(layer);
  const configBody = rootfsConfig(digest, platform);
  const config: Descriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(configBody), size: configBody.length };
  const files = new Map([[digest, layer]]);
  const { body, manifest } = manifestOf(config, [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size }]);
  const source2: BlobSource = {
    blob: async (repo, d) => (d === config.digest ? Readable.from([configBody]) : fileSource(files).blob(repo, d)),
  };
  return service.importImage(ref, sha256(body), manifest, source2);
}

/** The top-level names of a tar archive (any compression GNU tar reads). */
function tarTopLevel(source: string): string[] {
  const out = execFileSync('tar', ['-tf', source], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  return [...new Set(out.split('\n').filter(Boolean).map((n) => n.replace(/^\.\//, '').split('/')[0]!))];
}

export interface ImportResult {
  image: PulledImage;
  format: ImportFormat;
}

/** Import `source` into the store as `ref` (see the top of this file). */
export async function importImage(service: ImageService, ref: string, source: string, opts: { platform?: Platform } = {}): Promise<ImportResult> {
  parseReference(ref); // a name no pod could use is refused before any work
  if (!existsSync(source)) throw new ImportError(`${source}: no such file or directory`);
  const platform = opts.platform ?? nodePlatform();
  const work = mkdtempSync(join(service.blobs.tmpDir, 'import-'));
  try {
    const isDir = statSync(source).isDirectory();
    const format = formatOf(isDir ? readdirSync(source) : tarTopLevel(source));
    if (format === 'rootfs') return { format, image: await fromRootfs(service, ref, source, work, platform) };
    let dir = source;
    if (!isDir) {
      dir = join(work, 'archive');
      mkdirSync(dir);
      // GNU tar refuses ".." and strips leading "/"; links out of the archive are refused when read (inside()).
      execFileSync('tar', ['-xf', source, '-C', dir, '--no-same-owner', '--no-same-permissions'], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    const image = format === 'oci-layout' ? await fromLayout(service, ref, dir, platform) : await fromDockerArchive(service, ref, dir);
    return { format, image };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
