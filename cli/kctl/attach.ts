// `kctl attach POD|TYPE/NAME [-c C] [-i] [-t]`: pods/NAME/attach over the remote-command
// WebSocket (remote-command.ts): the container's output from now on, and with -i this
// terminal's input to its stdin (the container must have `stdin: true`); with -t on a
// `tty: true` container, its terminal (raw mode, resizes). Ends when the container exits or on
// Ctrl-C / EOF of a stdinOnce stdin; as with kubectl, the kubelet reports an attach that lasted
// until the container ended as a success (the exit code is the pod's status, not the session's).
import type { Pod } from '../../api/core/index.js';
import type { Command, Output } from './command.js';
import { connect, type Connection } from './connection.js';
import { ReportedFailure, UsageError } from './errors.js';
import { pickContainer, podFor } from './logs.js';
import { REMOTE_COMMAND_PROTOCOLS, runSession, STREAM_OPTIONS, terminalWanted } from './remote-command.js';

export interface AttachRequest {
  container: string | undefined;
  stdin: boolean;
  tty: boolean;
  quiet: boolean;
}

/**
 * Attach this terminal to a running pod's container (kctl attach, and kctl run -i once its pod
 * runs); resolves with the session's exit code. Checked first, in kubectl's words.
 */
export async function attachTo(conn: Connection, io: Output, pod: Pod, req: AttachRequest): Promise<number> {
  const container = req.container;
  const spec = pod.spec.containers.find((c) => c.name === container) ?? pod.spec.initContainers?.find((c) => c.name === container);
  if (!spec) throw new UsageError(`cannot attach to the container: container ${container} not found in pod ${pod.metadata.name}`);
  let tty = req.tty;
  if (tty && !spec.tty) {
    // kubectl's words: it carries on without a terminal.
    if (!req.quiet) io.err(`error: Unable to use a TTY - container ${container} did not allocate one\n`);
    tty = false;
  } else {
    tty = terminalWanted(tty, req.stdin, req.quiet, (s) => io.err(s));
  }
  if (req.stdin && !spec.stdin) throw new UsageError(`container ${container} of pod ${pod.metadata.name} was not started with stdin: true, so -i has nothing to attach to`);
  if (tty && !req.quiet) io.err("If you don't see a command prompt, try pressing enter.\n");
  const query = { container, stdin: req.stdin || undefined, stdout: true, stderr: !tty || undefined, tty: tty || undefined };
  const ws = await conn.client.podStream(pod.metadata.namespace ?? conn.namespace, pod.metadata.name!, 'attach', query, [REMOTE_COMMAND_PROTOCOLS[0]!]);
  return runSession(ws, { stdin: req.stdin ? process.stdin : undefined, stdout: process.stdout, stderr: process.stderr, tty });
}

export const attach: Command = {
  usage: 'kctl attach (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t]',
  summary: 'Attach to the running process of a container (its output; with -i its stdin).',
  options: STREAM_OPTIONS,
  async run(flags, io) {
    const [ref, ...extra] = flags.positionals;
    if (!ref || extra.length) throw new UsageError('expected POD or TYPE/NAME, e.g. kctl attach -i web-1');
    const conn = await connect(flags);
    const pod = await podFor(conn, io, ref, false);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw new UsageError(`cannot attach a container in a completed pod; current phase is ${phase}`);
    const container = pickContainer(pod, flags.string('container'), io);
    const code = await attachTo(conn, io, pod, { container, stdin: flags.bool('stdin'), tty: flags.bool('tty'), quiet: flags.bool('quiet') });
    if (code !== 0) {
      if (!flags.bool('quiet')) io.err(`command terminated with exit code ${code}\n`);
      throw new ReportedFailure(code);
    }
  },
};
