// An interactive exec's process: with a TTY, under a pseudo-terminal from node-pty (forkpty:
// the child calls setsid and takes the terminal's slave as its controlling terminal before it
// execs, and keeps it through nsenter's namespace and root changes, since an open terminal
// needs no path); without one, plain pipes, stdin only when asked for.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { PassThrough, Writable } from 'node:stream';
import * as pty from 'node-pty';
import type { StreamOptions, StreamSession } from '../interface.js';

const osSignals = constants.signals as Record<string, number>;

/** Start argv as an exec session. The initial terminal size is 80x24 until the client's first resize. */
export function spawnSession(argv: string[], env: Record<string, string>, cwd: string, opts: StreamOptions): StreamSession {
  if (opts.tty) return spawnTerminal(argv, env, cwd, opts);
  const child = spawn(argv[0]!, argv.slice(1), { env, cwd, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
  const done = new Promise<number>((resolve) => {
    child.on('error', (e) => {
      child.stderr?.emit('data', Buffer.from(`${e.message}\n`));
      resolve(127);
    });
    child.on('close', (code, sig) => resolve(code ?? (sig ? 128 + (osSignals[sig] ?? 9) : 1)));
  });
  child.stdin?.on('error', () => undefined); // the process may exit before reading it all
  return {
    stdin: child.stdin ?? undefined,
    stdout: child.stdout!,
    stderr: child.stderr!,
    resize: () => undefined, // no terminal to resize
    done,
    close: () => killGroup(child.pid),
  };
}

function spawnTerminal(argv: string[], env: Record<string, string>, cwd: string, opts: StreamOptions): StreamSession {
  const term = pty.spawn(argv[0]!, argv.slice(1), { name: env.TERM ?? 'xterm', cols: 80, rows: 24, cwd, env: { TERM: 'xterm', ...env }, encoding: null });
  const stdout = new PassThrough();
  term.onData((d) => stdout.write(typeof d === 'string' ? Buffer.from(d) : d));
  const done = new Promise<number>((resolve) => {
    term.onExit(({ exitCode, signal }) => {
      stdout.end();
      resolve(signal ? 128 + signal : exitCode);
    });
  });
  const stdin = opts.stdin
    ? new Writable({
        write(chunk: Buffer, _enc, cb) {
          try {
            term.write(chunk);
          } catch {
            /* exited */
          }
          cb();
        },
      })
    : undefined;
  return {
    stdin,
    stdout,
    resize: (width, height) => {
      try {
        if (width > 0 && height > 0) term.resize(width, height);
      } catch {
        /* exited */
      }
    },
    done,
    close: () => killGroup(term.pid),
  };
}

/** The session's process group (it leads its own session): SIGKILL, as the client is gone. */
function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
