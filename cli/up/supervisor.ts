// Supervising the cluster's components as child processes: each runs in its own process
// group (so Ctrl-C reaches `skiff up` alone and shutdown can go in order: kubelets, then
// controllers, then the API server), writes to <data-dir>/logs/<name>.log, and is restarted
// with exponential backoff when it exits without being asked to. Each child watches the
// supervisor's liveness (up/liveness-pipe.ts; etcd through a guard) and stops itself if the
// supervisor dies.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { guardedCommand, supervisedStdio } from './liveness-pipe.js';

/**
 * Delay before restart number `restarts` (0-based): 1s, 2s, 4s … capped at 30s; a component
 * that ran for a minute or more before crashing starts again from 1s. Pure.
 */
export function restartDelayMs(restarts: number, ranForMs: number): number {
  if (ranForMs >= 60_000) return 1000;
  return Math.min(30_000, 1000 * 2 ** Math.min(restarts, 10));
}

export interface ComponentSpec {
  /** 'apiserver', 'controller-manager', 'scheduler', 'kubelet-node-1' */
  name: string;
  /** Built at every (re)start: a kubelet gets a fresh free port each time. */
  args: () => Promise<string[]>;
  logFile: string;
  /** Run this executable with `args` (etcd); absent: `node skiff.js args…`. */
  executable?: string;
  /**
   * Run by stop() when the process did not stop cleanly — it was not running (waiting to be
   * restarted), or it did not exit 0 (killed before it could handle SIGTERM, or after the grace
   * period): what it should have cleaned up on its way out (a kubelet's pods).
   */
  cleanUp?: () => Promise<void>;
}

export interface SupervisorEvents {
  onCrash(name: string, code: number | null, signal: string | null, restartInMs: number): void;
  onRestart(name: string, pid: number): void;
}

export class Component {
  child: ChildProcess | undefined;
  /** The arguments of the current process (what `ps` shows; identities live here). */
  args: string[] = [];
  /** The current process's start time (processStartTime), recorded to tell it from a recycled pid. */
  startTime: string | undefined;
  private restarts = 0;
  private startedAt = 0;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly spec: ComponentSpec,
    private readonly command: string,
    private readonly events: SupervisorEvents,
    private readonly onPidsChanged: () => void,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<number> {
    const args = await this.spec.args();
    this.args = args;
    const log = fs.openSync(this.spec.logFile, 'a');
    fs.writeSync(log, `\n--- ${new Date().toISOString()} starting: ${this.spec.executable ?? 'skiff'} ${args.join(' ')}\n`);
    const [file, argv] = this.spec.executable ? guardedCommand(this.spec.executable, args) : [process.execPath, [this.command, ...args]];
    const child = spawn(file, argv, {
      detached: true, // own process group: terminal signals reach `skiff up` only
      ...supervisedStdio(log),
    });
    fs.closeSync(log);
    this.child = child;
    this.startTime = child.pid ? processStartTime(child.pid) : undefined;
    this.startedAt = Date.now();
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        resolve();
        this.onPidsChanged();
        if (this.stopping) return;
        const delay = restartDelayMs(this.restarts, Date.now() - this.startedAt);
        if (Date.now() - this.startedAt >= 60_000) this.restarts = 0;
        this.restarts++;
        this.events.onCrash(this.spec.name, code, signal, delay);
        this.restartTimer = setTimeout(() => {
          if (this.stopping) return;
          this.start().then(
            (pid) => this.events.onRestart(this.spec.name, pid),
            () => undefined,
          );
        }, delay);
      });
    });
    child.once('error', () => undefined); // reported through 'exit'
    this.onPidsChanged();
    return child.pid ?? -1;
  }

  /** SIGTERM the process group, SIGKILL it after `graceMs`; resolves when the process has exited. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    let clean = false;
    if (child?.pid && this.running) {
      signalGroup(child.pid, 'SIGTERM');
      const killer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(killer);
      clean = child.exitCode === 0;
    }
    // Anything the component left in its process group goes too.
    if (child?.pid) signalGroup(child.pid, 'SIGKILL');
    if (!clean && this.spec.cleanUp) await this.spec.cleanUp().catch(() => undefined);
  }

  /** Resolves when the current process exits (for start-up failure detection). */
  whenExited(): Promise<void> {
    return this.exited;
  }
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * The process's start time (clock ticks after boot, /proc/<pid>/stat field 22) while it runs;
 * undefined once it has exited (a zombie counts as exited) or on a system without /proc.
 * A pid with the start time recorded earlier is the same process, not a recycled pid.
 */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19];
}

/** Is this pid alive and a skiff process (not a recycled pid of something else)? */
export function isSkiffProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('skiff');
  } catch {
    return process.platform !== 'linux';
  }
}
