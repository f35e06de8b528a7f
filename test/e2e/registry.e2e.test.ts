// End to end over `skiff up --registry` (process runtime, root): two busybox-based images built
// offline as an OCI layout (from the host's busybox-static), pushed with `skopeo copy` to the
// cluster's own registry at localhost:PORT; a Deployment of :1, rolled to :2 with the real
// `kubectl set image`; the nodes' store holds the shared base layer once; with the image GC
// thresholds forced low (passed through skiff up), the unused :1 is collected; and
// `kubectl describe pod` shows the Pulling/Pulled events. Everything goes with the cluster.
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA } from '../../kubelet/images/manifest.js';
import { busyboxLayer, image, layer, type Image } from '../kubelet/images/registry.js';
import { removeDir } from '../support/temp.js';
import { Cluster, freePort, until } from './cluster.js';

const isRoot = process.getuid?.() === 0;
const have = (cmd: string, ...args: string[]) => spawnSync(cmd, args).status === 0;
const ready = isRoot && have('docker-registry', '--version') && have('skopeo', '--version') && have('kubectl', 'version', '--client') && fs.existsSync('/bin/busybox');

const cluster = new Cluster({ nodes: 1, runtime: 'process' });
const N1 = `${cluster.nodePrefix}1`;
let port = 0;
let work = '';
let one: Image;
let two: Image;
let base: Awaited<ReturnType<typeof busyboxLayer>>;
const store = () => path.join(cluster.dataDir, 'nodes', N1, 'images', '.oci');
const layerDirs = () => fs.readdirSync(path.join(store(), 'layers')).filter((d) => !d.startsWith('.')).sort();

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: cluster.env(), maxBuffer: 16 << 20, timeout: 180_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}
/** The real kubectl against the cluster; must succeed. */
async function kubectl(...args: string[]): Promise<string> {
  const r = await run('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args]);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** An OCI image layout holding these images, each under its tag (ref.name), as skopeo reads it. */
function writeLayout(dir: string, images: Record<string, Image>): void {
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const img of Object.values(images)) for (const b of [img.config, img.manifest, ...img.layers]) fs.writeFileSync(path.join(dir, 'blobs', 'sha256', b.digest.slice(7)), b.data);
  fs.writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: Object.entries(images).map(([tag, img]) => ({ mediaType: MEDIA.ociManifest, digest: img.manifest.digest, size: img.manifest.size, annotations: { 'org.opencontainers.image.ref.name': tag } })),
    }),
  );
}

const DEPLOYMENT = (img: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: demo }
spec:
  replicas: 2
  selector: { matchLabels: { app: demo } }
  template:
    metadata: { labels: { app: demo } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: demo
        image: ${img}
`;

interface NodeImage {
  names?: string[];
  sizeBytes?: number;
}
async function nodeImages(): Promise<NodeImage[]> {
  return (JSON.parse(await kubectl('get', 'node', N1, '-o', 'json')) as { status?: { images?: NodeImage[] } }).status?.images ?? [];
}
const listed = (imgs: NodeImage[], ref: string) => imgs.some((i) => i.names?.includes(ref));

beforeAll(async () => {
  if (!ready) return;
  work = fs.mkdtempSync(path.join(cluster.dir, 'images-'));
  base = await busyboxLayer();
  // Both run the image's own command (no command in the pod): the config's Cmd.
  const cmd = (v: string) => ({ Cmd: ['/bin/sh', '-c', `echo demo ${v}; cat /etc/version; exec sleep 3600`] });
  one = image([base, await layer([{ name: 'etc/version', body: 'one\n' }])], cmd('1'));
  two = image([base, await layer([{ name: 'etc/version', body: 'two\n' }])], cmd('2'));
  writeLayout(path.join(work, 'layout'), { '1': one, '2': two });
  port = await freePort();
  // GC due on every pass (any real disk is above 1 %), every second, for images unused 10 s.
  cluster.extraEnv = { SKIFF_KUBELET_IMAGE_GC_PERIOD_MS: '1000' };
  await cluster.up(['--registry', String(port), '--image-gc-high-threshold', '1', '--image-gc-low-threshold', '0', '--minimum-image-ttl-duration', '10s']);
}, 240_000);

afterAll(async () => {
  await cluster.destroy();
  removeDir(work);
}, 180_000);

describe.skipIf(!ready)('skiff up --registry: push, run, roll, share, collect', () => {
  it('runs the registry as a component and says where it is', async () => {
    expect(cluster.output).toContain(`registry     localhost:${port}   (data in ${path.join(cluster.dataDir, 'registry')}`);
    const comps = JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'components.json'), 'utf8')) as { name: string; role?: string }[];
    expect(comps).toContainEqual(expect.objectContaining({ name: 'registry', role: 'registry' }));
    expect((await fetch(`http://127.0.0.1:${port}/v2/`)).status).toBe(200);
  });

  it('restarts the registry when it crashes', async () => {
    const pidOf = () => (JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'components.json'), 'utf8')) as { name: string; pid: number }[]).find((c) => c.name === 'registry')?.pid;
    const first = pidOf()!;
    process.kill(first, 'SIGKILL');
    await until('the registry restarted and serving', async () => {
      const now = pidOf();
      return now && now !== first && (await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status === 200, () => false));
    }, 60_000);
    expect(cluster.output).toMatch(/registry exited \(SIGKILL\); restarting in \d+s/);
  });

  it('takes images pushed with skopeo, runs a Deployment of :1 and rolls it to :2 with kubectl set image', async () => {
    for (const tag of ['1', '2']) {
      const r = await run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${path.join(work, 'layout')}:${tag}`, `docker://localhost:${port}/demo:${tag}`]);
      expect(r.code, r.stderr).toBe(0);
    }
    // The registry keeps what was pushed in the data dir.
    expect(fs.existsSync(path.join(cluster.dataDir, 'registry', 'docker', 'registry', 'v2', 'repositories', 'demo'))).toBe(true);

    await cluster.ok(['apply', '-f', '-'], { input: DEPLOYMENT(`localhost:${port}/demo:1`) });
    await kubectl('rollout', 'status', 'deployment/demo', '--timeout=180s');
    const pods1 = (await kubectl('get', 'pods', '-l', 'app=demo', '-o', 'jsonpath={.items[*].metadata.name}')).split(' ').filter(Boolean);
    expect(pods1).toHaveLength(2);
    for (const p of pods1) await until(`${p} logs`, async () => (await kubectl('logs', p)) === 'demo 1\none\n', 60_000);
    // Two pods of one image: the base and :1's top layer, each unpacked once on the node.
    expect(layerDirs()).toHaveLength(2);

    await kubectl('set', 'image', 'deployment/demo', `demo=localhost:${port}/demo:2`);
    await kubectl('rollout', 'status', 'deployment/demo', '--timeout=180s');
    const pods2 = JSON.parse(await kubectl('get', 'pods', '-l', 'app=demo', '-o', 'json')) as { items: { metadata: { name: string; deletionTimestamp?: string }; spec: { containers: { image: string }[] } }[] };
    const current = pods2.items.filter((p) => !p.metadata.deletionTimestamp && p.spec.containers[0]!.image.endsWith('demo:2'));
    expect(current).toHaveLength(2);
    for (const p of current) await until(`${p.metadata.name} logs`, async () => (await kubectl('logs', p.metadata.name)) === 'demo 2\ntwo\n', 60_000);

    // The base layer is shared by :1 and :2: its one directory (named by its chain ID, its diff
    // ID) stands under both top layers — three directories at most (two once GC took :1's), one blob of it.
    expect(layerDirs()).toContain(base.diffId.slice(7));
    expect(layerDirs().length).toBeLessThanOrEqual(3);
    expect(fs.readdirSync(path.join(store(), 'blobs', 'sha256')).filter((b) => `sha256:${b}` === base.digest)).toHaveLength(1);

    // kubectl describe shows how the image came: Pulling, then Pulled (or already present for the second pod).
    const described = await Promise.all(current.map((p) => kubectl('describe', 'pod', p.metadata.name)));
    const pulledHere = described.find((d) => /Pulling\s+.*Pulling image "localhost:\d+\/demo:2"/.test(d));
    expect(pulledHere, described.join('\n----\n')).toBeDefined();
    expect(pulledHere).toMatch(new RegExp(`Pulled\\s+.*Successfully pulled image "localhost:${port}/demo:2" in [\\d.]+m?s`));
    for (const d of described) expect(d).toMatch(new RegExp(`Pulled\\s+.*(Successfully pulled image|Container image) "localhost:${port}/demo:2"`));
  }, 600_000);

  it('collects the unused :1 once the GC thresholds are passed, keeping :2 and the shared base', async () => {
    const ref1 = `localhost:${port}/demo:1`;
    const ref2 = `localhost:${port}/demo:2`;
    const imgs = await until('demo:1 gone from the node\'s status.images', async () => {
      const i = await nodeImages();
      return !listed(i, ref1) && listed(i, ref2) ? i : undefined;
    }, 120_000, 1000);
    expect(imgs.find((i) => i.names?.includes(ref2))?.sizeBytes).toBe(two.config.size + two.layers.reduce((n, l) => n + l.size, 0));
    const blobs = fs.readdirSync(path.join(store(), 'blobs', 'sha256')).map((b) => `sha256:${b}`);
    expect(blobs).not.toContain(one.layers[1]!.digest);
    expect(blobs).not.toContain(one.config.digest);
    expect(blobs).toContain(base.digest);
    expect(layerDirs()).toHaveLength(2);
    expect(layerDirs()).toContain(base.diffId.slice(7));
    // Still serving: the running pods were never touched.
    expect((await kubectl('get', 'deployment', 'demo', '-o', 'jsonpath={.status.availableReplicas}'))).toBe('2');
    const events = await kubectl('get', 'events', '-A', '--field-selector', 'reason=FreeDiskSpaceFailed', '-o', 'name');
    expect(events).not.toBe(''); // 0 % can never be reached: the kubelet says so on the Node
  }, 300_000);
});
