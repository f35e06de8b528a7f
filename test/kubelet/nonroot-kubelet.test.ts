// The process runtime without root (a user's laptop): containers are plain child processes,
// chroot images are refused with a clear message, and the Node says so. As root (CI) the
// kubelet is started with its privileges dropped (setpriv to nobody) to exercise this path.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod, Secret } from '../../api/core/index.js';
import type { RestClient } from '../../client/rest.js';
import { testPki } from '../support/tls.js';
import { client, isRoot, podManifest, SKIFF, processesWith, readStream, removeDir, startApiServer, startKubelet, suffix, tempDir, waitFor, type KubeletProc, type Proc } from './harness.js';

const NOBODY = 65534;
const node = `plain-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: KubeletProc;
let rootDir: string;
let c: RestClient;
const DROP = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];
/** As root: can nobody run this checkout's kubelet at all (a checkout under /root is not readable)? */
function nobodyCanRun(): string | undefined {
  if (!existsSync('/usr/bin/setpriv')) return 'setpriv (util-linux) is missing';
  const r = spawnSync(DROP[0]!, [...DROP.slice(1), process.execPath, SKIFF, 'kubelet', '--help'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? undefined : `user nobody cannot run ${SKIFF}: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`;
}
const skipReason = isRoot ? nobodyCanRun() : undefined;
if (skipReason) console.warn(`non-root kubelet tests skipped: ${skipReason}`);
const canDrop = !skipReason;

beforeAll(async () => {
  if (!canDrop) return;
  api = await startApiServer();
  c = client(api.url);
  rootDir = tempDir(node);
  if (isRoot) chownSync(rootDir, NOBODY, NOBODY);
  const wrap = isRoot ? DROP : [];
  // The test PKI's dir is root's: a kubelet run as nobody gets its own copies of its files.
  const creds = isRoot ? testPki().kubeletFilesFor(rootDir, NOBODY, NOBODY) : [];
  kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit', ...creds], { HOME: rootDir }, wrap);
});

afterAll(async () => {
  try {
    await kubelet?.stop();
  } finally {
    c?.close();
    await api?.proc.stop();
    removeDir(rootDir);
    removeDir(api?.dir);
  }
});

const get = (name: string) => c.pods().get(name, 'default');
const waitPod = (name: string, what: string, ok: (p: Pod) => boolean) =>
  waitFor(`${name}: ${what}`, async () => {
    const p = await get(name);
    return ok(p) ? p : undefined;
  });

describe.skipIf(!canDrop)('process runtime without root', () => {
  it('says so on the Node (condition and event)', async () => {
    const n = await waitFor('node', () => c.nodes().get(node));
    const cond = n.status?.conditions?.find((k) => k.type === 'ContainerIsolation');
    expect(cond).toMatchObject({ status: 'False', reason: 'PlainProcesses' });
    expect(cond?.message).toMatch(/not running as root/);
    expect(n.status?.conditions?.find((k) => k.type === 'Ready')?.status).toBe('True');
    const events = await waitFor('event', async () => {
      const list = (await c.events().list({ namespace: 'default' })).items.filter((e) => e.involvedObject.name === node && e.reason === 'ContainerIsolation');
      return list.length ? list : undefined;
    });
    expect(events[0]!.type).toBe('Warning');
  });

  it('runs host-image pods as plain processes with logs, exec, workingDir and stop', async () => {
    const marker = `${10000 + Math.floor(Math.random() * 80000)}`;
    const data = tempDir('hostpath');
    if (isRoot) chownSync(data, NOBODY, NOBODY);
    await c.pods().create(
      podManifest('plain', node, {
        containers: [{ name: 'p', image: 'host', workingDir: data, command: ['/bin/sh', '-c', `id -u; pwd; echo hi > ${data}/out; exec sleep ${marker}`] }],
      }),
    );
    const p = await waitPod('plain', 'Running', (x) => x.status?.phase === 'Running');
    expect(p.status?.podIP).toBe('127.0.0.1'); // no network namespace: the pod shares the node's
    const logs = await waitFor('logs', async () => {
      const t = await readStream(await c.podLogs('default', 'plain', {}));
      return t.split('\n').length >= 3 ? t : undefined;
    });
    expect(logs).toBe(`${isRoot ? NOBODY : process.getuid!()}\n${data}\n`);
    expect((await c.podExec('default', 'plain', ['cat', `${data}/out`])).stdout).toBe('hi\n');
    expect(processesWith('sleep', marker)).toHaveLength(1);
    await c.pods().delete('plain', { namespace: 'default' });
    await waitFor('deleted', async () => {
      try {
        await get('plain');
        return false;
      } catch {
        return true;
      }
    });
    expect(processesWith('sleep', marker)).toEqual([]);
    removeDir(data);
  });

  it('refuses chroot images with a message saying why', async () => {
    await c.pods().create(podManifest('needsroot', node, { containers: [{ name: 'x', image: 'busybox', command: ['true'] }] }));
    const p = await waitPod('needsroot', 'ErrImagePull', (x) => /ErrImagePull|ImagePullBackOff/.test(x.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? ''));
    const w = p.status!.containerStatuses![0]!.state!.waiting!;
    if (w.reason === 'ErrImagePull') expect(w.message).toMatch(/needs root|--runtime docker/);
    await c.pods().delete('needsroot', { namespace: 'default', gracePeriodSeconds: 0 });
  });

  it('keeps secret volumes in /dev/shm (no mounts without root), never in the root dir, and removes them with the pod', async () => {
    await c.resource<Secret>('Secret').create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain-secret', namespace: 'default' }, data: { pw: Buffer.from('s3cret').toString('base64') } });
    await c.pods().create(podManifest('shm', node, {
      containers: [{ name: 'x', image: 'host', command: ['/bin/sh', '-c', 'echo "pw=$PW"; sleep 1000'], env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'plain-secret', key: 'pw' } } }] }],
      volumes: [{ name: 'sec', secret: { secretName: 'plain-secret' } }],
    }));
    const p = await waitPod('shm', 'Running', (x) => x.status?.phase === 'Running');
    await waitFor('env from the secret', async () => (await readStream(await c.podLogs('default', 'shm', {}))).includes('pw=s3cret'));
    const vol = join(rootDir, 'pods', p.metadata.uid!, 'volumes', 'sec');
    expect(lstatSync(vol).isSymbolicLink()).toBe(true);
    const real = realpathSync(vol);
    expect(real.startsWith('/dev/shm/')).toBe(true);
    expect(readFileSync(join(vol, 'pw'), 'utf8')).toBe('s3cret');
    await c.pods().delete('shm', { namespace: 'default' });
    await waitFor('shm gone', async () => get('shm').then(() => false, () => true));
    expect(existsSync(real)).toBe(false);
    expect(existsSync(join(real, '../..'))).toBe(false); // the node's /dev/shm directory too, once empty
  });
});
