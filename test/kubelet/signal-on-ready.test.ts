// A component stopped the moment it announces it is ready stops cleanly: its signal handlers are
// in place before the line is printed. (A kubelet that printed "ready" first and was SIGTERMed in
// between died by the signal's default action in clean-clone CI, leaving its pods and its pool of
// network namespaces behind.) The preload stalls each process right after the line, so the
// signal always lands in that window; with the handlers installed after the line, the process
// dies of the signal instead of exiting 0.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withTestCredentials } from '../support/processes.js';
import { removeDir, ROOT, SKIFF, startApiServer, suffix, tempDir } from './harness.js';

const STALL = join(ROOT, 'test', 'support', 'stall-after-ready.cjs');
const dirs: string[] = [];
let api: Awaited<ReturnType<typeof startApiServer>> | undefined;

afterAll(async () => {
  await api?.proc.stop();
  for (const d of [...dirs, api?.dir]) removeDir(d);
});

/** Start `skiff ARGS`, SIGTERM it in the same turn as its readiness line arrives; how it exited. */
async function signalOnReady(args: string[], ready: RegExp): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  const child = spawn(process.execPath, ['--require', STALL, SKIFF, ...withTestCredentials(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let sent = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (!sent && ready.test(out)) {
      sent = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  expect(sent).toBe(true);
  return { code, signal, out };
}

describe('a SIGTERM right after the readiness line', () => {
  it('the API server shuts down cleanly', async () => {
    const dir = tempDir('api-sig');
    dirs.push(dir);
    const r = await signalOnReady(['apiserver', '--port', '0', '--data-dir', dir], /listening on /);
    expect(r).toMatchObject({ code: 0, signal: null });
    expect(r.out).toContain('SIGTERM, shutting down');
  });

  it('the kubelet shuts down cleanly', async () => {
    api = await startApiServer();
    const root = tempDir('kubelet-sig');
    dirs.push(root);
    const r = await signalOnReady(['kubelet', '--server', api.url, '--node-name', `sig-${suffix()}`, '--runtime', 'fake', '--port', '0', '--root-dir', root], / ready: /);
    expect(r).toMatchObject({ code: 0, signal: null });
  });
});
