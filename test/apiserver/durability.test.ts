// Durability through the real process: `skiff apiserver` (compiled dist/) takes writes with
// 50 in flight, is killed with SIGKILL mid-stream, restarts on the same data dir, and every
// acknowledged write is there, with revisions continuing upward.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, pod } from './harness.js';
import { ROOT, SKIFF, SkiffProcesses } from '../support/processes.js';
import { TempDirs } from '../support/temp.js';

const procs = new SkiffProcesses();
const temp = new TempDirs();
let dataDir: string;

beforeAll(() => {
  // Compile (other folders' type errors do not stop tsc from emitting ours).
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
  expect(fs.existsSync(SKIFF)).toBe(true);
  dataDir = temp.make('skiff-apiserver-durability-');
});

afterAll(async () => {
  await procs.stopAll();
  temp.removeAll();
});

/** Start `skiff apiserver --port 0` on the one data dir and resolve with the URL it prints. */
async function startApiserver(): Promise<{ proc: ChildProcess; url: string }> {
  const { proc, url } = await procs.apiserver(dataDir);
  return { proc: proc.child, url };
}

function exited(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.on('exit', () => resolve());
  });
}

describe('skiff apiserver durability', () => {
  it('keeps every acknowledged write across SIGKILL; revisions continue upward', async () => {
    const first = await startApiserver();
    const acked = new Map<string, number>(); // name → resourceVersion acknowledged
    let counterRV = 0;
    let counterValue = 0;
    await call(first.url, 'POST', '/api/v1/namespaces/default/pods', pod('counter'));
    let stop = false;
    let seq = 0;
    // 50 writers: creates, and every tenth write a patch of one shared object.
    const writers = Array.from({ length: 50 }, async () => {
      while (!stop) {
        const n = seq++;
        try {
          if (n % 10 === 0) {
            const r = await call(first.url, 'PATCH', '/api/v1/namespaces/default/pods/counter', { metadata: { annotations: { n: String(n) } } }, { 'Content-Type': 'application/merge-patch+json' });
            if (r.status === 200 && Number(r.body.metadata.resourceVersion) > counterRV) {
              counterRV = Number(r.body.metadata.resourceVersion);
              counterValue = n;
            }
          } else {
            const r = await call(first.url, 'POST', '/api/v1/namespaces/default/pods', pod(`d-${n}`));
            if (r.status === 201) acked.set(`d-${n}`, Number(r.body.metadata.resourceVersion));
          }
        } catch {
          // the server died under this request: not acknowledged
        }
      }
    });
    // Kill once a good number of writes have been acknowledged, while writes are in flight.
    const deadline = Date.now() + 60_000;
    while (acked.size < 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // Group commit, as /metrics counts it: every acknowledged write is a logged record, and a
    // durable write (one O_DSYNC write) carries one or more of them.
    const ackedSoFar = acked.size;
    const metrics = (await call(first.url, 'GET', '/metrics')).text;
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(gauge('apiserver_storage_wal_records')).toBeGreaterThanOrEqual(ackedSoFar);
    expect(gauge('apiserver_storage_wal_fsyncs')).toBeGreaterThan(0);
    expect(gauge('apiserver_storage_wal_fsyncs')).toBeLessThanOrEqual(gauge('apiserver_storage_wal_records'));
    first.proc.kill('SIGKILL');
    await exited(first.proc);
    stop = true;
    await Promise.all(writers);
    expect(acked.size).toBeGreaterThanOrEqual(1000);
    const maxAcked = Math.max(...acked.values(), counterRV);

    const second = await startApiserver();
    const list = await call(second.url, 'GET', '/api/v1/namespaces/default/pods');
    expect(list.status).toBe(200);
    const stored = new Map<string, any>(list.body.items.map((p: any) => [p.metadata.name, p]));
    const missing = [...acked.keys()].filter((n) => !stored.has(n));
    expect(missing).toEqual([]);
    for (const [name, rv] of acked) expect(Number(stored.get(name).metadata.resourceVersion)).toBe(rv);
    // the shared object holds at least the last acknowledged patch
    const counter = stored.get('counter');
    expect(Number(counter.metadata.resourceVersion)).toBeGreaterThanOrEqual(counterRV);
    if (Number(counter.metadata.resourceVersion) === counterRV) expect(counter.metadata.annotations.n).toBe(String(counterValue));
    expect(Number(list.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(maxAcked);
    // revisions continue upward
    const after = await call(second.url, 'POST', '/api/v1/namespaces/default/pods', pod('after-restart'));
    expect(after.status).toBe(201);
    expect(Number(after.body.metadata.resourceVersion)).toBeGreaterThan(maxAcked);

    // a graceful stop (SIGTERM) flushes and exits 0; the data is there on the next start
    second.proc.kill('SIGTERM');
    await exited(second.proc);
    expect(second.proc.exitCode).toBe(0);
    const third = await startApiserver();
    expect((await call(third.url, 'GET', '/api/v1/namespaces/default/pods/after-restart')).status).toBe(200);
    third.proc.kill('SIGTERM');
    await exited(third.proc);
  });
});
