// Real skiff components for integration tests: `node dist/cli/skiff.js <component> ...` as a
// child process in its own process group, with its output kept, a wait for its ready line
// (generous deadline; the error carries the process's recent output), and a registry that
// stops every group it started (SIGTERM, then SIGKILL) from afterAll/afterEach. Everything
// speaks TLS with the run's test PKI (./tls.ts): API servers serve its certificate and verify
// clients against its CA; components given `--server` and no `--kubeconfig` get the test
// admin's kubeconfig; kubelets serve its certificate and accept the API server's.
//
//   const procs = new SkiffProcesses();
//   afterAll(() => procs.stopAll());
//   const { url } = await procs.apiserver(temp.make('skiff-x-'));
//   const sched = procs.start(['scheduler', '--server', url]);
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor, type Poll } from './wait.js';
import { testPki } from './tls.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SKIFF = path.join(ROOT, 'dist/cli/skiff.js');

/** Tests that start processes run the compiled dist/ (`npx tsc -p tsconfig.json`). */
export function distBuilt(): boolean {
  return [SKIFF, 'dist/apiserver/main.js', 'dist/client/index.js'].every((f) => fs.existsSync(path.resolve(ROOT, f)));
}

export function requireDist(): void {
  if (!distBuilt()) throw new Error('dist/ is not built: run `npx tsc -p tsconfig.json` first');
}

export interface SkiffProcess {
  readonly child: ChildProcess;
  /** e.g. "skiff apiserver", for messages. */
  readonly command: string;
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code (null when ended by a signal). */
  readonly exited: Promise<number | null>;
  running(): boolean;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** The URL `skiff apiserver` prints once it accepts requests. */
export const APISERVER_READY = /listening on (https?:\/\/\S+)/;

// Groups still running when the test worker exits (a crash, a missed afterAll) are killed here.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) killGroup(c, 'SIGKILL');
});

export class SkiffProcesses {
  private procs = new Set<SkiffProcess>();

  /** Start `skiff <args>` (with the test PKI's credentials: withTestCredentials); it is stopped by stopAll(). */
  start(args: string[], opts: StartOptions = {}): SkiffProcess {
    args = withTestCredentials(args);
    const child = spawn(process.execPath, [SKIFF, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a stop reaches whatever it started
    });
    live.add(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    }));
    const proc: SkiffProcess = {
      child,
      command: `skiff ${args[0] ?? ''}`.trim(),
      output: () => out,
      exited,
      running: () => child.exitCode === null && child.signalCode === null,
    };
    this.procs.add(proc);
    return proc;
  }

  /** Start `skiff <args>` and wait for a line matching `ready`; resolves with the match. */
  async startReady(args: string[], ready: RegExp, opts: StartOptions & { timeoutMs?: number } = {}): Promise<{ proc: SkiffProcess; match: RegExpMatchArray }> {
    const proc = this.start(args, opts);
    const match = await awaitMatch(proc.child, proc.output, ready, opts.timeoutMs ?? 60_000, proc.command);
    return { proc, match };
  }

  /** `skiff apiserver --port PORT --data-dir DIR ...extra` serving HTTPS with the test PKI; resolves with its URL once it listens. */
  async apiserver(dataDir: string, extra: string[] = [], port = 0): Promise<{ proc: SkiffProcess; url: string }> {
    const { proc, match } = await this.startReady(['apiserver', '--port', String(port), '--data-dir', dataDir, ...extra], APISERVER_READY);
    return { proc, url: match[1]!.replace('0.0.0.0', '127.0.0.1') };
  }

  /** SIGTERM its group, SIGKILL after `graceMs`; resolves with the exit code once it is gone. */
  async stop(p: SkiffProcess, graceMs = 10_000): Promise<number | null> {
    if (!p.running()) return p.child.exitCode;
    killGroup(p.child, 'SIGTERM');
    const t = setTimeout(() => killGroup(p.child, 'SIGKILL'), graceMs);
    const code = await p.exited;
    clearTimeout(t);
    killGroup(p.child, 'SIGKILL'); // anything of the group left behind
    return code;
  }

  /** kill -9 of its group: no graceful shutdown. */
  async kill9(p: SkiffProcess): Promise<void> {
    if (!p.running()) return;
    killGroup(p.child, 'SIGKILL');
    await p.exited;
  }

  async stopAll(graceMs = 10_000): Promise<void> {
    const all = [...this.procs];
    this.procs.clear();
    await Promise.all(all.map((p) => this.stop(p, graceMs)));
  }
}

const CLIENT_COMPONENTS = new Set(['controller-manager', 'scheduler', 'kubelet', 'dns', 'proxy']);

/**
 * The test PKI's flags for a component that has none of its own: an API server serves the
 * test certificate and verifies clients against the test CA (unless --insecure-http,
 * --tls-cert-file or --cert-dir is given); a controller-manager, scheduler or kubelet given --server
 * connects with the test admin's kubeconfig; a kubelet also serves the test certificate and
 * accepts the API server's client certificate.
 */
export function withTestCredentials(args: string[]): string[] {
  const [command] = args;
  const pki = testPki();
  const has = (f: string) => args.includes(f);
  if (command === 'apiserver') {
    if (has('--insecure-http') || has('--tls-cert-file') || has('--cert-dir') || has('--help')) return args;
    return [...args, ...pki.apiserverFlags, '--kubelet-client-certificate', pki.kubeletClient.certFile, '--kubelet-client-key', pki.kubeletClient.keyFile, '--kubelet-certificate-authority', pki.caFile];
  }
  if (!command || !CLIENT_COMPONENTS.has(command) || args[1] === 'import-image') return args;
  const out = [...args];
  if (has('--server') && !has('--kubeconfig')) out.push(...pki.clientFlags);
  if (command === 'kubelet' && !has('--tls-cert-file')) out.push(...pki.kubeletServingFlags);
  return out;
}

/**
 * waitFor in the process harnesses' argument order (condition first), giving up at once,
 * with its output, when `proc` exits: no use waiting out the deadline for a dead process.
 */
export function waitWhileRunning<T>(fn: Poll<T>, timeoutMs = 60_000, describe: () => string = () => 'condition', proc?: SkiffProcess): Promise<T> {
  const giveUpIf = () => (proc && proc.child.exitCode !== null ? `process exited (${proc.child.exitCode}): ${proc.output()}` : undefined);
  return waitFor(describe, fn, timeoutMs, { giveUpIf });
}

/** Wait for a line matching `re` on any child's stdout (its stderr only goes into the error). */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  let out = '';
  let err = '';
  const onOut = (d: Buffer) => (out += d);
  const onErr = (d: Buffer) => (err += d);
  child.stdout!.on('data', onOut);
  child.stderr!.on('data', onErr);
  return awaitMatch(child, () => out, re, timeoutMs, 'process', () => `stdout: ${out.slice(-2000)} stderr: ${err.slice(-2000)}`).finally(() => {
    child.stdout!.off('data', onOut);
    child.stderr!.off('data', onErr);
  });
}

/** Resolve once read() matches re (checked on every chunk of output); reject on exit or deadline with the recent output. */
function awaitMatch(child: ChildProcess, read: () => string, re: RegExp, timeoutMs: number, command: string, recent = () => `recent output:\n${read().slice(-4000)}`): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const check = () => {
      const m = read().match(re);
      if (m) done(undefined, m);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      done(new Error(`${command} exited (${signal ?? code}) before printing ${re}; ${recent()}`));
    const timer = setTimeout(() => done(new Error(`${command} did not print ${re} within ${timeoutMs} ms; ${recent()}`)), timeoutMs);
    function done(err?: Error, m?: RegExpMatchArray) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.stderr!.off('data', check);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    }
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', onExit);
    check();
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
  });
}

/** Signal a child's whole process group (it was started detached); the child alone if that fails. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // gone
    }
  }
}
