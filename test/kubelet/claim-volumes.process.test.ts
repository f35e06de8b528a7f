// persistentVolumeClaim volumes on a real kubelet (process runtime, busybox, root: bind mounts
// need it), with this test acting as the PV binder: a pod whose claim is not bound waits in
// ContainerCreating with a FailedMount saying so, starts once it is bound, writes into the
// volume's directory, keeps it across a kubelet kill -9, and leaves no mount behind; the
// kubelet publishes its local-path root and sweeps directories whose volume is gone.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Node, PersistentVolume, PersistentVolumeClaim, Pod } from '../../api/core/index.js';
import type { RestClient } from '../../client/rest.js';
import { parseMountPoints } from '../../kubelet/volumes/volume-manager.js';
import { client, isRoot, makeBusyboxRootfs, podManifest, readStream, removeDir, SKIFF, startApiServer, startKubelet, suffix, tempDir, waitFor, type KubeletProc, type Proc } from './harness.js';

const node = `pvc-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: KubeletProc;
let rootDir: string;
let volumeDir: string;
let c: RestClient;

const mountsUnder = (dir: string) => [...parseMountPoints(readFileSync('/proc/self/mountinfo', 'utf8'))].filter((m) => m.startsWith(dir));
const claims = () => c.resource<PersistentVolumeClaim>('PersistentVolumeClaim');
const volumes = () => c.resource<PersistentVolume>('PersistentVolume');

beforeAll(async () => {
  if (!isRoot) return;
  api = await startApiServer();
  rootDir = tempDir(node);
  volumeDir = join(tempDir('pv'), 'data');
  c = client(api.url);
  const rootfs = makeBusyboxRootfs(tempDir('busybox-rootfs'));
  execFileSync(process.execPath, [SKIFF, 'kubelet', 'import-image', 'busybox', rootfs!, '--root-dir', rootDir]);
  removeDir(rootfs);
  kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`kubelet output (tail):\n${kubelet?.output().slice(-4000)}`);
});

afterAll(async () => {
  if (!isRoot) return;
  try {
    await kubelet?.stop('SIGTERM');
    if (rootDir) expect(mountsUnder(rootDir)).toEqual([]);
  } finally {
    c?.close();
    await api?.proc.stop();
    removeDir(rootDir);
    removeDir(join(volumeDir, '..'));
    removeDir(api?.dir);
  }
});

describe.skipIf(!isRoot)('persistentVolumeClaim volumes on a real kubelet', () => {
  it('waits for the claim to be bound, then mounts its volume; data stays across a kubelet kill -9 and the pod', async () => {
    await claims().create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    await c.pods().create(podManifest('writer', node, {
      containers: [{ name: 'main', image: 'busybox', command: ['/bin/sh', '-c', 'echo kept > /data/file; echo written; while true; do sleep 1; done'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
    }));
    const ev = await waitFor('FailedMount', async () => (await c.resource<Event>('Event').list({ namespace: 'default' })).items.find((e) => e.reason === 'FailedMount' && e.involvedObject.name === 'writer'));
    expect(ev.message).toBe('MountVolume.SetUp failed for volume "data" : error processing PVC default/data: PVC is not bound');
    const waiting = await c.pods().get('writer', 'default');
    expect(waiting.status?.phase).toBe('Pending');
    expect(waiting.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');

    // What the binder does: the volume's claimRef and phase, then the claim's volumeName and phase.
    const claim = await claims().get('data', 'default');
    await volumes().create({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-writer' }, spec: { storageClassName: 'manual', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: volumeDir, type: 'DirectoryOrCreate' }, claimRef: { namespace: 'default', name: 'data', uid: claim.metadata.uid } } });
    await volumes().patch('pv-writer', { status: { phase: 'Bound' } }, 'merge', { subresource: 'status' });
    await claims().patch('data', { spec: { volumeName: 'pv-writer' } }, 'merge', { namespace: 'default' });
    await claims().patch('data', { status: { phase: 'Bound' } }, 'merge', { namespace: 'default', subresource: 'status' });
    await waitFor('writer wrote', async () => (await readStream(await c.podLogs('default', 'writer', {}))).includes('written'));
    expect(readFileSync(join(volumeDir, 'file'), 'utf8')).toBe('kept\n');

    await kubelet.stop('SIGKILL');
    kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
    expect((await c.podExec('default', 'writer', ['/bin/sh', '-c', 'cat /data/file'])).stdout).toBe('kept\n');

    await c.pods().delete('writer', { namespace: 'default' });
    await waitFor('writer gone', async () => c.pods().get('writer', 'default').then(() => false, () => true));
    expect(mountsUnder(rootDir)).toEqual([]);
    expect(readFileSync(join(volumeDir, 'file'), 'utf8')).toBe('kept\n');
  }, 180_000);

  it('publishes its local-path root and removes only directories whose volume is gone', async () => {
    const n = await c.resource<Node>('Node').get(node);
    const root = join(rootDir, 'local-path');
    expect(n.metadata.annotations?.['skiff.dev/local-path-root']).toBe(root);
    // Sweeps go in name order: the kept one is judged before the orphan in every sweep.
    const kept = join(root, 'pvc-0b0b0b0b-0000-4000-8000-000000000001_default_kept');
    const orphan = join(root, 'pvc-0b0b0b0b-0000-4000-8000-000000000002_default_gone');
    mkdirSync(kept, { recursive: true });
    await volumes().create({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pvc-0b0b0b0b-0000-4000-8000-000000000001', annotations: { 'pv.kubernetes.io/provisioned-by': 'skiff.dev/local-path' } }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', hostPath: { path: kept } } });
    mkdirSync(orphan, { recursive: true });
    await waitFor('the orphan swept', () => !existsSync(orphan), 60_000);
    // That sweep judged the kept one first (its volume exists, not Released): still there.
    expect(existsSync(kept)).toBe(true);
  }, 90_000);
});
