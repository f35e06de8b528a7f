// The real kubectl (/usr/bin/kubectl, a dispatcher that runs the v1.32 binary matching the
// server's /version) driven as a subprocess against a `skiff up` cluster from ./cluster.ts,
// with the kubeconfig `skiff up` generated (its CA and admin certificate; the namespace set
// per Kubectl). Each Kubectl has its own copy of it and --cache-dir, so every test starts with a cold
// discovery/OpenAPI cache exactly like a fresh user; streaming commands (get -w, logs -f)
// are spawned in their own process group and killed by stopAll().
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { killGroup, run, until, type Cluster, type RunResult } from './cluster.js';
import yaml from 'js-yaml';

export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
export const hasKubectl = fs.existsSync(KUBECTL);

let seq = 0;

export interface KubectlRunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** kubectl's --request-timeout; false for commands whose requests are long watches. */
  requestTimeout?: string | false;
}

/** A streaming kubectl (get -w, logs -f): output accumulates until stop(). */
export class KubectlStream {
  stdout = '';
  stderr = '';
  exitCode: number | null = null;
  readonly exited: Promise<number | null>;

  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve((this.exitCode = code))));
  }

  lines(): string[] {
    return this.stdout.split('\n').filter((l) => l.trim() !== '');
  }

  /** Wait until some printed line matches `re`; returns that line. */
  waitForLine(re: RegExp, timeoutMs = 90_000): Promise<string> {
    return until(`a line matching ${re} from kubectl (stdout so far: ${JSON.stringify(this.stdout.slice(-2000))}, stderr: ${JSON.stringify(this.stderr.slice(-500))})`, async () => this.lines().find((l) => re.test(l)), timeoutMs, 200);
  }

  async stop(): Promise<void> {
    if (this.exitCode === null && this.proc.pid) {
      killGroup(this.proc.pid, 'SIGKILL');
      await this.exited;
    }
  }
}

export class Kubectl {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly cacheDir: string;
  private readonly streams = new Set<KubectlStream>();

  constructor(readonly cluster: Cluster, private readonly opts: { namespace?: string } = {}) {
    this.dir = path.join(cluster.dir, `kubectl-${process.pid}-${++seq}`);
    this.kubeconfig = path.join(this.dir, 'config');
    this.cacheDir = path.join(this.dir, 'cache');
    fs.mkdirSync(this.cacheDir, { recursive: true });
  }

  /** This kubectl's copy of the generated kubeconfig (made at first use: the cluster must be up). */
  private ensureKubeconfig(): void {
    if (fs.existsSync(this.kubeconfig)) return;
    const cfg = yaml.load(fs.readFileSync(this.cluster.kubeconfig, 'utf8')) as { contexts: { name: string; context: Record<string, unknown> }[] };
    for (const c of cfg.contexts) c.context.namespace = this.opts.namespace ?? 'default';
    fs.writeFileSync(this.kubeconfig, yaml.dump(cfg), { mode: 0o600 });
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: this.cluster.home, ...extra };
    delete env.KUBECONFIG;
    delete env.KUBECTL_EXTERNAL_DIFF;
    return env;
  }

  args(args: string[], requestTimeout: string | false = '30s'): string[] {
    this.ensureKubeconfig();
    return ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir, ...(requestTimeout ? [`--request-timeout=${requestTimeout}`] : []), ...args];
  }

  /** Run kubectl to completion. */
  run(args: string[], opts: KubectlRunOptions = {}): Promise<RunResult> {
    return run(KUBECTL, this.args(args, opts.requestTimeout), { env: this.env(opts.env), cwd: this.dir, input: opts.input, timeoutMs: opts.timeoutMs ?? 150_000 });
  }

  /** kubectl that must exit 0; returns stdout. */
  async ok(args: string[], opts: KubectlRunOptions = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  /** kubectl that must fail; returns the result (stderr holds the message). */
  async fails(args: string[], opts: KubectlRunOptions = {}): Promise<RunResult> {
    const r = await this.run(args, opts);
    if (r.code === 0) throw new Error(`kubectl ${args.join(' ')} succeeded but should have failed\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
  }

  /** `kubectl get ... -o json`, parsed. */
  async json<T = any>(args: string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, '-o', 'json'])) as T;
  }

  /** Start a long-running kubectl (no request timeout: its requests are watches or follows). */
  spawn(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): KubectlStream {
    const proc = spawn(KUBECTL, this.args(args, false), { env: this.env(opts.env), cwd: this.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const s = new KubectlStream(proc);
    this.streams.add(s);
    void s.exited.then(() => this.streams.delete(s));
    return s;
  }

  /** Write a manifest into this kubectl's directory; returns its path. */
  file(name: string, content: string): string {
    const p = path.join(this.dir, name);
    fs.writeFileSync(p, content);
    return p;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.streams].map((s) => s.stop()));
  }
}

export interface Table {
  headers: string[];
  rows: Record<string, string>[];
}

/**
 * Parse kubectl's human-readable table (tabwriter output: left-aligned columns starting
 * where their header starts). Cells are sliced at the header offsets, so values with single
 * spaces ("Debian GNU/Linux 12") survive.
 */
export function parseTable(out: string): Table {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return { headers: [], rows: [] };
  const header = lines[0]!;
  const starts: number[] = [];
  const headers: string[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    starts.push(m.index);
    headers.push(m[0]);
  }
  const rows = lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    headers.forEach((h, i) => {
      row[h] = line.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim();
    });
    return row;
  });
  return { headers, rows };
}
