// The node's image service for the process runtime (what containerd's CRI image service is
// for a real kubelet): pull an image from its registry, verify every blob, keep blobs
// content-addressed (layers shared between images), unpack each layer once.
//
//   <root>/blobs/sha256/<hex>        verified configs and layers (see blob-store.ts)
//   <root>/tmp/                      downloads in progress (swept at start)
//   <root>/layers/<chain hex>/       layered mode (overlayfs, root): one unpacked layer, shared
//                                    by every image whose layers start with the same chain
//   <root>/rootfs/<config hex>/      layered: the image's own small top layer (mount points);
//                                    copy mode: the whole unpacked image
//   <root>/meta/<config hex>/etc/    layered: the image's /etc/passwd and /etc/group (User lookup)
//   <root>/images/<config hex>.json  what the image is: config, layers, chain IDs, size
//   <root>/refs/<sha256(ref)>.json   which image a reference ("h:5000/a/b:1") names now
// Staging directories (a leading ".") are swept at start.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, createReadStream, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ImageNeverPullError, ImagePullError } from '../runtime/interface.js';
import { credentialsFor } from './auth.js';
import { BlobStore, DigestMismatchError, hexOf } from './blob-store.js';
import { formatPlatform, ImageConfig, ImageIndex, ImageManifest, isIndex, LAYER_TYPES, nodePlatform, selectPlatform, type Descriptor, type Platform } from './manifest.js';
import { parseReference, type ImageReference } from './reference.js';
import { isLoopbackRegistry, RegistryClient } from './registry-client.js';
import type { ImageFsStats, RuntimeImage } from './image-gc.js';
import { configCredentials, endpointsFor, RegistriesConfig, tlsFor } from './registries.js';
import { chainIds, lowerdirOption, mountOverlay, unmount } from './overlay.js';
import { applyLayer, NeedsLowerLayersError, resolveInRoot, sniffCompression, type Compression, type LayerStats } from './unpack.js';
import { fitOnLower, lookupLower } from './layer-stack.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface PulledImage {
  /** The config's digest: the image ID, as Docker and containerd name it. */
  id: string;
  /** Put in the store by `skiff kubelet import-image`, not pulled: present whatever the pull policy. */
  imported?: boolean;
  reference: string;
  /** repo@digest of the manifest pulled (the container status' imageID). */
  repoDigest: string;
  /** Copy mode: the unpacked image. Layered: its own top layer only (see lowerDirs). */
  rootfs: string;
  /** Layered mode: the overlay's lower directories, top first (rootfs, then the layers). */
  lowerDirs?: string[];
  /** A directory whose etc/passwd and etc/group are the image's (for User names). */
  userRoot: string;
  config: ImageConfig;
  /** Config plus layers as stored (compressed), in bytes. */
  size: number;
  layers: string[];
  /** Layered mode: the chain ID of each layer, bottom first. */
  chains?: string[];
}

type ImageRecord = Omit<PulledImage, 'rootfs' | 'reference' | 'repoDigest' | 'lowerDirs' | 'userRoot'>;

export interface EnsureOptions {
  policy: PullPolicy;
  /** `.dockerconfigjson` documents from the pod's imagePullSecrets, tried before the node's own. */
  dockerConfigs?: unknown[];
  /** Called when a download really starts (the kubelet's "Pulling" event). */
  onPulling?: () => void;
}

export interface EnsureResult {
  image: PulledImage;
  /** False when the image was already present and the policy did not ask for a pull. */
  pulled: boolean;
  durationMs: number;
}

export interface ImageServiceOptions {
  root: string;
  /** Registries spoken to over plain HTTP besides loopback ones (host[:port]). */
  plainHttpRegistries?: string[];
  /** Node-level credentials: docker config.json files (the kubelet's ROOT/config.json). */
  dockerConfigFiles?: string[];
  platform?: Platform;
  timeoutMs?: number;
  /** Layer downloads at once. */
  parallelDownloads?: number;
  /** Mirrors and per-host credentials (registries.yaml). */
  registries?: RegistriesConfig;
  /**
   * Unpack each layer once into layers/ and give containers an overlay of them (needs root and
   * overlayfs; see overlay.ts). Otherwise each image is unpacked into a directory of its own.
   */
  layered?: boolean;
  /**
   * Another process (the node's kubelet) may be using the store at the same time
   * (`skiff kubelet import-image`): sweep nothing at start, its downloads may be under way.
   */
  shared?: boolean;
}

/** Where a pull's blobs come from: a registry, or the files `skiff kubelet import-image` reads. */
export type BlobSource = Pick<RegistryClient, 'blob'>;

interface RefRecord {
  reference: string;
  id: string;
  repoDigest: string;
  imported?: true;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

export class ImageService {
  readonly blobs: BlobStore;
  private readonly platform: Platform;
  private readonly inflight = new Map<string, Promise<PulledImage>>();
  /** Blobs and images pulls under way need: never removed by GC meanwhile. */
  private readonly pullingBlobs = new Map<string, number>();
  private readonly pullingImages = new Set<string>();
  private readonly pullingChains = new Map<string, number>();

  constructor(private readonly o: ImageServiceOptions) {
    this.blobs = new BlobStore(o.root, !o.shared);
    for (const d of ['rootfs', 'images', 'refs', 'layers', 'meta']) mkdirSync(join(o.root, d), { recursive: true });
    // Unpacks a killed kubelet left half done (a staging overlay may still be mounted).
    if (!o.shared) for (const d of ['rootfs', 'layers', 'meta'])
      for (const e of readdirSync(join(o.root, d))) {
        if (!e.startsWith('.')) continue;
        unmount(join(o.root, d, e, 'merged'));
        rmSync(join(o.root, d, e), { recursive: true, force: true });
      }
    this.platform = o.platform ?? nodePlatform();
  }

  /** The image a reference names on this node, if it was pulled. */
  lookup(ref: string): PulledImage | undefined {
    let r: ImageReference;
    try {
      r = parseReference(ref);
    } catch {
      return undefined;
    }
    try {
      const rec = JSON.parse(readFileSync(join(this.o.root, 'refs', sha(r.canonical) + '.json'), 'utf8')) as RefRecord;
      const img = JSON.parse(readFileSync(join(this.o.root, 'images', hexOf(rec.id) + '.json'), 'utf8')) as ImageRecord;
      const rootfs = join(this.o.root, 'rootfs', hexOf(rec.id));
      if (!existsSync(rootfs)) return undefined;
      const imported = rec.imported ? { imported: true } : {};
      if (!img.chains) return { ...img, ...imported, reference: r.canonical, repoDigest: rec.repoDigest, rootfs, userRoot: rootfs };
      const lowerDirs = [rootfs, ...img.chains.map((c) => this.layerDir(c)).reverse()];
      if (!lowerDirs.every((d) => existsSync(d))) return undefined;
      return { ...img, ...imported, reference: r.canonical, repoDigest: rec.repoDigest, rootfs, lowerDirs, userRoot: join(this.o.root, 'meta', hexOf(rec.id)) };
    } catch {
      return undefined;
    }
  }

  /** Every pulled image with the references that name it (CRI's ListImages). */
  list(): RuntimeImage[] {
    const names = new Map<string, { tags: string[]; digests: string[] }>();
    for (const f of readdirSync(join(this.o.root, 'refs'))) {
      if (!f.endsWith('.json')) continue;
      let rec: RefRecord;
      try {
        rec = JSON.parse(readFileSync(join(this.o.root, 'refs', f), 'utf8')) as RefRecord;
      } catch {
        continue; // a half-written record cannot exist (atomic writes); an unreadable one names nothing
      }
      const n = names.get(rec.id) ?? { tags: [], digests: [] };
      (rec.reference.includes('@') ? n.digests : n.tags).push(rec.reference);
      names.set(rec.id, n);
    }
    const out: RuntimeImage[] = [];
    for (const f of readdirSync(join(this.o.root, 'images'))) {
      if (!f.endsWith('.json')) continue;
      const id = `sha256:${f.slice(0, -'.json'.length)}`;
      let rec: Pick<PulledImage, 'size'>;
      try {
        rec = JSON.parse(readFileSync(join(this.o.root, 'images', f), 'utf8')) as Pick<PulledImage, 'size'>;
      } catch {
        continue;
      }
      const n = names.get(id) ?? { tags: [], digests: [] };
      out.push({ id, repoTags: n.tags.sort(), repoDigests: n.digests.sort(), sizeBytes: rec.size });
    }
    return out;
  }

  /**
   * Remove an image: the references naming it, its record, its unpacked root and every blob no
   * other image (nor a pull under way) needs. Refused while the image itself is being pulled.
   */
  remove(id: string): void {
    const hex = hexOf(id);
    if (this.pullingImages.has(id)) throw new Error(`image ${id} is being pulled`);
    for (const f of readdirSync(join(this.o.root, 'refs'))) {
      try {
        const rec = JSON.parse(readFileSync(join(this.o.root, 'refs', f), 'utf8')) as RefRecord;
        if (rec.id === id) rmSync(join(this.o.root, 'refs', f), { force: true });
      } catch {
        /* unreadable: not this image's */
      }
    }
    // The record goes before the root: a reader never finds a record whose root is half gone.
    rmSync(join(this.o.root, 'images', hex + '.json'), { force: true });
    rmSync(join(this.o.root, 'rootfs', hex), { recursive: true, force: true });
    rmSync(join(this.o.root, 'meta', hex), { recursive: true, force: true });
    const keep = new Set<string>([...this.pullingBlobs.keys()]);
    const keepChains = new Set<string>([...this.pullingChains.keys()].map(hexOf));
    for (const f of readdirSync(join(this.o.root, 'images'))) {
      if (!f.endsWith('.json')) continue;
      try {
        const rec = JSON.parse(readFileSync(join(this.o.root, 'images', f), 'utf8')) as ImageRecord;
        keep.add(`sha256:${f.slice(0, -'.json'.length)}`);
        for (const l of rec.layers) keep.add(l);
        for (const c of rec.chains ?? []) keepChains.add(hexOf(c));
      } catch {
        return; // cannot tell what another image needs: keep every blob and layer
      }
    }
    for (const b of this.blobs.list()) if (!keep.has(b)) this.blobs.delete(b);
    for (const l of readdirSync(join(this.o.root, 'layers'))) if (!l.startsWith('.') && !keepChains.has(l)) rmSync(join(this.o.root, 'layers', l), { recursive: true, force: true });
  }

  /** The filesystem the store is on (CRI's ImageFsInfo). */
  fsStats(): ImageFsStats {
    const st = statfsSync(this.o.root);
    return { capacityBytes: st.blocks * st.bsize, availableBytes: st.bavail * st.bsize };
  }

  /** Apply the pull policy: pull when asked to or when absent. */
  async ensure(ref: string, opts: EnsureOptions): Promise<EnsureResult> {
    const start = Date.now();
    const present = this.lookup(ref);
    // An imported image has no registry to pull it again from: it is local whatever the policy.
    if (present && (opts.policy !== 'Always' || present.imported)) return { image: present, pulled: false, durationMs: 0 };
    if (!present && opts.policy === 'Never') throw new ImageNeverPullError(`Container image "${ref}" is not present with pull policy of Never`);
    opts.onPulling?.();
    const image = await this.pull(ref, opts.dockerConfigs ?? []);
    return { image, pulled: true, durationMs: Date.now() - start };
  }

  /** Pull (one download however many pods ask at once). */
  pull(ref: string, dockerConfigs: unknown[]): Promise<PulledImage> {
    let r: ImageReference;
    try {
      r = parseReference(ref);
    } catch (err) {
      return Promise.reject(new ImagePullError((err as Error).message));
    }
    const running = this.inflight.get(r.canonical);
    if (running) return running;
    const p = this.doPull(r, dockerConfigs).finally(() => this.inflight.delete(r.canonical));
    this.inflight.set(r.canonical, p);
    return p;
  }

  /**
   * `skiff kubelet import-image`: make `ref` name the image `manifest` describes, its blobs read
   * from `source` (files of an OCI layout, a `docker save` archive or a root filesystem) —
   * verified into the store and unpacked exactly as a pulled image's.
   */
  async importImage(ref: string, manifestDigest: string, manifest: ImageManifest, source: BlobSource): Promise<PulledImage> {
    const r = parseReference(ref);
    const held = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
    for (const b of held) this.hold(b, 1);
    this.pullingImages.add(manifest.config.digest);
    try {
      return await this.pullBlobs(source, r, r.repository, `${r.registry}/${r.repository}@${manifestDigest}`, manifestDigest, manifest, true);
    } finally {
      for (const b of held) this.hold(b, -1);
      this.pullingImages.delete(manifest.config.digest);
    }
  }

  private nodeDockerConfigs(): unknown[] {
    const out: unknown[] = [];
    for (const f of this.o.dockerConfigFiles ?? []) {
      try {
        out.push(JSON.parse(readFileSync(f, 'utf8')));
      } catch {
        /* absent or unreadable: no node credentials from it */
      }
    }
    return out;
  }

  private async doPull(r: ImageReference, dockerConfigs: unknown[]): Promise<PulledImage> {
    // Mirrors first (registries.yaml), then the registry itself: the first endpoint that serves
    // the manifest serves the rest of the pull.
    const registries = this.o.registries ?? RegistriesConfig.parse({});
    const configs = [...dockerConfigs, ...this.nodeDockerConfigs()];
    // Loopback registries are plain HTTP (as Docker has them) unless registries.yaml gives them TLS.
    const plainHttp = !registries.configs[r.registry]?.tls && (isLoopbackRegistry(r.registry) || (this.o.plainHttpRegistries ?? []).includes(r.registry));
    const endpoints = endpointsFor(registries, r.registry, r.repository, plainHttp);
    let client: RegistryClient | undefined;
    let repo = r.repository;
    let m: { body: Buffer; mediaType: string; digest: string } | undefined;
    const failures: string[] = [];
    for (const e of endpoints) {
      let tls;
      try {
        tls = tlsFor(registries, e.host);
      } catch (err) {
        failures.push((err as Error).message);
        continue;
      }
      const c = new RegistryClient({
        tls,
        registry: e.upstream ? r.registry : e.host,
        plainHttp,
        endpoint: e.upstream ? undefined : e.base,
        credentials: [...configCredentials(registries, e.host), ...credentialsFor(e.host, configs)],
        timeoutMs: this.o.timeoutMs,
      });
      try {
        m = await c.manifest(e.repository, r.digest ?? r.tag!);
        client = c;
        repo = e.repository;
        break;
      } catch (err) {
        if (!(err instanceof ImagePullError)) throw err;
        failures.push(e.upstream ? err.message : `mirror ${e.base}: ${err.message}`);
      }
    }
    if (!client || !m) {
      const upstream = failures[failures.length - 1]!;
      throw new ImagePullError(failures.length > 1 ? `${upstream} (after ${failures.slice(0, -1).join('; ')})` : upstream);
    }
    if (r.digest && m.digest !== r.digest) throw new ImagePullError(`manifest ${r.canonical}: the registry served content with digest ${m.digest}`);
    const repoDigest = `${r.registry}/${r.repository}@${m.digest}`;
    let body = parseJson(m.body, `manifest of ${r.canonical}`);
    if (isIndex(m.mediaType, body)) {
      const index = ImageIndex.safeParse(body);
      if (!index.success) throw new ImagePullError(`manifest list of ${r.canonical} is malformed: ${index.error.issues[0]?.message}`);
      const pick = selectPlatform(index.data, this.platform);
      if (!pick) {
        const have = index.data.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : '?')).join(', ');
        throw new ImagePullError(`no matching manifest for ${formatPlatform(this.platform)} in the manifest list entries of ${r.canonical} (it has ${have || 'none'})`);
      }
      m = await client.manifest(repo, pick.digest);
      if (m.digest !== pick.digest || m.body.length !== pick.size) throw new ImagePullError(`manifest ${pick.digest} of ${r.canonical}: the registry served ${m.body.length} bytes with digest ${m.digest}`);
      body = parseJson(m.body, `manifest ${pick.digest}`);
    }
    const parsed = ImageManifest.safeParse(body);
    if (!parsed.success) throw new ImagePullError(`manifest of ${r.canonical} is not an image manifest (${m.mediaType || 'no media type'}): ${parsed.error.issues[0]?.message}`);
    const manifest = parsed.data;

    const id = manifest.config.digest;
    const held = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
    for (const b of held) this.hold(b, 1);
    this.pullingImages.add(id);
    try {
      return await this.pullBlobs(client, r, repo, repoDigest, m.digest, manifest);
    } finally {
      for (const b of held) this.hold(b, -1);
      this.pullingImages.delete(id);
    }
  }

  private async pullBlobs(client: BlobSource, r: ImageReference, repo: string, repoDigest: string, manifestDigest: string, manifest: ImageManifest, imported = false): Promise<PulledImage> {
    await this.fetchBlob(client, repo, manifest.config);
    const config = ImageConfig.safeParse(parseJson(readFileSync(this.blobs.path(manifest.config.digest)), `config ${manifest.config.digest}`));
    if (!config.success) throw new ImagePullError(`image config ${manifest.config.digest} is malformed: ${config.error.issues[0]?.message}`);

    const id = manifest.config.digest;
    const rootfs = join(this.o.root, 'rootfs', hexOf(id));
    // Layered when asked, when the config names every layer's diff ID (chain IDs come from
    // them) and when the stack fits one mount; otherwise the image gets a directory of its own.
    const diffIds = config.data.rootfs?.diff_ids ?? [];
    const chains = chainIds(diffIds);
    const layered = !!this.o.layered && manifest.layers.length > 0 && diffIds.length === manifest.layers.length && !!lowerdirOption([rootfs, ...chains.map((c) => this.layerDir(c))]);
    const previous = this.record(id);
    const complete = !!previous && existsSync(rootfs) && (previous.chains ?? []).every((c) => existsSync(this.layerDir(c)));
    const parallel = this.o.parallelDownloads ?? 3;
    // Layered: every layer not on the node yet downloads and unpacks at once, each alone into
    // a directory of its own (stage), then they are stacked in order. Otherwise layers download
    // in parallel (a few at a time) while earlier ones are unpacked in order. Nothing is used
    // before its digest was verified.
    const staged = layered && !complete ? limited([...manifest.layers.keys()], parallel, (i) => this.stageLayer(client, repo, manifest.layers[i]!, chains[i]!)) : [];
    const downloads: Promise<unknown>[] = staged.length ? staged : limited(manifest.layers, parallel, (d) => this.fetchBlob(client, repo, d));
    for (const d of downloads) d.catch(() => undefined); // handled below, whenever it fails
    let chainsUsed: string[] | undefined;
    for (const c of chains) this.hold(c, 1, this.pullingChains);
    try {
      if (complete) chainsUsed = previous.chains;
      else {
        rmSync(rootfs, { recursive: true, force: true }); // a root without its record: redo it
        if (layered) {
          await this.unpackLayered(id, manifest.layers, chains, diffIds, (i) => staged[i]!);
          chainsUsed = chains;
        } else await this.unpack(rootfs, manifest.layers, config.data, (i) => downloads[i]!);
      }
    } finally {
      for (const c of chains) this.hold(c, -1, this.pullingChains);
      // Every download ends (verified and kept, or removed) before the pull reports.
      await Promise.allSettled(downloads);
      // Staged layers not stacked (the pull failed first) go too; a stacked one was renamed away.
      for (const s of await Promise.allSettled(staged)) if (s.status === 'fulfilled' && s.value) rmSync(s.value.staging, { recursive: true, force: true });
    }
    for (const d of downloads) await d;
    const record: ImageRecord = {
      id,
      config: config.data,
      size: manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0),
      layers: manifest.layers.map((l) => l.digest),
      ...(chainsUsed ? { chains: chainsUsed } : {}),
    };
    writeJsonAtomic(join(this.o.root, 'images', hexOf(id) + '.json'), record);
    const refRecord: RefRecord = { reference: r.canonical, id, repoDigest, ...(imported ? { imported: true as const } : {}) };
    writeJsonAtomic(join(this.o.root, 'refs', sha(r.canonical) + '.json'), refRecord);
    // A tag pull is also reachable by its digest.
    if (!r.digest) writeJsonAtomic(join(this.o.root, 'refs', sha(`${r.registry}/${r.repository}@${manifestDigest}`) + '.json'), { ...refRecord, reference: `${r.registry}/${r.repository}@${manifestDigest}` });
    const image = this.lookup(r.canonical);
    if (!image) throw new ImagePullError(`image ${id} was removed while it was being pulled`);
    return image;
  }

  private hold(digest: string, delta: 1 | -1, held = this.pullingBlobs): void {
    const n = (held.get(digest) ?? 0) + delta;
    if (n > 0) held.set(digest, n);
    else held.delete(digest);
  }

  private layerDir(chain: string): string {
    return join(this.o.root, 'layers', hexOf(chain));
  }

  /**
   * Download a blob into the store (unless there), verified. `tee` sees the bytes as they come
   * (see BlobStore.write); its failure is returned, not thrown.
   */
  private async fetchBlob(client: BlobSource, repo: string, d: Descriptor, tee?: (bytes: Readable) => Promise<unknown>): Promise<{ teeError?: unknown } | undefined> {
    if (this.blobs.has(d.digest, d.size)) return undefined;
    const body = await client.blob(repo, d.digest);
    try {
      return await this.blobs.write(d.digest, d.size, body, tee);
    } catch (err) {
      if (err instanceof ImagePullError || err instanceof DigestMismatchError) throw new ImagePullError((err as Error).message);
      // A connection cut or gone silent mid-body: the partial blob was removed by the store.
      const why = (err as Error).message;
      throw new ImagePullError(`blob ${d.digest}: download failed after a partial transfer (${why})`);
    }
  }

  private record(id: string): ImageRecord | undefined {
    try {
      return JSON.parse(readFileSync(join(this.o.root, 'images', hexOf(id) + '.json'), 'utf8')) as ImageRecord;
    } catch {
      return undefined;
    }
  }

  /** Apply one layer's blob to a directory (a plain root, or an overlay of the layers below). */
  private async applyBlob(dir: string, l: Descriptor, wantDiffId: string | undefined): Promise<void> {
    const path = this.blobs.path(l.digest);
    const compression: Compression = LAYER_TYPES[l.mediaType] ?? sniffCompression(readHead(path));
    let stats;
    try {
      stats = await applyLayer(dir, createReadStream(path), { compression });
    } catch (err) {
      throw new ImagePullError(`layer ${l.digest}: ${(err as Error).message}`);
    }
    if (wantDiffId && wantDiffId !== stats.diffId) throw new ImagePullError(`layer ${l.digest}: uncompressed content has digest ${stats.diffId}, the image config says ${wantDiffId}`);
  }

  /**
   * Layered mode, one layer: download it and unpack it alone into a staging directory as the
   * bytes arrive (or from the blob, when the node has it). Nothing to do when the node has the
   * layer unpacked already. Resolves once the blob is verified; the unpack's own failure is
   * kept for unpackLayered to judge.
   */
  private async stageLayer(client: BlobSource, repo: string, d: Descriptor, chain: string): Promise<StagedLayer | undefined> {
    if (existsSync(this.layerDir(chain))) {
      await this.fetchBlob(client, repo, d);
      return undefined;
    }
    const staging = join(this.o.root, 'layers', `.${randomBytes(8).toString('hex')}`);
    mkdirSync(staging, { mode: 0o755 });
    const staged: StagedLayer = { staging };
    const compression = LAYER_TYPES[d.mediaType];
    const unpack = async (bytes: Readable) => {
      staged.stats = await applyLayer(staging, bytes, { compression, ownLayerOnly: true });
    };
    try {
      if (!compression) await this.fetchBlob(client, repo, d); // sniffed from the blob later
      else if (this.blobs.has(d.digest, d.size)) await unpack(createReadStream(this.blobs.path(d.digest))).catch((err: unknown) => (staged.error = err));
      else staged.error = (await this.fetchBlob(client, repo, d, unpack))?.teeError;
      if (!compression) staged.error = new NeedsLowerLayersError('layer media type unknown');
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    return staged;
  }

  /**
   * Layered mode: stack the staged layers in order (each checked against the ones below; a
   * layer that needs them — whiteouts, links through a lower symlink — is applied again onto an
   * overlay of them), then the image's own top layer gets the mount points and its /etc/passwd
   * and /etc/group are copied out for User lookups.
   */
  private async unpackLayered(id: string, layers: Descriptor[], chains: string[], diffIds: string[], staged: (i: number) => Promise<StagedLayer | undefined>): Promise<void> {
    const below = (i: number) => chains.slice(0, i).map((c) => this.layerDir(c)).reverse();
    for (const [i, l] of layers.entries()) {
      const s = await staged(i);
      const final = this.layerDir(chains[i]!);
      if (!s || existsSync(final)) continue; // unpacked before, by this image or one sharing its base
      if (s.stats && !s.error) {
        if (s.stats.diffId !== diffIds[i]) throw new ImagePullError(`layer ${l.digest}: uncompressed content has digest ${s.stats.diffId}, the image config says ${diffIds[i]}`);
        if (fitOnLower(s.staging, s.stats.implicitDirs ?? [], below(i))) {
          commitDir(s.staging, final);
          continue;
        }
      } else if (!(s.error instanceof NeedsLowerLayersError)) throw new ImagePullError(`layer ${l.digest}: ${(s.error as Error).message}`);
      rmSync(s.staging, { recursive: true, force: true });
      await this.overStack(join(this.o.root, 'layers'), below(i), final, (dir) => this.applyBlob(dir, l, diffIds[i]));
    }
    const hex = hexOf(id);
    const meta = join(this.o.root, 'meta', `.${hex}.${randomBytes(4).toString('hex')}`);
    mkdirSync(join(meta, 'etc'), { recursive: true });
    try {
      if (!topLayerUnmounted(below(layers.length), join(this.o.root, 'rootfs'), join(this.o.root, 'rootfs', hex), meta))
        await this.overStack(join(this.o.root, 'rootfs'), below(layers.length), join(this.o.root, 'rootfs', hex), async (dir) => {
        ensureMountPoints(dir);
        for (const f of ['passwd', 'group']) {
          try {
            const comps = resolveInRoot(dir, ['etc', f], `/etc/${f}`);
            copyFileSync(join(dir, ...comps), join(meta, 'etc', f));
          } catch {
            /* absent or not a file: no names to look up */
          }
        }
      });
      rmSync(join(this.o.root, 'meta', hex), { recursive: true, force: true });
      renameSync(meta, join(this.o.root, 'meta', hex));
    } finally {
      rmSync(meta, { recursive: true, force: true });
    }
  }

  /**
   * Make `final` the upper directory of `fill` run on an overlay of `lower` (top first), or on a
   * plain directory when there is nothing below. Staged beside it; when another pull made the
   * same directory meanwhile, theirs is kept.
   */
  private async overStack(parent: string, lower: string[], final: string, fill: (dir: string) => Promise<void>): Promise<void> {
    const staging = join(parent, `.${randomBytes(8).toString('hex')}`);
    const upper = join(staging, 'diff');
    mkdirSync(upper, { recursive: true, mode: 0o755 });
    try {
      if (!lower.length) await fill(upper);
      else {
        const merged = join(staging, 'merged');
        mkdirSync(join(staging, 'work'));
        mkdirSync(merged);
        mountOverlay(lower, upper, join(staging, 'work'), merged);
        try {
          await fill(merged);
        } finally {
          unmount(merged);
        }
      }
      commitDir(upper, final);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  private async unpack(rootfs: string, layers: Descriptor[], config: ImageConfig, downloaded: (i: number) => Promise<unknown>): Promise<void> {
    const staging = join(this.o.root, 'rootfs', `.${hexOf(layers[0]?.digest ?? 'sha256:' + '0'.repeat(64))}.${randomBytes(4).toString('hex')}`);
    mkdirSync(staging, { recursive: true, mode: 0o755 });
    try {
      for (const [i, l] of layers.entries()) {
        await downloaded(i);
        const path = this.blobs.path(l.digest);
        const compression: Compression = LAYER_TYPES[l.mediaType] ?? sniffCompression(readHead(path));
        let stats;
        try {
          stats = await applyLayer(staging, createReadStream(path), { compression });
        } catch (err) {
          throw new ImagePullError(`layer ${l.digest}: ${(err as Error).message}`);
        }
        const want = config.rootfs?.diff_ids[i];
        if (want && want !== stats.diffId) throw new ImagePullError(`layer ${l.digest}: uncompressed content has digest ${stats.diffId}, the image config says ${want}`);
      }
      ensureMountPoints(staging);
      renameSync(staging, rootfs);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    }
  }
}

/**
 * The image's own top layer without mounting the stack, when the layers below are plain
 * about it: the mount points that are not directories below, and /etc/passwd and /etc/group
 * copied out when they are files. False (nothing done) when a symlink is in the way: then the
 * stack is mounted and the names resolved through it.
 */
function topLayerUnmounted(lowerTopFirst: string[], parent: string, final: string, meta: string): boolean {
  const points = MOUNT_POINTS.map((d) => ({ d, below: lookupLower(lowerTopFirst, [d]) }));
  const names = ['passwd', 'group'].map((f) => ({ f, below: lookupLower(lowerTopFirst, ['etc', f]) }));
  if (names.some((n) => n.below.kind === 'symlink') || points.some((p) => p.d === 'etc' && p.below.kind !== 'directory' && p.below.kind !== 'absent')) return false;
  const staging = join(parent, `.${randomBytes(8).toString('hex')}`);
  mkdirSync(staging, { mode: 0o755 });
  try {
    for (const { d, below } of points) if (below.kind !== 'directory') makeMountPoint(join(staging, d), d);
    for (const { f, below } of names) if (below.kind === 'other' && below.stats.isFile()) copyFileSync(below.path, join(meta, 'etc', f));
    commitDir(staging, final);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return true;
}

const MOUNT_POINTS = ['proc', 'dev', 'tmp', 'etc'];

function makeMountPoint(path: string, name: string): void {
  mkdirSync(path);
  chmodSync(path, name === 'tmp' ? 0o1777 : 0o755); // not through the umask
}

/** A layer unpacked alone, staged (see stageLayer). */
interface StagedLayer {
  staging: string;
  stats?: LayerStats;
  error?: unknown;
}

/** Rename a finished directory into place; when another pull made the same one meanwhile, theirs is kept. */
function commitDir(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if (!existsSync(to)) throw err;
    rmSync(from, { recursive: true, force: true });
  }
}

/**
 * Mount points the process runtime needs in every image: real directories, never a symlink
 * that would carry a mount out of the root.
 */
function ensureMountPoints(root: string): void {
  for (const d of MOUNT_POINTS) {
    const p = join(root, d);
    let isDir = false;
    try {
      isDir = lstatSync(p).isDirectory();
    } catch {
      /* absent */
    }
    if (!isDir) {
      rmSync(p, { recursive: true, force: true });
      makeMountPoint(p, d);
    }
  }
}

/** Run `fn` over items with at most `n` at once; one promise per item, in order. */
function limited<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R>[] {
  let running = 0;
  const waiting: (() => void)[] = [];
  return items.map(async (item) => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await fn(item);
    } finally {
      running--;
      waiting.shift()?.();
    }
  });
}

function parseJson(buf: Buffer, what: string): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new ImagePullError(`${what} is not JSON`);
  }
}

function readHead(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    readSync(fd, buf, 0, 4, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}
