// Test helper: a private single-member etcd on free loopback ports with a temp data dir
// (flags from shared/reference/etcd-notes.md), or a cluster of several. stop()/start() restart
// the same member on the same data dir and ports; destroy() kills it and removes the dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The etcd binary, or undefined with the reason it is unusable. */
export function findEtcd(): { bin?: string; reason?: string } {
  const bin = process.env.ETCD_BIN ?? 'etcd';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    return { reason: `etcd not runnable (${r.error?.message ?? `exit ${r.status}`}); install it with: apt-get install etcd-server` };
  }
  return { bin };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export class EtcdServer {
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';
  readonly url: string;

  private constructor(
    readonly bin: string,
    readonly dataDir: string,
    readonly clientPort: number,
    readonly peerPort: number,
    readonly name: string,
    /** name=peerURL,… of every member; a single member by default. */
    private initialCluster = `${name}=http://127.0.0.1:${peerPort}`,
    /** Raft timings: fast for one member; a cluster on a loaded machine needs slack. */
    private timings = { heartbeat: 10, election: 100 },
  ) {
    this.url = `http://127.0.0.1:${clientPort}`;
  }

  /** A cluster of `n` members on loopback, each with its own data dir. */
  static async startCluster(bin: string, n: number): Promise<EtcdServer[]> {
    let lastErr: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const specs = [];
      for (let i = 0; i < n; i++) specs.push({ name: `m${i}`, client: await freePort(), peer: await freePort() });
      const cluster = specs.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
      const members = specs.map(
        (m) => new EtcdServer(bin, mkdtempSync(join(tmpdir(), 'skiff-etcd-')), m.client, m.peer, m.name, cluster, { heartbeat: 100, election: 1000 }),
      );
      try {
        await Promise.all(members.map((m) => m.start()));
        return members;
      } catch (e) {
        lastErr = e;
        await Promise.all(members.map((m) => m.destroy()));
      }
    }
    throw lastErr;
  }

  static async start(bin: string): Promise<EtcdServer> {
    let lastErr: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'skiff-etcd-'));
      const s = new EtcdServer(bin, dataDir, await freePort(), await freePort(), 'skiff-test');
      try {
        await s.start();
        return s;
      } catch (e) {
        lastErr = e; // most likely a port taken between probing and binding: new ports
        await s.destroy();
      }
    }
    throw lastErr;
  }

  /** (Re)starts the member on its data dir and ports; resolves once /health says true. */
  async start(): Promise<void> {
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const args = [
      '--name', this.name,
      '--data-dir', this.dataDir,
      '--listen-client-urls', this.url,
      '--advertise-client-urls', this.url,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', this.initialCluster,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', 'skiff-test',
      '--logger', 'zap',
      '--log-outputs', 'stderr',
      '--heartbeat-interval', String(this.timings.heartbeat),
      '--election-timeout', String(this.timings.election),
    ];
    this.stderr = '';
    const proc = spawn(this.bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.stderr!.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-20_000);
    });
    let exitCode: number | null | undefined;
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code) => {
        exitCode = code;
        resolve();
      });
      proc.on('error', () => resolve());
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exitCode !== undefined) throw new Error(`etcd exited with ${exitCode}: ${this.stderr.slice(-2000)}`);
      try {
        const r = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) });
        const body = (await r.json()) as { health?: string };
        if (body.health === 'true') return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`etcd not healthy after 30 s: ${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops the member (SIGTERM, or SIGKILL for a crash) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill(signal);
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(t);
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the member: its connections stay open but silent. */
  pause(): void {
    this.proc?.kill('SIGSTOP');
  }
  resume(): void {
    this.proc?.kill('SIGCONT');
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
