// StatefulSets on a real `skiff up` with the process runtime as root (two nodes, real `sh`
// pods, local-path volumes): manifests/statefulset.yaml makes web-0, web-1, web-2, each
// writing its ordinal into its own claim; `web-1` deleted comes back with the same name and
// finds its data; `web-0.web` resolves through cluster DNS from another pod to web-0's IP;
// `kctl get sts` and `describe sts` print kubectl's layouts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, isolatedServiceNetwork, ROOT, until } from './cluster.js';

const isRoot = process.getuid?.() === 0;
const hasNft = (() => {
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface PodView { metadata: { name: string; uid: string }; status?: { podIP?: string; phase?: string; conditions?: { type: string; status: string }[] } }

// The `host` image shares the host's filesystem, so the claims' mount point is made there.
const MOUNT_POINT = '/var/lib/skiff-web-data';
const mountPointExisted = fs.existsSync(MOUNT_POINT);

describe.skipIf(!isRoot || !hasNft)('StatefulSets over skiff up: ordered pods, their own claims, DNS names', () => {
  const cluster = new Cluster({ nodes: 2, runtime: 'process' });
  beforeAll(async () => { await cluster.up(isolatedServiceNetwork()); }, 180_000);
  afterAll(async () => {
    await cluster.destroy();
    if (!mountPointExisted) {
      try {
        fs.rmdirSync(MOUNT_POINT); // empty once the pods are gone; rmdir refuses anything else
      } catch { /* never made, or not empty: not ours to remove */ }
    }
  }, 120_000);

  const pods = async (): Promise<PodView[]> => JSON.parse(await cluster.ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items;
  const ready = (p: PodView) => !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  const threeReady = () => until('web-0..2 ready', async () => {
    const p = (await pods()).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    return p.length === 3 && p.every(ready) && p.map((x) => x.metadata.name).join() === 'web-0,web-1,web-2' ? p : undefined;
  }, 180_000);

  it('manifests/statefulset.yaml: three pods, each with its ordinal in its own bound claim', async () => {
    expect(await cluster.ok(['apply', '-f', path.join(ROOT, 'manifests/statefulset.yaml')])).toBe('service/web created\nstatefulset.apps/web created\n');
    await threeReady();
    for (const i of [0, 1, 2]) {
      expect(await until(`web-${i} log`, async () => (await cluster.ok(['logs', `web-${i}`]).catch(() => '')).trim() || undefined, 60_000)).toMatch(new RegExp(`^web-${i}: ordinal ${i}, written `));
    }
    const claims = await cluster.ok(['get', 'pvc', '--no-headers']);
    for (const i of [0, 1, 2]) expect(claims).toMatch(new RegExp(`^data-web-${i}\\s+Bound\\s+`, 'm'));
    await until('READY 3/3', async () => /^web\s+3\/3\s+\d+s$/m.test(await cluster.ok(['get', 'sts'])), 60_000);
    expect((await cluster.ok(['describe', 'sts', 'web']))).toMatch(/^Replicas:\s+3 desired \| 3 total$/m);
  });

  it('web-1 deleted comes back under its name and finds the data it wrote', async () => {
    const before = (await pods()).find((p) => p.metadata.name === 'web-1')!;
    const firstLog = (await cluster.ok(['logs', 'web-1'])).trim();
    await cluster.ok(['delete', 'pod', 'web-1']);
    const after = await until('a new web-1', async () => {
      const p = (await pods()).find((x) => x.metadata.name === 'web-1');
      return p && p.metadata.uid !== before.metadata.uid && ready(p) ? p : undefined;
    }, 120_000);
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    // Same line: the file written by the first web-1, not a new one.
    expect(await until('web-1 log', async () => (await cluster.ok(['logs', 'web-1']).catch(() => '')).trim() || undefined, 60_000)).toBe(firstLog);
  });

  it('web-0.web resolves through cluster DNS from another pod to web-0\'s IP', async () => {
    const web0 = (await pods()).find((p) => p.metadata.name === 'web-0')!;
    const lookup = "require('node:dns').lookup(process.argv[1], (e, a) => console.log(e ? 'error: ' + e.code : a))";
    const answer = await until('web-0.web resolves', async () => {
      const out = (await cluster.ok(['exec', 'web-2', '--', 'node', '-e', lookup, 'web-0.web']).catch(() => '')).trim();
      return out && !out.startsWith('error') ? out : undefined;
    }, 60_000);
    expect(answer).toBe(web0.status!.podIP);
    expect((await cluster.ok(['exec', 'web-2', '--', 'node', '-e', lookup, 'web-0.web.default.svc.cluster.local'])).trim()).toBe(web0.status!.podIP);
  });
});
