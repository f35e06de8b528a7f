// `kctl exec POD|TYPE/NAME [-c C] [-i] [-t] -- CMD ARG…`: pods/NAME/exec over the
// remote-command WebSocket (remote-command.ts): -i carries stdin, -t a terminal (raw mode,
// resizes); the command's exit code becomes kctl's, with kubectl's
// `command terminated with exit code N`.
import type { Command } from './command.js';
import { connect } from './connection.js';
import { ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { pickContainer, podFor } from './logs.js';
import { REMOTE_COMMAND_PROTOCOLS, runSession } from './remote-command.js';

const OPTIONS: OptionDefs = {
  container: { type: 'string', short: 'c', help: 'the container (default: the first)' },
  stdin: { type: 'boolean', short: 'i', help: 'pass stdin to the container' },
  tty: { type: 'boolean', short: 't', help: 'stdin is a TTY' },
  quiet: { type: 'boolean', short: 'q', help: 'only print output from the remote session' },
};

export const exec: Command = {
  usage: 'kctl exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] -- COMMAND [ARG…]',
  summary: 'Run a command in a container (interactively with -it); exits with its exit code.',
  options: OPTIONS,
  async run(flags, io) {
    const [ref, ...legacy] = flags.positionals;
    if (!ref) throw new UsageError('expected POD or TYPE/NAME and a command after --, e.g. kctl exec web-1 -- env');
    const command = flags.afterDash ?? legacy;
    if (command.length === 0) throw new UsageError('you must specify at least one command for the container (after --)');
    const stdin = flags.bool('stdin');
    let tty = flags.bool('tty');
    if (tty && !(stdin && process.stdin.isTTY)) {
      // kubectl's words; it carries on without a terminal (and says so only with -i).
      if (stdin && !flags.bool('quiet')) io.err('Unable to use a TTY - input is not a terminal or the right kind of file\n');
      tty = false;
    }
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
