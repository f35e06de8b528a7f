// Real processes for the kubelet's integration tests: the compiled API server and
// `skiff kubelet`, on random ports, with temp dirs, stopped and checked for leftovers.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import type { Pod } from '../../api/core/index.js';
import { RestClient } from '../../client/rest.js';
import { withTestCredentials } from '../support/processes.js';
import { testPki } from '../support/tls.js';
import * as pty from 'node-pty';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SKIFF = join(ROOT, 'dist', 'cli', 'skiff.js');
export const isRoot = process.getuid?.() === 0;

export const suffix = () => randomBytes(3).toString('hex');

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `skiff-kubelet-${prefix}-`));
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Spawn a skiff subcommand and wait for a line on stdout matching `ready`. A process that
 * exits before it is ready is retried twice (on a shared tree dist/ can be mid-rebuild).
 */
export async function startSkiff(args: string[], ready: RegExp, env: Record<string, string> = {}, timeoutMs = 60_000, wrap: string[] = []): Promise<{ proc: Proc; match: RegExpMatchArray }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startSkiffOnce(args, ready, env, timeoutMs, wrap);
    } catch (err) {
      if (attempt >= 2 || !/exited \(.*\) before it was ready/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function startSkiffOnce(args: string[], ready: RegExp, env: Record<string, string> = {}, timeoutMs = 60_000, wrap: string[] = []): Promise<{ proc: Proc; match: RegExpMatchArray }> {
  const argv = [...wrap, process.execPath, SKIFF, ...withTestCredentials(args)];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const proc: Proc = {
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      // A kubelet with --stop-pods-on-exit may take its syncs' drain (15 s), then each pod's
      // grace (10 s), then the node's teardown: SIGKILL before that leaves its pods running.
      await Promise.race([exited, new Promise((r) => setTimeout(r, 60_000))]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
        console.error(`skiff ${args[0]} did not stop within 60 s of ${signal}: SIGKILL (what it printed last: ${out.slice(-2000)})`);
      } else if (signal === 'SIGTERM' && child.exitCode !== 0) {
        console.error(`skiff ${args[0]} exited ${child.exitCode ?? child.signalCode} on SIGTERM (what it printed last: ${out.slice(-2000)})`);
      }
    },
  };
  const match = await new Promise<RegExpMatchArray>((resolveMatch, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${ready} from skiff ${args[0]}:\n${out}`)), timeoutMs);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolveMatch(m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`skiff ${args[0]} exited (${code}) before it was ready:\n${out}`));
    });
  });
  return { proc, match };
}

export async function startApiServer(): Promise<{ proc: Proc; url: string; dir: string }> {
  const dir = tempDir('api');
  const { proc, match } = await startSkiff(['apiserver', '--port', '0', '--data-dir', dir], /listening on (https?:\/\/\S+)/);
  return { proc, url: match[1]!, dir };
}

export interface KubeletProc extends Proc {
  port: number;
}

export async function startKubelet(server: string, nodeName: string, rootDir: string, extra: string[] = [], env: Record<string, string> = {}, wrap: string[] = []): Promise<KubeletProc> {
  const { proc, match } = await startSkiff(
    ['kubelet', '--server', server, '--node-name', nodeName, '--port', '0', '--root-dir', rootDir, ...extra],
    /ready.*port (\d+)/,
    { SKIFF_KUBELET_BACKOFF_BASE_MS: '1000', SKIFF_KUBELET_DEBUG: '1', ...env },
    60_000,
    wrap,
  );
  return { ...proc, port: Number(match[1]) };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function client(url: string): RestClient {
  return new RestClient({ server: url, credentials: testPki().credentials, userAgent: 'kubelet-test', retries: 2 });
}

export function podManifest(name: string, nodeName: string, spec: Partial<Pod['spec']>, extraMeta: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...extraMeta },
    spec: { nodeName, terminationGracePeriodSeconds: 3, containers: [], ...spec } as Pod['spec'],
  };
}

export async function readStream(s: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of s) out += chunk.toString();
  return out;
}

/** PIDs (not zombies) whose argv is exactly `argv`. */
export function processesWith(...argv: string[]): number[] {
  const want = argv.join('\0') + '\0';
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8') === want) {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') out.push(Number(d));
      }
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The host resources a process-runtime sandbox and its containers use (for leftover checks). */
export function hostResources(rootDir: string, nodeName: string): { netns: string[]; veths: string[]; pool: string[]; poolIds: string[]; cgroups: string[]; sandboxes: string[]; containers: string[] } {
  const sandboxes = existsSync(join(rootDir, 'sandboxes')) ? readdirSync(join(rootDir, 'sandboxes')) : [];
  const containers = existsSync(join(rootDir, 'containers')) ? readdirSync(join(rootDir, 'containers')) : [];
  const cgroups: string[] = [];
  for (const ctl of ['memory', 'cpu', 'pids', 'cpuacct', '']) {
    const dir = join('/sys/fs/cgroup', ctl, 'skiff', nodeName.replace(/[^A-Za-z0-9._-]/g, '_'));
    if (existsSync(dir)) for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) cgroups.push(join(dir, e.name));
  }
  // The runtime's warm pool of network ends, each marked by its sandbox id until a sandbox takes it:
  // a running kubelet keeps a few; a stopped one must have left none.
  const pooled = existsSync(join(rootDir, 'netns-pool')) ? readdirSync(join(rootDir, 'netns-pool')).filter((id) => !sandboxes.includes(id)) : [];
  return {
    sandboxes,
    containers,
    netns: sandboxes.map((id) => `skiff-${id.slice(0, 12)}`).filter((n) => existsSync(`/var/run/netns/${n}`)),
    veths: sandboxes.map((id) => `sv${id.slice(0, 12)}`).filter((n) => existsSync(`/sys/class/net/${n}`)),
    pool: pooled.flatMap((id) => [`/var/run/netns/skiff-${id.slice(0, 12)}`, `/sys/class/net/sv${id.slice(0, 12)}`]).filter((p) => existsSync(p)),
    poolIds: pooled,
    cgroups,
  };
}

export { removeDir } from '../support/temp.js';

/** A busybox root filesystem made offline from busybox-static (/bin/busybox + applet symlinks). */
export function makeBusyboxRootfs(dir: string): string | undefined {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) return undefined;
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'dev', 'root']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(busybox, join(dir, 'bin', 'busybox'));
  execFileSync('chmod', ['755', join(dir, 'bin', 'busybox')]);
  for (const applet of execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    if (applet !== 'busybox' && !existsSync(join(dir, 'bin', applet))) symlinkSync('busybox', join(dir, 'bin', applet));
  }
  return dir;
}

export interface Dockerd {
  socket: string;
  stop(): Promise<void>;
}

/** Start a private dockerd (runtime-notes.md): no iptables, no bridge, vfs storage, its own dirs. */
export async function startDockerd(): Promise<Dockerd | { skip: string }> {
  const bin = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => existsSync(p));
  if (!bin) return { skip: 'dockerd is not installed (apt-get install docker.io; .ci/run does)' };
  if (!isRoot) return { skip: 'dockerd needs root' };
  const dir = mkdtempSync('/tmp/skd-');
  const socket = join(dir, 'docker.sock');
  const child = spawn(
    bin,
    ['--iptables=false', '--bridge=none', '--storage-driver=vfs', '--data-root', join(dir, 'd'), '--exec-root', join(dir, 'e'), '--pidfile', join(dir, 'dockerd.pid'), '-H', `unix://${socket}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    // vfs layers can be large; exec-root may hold mounts for a moment after exit
    for (let i = 0; i < 10; i++) {
      try {
        rmSync(dir, { recursive: true, force: true });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  try {
    await waitFor('dockerd _ping', () => dockerRequest(socket, 'GET', '/_ping').then((r) => r.status === 200), 30_000, 200);
  } catch {
    await stop();
    return { skip: `dockerd did not start: ${log.split('\n').filter(Boolean).slice(-3).join(' | ')}` };
  }
  return { socket, stop };
}

export function dockerRequest(socket: string, method: string, path: string, body?: Buffer | NodeJS.ReadableStream, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolveReq, reject) => {
    const req = httpRequest({ socketPath: socket, path, method, headers: body ? { 'Content-Type': contentType } : {} }, (res) => {
      let text = '';
      res.on('data', (b: Buffer) => (text += b.toString()));
      res.on('end', () => resolveReq({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    if (body && Buffer.isBuffer(body)) req.end(body);
    else if (body) (body as NodeJS.ReadableStream).pipe(req);
    else req.end();
  });
}

/** `docker import` of a busybox rootfs made offline (busybox:latest, tagged busybox:offline too): tar piped to POST /images/create?fromSrc=-. */
export async function importBusyboxIntoDocker(socket: string): Promise<void> {
  const rootfs = makeBusyboxRootfs(tempDir('bb-docker'));
  if (!rootfs) throw new Error('busybox-static is not installed');
  const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const r = await dockerRequest(socket, 'POST', '/images/create?fromSrc=-&repo=busybox&tag=latest', tar.stdout!, 'application/x-tar');
  rmSync(rootfs, { recursive: true, force: true });
  if (r.status !== 200 || /error/i.test(r.body)) throw new Error(`docker import failed: ${r.status} ${r.body}`);
  // busybox:latest is the runtime's sandbox image; pods use busybox:offline (IfNotPresent, not Always).
  const t = await dockerRequest(socket, 'POST', '/images/busybox:latest/tag?repo=busybox&tag=offline');
  if (t.status !== 201) throw new Error(`docker tag failed: ${t.status} ${t.body}`);
}

/**
 * kctl or kubectl under a pseudo-terminal (100x30) against `server`: what it shows, typing, its
 * exit code. The terminal is added to `terminals` for the caller's cleanup.
 */
export function cliTerminal(tool: 'kctl' | 'kubectl', server: string, kubectlCacheDir: string, args: string[], terminals: pty.IPty[]) {
  const common = ['--server', server, '--kubeconfig', testPki().kubeconfig];
  const env = process.env as Record<string, string>;
  const term = tool === 'kctl'
    ? pty.spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'kctl.js'), ...common, ...args], { cols: 100, rows: 30, env })
    : pty.spawn(process.env.KUBECTL ?? '/usr/bin/kubectl', [...common, '--cache-dir', kubectlCacheDir, ...args], { cols: 100, rows: 30, env });
  terminals.push(term);
  let out = '';
  term.onData((d) => (out += d));
  const exited = new Promise<number>((r) => term.onExit(({ exitCode }) => r(exitCode)));
  return { term, exited, out: () => out, until: (re: RegExp) => waitFor(`terminal output matching ${re} (so far ${JSON.stringify(out.slice(-400))})`, () => re.test(out), 60_000) };
}
