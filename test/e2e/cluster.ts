// A real `skiff up` for end-to-end tests: started as a process (its own process group) in a
// temp data dir and temp HOME on a free port, driven with the compiled kctl as a user would,
// and stopped with SIGTERM (then SIGKILL for anything left, including components recorded
// in the data dir) so no process, port or directory outlives the test.
import { signalGroup } from '../../cli/up/supervisor.js';
import { proxyTableName } from '../../cli/up/plan.js';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { removeDir } from '../support/temp.js';
import { removeBridgesUnder } from '../support/leftovers.js';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadKubeconfig } from '../../client/kubeconfig.js';
import type { ClientCredentials } from '../../client/credentials.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SKIFF = path.join(ROOT, 'dist/cli/skiff.js');
export const KCTL = path.join(ROOT, 'dist/cli/kctl.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `fn` returns a truthy value; throws with `what` (a function: read at the deadline) and the last value after the deadline. */
export async function until<T>(what: string | (() => string), fn: () => Promise<T | undefined | false | null>, timeoutMs = 90_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(everyMs);
  }
}

/**
 * `wait` (an until(), say), and when it fails, its error with `report()` appended: what the
 * cluster looked like at that moment, so a timeout in CI says why and not only what.
 */
export async function reportOnFailure<T>(wait: Promise<T>, report: () => Promise<string>): Promise<T> {
  try {
    return await wait;
  } catch (e) {
    const said = await report().catch((r: unknown) => `(no report: ${r instanceof Error ? r.message : String(r)})`);
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${said}`, { cause: e });
  }
}

/** What podReport reads of a pod to find the containers whose logs it prints. */
interface PodContainers {
  metadata: { name: string };
  spec: { initContainers?: { name: string }[]; containers?: { name: string }[] };
}

export class Cluster {
  readonly dir: string;
  readonly home: string;
  readonly dataDir: string;
  port = 0;
  proc: ChildProcess | undefined;
  output = '';
  /** Added to the environment of the next `skiff up` (and of kctl). */
  extraEnv: NodeJS.ProcessEnv = {};

  /** Node names are `${nodePrefix}1…`: unique per test run, because a node's name also names its
   *  pod bridge on the host, and other suites on this machine may run nodes called node-1. */
  readonly nodePrefix: string;

  constructor(readonly opts: { nodes?: number; runtime?: 'process' | 'fake' | 'docker' } = {}) {
    this.nodePrefix = `e2e${Math.random().toString(36).slice(2, 7)}-`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-e2e-'));
    this.home = path.join(this.dir, 'home');
    this.dataDir = path.join(this.dir, 'data');
    fs.mkdirSync(this.home, { recursive: true });
  }

  get server(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** The kubeconfig `skiff up` wrote: the cluster CA and the admin's client certificate. */
  get kubeconfig(): string {
    return path.join(this.dataDir, 'kubeconfig');
  }

  /** The admin's credentials from that kubeconfig, for a RestClient. */
  credentials(): ClientCredentials {
    return loadKubeconfig({ kubeconfig: this.kubeconfig }, {}).credentials;
  }

  env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.extraEnv, HOME: this.home };
    delete env.KUBECONFIG;
    return env;
  }

  /** Start `skiff up` and wait for "Skiff is up."; throws with its output if it exits first. */
  async up(extraArgs: string[] = []): Promise<void> {
    // Losing track of a running one would leak it (and everything it started) past destroy().
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) throw new Error('skiff up is already running in this test cluster');
    if (!this.port) this.port = await freePort();
    this.output = '';
    const args = [SKIFF, 'up', '--port', String(this.port), '--data-dir', this.dataDir, '--nodes', String(this.opts.nodes ?? 2), '--runtime', this.opts.runtime ?? 'process', '--node-prefix', this.nodePrefix, ...extraArgs];
    const proc = spawn(process.execPath, args, { env: this.env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`skiff up did not come up in 120s:\n${this.output}`)), 120_000);
      const check = () => {
        if (this.output.includes('Skiff is up.')) {
          clearTimeout(timer);
          proc.stdout!.off('data', check);
          proc.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`skiff up exited (${code}) before it was up:\n${this.output}`));
      };
      proc.stdout!.on('data', check);
      proc.once('exit', onExit);
    });
  }

  /** SIGTERM `skiff up` and wait for it; then make sure nothing it started is left. */
  async down(): Promise<number | null> {
    const proc = this.proc;
    this.proc = undefined;
    let code: number | null = null;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(proc.pid!, 'SIGKILL'), 100_000);
      code = await exited;
      clearTimeout(timer);
    } else if (proc) {
      code = proc.exitCode;
    }
    if (proc?.pid) killGroup(proc.pid, 'SIGKILL');
    for (const pid of this.recordedPids()) killGroup(pid, 'SIGKILL');
    return code;
  }

  /** kill -9 `skiff up` alone (not what it started), as the OOM killer would; returns its pid. */
  async killSupervisor(): Promise<number> {
    const proc = this.proc;
    if (!proc?.pid) throw new Error('skiff up is not running');
    this.proc = undefined;
    const exited = new Promise<void>((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r())));
    process.kill(proc.pid, 'SIGKILL');
    await exited;
    return proc.pid;
  }

  /** Pids of components `skiff up` recorded in the data dir (empty after a clean stop). */
  recordedPids(): number[] {
    try {
      return (JSON.parse(fs.readFileSync(path.join(this.dataDir, 'components.json'), 'utf8')) as { pid: number }[]).map((c) => c.pid);
    } catch {
      return [];
    }
  }

  async destroy(): Promise<void> {
    await this.down();
    // A clean stop removes the proxy's nftables table; after a kill it is still there.
    const table = proxyTableName(this.dataDir);
    if (process.getuid?.() === 0 && nftHasTable(table) !== false) await run(process.execPath, [SKIFF, 'proxy', '--cleanup', '--nft-table', table]);
    removeBridgesUnder(this.dir);
    removeDir(this.dir);
  }

  /** Run kctl as the user would (HOME has the kubeconfig `skiff up` merged). */
  kctl(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return run(process.execPath, [KCTL, ...args], { env: this.env(), cwd: ROOT, ...opts });
  }

  /**
   * `kctl describe` of the pods matching `selector` (node, IP, conditions, every container's
   * state and restarts, events), the last lines of the named containers' logs (of the pods that
   * have them), and the Services and EndpointSlices of every namespace: what to print when a
   * wait for pods failed.
   */
  async podReport(selector: string, opts: { logsOf?: string[]; tail?: number } = {}): Promise<string> {
    const shown = (r: RunResult) => `${r.stdout}${r.stderr}`.trimEnd();
    const out = [`--- pods -l ${selector} at ${new Date().toISOString()}`, shown(await this.kctl(['describe', 'pods', '-l', selector]))];
    const got = await this.kctl(['get', 'pods', '-l', selector, '-o', 'json']);
    const pods: PodContainers[] = got.code === 0 ? JSON.parse(got.stdout).items : [];
    for (const p of pods) {
      const has = new Set([...(p.spec.initContainers ?? []), ...(p.spec.containers ?? [])].map((c) => c.name));
      for (const c of (opts.logsOf ?? []).filter((n) => has.has(n))) {
        const logs = await this.kctl(['logs', p.metadata.name, '-c', c, '--tail', String(opts.tail ?? 20)]);
        out.push(`--- logs ${p.metadata.name} -c ${c}${logs.code === 0 ? '' : ` (exit ${logs.code})`}`, shown(logs));
      }
    }
    out.push('--- services and endpointslices', shown(await this.kctl(['get', 'svc,endpointslices', '-A', '-o', 'wide'])));
    return out.join('\n');
  }

  /** kctl that must succeed; returns stdout. */
  async ok(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.kctl(args, opts);
    if (r.code !== 0) throw new Error(`kctl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }
}

/**
 * `skiff up` flags giving a cluster a Service CIDR and NodePort range of its own, for tests that
 * send traffic through Services: clusters side by side on this host share its kernel, so two
 * with the same cluster IPs or NodePorts would each catch the other's connections.
 */
export function isolatedServiceNetwork(): string[] {
  const r = (n: number) => Math.floor(Math.random() * n);
  const first = 30000 + 100 * r(27);
  return ['--service-cidr', `10.${112 + r(100)}.${r(256)}.0/24`, '--service-node-port-range', `${first}-${first + 99}`];
}

/**
 * Whether nftables holds `table ip NAME` (the proxy's), asked of `nft` itself: a few ms, where
 * `skiff proxy --cleanup` is a whole Node start at every teardown. undefined when nft cannot say
 * (not installed, not permitted): then the cleanup runs as before.
 */
function nftHasTable(name: string): boolean | undefined {
  const r = spawnSync('nft', ['list', 'table', 'ip', name], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status === 0) return true;
  if (r.status !== null && /No such file or directory/.test(r.stderr ?? '')) return false;
  return undefined;
}

/** Signal a process group (falling back to the process): the supervisor's own helper. */
export const killGroup = signalGroup;

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env: opts.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin?.end();
  });
}
