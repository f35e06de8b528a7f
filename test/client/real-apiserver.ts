// Start and stop a real `skiff apiserver` process (the compiled dist/) for integration tests,
// on test/support's process registry and temp dirs.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SkiffProcesses, type SkiffProcess } from '../support/processes.js';
import { TempDirs } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

export { distBuilt, waitForLine } from '../support/processes.js';

export class RealApiServer {
  readonly dataDir: string;
  port = 0;
  private readonly procs = new SkiffProcesses();
  private readonly temp = new TempDirs();
  private proc: SkiffProcess | undefined;
  constructor(private readonly extraArgs: string[] = []) {
    this.dataDir = this.temp.make('skiff-client-it-');
  }
  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }
  /** Starts on a random port the first time, then on the same port again (a restart). */
  async start(): Promise<this> {
    const { proc, url } = await this.procs.apiserver(this.dataDir, this.extraArgs, this.port);
    this.proc = proc;
    this.port = Number(new URL(url).port);
    return this;
  }
  /** kill -9: no graceful shutdown. */
  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p) await this.procs.kill9(p);
  }
  async cleanup(): Promise<void> {
    await this.kill();
    await this.procs.stopAll();
    this.temp.removeAll();
  }
}

/** A TCP proxy that can be cut and restored on the same port (to hide a server from one client). */
export class CuttableProxy {
  port = 0;
  private server: net.Server | undefined;
  private sockets = new Set<net.Socket>();
  constructor(private readonly targetPort: () => number) {}
  /** The proxied server speaks TLS; the proxy passes bytes. */
  get url(): string {
    return `https://127.0.0.1:${this.port}`;
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
  await waitFor(what, cond, deadlineMs, { everyMs: 25 });
}
