// Volumes that carry configuration and data, over a real one-node `skiff up` (process runtime,
// busybox imported into the node; root, since bind mounts and tmpfs need it):
//   1. ConfigMap edit → new value in a running pod's mounted file, over 20 edits. Each edit is
//      what `kubectl edit` sends (GET, then PUT of the changed object), timed from just before
//      the PUT. The new value is seen on the node side of the pod's volume (pods/<uid>/volumes/
//      <name>/<key>: the very directory bind-mounted into the container) through inotify on that
//      directory — the AtomicWriter's `..data` rename wakes it — with a 20 ms poll only as a
//      fallback, so the figure is the kubelet's update, not a polling period. After the 20
//      edits the container itself is asked (exec cat) for the last value.
//   2. Pod startup, create → Running seen by a watch, of a pod with one ConfigMap, one Secret
//      and one PVC volume beside the same pod with none, one at a time and alternating. Two
//      kinds of claim: pre-bound (claims bound and provisioned beforehand by a throwaway pod
//      that used them all: a pod restarted onto its data) and first use (claim created just
//      before the pod, Pending under WaitForFirstConsumer: the startup includes scheduling,
//      provisioning and binding). As in Kubernetes, the scheduler's VolumeBinding PreBind sets
//      the claim's selected-node and binds the pod only once the claim is Bound, so the kubelet
//      mounts at its first sync; the slowest pod's events are printed if one is far behind.
//   3. fsync'd write throughput: busybox `dd if=/dev/zero bs=1M conv=fsync` into a local-path
//      PV from inside a pod (exec), beside the same busybox script writing into a directory of
//      the node's data dir on the same filesystem, in alternating rounds. Timed inside each
//      script from /proc/uptime (10 ms resolution; busybox date has no %N), so exec's own cost
//      is not counted against the pod.
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/storage-volumes.bench.ts
//   SKIFF_BENCH_STARTUP_PODS=10 (each kind, default)  SKIFF_BENCH_WRITE_MB=256 (default)
//   SKIFF_BENCH_RESULTS=FILE records the tables there instead of test/bench/results.json.
// The run ends with a line saying what it left behind (mounts, components, its directory).
//
// Prints figures only; never asserts on timing.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, Secret } from '../../api/core/index.js';
import { RestClient } from '../../client/rest.js';
import { alive, Cluster } from '../e2e/cluster.js';
import { isRoot, makeBusyboxRootfs, removeDir, SKIFF, tempDir, waitFor } from '../kubelet/harness.js';
import { fmt, report, summarize } from './report.js';

const STARTUP_PODS = Number(process.env.SKIFF_BENCH_STARTUP_PODS ?? 10);
const WRITE_MB = Number(process.env.SKIFF_BENCH_WRITE_MB ?? 256);
const WRITE_ROUNDS = 6;
const EDITS = 20;
const NS = 'default';

const cluster = new Cluster({ nodes: 1, runtime: 'process' });
const NODE = `${cluster.nodePrefix}1`;
const nodeRoot = path.join(cluster.dataDir, 'nodes', NODE);
const mounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(cluster.dir));
let c: RestClient | undefined;

afterAll(async () => {
  c?.close();
  const components = cluster.recordedPids();
  await cluster.destroy();
  const running = components.filter(alive);
  if (running.length) console.error(`components still running: ${running.join(', ')}`);
  // What this run may leave behind: mounts, its directory (data dir, HOME), its components.
  const left = mounts();
  if (left.length) console.error(`mounts left under ${cluster.dir}: ${left.join(', ')}`);
  if (fs.existsSync(cluster.dir)) console.error(`${cluster.dir} is still there`);
  console.log(`left behind by ${cluster.dir} (node ${NODE}): ${left.length} mounts, ${running.length} of ${components.length} components running, directory ${fs.existsSync(cluster.dir) ? 'present' : 'removed'}`);
}, 180_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const claim = (name: string): PersistentVolumeClaim => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } });

function pod(name: string, volumes: { configMap?: string; secret?: string; claims?: string[] } = {}): Pod {
  const vols: NonNullable<Pod['spec']>['volumes'] = [];
  const mountsOf: NonNullable<NonNullable<Pod['spec']>['containers'][number]['volumeMounts']> = [];
  if (volumes.configMap) {
    vols.push({ name: 'cfg', configMap: { name: volumes.configMap } });
    mountsOf.push({ name: 'cfg', mountPath: '/etc/cfg' });
  }
  if (volumes.secret) {
    vols.push({ name: 'sec', secret: { secretName: volumes.secret } });
    mountsOf.push({ name: 'sec', mountPath: '/etc/sec', readOnly: true });
  }
  for (const [i, claimName] of (volumes.claims ?? []).entries()) {
    vols.push({ name: `data${i}`, persistentVolumeClaim: { claimName } });
    mountsOf.push({ name: `data${i}`, mountPath: `/data${i === 0 ? '' : i}` });
  }
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox', command: ['/bin/sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"], ...(mountsOf.length ? { volumeMounts: mountsOf } : {}) }],
      ...(vols.length ? { volumes: vols } : {}),
    },
  } as Pod;
}

/** Watches pods and remembers when each was first seen Running. */
function runningWatch(client: RestClient) {
  const runningAt = new Map<string, number>();
  const watch = client.pods().watch({ namespace: NS });
  const done = (async () => {
    for await (const ev of watch) {
      if (ev.type === 'ERROR') continue;
      const p = ev.object as Pod;
      if (p.status?.phase === 'Running' && !runningAt.has(p.metadata.name!)) runningAt.set(p.metadata.name!, performance.now());
    }
  })().catch(() => undefined);
  return { runningAt, async close() { watch.close(); await done; } };
}

async function podsGone(client: RestClient): Promise<void> {
  // Graceful (the pods' 1 s): the kubelet unmounts before the pod leaves the API.
  await client.pods().deleteCollection({ namespace: NS });
  await waitFor('every pod gone', async () => (await client.pods().list({ namespace: NS })).items.length === 0, 120_000, 200);
}

async function claimsGone(client: RestClient): Promise<void> {
  const claims = client.resource<PersistentVolumeClaim>('PersistentVolumeClaim');
  await claims.deleteCollection({ namespace: NS });
  await waitFor('every claim gone', async () => (await claims.list({ namespace: NS })).items.length === 0, 120_000, 200);
  await waitFor('every volume gone (reclaim Delete)', async () => (await client.resource<PersistentVolume>('PersistentVolume').list()).items.length === 0, 120_000, 200);
}

/** Seconds a busybox `dd … conv=fsync` of WRITE_MB takes, timed inside the script (see the header). */
const DD = (file: string) =>
  `read s _ < /proc/uptime; dd if=/dev/zero of=${file} bs=1M count=${WRITE_MB} conv=fsync 2>/dev/null || exit 1; read e _ < /proc/uptime; ` +
  `n=$(wc -c < ${file}); rm -f ${file}; echo "$s $e $n"`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
function parseDd(out: string): number {
  const [s, e, n] = out.trim().split(/\s+/).map(Number);
  if (n !== WRITE_MB * 1024 * 1024) throw new Error(`dd wrote ${n} bytes, not ${WRITE_MB} MiB: ${out}`);
  return e! - s!;
}

describe.skipIf(!isRoot)('ConfigMap, Secret and PVC volumes over skiff up (process runtime)', () => {
  it('edit → mounted file, pod startup with volumes beside none, write throughput to a local-path PV beside the node disk', async () => {
    const rootfs = makeBusyboxRootfs(tempDir('bench-busybox'));
    if (!rootfs) throw new Error('busybox-static is not installed');
    execFileSync(process.execPath, [SKIFF, 'kubelet', 'import-image', 'busybox', rootfs, '--root-dir', nodeRoot]);
    removeDir(rootfs);
    const mountsBefore = mounts();
    await cluster.up();
    c = new RestClient({ server: cluster.server, credentials: cluster.credentials(), userAgent: 'storage-volumes-bench', retries: 2 });
    const configMaps = c.resource<ConfigMap>('ConfigMap');
    const secrets = c.resource<Secret>('Secret');
    const claims = c.resource<PersistentVolumeClaim>('PersistentVolumeClaim');
    await waitFor('the default service account', () => c!.resource('ServiceAccount').get('default', NS).then(() => true), 60_000, 200);
    const load = () => `load avg ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores, machine shared with other work`;

    // ---- 1. ConfigMap edit → mounted file ----
    await configMaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tick', namespace: NS }, data: { n: '0' } });
    const watch = runningWatch(c);
    await c.pods().create(pod('ticker', { configMap: 'tick' }));
    await waitFor('ticker Running', () => watch.runningAt.has('ticker'), 120_000, 50);
    const uid = (await c.pods().get('ticker', NS)).metadata.uid!;
    const volDir = path.join(nodeRoot, 'pods', uid, 'volumes', 'cfg');
    const file = path.join(volDir, 'n');
    const readN = () => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    await waitFor('the first projection', () => readN() === '0', 30_000, 20);
    const edits: number[] = [];
    let byInotify = 0;
    for (let i = 1; i <= EDITS; i++) {
      await sleep(100 + Math.random() * 500); // no phase lock with anything periodic in the kubelet
      const want = String(i);
      const cm = await configMaps.get('tick', NS);
      let seenBy: 'inotify' | 'poll' | undefined;
      let seen!: (at: number) => void;
      const seenAt = new Promise<number>((resolve) => (seen = resolve));
      const check = (how: 'inotify' | 'poll') => {
        if (seenBy || readN() !== want) return;
        seenBy = how;
        seen(performance.now());
      };
      const watcher = fs.watch(volDir, () => check('inotify'));
      const poll = setInterval(() => check('poll'), 20);
      let giveUp: NodeJS.Timeout | undefined;
      let t1: number;
      const t0 = performance.now();
      try {
        await configMaps.update({ ...cm, data: { n: want } });
        t1 = await Promise.race([seenAt, new Promise<number>((_, reject) => (giveUp = setTimeout(() => reject(new Error(`edit ${i} not visible in ${file} after 30 s`)), 30_000)))]);
      } finally {
        watcher.close();
        clearInterval(poll);
        clearTimeout(giveUp);
      }
      edits.push(t1 - t0);
      if (seenBy === 'inotify') byInotify++;
    }
    const inPod = (await c.podExec(NS, 'ticker', ['/bin/cat', '/etc/cfg/n'])).stdout;
    if (inPod !== String(EDITS)) throw new Error(`the container reads ${JSON.stringify(inPod)} from /etc/cfg/n, the node's volume has ${JSON.stringify(readN())}`);
    const e = summarize(edits);
    report(`ConfigMap edit → new value in a running pod's mounted file (${EDITS} edits, one-node skiff up, process runtime, ${load()})`, [
      { measure: 'PUT → file changed, p50 (ms)', value: fmt(e.p50, 0) },
      { measure: 'PUT → file changed, p99 (ms)', value: fmt(e.p99, 0), baseline: 'Kubernetes: up to ~60 s sync + cache TTL', goal: '≤ 2000' },
      { measure: 'max (ms)', value: fmt(e.max, 0) },
      { measure: 'seen through inotify (rest: 20 ms poll)', value: `${byInotify}/${EDITS}` },
    ]);
    await podsGone(c);

    // ---- 2. Pod startup: ConfigMap + Secret + PVC beside no volume ----
    await configMaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: NS }, data: { 'app.conf': 'color=blue\n' } });
    await secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret', namespace: NS }, stringData: { password: 's3cret' } } as Secret);
    const bound = Array.from({ length: STARTUP_PODS }, (_, i) => `bound-${i}`);
    for (const name of bound) await claims.create(claim(name));
    // One throwaway pod is each pre-bound claim's first consumer: provisioned and bound on the node.
    await c.pods().create(pod('binder', { claims: bound }));
    await waitFor('binder Running', () => watch.runningAt.has('binder'), 120_000, 50);
    await waitFor('pre-bound claims Bound', async () => (await claims.list({ namespace: NS })).items.filter((x) => x.status?.phase === 'Bound').length === STARTUP_PODS, 60_000, 200);
    await podsGone(c);

    const startup = { plain: [] as number[], bound: [] as number[], fresh: [] as number[] };
    const start = async (name: string, p: Pod): Promise<number> => {
      const t0 = performance.now();
      await c!.pods().create(p);
      await waitFor(`${name} Running`, () => watch.runningAt.has(name), 120_000, 5);
      return watch.runningAt.get(name)! - t0;
    };
    for (let i = 0; i < STARTUP_PODS; i++) {
      // The order rotates, so no kind always follows the same other one.
      const kinds = (['plain', 'bound', 'fresh'] as const).map((_, k, all) => all[(k + i) % 3]!);
      for (const kind of kinds) {
        const name = `${kind}-${i}`;
        if (kind === 'plain') startup.plain.push(await start(name, pod(name)));
        else if (kind === 'bound') startup.bound.push(await start(name, pod(name, { configMap: 'app-config', secret: 'app-secret', claims: [`bound-${i}`] })));
        else {
          await claims.create(claim(`fresh-${i}`)); // not timed: Pending until this pod is scheduled
          startup.fresh.push(await start(name, pod(name, { configMap: 'app-config', secret: 'app-secret', claims: [`fresh-${i}`] })));
        }
      }
    }
    const [sp, sb, sf] = [summarize(startup.plain), summarize(startup.bound), summarize(startup.fresh)];
    // An outlier is worth its story: the events of the slowest pod of each volume kind.
    for (const kind of ['bound', 'fresh'] as const) {
      const slowest = startup[kind].indexOf(Math.max(...startup[kind]));
      if (startup[kind][slowest]! < 3 * sp.p50) continue;
      // The pod and (first use) its claim share the name.
      const evs = (await c.events().list({ namespace: NS })).items.filter((ev) => ev.involvedObject?.name === `${kind}-${slowest}`);
      console.log(`slowest ${kind} pod ${kind}-${slowest} (${fmt(startup[kind][slowest]!, 0)} ms), events of it and its claim: ${evs.map((ev) => `${ev.involvedObject.kind} ${ev.reason}: ${ev.message}`).join(' | ') || 'none'}`);
    }
    report(`Pod startup with a ConfigMap, a Secret and a PVC volume beside no volume (${STARTUP_PODS} pods of each kind, one at a time, alternating, create → Running via watch, one-node skiff up, process runtime, ${load()})`, [
      { measure: 'no volume: p50 / p99 (ms)', value: `${fmt(sp.p50, 0)} / ${fmt(sp.p99, 0)}` },
      { measure: 'cm + secret + pre-bound PVC: p50 / p99 (ms)', value: `${fmt(sb.p50, 0)} / ${fmt(sb.p99, 0)}`, baseline: `${fmt(sp.p50, 0)} (no volume p50)` },
      { measure: 'cm + secret + pre-bound PVC, p50 ÷ no-volume p50', value: `${fmt(sb.p50 / sp.p50, 2)}×`, goal: '≤ 1.5×' },
      { measure: 'cm + secret + first-use PVC (WaitForFirstConsumer: provisioned + bound): p50 / p99 (ms)', value: `${fmt(sf.p50, 0)} / ${fmt(sf.p99, 0)}`, baseline: `${fmt(sp.p50, 0)} (no volume p50)` },
      { measure: 'cm + secret + first-use PVC, p50 ÷ no-volume p50', value: `${fmt(sf.p50 / sp.p50, 2)}×` },
    ]);
    await watch.close();
    await podsGone(c);
    await claimsGone(c);

    // ---- 3. fsync'd writes: local-path PV from inside a pod beside the node's disk ----
    await claims.create(claim('write-data'));
    await c.pods().create(pod('writer', { claims: ['write-data'] }));
    await waitFor('writer Running', async () => (await c!.pods().get('writer', NS)).status?.phase === 'Running', 120_000, 100);
    await waitFor('writer started', async () => (await c!.podExec(NS, 'writer', ['/bin/sh', '-c', 'test -d /data && echo ok'])).stdout.trim() === 'ok', 60_000, 200);
    const pv = (await c.resource<PersistentVolume>('PersistentVolume').get((await claims.get('write-data', NS)).spec!.volumeName!)).spec!.hostPath!.path;
    // The same filesystem as the PV's directory: both sit under the node's data dir.
    const direct = path.join(nodeRoot, 'bench-direct');
    fs.mkdirSync(direct);
    const fsOf = (p: string) => execFileSync('findmnt', ['-n', '-o', 'FSTYPE', '--target', p], { encoding: 'utf8' }).trim();
    const devOf = (p: string) => fs.statSync(p).dev;
    if (devOf(pv) !== devOf(direct)) throw new Error(`${pv} and ${direct} are not on one filesystem`);
    const host = (script: string) => new Promise<string>((resolve, reject) => execFile('/bin/busybox', ['sh', '-c', script], (err, out) => (err ? reject(err) : resolve(out))));
    const secs = { pv: [] as number[], node: [] as number[] };
    const onPv = async () => parseDd((await c!.podExec(NS, 'writer', ['/bin/sh', '-c', DD('/data/bench')])).stdout);
    const onNode = async () => parseDd(await host(DD(path.join(direct, 'bench'))));
    await onPv(); // warm-up, not counted: the first write after the cluster's start pays for its dirty pages
    await onNode();
    for (let r = 0; r < WRITE_ROUNDS; r++) {
      // Alternating which side goes first, so neither always writes into the other's writeback.
      if (r % 2 === 0) {
        secs.pv.push(await onPv());
        secs.node.push(await onNode());
      } else {
        secs.node.push(await onNode());
        secs.pv.push(await onPv());
      }
    }
    fs.rmdirSync(direct);
    const rate = (s: number[]) => (WRITE_MB * WRITE_ROUNDS) / s.reduce((a, b) => a + b, 0);
    report(`fsync'd write throughput, local-path PV from inside a pod beside the node's disk (busybox dd bs=1M ${WRITE_MB} MiB conv=fsync, ${WRITE_ROUNDS} alternating rounds after a warm-up, ${fsOf(nodeRoot)}, one device, ${load()})`, [
      { measure: 'MB/s into the PV from the pod', value: fmt(rate(secs.pv), 0), baseline: `${fmt(rate(secs.node), 0)} (node's disk directly)` },
      { measure: 'PV ÷ node disk (total MB ÷ total s)', value: `${fmt((100 * rate(secs.pv)) / rate(secs.node), 0)}%`, goal: '≥ 90%' },
      { measure: 'PV ÷ node disk, median of the rounds', value: `${fmt(100 * median(secs.node.map((n, i) => n / secs.pv[i]!)), 0)}%` },
      // The shared disk's other writers only ever slow a round down: each side's fastest round is its least disturbed.
      { measure: 'best round, MB/s (PV ÷ node disk)', value: `${fmt(WRITE_MB / Math.min(...secs.pv), 0)} (${fmt((100 * Math.min(...secs.node)) / Math.min(...secs.pv), 0)}%)`, baseline: fmt(WRITE_MB / Math.min(...secs.node), 0) },
      { measure: 'per round, PV / node (s)', value: secs.pv.map((s, i) => `${fmt(s, 2)}/${fmt(secs.node[i]!, 2)}`).join(' ') },
    ]);
    await podsGone(c);
    await claimsGone(c);
    await waitFor('no mount left by the pods', () => mounts().length === mountsBefore.length, 30_000, 200).catch(() => console.error(`mounts still there: ${mounts().join(', ')}`));
  });
});
