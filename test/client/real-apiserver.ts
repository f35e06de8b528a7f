// Start and stop a real `skiff apiserver` process (the compiled dist/) for integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const SKIFF = path.join(REPO, 'dist/cli/skiff.js');

export function distBuilt(): boolean {
  return fs.existsSync(SKIFF) && fs.existsSync(path.join(REPO, 'dist/apiserver/main.js')) && fs.existsSync(path.join(REPO, 'dist/client/index.js'));
}

/** Wait for a line matching re on a child's stdout; resolves with the match. */
export function waitForLine(child: ChildProcess, re: RegExp, deadlineMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let errBuf = '';
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${re}; stdout: ${buf.slice(-2000)} stderr: ${errBuf.slice(-2000)}`)), deadlineMs);
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = buf.match(re);
      if (m) done(undefined, m);
    };
    const onErr = (d: Buffer) => (errBuf += d.toString());
    const onExit = (code: number | null) => done(new Error(`process exited (${code}) before ${re}; stdout: ${buf.slice(-2000)} stderr: ${errBuf.slice(-2000)}`));
    function done(err?: Error, m?: RegExpMatchArray) {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onErr);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    }
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onErr);
    child.once('exit', onExit);
  });
}

export class RealApiServer {
  readonly dataDir: string;
  port = 0;
  private child: ChildProcess | undefined;
  constructor(private readonly extraArgs: string[] = []) {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-client-it-'));
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  async start(): Promise<this> {
    const child = spawn(process.execPath, [SKIFF, 'apiserver', '--port', String(this.port), '--data-dir', this.dataDir, ...this.extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const m = await waitForLine(child, /listening on (http:\/\/[^\s]+)/);
    this.port = Number(new URL(m[1]!).port);
    // Keep draining output so the child never blocks on a full pipe.
    child.stdout!.resume();
    child.stderr!.resume();
    return this;
  }
  /** kill -9: no graceful shutdown. */
  async kill(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  }
  async cleanup(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A TCP proxy that can be cut and restored on the same port (to hide a server from one client). */
export class CuttableProxy {
  port = 0;
  private server: net.Server | undefined;
  private sockets = new Set<net.Socket>();
  constructor(private readonly targetPort: () => number) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  async open(): Promise<this> {
    const srv = net.createServer((c) => {
      const u = net.connect(this.targetPort(), '127.0.0.1');
      this.sockets.add(c); this.sockets.add(u);
      c.pipe(u); u.pipe(c);
      const kill = () => { c.destroy(); u.destroy(); this.sockets.delete(c); this.sockets.delete(u); };
      c.on('error', kill); u.on('error', kill); c.on('close', kill); u.on('close', kill);
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (srv.address() as AddressInfo).port;
    this.server = srv;
    return this;
  }
  async cut(): Promise<void> {
    const srv = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (srv) await new Promise((r) => srv.close(r));
  }
}

export async function until(cond: () => boolean | Promise<boolean>, what: string, deadlineMs = 60_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
