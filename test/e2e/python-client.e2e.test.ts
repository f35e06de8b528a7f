// The official Python client (Debian's python3-kubernetes) against `skiff up`, as its users
// drive it: a watch loop, errors it raises, optimistic concurrency, the patch helpers, the
// scale subresource, paging, selectors and deletion policies (test/e2e/clients/python_client.py).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Cluster, ROOT, run } from './cluster.js';

// Debian's python3-kubernetes lives in the system interpreter's dist-packages.
const PYTHON = '/usr/bin/python3';
const hasClient = fs.existsSync(PYTHON) && (await run(PYTHON, ['-c', 'import kubernetes']).catch(() => ({ code: 1 }))).code === 0;

describe.skipIf(!hasClient)('the official Python client against skiff up', () => {
  const cluster = new Cluster({ nodes: 1, runtime: 'process' });
  beforeAll(() => cluster.up(), 180_000);
  afterAll(() => cluster.destroy(), 180_000);

  it('watches, writes, patches, scales, pages and deletes through the client', async () => {
    const kubeconfig = path.join(cluster.home, '.kube', 'config');
    const r = await run(PYTHON, [path.join(ROOT, 'test/e2e/clients/python_client.py'), kubeconfig, 'py-client'], { env: cluster.env(), timeoutMs: 240_000 });
    if (r.code !== 0) throw new Error(`python client exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    expect(r.stdout).toContain('ok: watch.Watch().stream saw both pods of deployment/web Running');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('done');
  });
});
