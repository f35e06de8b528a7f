// Issue 21: a kubelet restart never rewrites a finished pod's history. The real API server and
// `skiff kubelet` (process runtime): restartPolicy Never pods run to Succeeded and Failed, then
// the kubelet is SIGKILLed and restarted — once with its runtime state intact, once after a
// "reboot" that lost the pods' containers and sandboxes — and their statuses must still say
// terminated with the same exit code, reason, times and container ID, and the restarted kubelet
// must not even try to write anything else (the API server would refuse it with 422, which the
// kubelet logs as a sync error).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import type { RestClient } from '../../client/rest.js';
import { LABEL_POD_UID } from '../../kubelet/runtime/interface.js';
import { client, isRoot, podManifest, removeDir, startApiServer, startKubelet, suffix, tempDir, waitFor, type KubeletProc, type Proc } from './harness.js';

const node = `hist-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: KubeletProc;
let rootDir: string;
let c: RestClient;

const finished = (p: Pod) => (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') && !!p.status.containerStatuses?.[0]?.state?.terminated;

async function waitFinished(name: string): Promise<Pod> {
  return waitFor(`${name} finished`, async () => {
    const p = await c.pods().get(name, 'default');
    return finished(p) ? p : undefined;
  });
}

/** What must never change once reported: phase, and the container's terminated state and count. */
function history(p: Pod) {
  const s = p.status!.containerStatuses![0]!;
  return { phase: p.status!.phase, state: s.state, containerID: s.containerID, restartCount: s.restartCount };
}

/** The pod's sandboxes and containers on disk, as the process runtime keeps them. */
function runtimeDirsOf(pod: Pod): string[] {
  const out: string[] = [];
  for (const kind of ['sandboxes', 'containers']) {
    const base = join(rootDir, kind);
    if (!existsSync(base)) continue;
    for (const id of readdirSync(base)) {
      const file = join(base, id, kind === 'sandboxes' ? 'sandbox.json' : 'container.json');
      if (!existsSync(file)) continue;
      const rec = JSON.parse(readFileSync(file, 'utf8')) as { config: { podUid?: string; labels?: Record<string, string> } };
      if ((rec.config.podUid ?? rec.config.labels?.[LABEL_POD_UID]) === pod.metadata.uid) out.push(join(base, id));
    }
  }
  return out;
}

/** Sync errors for these pods in what the kubelet has said since `from` (logged with SKIFF_KUBELET_DEBUG=1). */
function syncErrors(pods: Pod[]): string[] {
  const uids = pods.map((p) => p.metadata.uid!);
  return kubelet
    .output()
    .split('\n')
    .filter((l) => uids.some((u) => l.includes(`sync ${u}`)));
}

/** Let the restarted kubelet sync every pod (PLEG relist + status write on change) before judging. */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 4000));
}

beforeAll(async () => {
  api = await startApiServer();
  rootDir = tempDir(node);
  c = client(api.url);
  kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`kubelet output (tail):\n${kubelet?.output().slice(-4000)}`);
});

afterAll(async () => {
  try {
    await kubelet?.stop('SIGTERM');
  } finally {
    c?.close();
    await api?.proc.stop();
    removeDir(rootDir);
    removeDir(api?.dir);
  }
});

describe('a finished pod across kubelet restarts', () => {
  it('keeps Succeeded/Failed and each container\'s terminated state after kill -9, and after a reboot lost the containers', async () => {
    await c.pods().create(podManifest('hello', node, { restartPolicy: 'Never', containers: [{ name: 'hello', image: 'host', command: ['/bin/sh', '-c', 'echo hello'] }] }));
    await c.pods().create(podManifest('oops', node, { restartPolicy: 'Never', containers: [{ name: 'oops', image: 'host', command: ['/bin/sh', '-c', 'echo bad; exit 3'] }] }));
    const hello = await waitFinished('hello');
    const oops = await waitFinished('oops');
    expect(hello.status?.phase).toBe('Succeeded');
    expect(hello.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(oops.status?.phase).toBe('Failed');
    expect(oops.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    for (const p of [hello, oops]) {
      const t = p.status!.containerStatuses![0]!.state!.terminated!;
      expect(t.startedAt).toBeTruthy();
      expect(t.finishedAt).toBeTruthy();
      expect(p.status!.containerStatuses![0]!.containerID).toMatch(/^skiff:\/\//);
    }

    // 1. kill -9 and restart over the same runtime state.
    await kubelet.stop('SIGKILL');
    kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
    await settle();
    for (const was of [hello, oops]) expect(history(await c.pods().get(was.metadata.name!, 'default'))).toEqual(history(was));
    expect(syncErrors([hello, oops])).toEqual([]);

    // 2. A reboot that lost the runtime's record of both pods: their containers and sandboxes are gone.
    await kubelet.stop('SIGKILL');
    for (const was of [hello, oops]) {
      const dirs = runtimeDirsOf(was);
      expect(dirs.length).toBeGreaterThan(0); // the label match found them: the check below is not vacuous
      for (const d of dirs) {
        const ns = `skiff-${d.split('/').pop()!.slice(0, 12)}`;
        if (isRoot && d.includes('/sandboxes/') && existsSync(`/var/run/netns/${ns}`)) execFileSync('ip', ['netns', 'del', ns]);
        rmSync(d, { recursive: true, force: true });
      }
    }
    kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
    await settle();
    for (const was of [hello, oops]) {
      const now = await c.pods().get(was.metadata.name!, 'default');
      expect(history(now)).toEqual(history(was));
      expect(now.status?.containerStatuses?.[0]?.state?.waiting).toBeUndefined();
    }
    // Nothing ran again, and the kubelet did not try to write a regressed status (a 422 would show here).
    expect(runtimeDirsOf(hello)).toEqual([]);
    expect(runtimeDirsOf(oops)).toEqual([]);
    expect(syncErrors([hello, oops])).toEqual([]);

    for (const name of ['hello', 'oops']) await c.pods().delete(name, { namespace: 'default' });
    await waitFor('pods deleted by the kubelet', async () => (await c.pods().list({ namespace: 'default' })).items.length === 0);
  });
});
