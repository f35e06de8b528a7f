// Cold pull + unpack of a ~50 MB, 5-layer image from a local registry (Debian's
// docker-registry on loopback): the kubelet's image service (kubelet/images) beside
// `skopeo copy` to an OCI layout followed by `umoci unpack` of the same image, in the same
// run, alternating rounds. Goal (issue 16): faster than the pair.
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/image-pull.bench.ts
//
// Prints figures only; never asserts on timing.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { ImageService } from '../../kubelet/images/image-service.js';
import { busyboxLayer, haveRegistry, haveSkopeo, image, layer, push, startRegistry, type Registry } from '../kubelet/images/registry.js';
import { fmt, report, summarize } from './report.js';

const haveUmoci = spawnSync('umoci', ['--version']).status === 0;
const ROUNDS = Number(process.env.SKIFF_BENCH_ROUNDS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-images-'));
let reg: Registry | undefined;
afterAll(async () => {
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveRegistry || !haveSkopeo || !haveUmoci)('image pull + unpack', () => {
  it('cold pull of a 5-layer ~50 MB image: image service vs skopeo + umoci', async () => {
    reg = await startRegistry(join(dir, 'registry'));
    // Half random (incompressible) and half text per file, so gzip does real work.
    const layers = [await busyboxLayer()];
    for (let l = 0; l < 4; l++) {
      const files = Array.from({ length: 40 }, (_, i) => ({ name: `data/l${l}/f${i}`, body: Buffer.concat([randomBytes(150_000), Buffer.from('abcdefgh'.repeat(20_000))]) }));
      layers.push(await layer(files));
    }
    const img = image(layers, { Cmd: ['/bin/sh'] });
    await push(reg.host, 'bench/big', '1', img);
    const totalMB = layers.reduce((n, l) => n + l.size, 0) / 1e6;
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const root = join(dir, `ours-${r}`);
      let t = performance.now();
      await new ImageService({ root }).ensure(`${reg.host}/bench/big:1`, { policy: 'IfNotPresent' });
      ours.push(performance.now() - t);
      rmSync(root, { recursive: true, force: true });

      const layout = join(dir, `oci-${r}`);
      const bundle = join(dir, `bundle-${r}`);
      t = performance.now();
      execFileSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${reg.host}/bench/big:1`, `oci:${layout}:1`], { stdio: 'pipe' });
      execFileSync('umoci', ['unpack', '--image', `${layout}:1`, bundle], { stdio: 'pipe' });
      theirs.push(performance.now() - t);
      rmSync(layout, { recursive: true, force: true });
      rmSync(bundle, { recursive: true, force: true });
    }
    const a = summarize(ours);
    const b = summarize(theirs);
    report(`cold pull + unpack, ${layers.length} layers, ${fmt(totalMB)} MB compressed (${ROUNDS} rounds)`, [
      { measure: 'p50 ms', value: fmt(a.p50, 0), baseline: `${fmt(b.p50, 0)} (skopeo copy + umoci unpack)`, goal: '< baseline' },
      { measure: 'max ms', value: fmt(a.max, 0), baseline: fmt(b.max, 0) },
    ]);
  });
});
