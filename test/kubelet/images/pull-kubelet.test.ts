// The process runtime pulling from a real registry, end to end (root: the image runs in a
// chroot): a pod of a registry image runs the image's Entrypoint+Cmd with its Env, WorkingDir
// and User; Pulling/Pulled events; an unknown image is ErrImagePull then ImagePullBackOff with
// the registry's error; Never without the image is ErrImageNeverPull; a private registry
// is pulled with a kubernetes.io/dockerconfigjson imagePullSecret.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Pod, Secret } from '../../../api/core/index.js';
import type { RestClient } from '../../../client/rest.js';
import { client, isRoot, podManifest, readStream, removeDir, startApiServer, startKubelet, suffix, tempDir, waitFor, type KubeletProc, type Proc } from '../harness.js';
import { busyboxLayer, haveHtpasswd, haveRegistry, image, layer, push, startRegistry, type Registry } from './registry.js';

const node = `img-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: KubeletProc;
let rootDir: string;
let c: RestClient;
let reg: Registry;
let priv: Registry | undefined;
const regDir = mkdtempSync(join(tmpdir(), 'skiff-images-kubelet-'));

const pod = (name: string) => c.pods().get(name, 'default');
const waitPod = (name: string, what: string, ok: (p: Pod) => boolean) =>
  waitFor(`${name}: ${what}`, async () => {
    const p = await pod(name);
    return ok(p) ? p : undefined;
  }, 90_000);
const events = async (name: string) => (await c.resource<Event>('Event').list({ namespace: 'default' })).items.filter((e) => e.involvedObject.name === name);
const waiting = (p: Pod) => p.status?.containerStatuses?.[0]?.state?.waiting;

describe.skipIf(!isRoot || !haveRegistry)('the process runtime pulls images from a registry', () => {
  beforeAll(async () => {
    reg = await startRegistry(join(regDir, 'open'));
    const base = await busyboxLayer();
    const app = await layer([{ name: 'app/', type: 'directory' }, { name: 'app/motd', body: 'from the image\n' }]);
    await push(reg.host, 'test/busybox', '1', image([base, app], { Entrypoint: ['/bin/echo'], Cmd: ['hi'], Env: ['GREETING=from-image', 'PATH=/bin'], WorkingDir: '/app', User: 'app' }));
    if (haveHtpasswd) {
      priv = await startRegistry(join(regDir, 'private'), { htpasswd: { user: 'alice', password: 's3cret' } });
      await push(priv.host, 'team/app', '1', image([base], { Cmd: ['/bin/sh', '-c', 'echo private ok'] }), 'Basic ' + Buffer.from('alice:s3cret').toString('base64'));
    }
    api = await startApiServer();
    rootDir = tempDir(node);
    c = client(api.url);
    kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
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
      await priv?.stop();
      removeDir(rootDir);
      removeDir(api?.dir);
      rmSync(regDir, { recursive: true, force: true });
    }
  });

  it('runs the image\'s Entrypoint+Cmd, with Pulling/Pulled events giving size and time', async () => {
    const ref = `${reg.host}/test/busybox:1`;
    await c.pods().create(podManifest('hi', node, { restartPolicy: 'Never', containers: [{ name: 'c', image: ref }] }));
    const done = await waitPod('hi', 'Succeeded', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    expect(done.status?.phase).toBe('Succeeded');
    expect(await readStream(await c.podLogs('default', 'hi', {}))).toBe('hi\n');
    expect(done.status?.containerStatuses?.[0]?.imageID).toMatch(new RegExp(`^${reg.host}/test/busybox@sha256:[a-f0-9]{64}$`));
    const evs = await events('hi');
    expect(evs.find((e) => e.reason === 'Pulling')?.message).toBe(`Pulling image "${ref}"`);
    expect(evs.find((e) => e.reason === 'Pulled')?.message).toMatch(new RegExp(`^Successfully pulled image "${ref.replace(/\./g, '\\.')}" in [0-9.]+s \\([0-9.]+s including waiting\\)\\. Image size: \\d+ bytes\\.$`));
  });

  it('applies the image\'s Env, WorkingDir and User under the pod\'s command; runAsUser overrides User', async () => {
    const ref = `${reg.host}/test/busybox:1`;
    const cmd = ['/bin/sh', '-c', 'echo "$GREETING $(pwd) $(id -u) $(cat motd)"'];
    await c.pods().create(podManifest('cfg', node, { restartPolicy: 'Never', containers: [{ name: 'c', image: ref, command: cmd }] }));
    await c.pods().create(podManifest('asroot', node, { restartPolicy: 'Never', containers: [{ name: 'c', image: ref, command: cmd, env: [{ name: 'GREETING', value: 'from-pod' }], securityContext: { runAsUser: 0 } }] }));
    for (const n of ['cfg', 'asroot']) await waitPod(n, 'Succeeded', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    expect(await readStream(await c.podLogs('default', 'cfg', {}))).toBe('from-image /app 1000 from the image\n');
    expect(await readStream(await c.podLogs('default', 'asroot', {}))).toBe('from-pod /app 0 from the image\n');
    // The second pod found the image present (IfNotPresent, a tagged image).
    expect((await events('asroot')).find((e) => e.reason === 'Pulled')?.message).toBe(`Container image "${ref}" already present on machine`);
  });

  it('an unknown image is ErrImagePull with the registry\'s error, then ImagePullBackOff', async () => {
    const ref = `${reg.host}/test/missing:1`;
    await c.pods().create(podManifest('missing', node, { containers: [{ name: 'c', image: ref }] }));
    // ErrImagePull lasts until the pod's next sync, which may come at once (the sandbox it just
    // made wakes it) and report ImagePullBackOff: the Failed event keeps the registry's words.
    const failed = await waitFor('missing: Failed event', async () => (await events('missing')).find((e) => e.reason === 'Failed'), 90_000);
    expect(failed.message).toMatch(new RegExp(`^Failed to pull image "${ref.replace(/\./g, '\\.')}": .*MANIFEST_UNKNOWN: manifest unknown`));
    const seen = new Set<string | undefined>();
    const later = await waitPod('missing', 'ImagePullBackOff', (p) => {
      seen.add(waiting(p)?.reason);
      return waiting(p)?.reason === 'ImagePullBackOff';
    });
    expect(waiting(later)?.message).toBe(`Back-off pulling image "${ref}"`);
    expect([...seen].every((r) => r === 'ErrImagePull' || r === 'ImagePullBackOff')).toBe(true);
  });

  it('imagePullPolicy Never without the image is ErrImageNeverPull', async () => {
    const ref = `${reg.host}/test/busybox:never`;
    await c.pods().create(podManifest('never', node, { containers: [{ name: 'c', image: ref, imagePullPolicy: 'Never' }] }));
    const p = await waitPod('never', 'ErrImageNeverPull', (x) => waiting(x)?.reason === 'ErrImageNeverPull');
    expect(waiting(p)?.message).toBe(`Container image "${ref}" is not present with pull policy of Never`);
  });

  it.skipIf(!haveHtpasswd)('a private registry: refused without credentials, pulled with a dockerconfigjson imagePullSecret', async () => {
    const ref = `${priv!.host}/team/app:1`;
    await c.pods().create(podManifest('nocreds', node, { restartPolicy: 'Never', containers: [{ name: 'c', image: ref }] }));
    // The status may already have moved on to ImagePullBackOff: the Failed event keeps the registry's words.
    const refused = await waitFor('nocreds: Failed event', async () => (await events('nocreds')).find((e) => e.reason === 'Failed'), 90_000);
    expect(refused.message).toContain(`Failed to pull image "${ref}": unauthorized: registry ${priv!.host} requires credentials`);
    expect(['ErrImagePull', 'ImagePullBackOff']).toContain(waiting(await pod('nocreds'))?.reason);
    const dockerconfig = { auths: { [priv!.host]: { username: 'alice', password: 's3cret', auth: Buffer.from('alice:s3cret').toString('base64') } } };
    await c.resource<Secret>('Secret').create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred', namespace: 'default' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerconfig)).toString('base64') },
    });
    await c.pods().create(podManifest('withcreds', node, { restartPolicy: 'Never', imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'c', image: ref }] }));
    const done = await waitPod('withcreds', 'Succeeded', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    expect(done.status?.phase).toBe('Succeeded');
    expect(await readStream(await c.podLogs('default', 'withcreds', {}))).toBe('private ok\n');
  });
});
