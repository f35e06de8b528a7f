// Image GC and status.images in a real kubelet (process runtime, root): the Node lists the
// images pulled, with sizes; with the image filesystem above --image-gc-high-threshold the
// kubelet removes an image no container uses once it is older than
// --minimum-image-ttl-duration, never the image of a running pod, and warns
// FreeDiskSpaceFailed when what it may remove cannot bring usage down to the low threshold.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Node } from '../../../api/core/index.js';
import type { RestClient } from '../../../client/rest.js';
import { client, isRoot, podManifest, removeDir, startApiServer, startKubelet, suffix, tempDir, waitFor, type KubeletProc, type Proc } from '../harness.js';
import { busyboxLayer, haveRegistry, image, layer, push, startRegistry, type Image, type Registry } from './registry.js';

const node = `imggc-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: KubeletProc;
let rootDir: string;
let c: RestClient;
let reg: Registry;
let kept: Image;
let dropped: Image;
const regDir = mkdtempSync(join(tmpdir(), 'skiff-images-gc-'));

const nodeImages = async () => (await c.nodes().get(node)).status?.images ?? [];
const named = (images: NonNullable<NonNullable<Node['status']>['images']>, name: string) => images.find((i) => i.names?.includes(name));

describe.skipIf(!isRoot || !haveRegistry)('image garbage collection in the kubelet', () => {
  beforeAll(async () => {
    reg = await startRegistry(join(regDir, 'reg'));
    const base = await busyboxLayer();
    kept = image([base, await layer([{ name: 'kept', body: 'k' }])], { Cmd: ['/bin/sleep', '3600'] });
    dropped = image([base, await layer([{ name: 'dropped', body: 'd' }])], { Cmd: ['/bin/true'] });
    await push(reg.host, 'test/kept', '1', kept);
    await push(reg.host, 'test/dropped', '1', dropped);
    api = await startApiServer();
    rootDir = tempDir(node);
    c = client(api.url);
    // Any real disk is above 1 %: GC is due on every pass; low 0 % can never be reached.
    kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit', '--image-gc-high-threshold', '1', '--image-gc-low-threshold', '0', '--minimum-image-ttl-duration', '4s'], {
      SKIFF_KUBELET_IMAGE_GC_PERIOD_MS: '1000',
    });
  }, 120_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(`kubelet output (tail):\n${kubelet?.output().slice(-4000)}`);
  });

  afterAll(async () => {
    try {
      await kubelet?.stop('SIGTERM');
    } finally {
      c?.close();
      await api?.proc.stop();
      await reg?.stop();
      removeDir(rootDir);
      removeDir(api?.dir);
      rmSync(regDir, { recursive: true, force: true });
    }
  });

  it('lists pulled images on the Node, removes the unused one and keeps the running pod\'s', async () => {
    const keptRef = `${reg.host}/test/kept:1`;
    const droppedRef = `${reg.host}/test/dropped:1`;
    await c.pods().create(podManifest('runs', node, { containers: [{ name: 'c', image: keptRef }] }));
    await c.pods().create(podManifest('done', node, { restartPolicy: 'Never', containers: [{ name: 'c', image: droppedRef }] }));
    await waitFor('runs Running', async () => (await c.pods().get('runs', 'default')).status?.phase === 'Running', 90_000);
    await waitFor('done Succeeded', async () => (await c.pods().get('done', 'default')).status?.phase === 'Succeeded', 90_000);

    // Both images on the Node, with names (digest, tag) and their stored size.
    const listed = await waitFor('both images in status.images', async () => {
      const imgs = await nodeImages();
      return named(imgs, keptRef) && named(imgs, droppedRef) ? imgs : undefined;
    }, 60_000);
    expect(named(listed, keptRef)).toEqual({
      names: [`${reg.host}/test/kept@${kept.manifest.digest}`, keptRef],
      sizeBytes: kept.config.size + kept.layers.reduce((n, l) => n + l.size, 0),
    });

    // Layered store (overlayfs, root): the busybox base is unpacked once for both images.
    const layersDir = join(rootDir, 'images', '.oci', 'layers');
    expect(readdirSync(layersDir).filter((d) => !d.startsWith('.'))).toHaveLength(3);

    // The finished pod's exited container still uses its image: not collected while it exists.
    await new Promise((r) => setTimeout(r, 6000)); // past the minimum age, several GC passes
    expect(named(await nodeImages(), droppedRef)).toBeDefined();

    // Deleted: its image is unused; GC removes it and the Node stops listing it.
    await c.pods().delete('done', { namespace: 'default', gracePeriodSeconds: 0 });
    const after = await waitFor('the unused image gone from status.images', async () => {
      const imgs = await nodeImages();
      return !named(imgs, droppedRef) ? imgs : undefined;
    }, 60_000);
    expect(named(after, keptRef)).toBeDefined();
    expect((await c.pods().get('runs', 'default')).status?.phase).toBe('Running');
    expect(readdirSync(layersDir).filter((d) => !d.startsWith('.'))).toHaveLength(2); // the shared base stays

    // Usage cannot reach 0 %: the kubelet says so on the Node.
    const warning = await waitFor('FreeDiskSpaceFailed', async () => {
      const evs = (await c.resource<Event>('Event').list({ namespace: 'default' })).items;
      return evs.find((e) => e.involvedObject.kind === 'Node' && e.involvedObject.name === node && e.reason === 'FreeDiskSpaceFailed');
    }, 30_000);
    expect(warning.type).toBe('Warning');
    expect(warning.message).toMatch(/^Failed to garbage collect required amount of images\. Attempted to free \d+ bytes, but only found \d+ bytes eligible to free\.$/);
    expect(kubelet.output()).toContain(`image GC: removed ${dropped.config.digest}`);
  });
});
