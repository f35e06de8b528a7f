// Real usage from real cgroups (root only): a pod burning CPU under the process runtime shows
// CPU in the kubelet's /stats/summary and in `kctl top pods`, measured by the API server's scraper.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestClient } from '../../client/rest.js';
import { testPki } from '../support/tls.js';
import { client, hostResources, isRoot, podManifest, removeDir, ROOT, startKubelet, startSkiff, suffix, tempDir, waitFor, type KubeletProc, type Proc } from '../kubelet/harness.js';

const run = promisify(execFile);
const KCTL = join(ROOT, 'dist', 'cli', 'kctl.js');
const node = `mproc-${suffix()}`;
let api: { proc: Proc; url: string; dir: string } | undefined;
let kubelet: KubeletProc | undefined;
let rootDir: string | undefined;
let c: RestClient | undefined;

describe.skipIf(!isRoot)('process runtime: usage from cgroups', () => {
  beforeAll(async () => {
    const dir = tempDir('mproc-api');
    const started = await startSkiff(['apiserver', '--port', '0', '--data-dir', dir, '--metric-resolution', '1s'], /listening on (https?:\/\/\S+)/);
    api = { proc: started.proc, url: started.match[1]!, dir };
    c = client(api.url);
    rootDir = tempDir(node);
    kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
  });

  afterAll(async () => {
    try {
      await kubelet?.stop('SIGTERM');
      if (rootDir) expect(hostResources(rootDir, node).cgroups).toEqual([]);
    } finally {
      c?.close();
      await api?.proc.stop();
      removeDir(rootDir);
      removeDir(api?.dir);
    }
  });

  it('a pod spinning on the CPU shows usage in /stats/summary and kctl top pods', async () => {
    // A CPU limit keeps the spinner from taking a whole core of a shared machine.
    await c!.pods().create(podManifest('burn', node, {
      containers: [{ name: 'spin', image: 'host', command: ['/bin/sh', '-c', 'while :; do :; done'], resources: { limits: { cpu: '100m', memory: '64Mi' } } }],
    }));
    type Summary = { node: { cpu: { usageCoreNanoSeconds: number }; memory: { workingSetBytes: number } }; pods: { podRef: { name: string }; cpu: { usageCoreNanoSeconds: number }; containers: { name: string; cpu: { usageCoreNanoSeconds: number }; memory: { workingSetBytes: number } }[] }[] };
    const burn = await waitFor('burn measured', async () => {
      const s = await c!.request<Summary>('GET', `/api/v1/nodes/${node}/proxy/stats/summary`);
      const p = s.pods.find((x) => x.podRef.name === 'burn');
      return p && p.cpu.usageCoreNanoSeconds > 0 ? { s, p } : undefined;
    });
    expect(burn.p.containers.map((x) => x.name)).toEqual(['spin']);
    expect(burn.p.containers[0]!.memory.workingSetBytes).toBeGreaterThan(0);
    expect(burn.s.node.cpu.usageCoreNanoSeconds).toBeGreaterThan(burn.p.cpu.usageCoreNanoSeconds);
    expect(burn.s.node.memory.workingSetBytes).toBeGreaterThan(0);

    const line = await waitFor('kctl top pods shows burn', async () => {
      const r = await run(process.execPath, [KCTL, '--server', api!.url, '--kubeconfig', testPki().kubeconfig, 'top', 'pods']).catch(() => undefined);
      return r && /^burn\s+(\d+)m\s+(\d+)Mi$/m.exec(r.stdout);
    });
    expect(Number(line[1])).toBeGreaterThan(0);
  });
});
