// The supervisor-liveness pipe: how a component started by a supervisor (`skiff up`, and any
// other that spawns `skiff <component>` through up/supervisor.ts) notices that its supervisor
// died without stopping it (kill -9, the OOM killer, a dropped SSH session). Node has no
// parent-death signal, so the supervisor hands each child one end of a pipe as fd 3 and never
// writes to it; when the supervisor dies, however it dies, the kernel closes its end and the
// child reads end-of-file.
//
// The child side runs in the `skiff` dispatcher (cli/skiff.ts), before any component loads, so
// every component gets it without a copy of its own. On end-of-file it sends its own process
// SIGHUP — "the session that ran you hung up" — which every component handles as a clean stop;
// the kubelet's clean stop on SIGHUP leaves its containers running for the next kubelet to
// adopt, as across any kubelet restart. (A component without a SIGHUP handler still ends:
// SIGHUP's default action is to terminate.)
//
// Without a supervisor to order the stop, the order comes from delays: the API server's
// clients stop at once, the API server after 1.5 s, etcd (which does not watch a pipe itself;
// a small shell guard does it for it, see guardedCommand) after 3 s.
import fs from 'node:fs';
import net from 'node:net';

/** Names the fd a supervised component watches; absent when nobody supervises it. */
export const SUPERVISOR_FD_ENV = 'SKIFF_SUPERVISOR_FD';
/**
 * Test hook: set (to 1) in a supervisor's environment, its children do not watch the pipe, so
 * they outlive a killed supervisor as components of an older skiff up would.
 */
export const IGNORE_SUPERVISOR_EXIT_ENV = 'SKIFF_TEST_IGNORE_SUPERVISOR_EXIT';

/** The pipe's fd in the child: the first after stdin, stdout, stderr. */
const PIPE_FD = 3;

/**
 * A clean stop takes the API server down after its clients (they release their Leases and
 * report their last status through it), and etcd after the API server. With no supervisor
 * left to order them, these wait this long before stopping; the others stop at once.
 */
const STOP_DELAY_MS: Record<string, number> = { apiserver: 1500 };
/** The foreign executable skiff up runs is its storage, etcd: it stops last. */
const FOREIGN_STOP_DELAY_MS = 3000;

/** Supervisor side: spawn() stdio and env for a child that watches the pipe. */
export function supervisedStdio(log: number): { stdio: ['ignore', number, number, 'pipe']; env: NodeJS.ProcessEnv } {
  return { stdio: ['ignore', log, log, 'pipe'], env: { ...process.env, [SUPERVISOR_FD_ENV]: String(PIPE_FD) } };
}

/**
 * Child side: if a supervisor handed us a pipe, watch it and send ourselves SIGHUP when it
 * closes. The env variable is removed so processes we start (containers, helpers) do not
 * think they are supervised too. Returns whether a watch was set up.
 */
export function watchSupervisor(component: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const fdText = env[SUPERVISOR_FD_ENV];
  delete env[SUPERVISOR_FD_ENV];
  if (fdText === undefined) return false;
  if (env[IGNORE_SUPERVISOR_EXIT_ENV]) return false;
  const fd = Number(fdText);
  if (!Number.isInteger(fd) || fd < 0) return false;
  let socket: net.Socket;
  try {
    // A socket, not fs.createReadStream: a stream on the fd would hold a thread-pool thread in a
    // blocking read for the life of the process.
    socket = new net.Socket({ fd, readable: true, writable: false });
  } catch {
    return false; // fd not open or not a pipe: started by hand with the variable set
  }
  let gone = false;
  const onGone = () => {
    if (gone) return;
    gone = true;
    const delay = STOP_DELAY_MS[component] ?? 0;
    process.stderr.write(`skiff ${component}: its supervisor is gone (the pipe from it closed); shutting down${delay ? ` in ${delay}ms` : ''}\n`);
    setTimeout(() => process.kill(process.pid, 'SIGHUP'), delay);
  };
  socket.on('end', onGone);
  socket.on('close', onGone);
  socket.on('error', onGone);
  socket.on('data', () => undefined); // the supervisor never writes; drain anything anyway
  socket.unref(); // the watch alone must not keep the process alive
  return true;
}

const SETPRIV = '/usr/bin/setpriv';

/**
 * The guard a foreign executable runs under: before exec'ing it (so its pid is the one spawned),
 * the shell starts a watcher of the pipe on fd 3 that, at end-of-file, waits a moment and sends
 * it SIGTERM. The watcher runs under setpriv's parent-death signal, so it dies with the
 * executable and can never signal a recycled pid.
 */
const GUARD = `${SETPRIV} --pdeathsig KILL -- /bin/sh -c 'read _ <&3; sleep ${FOREIGN_STOP_DELAY_MS / 1000}; kill -TERM "$1"' skiff-supervisor-watch $$ &
exec "$@"`;

/**
 * [file, argv] for spawn() (with supervisedStdio) running a foreign `executable args` (etcd)
 * so that it stops shortly after its supervisor dies. Without setpriv (not Linux, or no
 * util-linux) it runs as is, and the next start stops it (up/recovery.ts).
 */
export function guardedCommand(executable: string, args: string[], hasSetpriv = fs.existsSync(SETPRIV), env: NodeJS.ProcessEnv = process.env): [string, string[]] {
  const guard = hasSetpriv && !env[IGNORE_SUPERVISOR_EXIT_ENV];
  return guard ? ['/bin/sh', ['-c', GUARD, 'skiff-guard', executable, ...args]] : [executable, args];
}
