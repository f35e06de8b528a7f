// `kctl exec POD|TYPE/NAME [-c C] [-i] [-t] -- CMD ARG…`: pods/NAME/exec over the
// remote-command WebSocket (remote-command.ts): -i carries stdin, -t a terminal (raw mode,
// resizes); the command's exit code becomes kctl's, with kubectl's
// `command terminated with exit code N`.
import type { Command } from './command.js';
import { connect } from './connection.js';
import { ReportedFailure, UsageError } from './errors.js';
import { pickContainer, podFor } from './logs.js';
import { REMOTE_COMMAND_PROTOCOLS, runSession, STREAM_OPTIONS, terminalWanted } from './remote-command.js';

export const exec: Command = {
  usage: 'kctl exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] -- COMMAND [ARG…]',
  summary: 'Run a command in a container (interactively with -it); exits with its exit code.',
  options: STREAM_OPTIONS,
  async run(flags, io) {
    const [ref, ...legacy] = flags.positionals;
    if (!ref) throw new UsageError('expected POD or TYPE/NAME and a command after --, e.g. kctl exec web-1 -- env');
    const command = flags.afterDash ?? legacy;
    if (command.length === 0) throw new UsageError('you must specify at least one command for the container (after --)');
    const stdin = flags.bool('stdin');
    const tty = terminalWanted(flags.bool('tty'), stdin, flags.bool('quiet'), (s) => io.err(s));
    const conn = await connect(flags);
    const pod = await podFor(conn, io, ref, false);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw new UsageError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    const container = pickContainer(pod, flags.string('container'), io);
    const query = { command, container, stdin: stdin || undefined, stdout: true, stderr: !tty || undefined, tty: tty || undefined };
    const ws = await conn.client.podStream(pod.metadata.namespace ?? conn.namespace, pod.metadata.name!, 'exec', query, [REMOTE_COMMAND_PROTOCOLS[0]!]);
    const code = await runSession(ws, { stdin: stdin ? process.stdin : undefined, stdout: process.stdout, stderr: process.stderr, tty });
    if (code !== 0) {
      if (!flags.bool('quiet')) io.err(`command terminated with exit code ${code}\n`);
      throw new ReportedFailure(code);
    }
  },
};
