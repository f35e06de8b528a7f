// Two real `skiff apiserver --storage etcd` processes (compiled dist/) over one private etcd:
// each serves what the other wrote, watches on one see writes through the other, optimistic
// concurrency holds across them, and periodic compaction (--compaction-interval) turns old
// resourceVersions into 410 Expired.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../apiserver/main.js';
import { call, eventually, pod, WatchReader } from '../harness.js';
import { APISERVER_READY, ROOT, SKIFF, SkiffProcesses } from '../../support/processes.js';
import { EtcdServer, findEtcd } from './etcd-server.js';

const etcd = findEtcd();
if (!etcd.bin) console.warn(`SKIPPING two API servers over etcd: ${etcd.reason}`);

async function startApiserver(etcdUrl: string, procs: SkiffProcesses): Promise<string> {
  const { match } = await procs.startReady(['apiserver', '--port', '0', '--storage', 'etcd', '--etcd-servers', etcdUrl, '--compaction-interval', '1'], APISERVER_READY);
  return match[1]!;
}

describe('skiff apiserver --storage flags', () => {
  it('refuses an etcd backend without servers, a data dir with etcd, and unknown backends', async () => {
    await expect(main(['--port', '0', '--storage', 'etcd'])).rejects.toThrow(/--etcd-servers/);
    await expect(main(['--port', '0', '--storage', 'etcd', '--etcd-servers', 'http://127.0.0.1:1', '--data-dir', '/tmp/x'])).rejects.toThrow(/--data-dir/);
    await expect(main(['--port', '0', '--storage', 'zookeeper'])).rejects.toThrow(/invalid --storage/);
  });
});

describe.skipIf(!etcd.bin)('two API servers over one etcd', () => {
  let server: EtcdServer;
  const procs = new SkiffProcesses();
  const watches: WatchReader[] = [];
  let a: string;
  let b: string;

  beforeAll(async () => {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
    expect(fs.existsSync(SKIFF)).toBe(true);
    server = await EtcdServer.start(etcd.bin!);
    [a, b] = await Promise.all([startApiserver(server.url, procs), startApiserver(server.url, procs)]);
  });
  afterAll(async () => {
    for (const w of watches) w.close();
    await procs.stopAll();
    await server?.destroy();
  });

  it('serve and watch each other\'s writes with one resourceVersion sequence', async () => {
    await eventually(async () => (await call(b, 'GET', '/api/v1/namespaces/default')).status === 200);
    const list0 = await call(b, 'GET', '/api/v1/namespaces/default/pods');
    expect(list0.status).toBe(200);
    const w = new WatchReader(`${b}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${list0.body.metadata.resourceVersion}`);
    watches.push(w);
    await w.ready;

    const created = await call(a, 'POST', '/api/v1/namespaces/default/pods', pod('web-1', { app: 'web' }));
    expect(created.status).toBe(201);
    const rv = created.body.metadata.resourceVersion;
    await w.until((evs) => evs.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'web-1'));
    expect(w.events.find((e) => e.type === 'ADDED')!.object.metadata.resourceVersion).toBe(rv);

    // B reads A's write, updates it; A's stale update is a 409.
    const got = await eventually(async () => {
      const r = await call(b, 'GET', '/api/v1/namespaces/default/pods/web-1');
      return r.status === 200 && r.body;
    });
    expect(got.metadata.uid).toBe(created.body.metadata.uid);
    const upd = await call(b, 'PUT', '/api/v1/namespaces/default/pods/web-1', { ...got, metadata: { ...got.metadata, labels: { app: 'web', by: 'b' } } });
    expect(upd.status).toBe(200);
    expect(Number(upd.body.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
    const stale = await call(a, 'PUT', '/api/v1/namespaces/default/pods/web-1', { ...created.body, metadata: { ...created.body.metadata, labels: { by: 'a' } } });
    expect(stale.status).toBe(409);
    await w.until((evs) => evs.some((e) => e.type === 'MODIFIED' && e.object.metadata.labels.by === 'b'));

    // Both list the same objects once A's watch cache caught up.
    await eventually(async () => {
      const [la, lb] = await Promise.all([call(a, 'GET', '/api/v1/pods'), call(b, 'GET', '/api/v1/pods')]);
      return la.body.items.length === 1 && la.body.items[0].metadata.resourceVersion === upd.body.metadata.resourceVersion &&
        lb.body.items[0].metadata.resourceVersion === upd.body.metadata.resourceVersion;
    });
  });

  it('periodic compaction (every second here) expires old resourceVersions and continue tokens on both', async () => {
    for (const name of ['old-1', 'old-2']) expect((await call(a, 'POST', '/api/v1/namespaces/default/pods', pod(name))).status).toBe(201);
    const page = await call(b, 'GET', '/api/v1/namespaces/default/pods?limit=1');
    expect(page.body.metadata.continue).toBeTruthy();
    const oldRv = page.body.metadata.resourceVersion;
    // Before compaction the continue token works on the other server too (same etcd revisions).
    const next = await call(a, 'GET', `/api/v1/namespaces/default/pods?limit=1&continue=${encodeURIComponent(page.body.metadata.continue)}`);
    expect(next.status).toBe(200);
    expect(next.body.items[0].metadata.name).not.toBe(page.body.items[0].metadata.name);
    // Compaction runs every second to the revision seen one interval before; keep writing
    // until both servers refuse the old revision.
    let i = 0;
    for (const base of [a, b]) {
      await eventually(async () => {
        await call(a, 'POST', '/api/v1/namespaces/default/pods', pod(`filler-${i++}`));
        const exact = await call(base, 'GET', `/api/v1/namespaces/default/pods?resourceVersion=${oldRv}&resourceVersionMatch=Exact`);
        if (exact.status === 200) return false;
        expect(exact.status).toBe(410);
        expect(exact.body.reason).toBe('Expired');
        return true;
      }, 60_000);
      const cont = await call(base, 'GET', `/api/v1/namespaces/default/pods?limit=1&continue=${encodeURIComponent(page.body.metadata.continue)}`);
      expect(cont.status).toBe(410);
    }
  });
});
