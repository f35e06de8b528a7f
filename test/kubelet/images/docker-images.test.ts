// Images of the docker runtime through the Engine API: the Node's status.images from
// `GET /images/json`, and image GC (the same planner as the process runtime) removing an
// image no container uses with `DELETE /images/…` — never one a container was made from,
// never the sandbox image. A private dockerd (the docker kubelet test's harness), images
// imported offline, the real API server and `skiff kubelet --runtime docker`.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Node } from '../../../api/core/index.js';
import type { RestClient } from '../../../client/rest.js';
import { DockerRuntime } from '../../../kubelet/runtime/docker.js';
import {
  client,
  dockerRequest,
  importBusyboxIntoDocker,
  makeBusyboxRootfs,
  podManifest,
  removeDir,
  startApiServer,
  startDockerd,
  startKubelet,
  suffix,
  tempDir,
  waitFor,
  type Dockerd,
  type KubeletProc,
  type Proc,
} from '../harness.js';

const started = await startDockerd();
const skip = 'skip' in started ? started.skip : undefined;
const dockerd = 'skip' in started ? undefined : (started as Dockerd);
if (skip) console.warn(`docker image tests skipped: ${skip}`);

const node = `dockimg-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: KubeletProc;
let rootDir: string;
let c: RestClient;
const KEPT = 'gc/kept:1';
const DROPPED = 'gc/dropped:1';

/** A busybox image with a file of its own, so each is a distinct image (its own ID). */
async function importImage(socket: string, repo: string, tag: string, mark: string): Promise<string> {
  const rootfs = makeBusyboxRootfs(tempDir('img'))!;
  writeFileSync(join(rootfs, 'mark'), mark);
  const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const r = await dockerRequest(socket, 'POST', `/images/create?fromSrc=-&repo=${repo}&tag=${tag}`, tar.stdout!, 'application/x-tar');
  removeDir(rootfs);
  if (r.status !== 200 || /error/i.test(r.body)) throw new Error(`docker import failed: ${r.status} ${r.body}`);
  return (JSON.parse((await dockerRequest(socket, 'GET', `/images/${repo}:${tag}/json`)).body) as { Id: string }).Id;
}

const nodeImages = async () => (await c.nodes().get(node)).status?.images ?? [];
const named = (images: NonNullable<NonNullable<Node['status']>['images']>, name: string) => images.find((i) => i.names?.includes(name));
const imageExists = async (ref: string) => (await dockerRequest(dockerd!.socket, 'GET', `/images/${ref}/json`)).status === 200;

const MIN_AGE_S = 25;
let kubeletStarted = 0;
let keptId: string;
let droppedId: string;

beforeAll(async () => {
  if (!dockerd) return;
  await importBusyboxIntoDocker(dockerd.socket); // busybox:latest, the sandbox image
  keptId = await importImage(dockerd.socket, 'gc/kept', '1', 'kept');
  droppedId = await importImage(dockerd.socket, 'gc/dropped', '1', 'dropped');
  api = await startApiServer();
  c = client(api.url);
  rootDir = tempDir(node);
  // Any real disk is above 1 %: GC is due on every pass; low 0 % can never be reached. The
  // minimum age keeps the images until the pods of the tests use them.
  kubeletStarted = Date.now();
  kubelet = await startKubelet(
    api.url, node, rootDir,
    ['--runtime', 'docker', '--docker-socket', dockerd.socket, '--stop-pods-on-exit', '--image-gc-high-threshold', '1', '--image-gc-low-threshold', '0', '--minimum-image-ttl-duration', `${MIN_AGE_S}s`],
    { SKIFF_KUBELET_IMAGE_GC_PERIOD_MS: '1000' },
  );
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`kubelet output (tail):\n${kubelet?.output().slice(-4000)}`);
});

afterAll(async () => {
  try {
    await kubelet?.stop();
  } finally {
    c?.close();
    await api?.proc.stop();
    await dockerd?.stop();
    removeDir(rootDir);
    removeDir(api?.dir);
  }
});

describe.skipIf(!!skip)('docker runtime images', () => {
  it('lists the daemon\'s images with names and sizes; the sandbox image is pinned; an image a container was made from is not removed', async () => {
    const rt = new DockerRuntime({ socketPath: dockerd!.socket, nodeName: `direct-${suffix()}` });
    const images = await rt.listImages();
    const kept = images.find((i) => i.id === keptId);
    expect(kept).toMatchObject({ repoTags: [KEPT], repoDigests: [] });
    expect(kept!.sizeBytes).toBeGreaterThan(100_000);
    expect(images.find((i) => i.repoTags.includes('busybox:latest'))?.pinned).toBe(true);
    expect(kept!.pinned).toBeUndefined();
    const fs = await rt.imageFsInfo();
    expect(fs.capacityBytes).toBeGreaterThan(fs.availableBytes);
    expect(fs.availableBytes).toBeGreaterThan(0);

    // A container of someone else's (no kubelet labels) made from the image: not removed, and its tag stays.
    const created = await dockerRequest(dockerd!.socket, 'POST', '/containers/create?name=not-ours', Buffer.from(JSON.stringify({ Image: KEPT, Cmd: ['/bin/true'] })));
    expect(created.status).toBe(201);
    await expect(rt.removeImage(keptId)).rejects.toThrow(`image ${keptId} is used by container not-ours`);
    expect(await imageExists(KEPT)).toBe(true);
    expect((await dockerRequest(dockerd!.socket, 'DELETE', '/containers/not-ours')).status).toBe(204);
  });

  it('the Node lists the images; GC removes the one no container uses, keeps the running pod\'s and the sandbox image', async () => {
    await c.pods().create(podManifest('runs', node, { containers: [{ name: 'c', image: KEPT, command: ['/bin/sleep', '3600'] }] }));
    await c.pods().create(podManifest('done', node, { restartPolicy: 'Never', containers: [{ name: 'c', image: DROPPED, command: ['/bin/true'] }] }));
    await waitFor('runs Running', async () => (await c.pods().get('runs', 'default')).status?.phase === 'Running', 90_000);
    await waitFor('done Succeeded', async () => (await c.pods().get('done', 'default')).status?.phase === 'Succeeded', 90_000);

    const listed = await waitFor('both images in status.images', async () => {
      const imgs = await nodeImages();
      return named(imgs, KEPT) && named(imgs, DROPPED) ? imgs : undefined;
    }, 60_000);
    expect(named(listed, KEPT)?.sizeBytes).toBeGreaterThan(100_000);
    expect(named(listed, 'busybox:latest')).toBeDefined();

    // The finished pod's exited container still uses its image: not collected while it exists.
    // Past the minimum age, then several GC passes.
    await new Promise((r) => setTimeout(r, Math.max(0, kubeletStarted + MIN_AGE_S * 1000 - Date.now()) + 4000));
    expect(await imageExists(DROPPED)).toBe(true);

    await c.pods().delete('done', { namespace: 'default', gracePeriodSeconds: 0 });
    const after = await waitFor('the unused image gone from status.images', async () => {
      const imgs = await nodeImages();
      return !named(imgs, DROPPED) ? imgs : undefined;
    }, 60_000);
    expect(await imageExists(DROPPED)).toBe(false);
    expect((await dockerRequest(dockerd!.socket, 'GET', `/images/${droppedId}/json`)).status).toBe(404);
    expect(named(after, KEPT)).toBeDefined();
    expect(await imageExists(KEPT)).toBe(true);
    expect(await imageExists('busybox:latest')).toBe(true);
    expect((await c.pods().get('runs', 'default')).status?.phase).toBe('Running');
    expect(kubelet.output()).toContain(`image GC: removed ${droppedId}`);

    // Usage cannot reach 0 %: the kubelet says so on the Node.
    const warning = await waitFor('FreeDiskSpaceFailed', async () => {
      const evs = (await c.resource<Event>('Event').list({ namespace: 'default' })).items;
      return evs.find((e) => e.involvedObject.kind === 'Node' && e.involvedObject.name === node && e.reason === 'FreeDiskSpaceFailed');
    }, 30_000);
    expect(warning.type).toBe('Warning');
    await c.pods().delete('runs', { namespace: 'default', gracePeriodSeconds: 0 });
  });
});
