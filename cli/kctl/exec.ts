// `kctl exec POD|TYPE/NAME [-c C] -- CMD ARG…`: POST pods/NAME/exec, print the command's
// stdout and stderr, and exit with its exit code (kubectl also says
// `command terminated with exit code N`). Non-interactive: -i/-t are accepted and ignored
// with a note, since the command gets no terminal.
import type { Command } from './command.js';
import { connect } from './connection.js';
import { ReportedFailure, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { pickContainer, podFor } from './logs.js';

const OPTIONS: OptionDefs = {
  container: { type: 'string', short: 'c', help: 'the container (default: the first)' },
  stdin: { type: 'boolean', short: 'i', help: 'accepted for kubectl compatibility; kctl exec is non-interactive' },
  tty: { type: 'boolean', short: 't', help: 'accepted for kubectl compatibility; kctl exec is non-interactive' },
  quiet: { type: 'boolean', short: 'q', help: 'do not print the exit-code note' },
};

export const exec: Command = {
  usage: 'kctl exec (POD | TYPE/NAME) [-c CONTAINER] -- COMMAND [ARG…]',
  summary: 'Run a command in a container and print its output; exits with its exit code.',
  options: OPTIONS,
  async run(flags, io) {
    const [ref, ...legacy] = flags.positionals;
    if (!ref) throw new UsageError('expected POD or TYPE/NAME and a command after --, e.g. kctl exec web-1 -- env');
    const command = flags.afterDash ?? legacy;
    if (command.length === 0) throw new UsageError('you must specify at least one command for the container (after --)');
    if (flags.bool('stdin') || flags.bool('tty')) io.err('note: kctl exec runs the command without a terminal or stdin; -i/-t are ignored\n');
    const conn = await connect(flags);
    const pod = await podFor(conn, io, ref, false);
    const container = pickContainer(pod, flags.string('container'), io);
    const res = await conn.client.podExec(pod.metadata.namespace ?? conn.namespace, pod.metadata.name!, command, container);
    if (res.stdout) io.out(res.stdout);
    if (res.stderr) io.err(res.stderr);
    if (res.exitCode !== 0) {
      if (!flags.bool('quiet')) io.err(`command terminated with exit code ${res.exitCode}\n`);
      throw new ReportedFailure(res.exitCode);
    }
  },
};
