// Real processes for the scheduler's integration tests and benchmark: an API server on a
// random port with its own temp data dir, and `skiff scheduler` processes against it.
// Everything started here is stopped (and the dirs removed) by stopAll().
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SKIFF = path.join(ROOT, 'dist/cli/skiff.js');

export interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export class Processes {
  private procs: Proc[] = [];
  private dirs: string[] = [];

  start(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
    const child = spawn(process.execPath, [SKIFF, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const p: Proc = { child, output: () => out, exited };
    this.procs.push(p);
    return p;
  }

  /** `skiff apiserver --port 0 --data-dir TMP`; resolves with its URL once it listens. */
  async apiserver(extra: string[] = []): Promise<{ url: string; proc: Proc }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-sched-'));
    this.dirs.push(dir);
    const proc = this.start(['apiserver', '--port', '0', '--data-dir', dir, ...extra]);
    const url = await waitFor(
      () => proc.output().match(/https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0):\d+/)?.[0],
      60_000,
      () => `apiserver did not print its URL:\n${proc.output()}`,
      proc,
    );
    return { url: url.replace('0.0.0.0', '127.0.0.1'), proc };
  }

  scheduler(url: string, extra: string[] = []): Proc {
    return this.start(['scheduler', '--server', url, ...extra]);
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves when it is gone. */
  async stop(p: Proc, graceMs = 10_000): Promise<number | null> {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return p.child.exitCode;
    p.child.kill('SIGTERM');
    const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
    const code = await p.exited;
    clearTimeout(t);
    return code;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => this.stop(p)));
    this.procs = [];
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
    this.dirs = [];
  }
}

/** Polls fn until it returns a truthy value (generous deadlines; never a timing assertion). */
export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
  describe: () => string = () => 'condition',
  proc?: Proc,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (proc && proc.child.exitCode !== null) throw new Error(`process exited (${proc.child.exitCode}): ${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${describe()}${lastErr ? ` (last error: ${String(lastErr)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
