// Cold pull + unpack of a ~50 MB, 5-layer image from a local registry (Debian's
// docker-registry on loopback): the kubelet's image service (kubelet/images) beside
// `skopeo copy` to an OCI layout followed by `umoci unpack` of the same image, in the same
// run, alternating rounds. Goal (issue 16): faster than the pair.
// As root, with a kubelet (process runtime, layered store): the second pod of an
// already-pulled image beside the same pod with `image: host` (goal ≤ 1.5×), and the disk used
// by 10 pods of one image beside one pod (goal ≈ one image plus 10 small writable layers).
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/image-pull.bench.ts
//
// Prints figures only; never asserts on timing.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { ImageService } from '../../kubelet/images/image-service.js';
import { overlaySupported } from '../../kubelet/images/overlay.js';
import { busyboxLayer, haveRegistry, haveSkopeo, image, layer, push, startRegistry, type Registry } from '../kubelet/images/registry.js';
import { fmt, report, summarize } from './report.js';
import { client, isRoot, podManifest, removeDir, startApiServer, startKubelet, suffix, tempDir, waitFor, type KubeletProc, type Proc } from '../kubelet/harness.js';
import type { Pod } from '../../api/core/index.js';

const haveUmoci = spawnSync('umoci', ['--version']).status === 0;
const ROUNDS = Number(process.env.SKIFF_BENCH_ROUNDS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-images-'));
let reg: Registry | undefined;
afterAll(async () => {
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let pushed: Promise<{ layers: { size: number }[] }> | undefined;
/** The ~50 MB, 5-layer image in a loopback registry (made once for every benchmark here). */
function bigImage(): Promise<{ layers: { size: number }[] }> {
  pushed ??= (async () => {
    reg = await startRegistry(join(dir, 'registry'));
    // Half random (incompressible) and half text per file, so gzip does real work.
    const layers = [await busyboxLayer()];
    for (let l = 0; l < 4; l++) {
      const files = Array.from({ length: 40 }, (_, i) => ({ name: `data/l${l}/f${i}`, body: Buffer.concat([randomBytes(150_000), Buffer.from('abcdefgh'.repeat(20_000))]) }));
      layers.push(await layer(files));
    }
    const img = image(layers, { Cmd: ['/bin/sh'] });
    await push(reg.host, 'bench/big', '1', img);
    return { layers };
  })();
  return pushed;
}

/** Bytes of disk blocks under a directory (du, one filesystem). */
const du = (path: string) => Number(execFileSync('du', ['-sx', '--block-size=1', path], { encoding: 'utf8' }).split('\t')[0]);

describe.skipIf(!haveRegistry || !haveSkopeo || !haveUmoci)('image pull + unpack', () => {
  it('cold pull of a 5-layer ~50 MB image: image service vs skopeo + umoci', async () => {
    const { layers } = await bigImage();
    reg = reg!;
    const totalMB = layers.reduce((n, l) => n + l.size, 0) / 1e6;
    // Layered (root, overlayfs: what a root kubelet does) unpacks every layer at once, each
    // into its own directory; copy mode (not root) applies them in order into one directory,
    // as umoci does.
    const layered = overlaySupported(dir);
    const modes = layered ? [true, false] : [false];
    const ours = new Map<boolean, number[]>(modes.map((m) => [m, []]));
    const theirs: number[] = [];
    const loads: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      loads.push(loadavg()[0]!);
      for (const mode of modes) {
        const root = join(dir, `ours-${r}-${mode}`);
        const t = performance.now();
        await new ImageService({ root, layered: mode }).ensure(`${reg.host}/bench/big:1`, { policy: 'IfNotPresent' });
        ours.get(mode)!.push(performance.now() - t);
        rmSync(root, { recursive: true, force: true });
      }
      const layout = join(dir, `oci-${r}`);
      const bundle = join(dir, `bundle-${r}`);
      const t = performance.now();
      execFileSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${reg.host}/bench/big:1`, `oci:${layout}:1`], { stdio: 'pipe' });
      execFileSync('umoci', ['unpack', '--image', `${layout}:1`, bundle], { stdio: 'pipe' });
      theirs.push(performance.now() - t);
      rmSync(layout, { recursive: true, force: true });
      rmSync(bundle, { recursive: true, force: true });
    }
    const b = summarize(theirs);
    const load = summarize(loads);
    const figures = [...ours].flatMap(([mode, samples]) => {
      const a = summarize(samples);
      const what = mode ? 'layered (root, overlay)' : 'copy mode';
      return [
        { measure: `${what} p50 ms`, value: fmt(a.p50, 0), baseline: `${fmt(b.p50, 0)} (skopeo copy + umoci unpack)`, goal: '< baseline' },
        { measure: `${what} max ms`, value: fmt(a.max, 0), baseline: fmt(b.max, 0) },
      ];
    });
    figures.push({ measure: 'load average (1 min) p50 / max', value: `${fmt(load.p50)} / ${fmt(load.max)}`, baseline: `${cpus().length} CPUs` });
    report(`cold pull + unpack, ${layers.length} layers, ${fmt(totalMB)} MB compressed (${ROUNDS} rounds)`, figures);
  });

  it.skipIf(!isRoot)('second pod of a pulled image beside image host; disk of 10 pods beside 1', async () => {
    await bigImage();
    const procs: Proc[] = [];
    const api = await startApiServer();
    procs.push(api.proc);
    const node = `imgbench-${suffix()}`;
    const root = tempDir(node);
    let kubelet: KubeletProc | undefined;
    const c = client(api.url);
    try {
      kubelet = await startKubelet(api.url, node, root, ['--stop-pods-on-exit']);
      const ref = `${reg!.host}/bench/big:1`;
      const cmd = ['/bin/sh', '-c', 'echo written-by-the-pod > /tmp/mark; exec sleep 1000'];
      const running = async (name: string, image: string): Promise<number> => {
        const t = performance.now();
        await c.pods().create(podManifest(name, node, { containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent', command: cmd }] }));
        await waitFor(`${name} Running`, async () => ((await c.pods().get(name, 'default')) as Pod).status?.phase === 'Running', 300_000, 10);
        return performance.now() - t;
      };
      const first = await running('first', ref); // pulls
      const withImage: number[] = [];
      const withHost: number[] = [];
      for (let i = 0; i < 5; i++) {
        withHost.push(await running(`host-${i}`, 'host'));
        withImage.push(await running(`img-${i}`, ref));
      }
      const a = summarize(withImage);
      const b = summarize(withHost);
      report('pod startup of an already-pulled ~50 MB image (process runtime, layered overlay), 5 rounds', [
        { measure: 'create → Running p50 ms', value: fmt(a.p50, 0), baseline: `${fmt(b.p50, 0)} (same pod, image: host)`, goal: '≤ 1.5× baseline' },
        { measure: 'max ms', value: fmt(a.max, 0), baseline: fmt(b.max, 0) },
        { measure: 'first pod (cold pull) ms', value: fmt(first, 0) },
      ]);

      // Disk: the image store plus each container's own writable layer, 1 pod then 10.
      for (const p of (await c.pods().list({ namespace: 'default' })).items) await c.pods().delete(p.metadata.name!, { namespace: 'default', gracePeriodSeconds: 0 });
      const containersDir = join(root, 'containers');
      await waitFor('pods gone', () => readdirSync(containersDir).length === 0, 120_000, 100);
      const store = join(root, 'images', '.oci');
      // A writable layer is the overlay's upper dir; its work dir is the kernel's scratch space,
      // whose temporary entries come and go under du while the container runs.
      const upper = (id: string) => join(containersDir, id, 'fs', 'upper');
      const measure = async () => {
        // Running is the shim started, not the command's write done: wait for every pod's mark.
        await waitFor('every pod wrote its mark', () => readdirSync(containersDir).every((id) => existsSync(join(upper(id), 'tmp', 'mark'))), 30_000, 20);
        return { store: du(store), writable: readdirSync(containersDir).reduce((n, id) => n + du(upper(id)), 0) };
      };
      await running('disk-0', ref);
      const one = await measure();
      for (let i = 1; i < 10; i++) await running(`disk-${i}`, ref);
      const ten = await measure();
      const unpacked = du(join(store, 'layers'));
      const MB = (n: number) => fmt(n / 1e6, 1);
      report('disk used by pods of one ~50 MB image (process runtime, layered overlay)', [
        { measure: '10 pods: image store + writable layers (MB)', value: MB(ten.store + ten.writable), baseline: `${MB(one.store + one.writable)} (1 pod)`, goal: '≈ 1 image + 10 small layers' },
        { measure: 'writable layers of 10 pods (KB)', value: fmt(ten.writable / 1e3, 0), baseline: `${fmt(one.writable / 1e3, 0)} (1 pod)` },
        { measure: 'a copy of the image per pod would add (MB)', value: MB(9 * unpacked) },
      ]);
    } finally {
      await kubelet?.stop('SIGTERM');
      c.close();
      for (const p of procs) await p.stop();
      removeDir(root);
      removeDir(api.dir);
    }
  });
});
