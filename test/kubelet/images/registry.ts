// A real registry for the image service's tests: Debian's `docker-registry` (CNCF
// Distribution 2.8) on a random loopback port with a temp filesystem root, and a pusher
// that builds busybox-based images offline and uploads them through the registry API.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MEDIA } from '../../../kubelet/images/manifest.js';
import { makeTar, type Entry } from './tar-fixtures.js';

export const haveRegistry = spawnSync('docker-registry', ['--version']).status === 0;
export const haveHtpasswd = spawnSync('htpasswd', ['-h']).error === undefined;
export const BUSYBOX = '/bin/busybox';

export const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Registry {
  host: string;
  dataDir: string;
  /** Path of a stored blob's bytes (to tamper with). */
  blobPath(digest: string): string;
  stop(): Promise<void>;
}

/** Serving over TLS: certificate and key files; clientCaFile makes it require client certificates. */
export interface RegistryTlsFiles {
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
}

/** Accepting TCP connections (a TLS registry cannot be asked over plain HTTP). */
async function listening(host: string): Promise<boolean> {
  const [h, p] = [host.slice(0, host.lastIndexOf(':')), Number(host.slice(host.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const s = net.connect(p, h, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startRegistry(dir: string, opts: { htpasswd?: { user: string; password: string }; tls?: RegistryTlsFiles } = {}): Promise<Registry> {
  const port = await freePort();
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  let auth = '';
  if (opts.htpasswd) {
    const line = spawnSync('htpasswd', ['-Bbn', opts.htpasswd.user, opts.htpasswd.password], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(dir, 'htpasswd'), line + '\n');
    auth = `auth:\n  htpasswd:\n    realm: skiff-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const cfg = join(dir, 'config.yml');
  const tls = opts.tls
    ? `  tls:\n    certificate: ${opts.tls.certFile}\n    key: ${opts.tls.keyFile}\n${opts.tls.clientCaFile ? `    clientcas:\n      - ${opts.tls.clientCaFile}\n` : ''}`
    : '';
  writeFileSync(cfg, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dataDir}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${tls}${auth}`);
  const child: ChildProcess = spawn('docker-registry', ['serve', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${out}`);
    if (opts.tls) {
      if (await listening(host)) break;
    } else
      try {
        const res = await fetch(`http://${host}/v2/`);
        if (res.status === 200 || res.status === 401) break;
      } catch {
        /* not listening yet */
      }
    if (i > 200) throw new Error(`docker-registry did not answer: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    dataDir,
    blobPath: (digest) => join(dataDir, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data'),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  data: Buffer;
}

const blob = (mediaType: string, data: Buffer): Blob => ({ mediaType, digest: sha256(data), size: data.length, data });

/** A gzip layer of tar entries, with its diff_id. */
export async function layer(entries: Entry[]): Promise<Blob & { diffId: string }> {
  const tar = await makeTar(entries);
  return { ...blob('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(tar)), diffId: sha256(tar) };
}

/** The busybox userland as a layer: /bin/busybox and a link per applet it needs. */
export async function busyboxLayer(): Promise<Blob & { diffId: string }> {
  const bin = readFileSync(BUSYBOX);
  const entries: Entry[] = [
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', body: bin, mode: 0o755 },
    ...['sh', 'echo', 'cat', 'ls', 'id', 'env', 'pwd', 'sleep', 'true'].map((a): Entry => ({ name: `bin/${a}`, type: 'link', linkname: 'bin/busybox' })),
    { name: 'etc/passwd', body: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' },
    { name: 'etc/group', body: 'root:x:0:\napp:x:1000:\n' },
  ];
  return layer(entries);
}

export interface Image {
  config: Blob;
  layers: Blob[];
  manifest: Blob;
}

export function image(layers: (Blob & { diffId: string })[], config: Record<string, unknown> = {}, arch = 'amd64'): Image {
  const cfg = blob(
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', config, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } })),
  );
  const manifest = blob(
    MEDIA.ociManifest,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.ociManifest,
        config: { mediaType: cfg.mediaType, digest: cfg.digest, size: cfg.size },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      }),
    ),
  );
  return { config: cfg, layers, manifest };
}

export function index(entries: { image: Image; os: string; architecture: string }[]): Blob {
  return blob(
    MEDIA.ociIndex,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.ociIndex,
        manifests: entries.map((e) => ({ mediaType: MEDIA.ociManifest, digest: e.image.manifest.digest, size: e.image.manifest.size, platform: { os: e.os, architecture: e.architecture } })),
      }),
    ),
  );
}

/** Upload through the registry API (monolithic blob uploads, then the manifest). */
export async function push(host: string, repo: string, ref: string, img: Image | { index: Blob; images: Image[] }, authorization?: string): Promise<void> {
  const h = (extra: Record<string, string> = {}) => ({ ...extra, ...(authorization ? { Authorization: authorization } : {}) });
  const putBlob = async (b: Blob) => {
    const head = await fetch(`http://${host}/v2/${repo}/blobs/${b.digest}`, { method: 'HEAD', headers: h() });
    if (head.ok) return;
    const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: h() });
    if (start.status !== 202) throw new Error(`upload start: ${start.status} ${await start.text()}`);
    const loc = new URL(start.headers.get('location')!, `http://${host}`);
    loc.searchParams.set('digest', b.digest);
    const put = await fetch(loc, { method: 'PUT', headers: h({ 'Content-Type': 'application/octet-stream' }), body: b.data });
    if (put.status !== 201) throw new Error(`upload ${b.digest}: ${put.status} ${await put.text()}`);
  };
  const putManifest = async (m: Blob, reference: string) => {
    const res = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, { method: 'PUT', headers: h({ 'Content-Type': m.mediaType }), body: m.data });
    if (res.status !== 201) throw new Error(`manifest ${reference}: ${res.status} ${await res.text()}`);
  };
  const images = 'index' in img ? img.images : [img];
  for (const i of images) {
    for (const b of [i.config, ...i.layers]) await putBlob(b);
    if ('index' in img) await putManifest(i.manifest, i.manifest.digest);
  }
  await putManifest('index' in img ? img.index : img.manifest, ref);
}


export const haveSkopeo = spawnSync('skopeo', ['--version']).status === 0;

/** A `docker save`-style archive (manifest.json, config, one uncompressed tar per layer), as skopeo reads it. */
export async function dockerArchive(path: string, layers: Entry[][], config: Record<string, unknown>, repoTag: string): Promise<void> {
  const tars = await Promise.all(layers.map((l) => makeTar(l)));
  const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: tars.map((t) => sha256(t)) } }));
  const cfgName = `${sha256(cfg).slice(7)}.json`;
  const entries: Entry[] = [
    { name: cfgName, body: cfg },
    ...tars.map((t, i): Entry => ({ name: `layer${i}/layer.tar`, body: t })),
    { name: 'manifest.json', body: JSON.stringify([{ Config: cfgName, RepoTags: [repoTag], Layers: tars.map((_, i) => `layer${i}/layer.tar`) }]) },
  ];
  writeFileSync(path, await makeTar(entries));
}
