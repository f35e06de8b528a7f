// Spawning from the kubelet stalls it: libuv forks the whole process (the page tables of a
// heap of a hundred MB and more) and then blocks until the child has exec'd. Profiled under a
// burst of pod starts on a loaded 2-core machine, spawn() was a third of the kubelet's CPU and
// every spawn held up every other pod's sync for 50–200 ms: a serial queue where pods are
// independent. So the process runtime spawns its hot-path commands (`ip` batches, container
// shims) through a small helper process: forking it is cheap, and its wait blocks only itself.
//
// The helper is a Node process with an IPC channel (its source below, run with -e so it needs
// no file of its own); it exits when the kubelet goes (the channel closes), not on a signal to
// the kubelet's process group, which the kubelet's own shutdown handles. Shims it starts are
// detached (own session) exactly as before, so they outlive it and the kubelet alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';

/** The helper: one message per command in, `spawned` then `exit` (with output unless detached) out. */
const HELPER = `
const { spawn } = require('node:child_process');
const send = (m) => { if (process.connected) process.send(m); };
process.on('disconnect', () => process.exit(0));
// A stop signal sent to the kubelet's process group (skiff up's supervisor does) is the
// kubelet's to act on: its shutdown still needs us to run ip (tear down netns, the bridge).
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => {});
process.on('message', (m) => {
  let child;
  try {
    child = spawn(m.argv[0], m.argv.slice(1), { env: m.env, cwd: m.cwd, detached: !!m.detached, stdio: m.detached ? 'ignore' : 'pipe' });
  } catch (e) {
    return send({ id: m.id, error: e.message });
  }
  let failed = false;
  child.once('error', (e) => { failed = true; send({ id: m.id, error: e.message }); });
  child.once('spawn', () => send({ id: m.id, pid: child.pid }));
  if (m.detached) {
    child.once('exit', (code, signal) => { if (!failed) send({ id: m.id, exit: { code, signal } }); });
    child.unref();
    return;
  }
  const out = [], err = [];
  child.stdout.on('data', (b) => out.push(b));
  child.stderr.on('data', (b) => err.push(b));
  child.stdin.on('error', () => {});
  child.stdin.end(m.input ?? '');
  const timer = m.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), m.timeoutMs) : undefined;
  child.once('close', (code, signal) => {
    clearTimeout(timer);
    if (!failed) send({ id: m.id, exit: { code, signal }, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
  });
});
`;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface HelperMessage {
  id: number;
  pid?: number;
  error?: string;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  stdout?: string;
  stderr?: string;
}

interface Pending {
  onSpawned(pid: number): void;
  onError(err: Error): void;
  onExit(m: HelperMessage): void;
}

export class Spawner {
  /** `nice`: the helper's (and so its children's) niceness; work no pod waits for runs behind the rest. */
  constructor(private readonly nice = 0) {}

  private helper?: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  /** Requests awaiting an answer (not shims merely running): while any is, the channel keeps this process alive. */
  private waiting = 0;

  private hold(delta: number): void {
    this.waiting += delta;
    const channel = this.helper?.channel as { ref?: () => void; unref?: () => void } | undefined;
    if (this.waiting > 0) channel?.ref?.();
    else channel?.unref?.();
  }

  private ensure(): ChildProcess {
    if (this.closed) throw new Error('the runtime is closed');
    if (this.helper && this.helper.connected) return this.helper;
    // A small heap keeps the helper's own forks cheap.
    const helper = spawn(process.execPath, ['--max-old-space-size=32', '-e', HELPER], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { PATH: process.env.PATH ?? '' } });
    if (this.nice && helper.pid !== undefined) {
      try {
        setPriority(helper.pid, this.nice);
      } catch {
        /* not permitted: it runs at our priority */
      }
    }
    helper.on('message', (m: HelperMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.error !== undefined) {
        this.pending.delete(m.id);
        p.onError(new Error(m.error));
      } else if (m.pid !== undefined) p.onSpawned(m.pid);
      else if (m.exit) {
        this.pending.delete(m.id);
        p.onExit(m);
      }
    });
    const gone = () => {
      if (this.helper === helper) this.helper = undefined;
      // Commands in flight are lost with it; a detached shim runs on (its end is seen by the relist).
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.onError(new Error('the spawn helper exited'));
      }
    };
    helper.once('exit', gone);
    // A send to a helper that just died fails here (EPIPE) as well as in the exit above.
    helper.on('error', gone);
    // Neither the helper nor its channel keeps the kubelet alive, but for answers it awaits (hold).
    helper.unref();
    this.helper = helper;
    this.hold(0);
    return helper;
  }

  private send(msg: Record<string, unknown>, p: Pending): void {
    const id = this.nextId++;
    this.pending.set(id, p);
    try {
      this.ensure().send({ id, ...msg });
    } catch (err) {
      this.pending.delete(id);
      p.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** `p` with the process held alive from now until its answer (or failure) comes. */
  private held(p: Pending, untilSpawned: boolean): Pending {
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      this.hold(-1);
    };
    this.hold(1);
    return {
      onSpawned: (pid) => {
        if (untilSpawned) release();
        p.onSpawned(pid);
      },
      onError: (err) => {
        release();
        p.onError(err);
      },
      onExit: (m) => {
        release();
        p.onExit(m);
      },
    };
  }

  /** Run argv to completion with `input` on its stdin; its output and how it ended. */
  run(argv: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      this.send(
        { argv, input: opts.input, env: opts.env ?? { PATH: process.env.PATH ?? '' }, cwd: '/', timeoutMs: opts.timeoutMs ?? 30_000 },
        this.held({
          onSpawned: () => undefined,
          onError: reject,
          onExit: (m) => resolve({ code: m.exit!.code, signal: m.exit!.signal, stdout: m.stdout ?? '', stderr: m.stderr ?? '' }),
        }, false),
      );
    });
  }

  /**
   * Start argv detached (its own session, no stdio), as spawn(…, { detached: true }) does;
   * resolves with its pid once it runs. `onExit` is told when it ends, while the helper lives.
   */
  spawnDetached(argv: string[], opts: { env: Record<string, string>; cwd: string }, onExit: () => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.send({ argv, env: opts.env, cwd: opts.cwd, detached: true }, this.held({ onSpawned: resolve, onError: reject, onExit }, true));
    });
  }

  /** Requests awaiting their answer now (how busy this helper is). */
  get queued(): number {
    return this.waiting;
  }

  /** Stop the helper; what it started detached runs on. */
  close(): void {
    this.closed = true;
    this.helper?.kill();
    this.helper = undefined;
  }
}

/**
 * A few helpers, each request going to the least busy: a helper's spawn blocks it until the
 * child has exec'd, which on a loaded machine is tens of milliseconds, so one helper would be
 * the serial queue again under a burst. Helpers start on first use.
 */
export class SpawnerPool {
  private readonly spawners: Spawner[];

  constructor(size = 4, nice = 0) {
    this.spawners = Array.from({ length: Math.max(1, size) }, () => new Spawner(nice));
  }

  private pick(): Spawner {
    return this.spawners.reduce((a, b) => (b.queued < a.queued ? b : a));
  }

  run(argv: string[], opts?: { input?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult> {
    return this.pick().run(argv, opts);
  }

  spawnDetached(argv: string[], opts: { env: Record<string, string>; cwd: string }, onExit: () => void): Promise<number> {
    return this.pick().spawnDetached(argv, opts, onExit);
  }

  close(): void {
    for (const s of this.spawners) s.close();
  }
}
