// `kctl attach POD|TYPE/NAME [-c C] [-i] [-t]`: pods/NAME/attach over the remote-command
// WebSocket (remote-command.ts): the container's output from now on, and with -i this
// terminal's input to its stdin (the container must have `stdin: true`). Ends when the
// container exits (its exit code becomes kctl's) or on Ctrl-C / EOF of a stdinOnce stdin.
import type { Command } from './command.js';
import { connect } from './connection.js';
import { ReportedFailure, UsageError } from './errors.js';
import { pickContainer, podFor } from './logs.js';
import { REMOTE_COMMAND_PROTOCOLS, runSession, STREAM_OPTIONS, terminalWanted } from './remote-command.js';

export const attach: Command = {
  usage: 'kctl attach (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t]',
  summary: 'Attach to the running process of a container (its output; with -i its stdin).',
  options: STREAM_OPTIONS,
  async run(flags, io) {
    const [ref, ...extra] = flags.positionals;
    if (!ref || extra.length) throw new UsageError('expected POD or TYPE/NAME, e.g. kctl attach -i web-1');
    const stdin = flags.bool('stdin');
    let tty = flags.bool('tty');
    const conn = await connect(flags);
    const pod = await podFor(conn, io, ref, false);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw new UsageError(`cannot attach a container in a completed pod; current phase is ${phase}`);
    const container = pickContainer(pod, flags.string('container'), io);
    const spec = pod.spec.containers.find((c) => c.name === container) ?? pod.spec.initContainers?.find((c) => c.name === container);
    // Checked here, in kubectl's words, before anything is opened.
    if (!spec) throw new UsageError(`cannot attach to the container: container ${container} not found in pod ${pod.metadata.name}`);
    if (tty && !spec.tty) {
      // kubectl's words: it carries on without a terminal.
      if (!flags.bool('quiet')) io.err(`error: Unable to use a TTY - container ${container} did not allocate one\n`);
      tty = false;
    } else {
      tty = terminalWanted(tty, stdin, flags.bool('quiet'), (s) => io.err(s));
    }
    if (stdin && !spec.stdin) throw new UsageError(`container ${container} of pod ${pod.metadata.name} was not started with stdin: true, so -i has nothing to attach to`);
    if (tty && !flags.bool('quiet')) io.err("If you don't see a command prompt, try pressing enter.\n");
    const query = { container, stdin: stdin || undefined, stdout: true, stderr: !tty || undefined, tty: tty || undefined };
    const ws = await conn.client.podStream(pod.metadata.namespace ?? conn.namespace, pod.metadata.name!, 'attach', query, [REMOTE_COMMAND_PROTOCOLS[0]!]);
    const code = await runSession(ws, { stdin: stdin ? process.stdin : undefined, stdout: process.stdout, stderr: process.stderr, tty });
    if (code !== 0) {
      if (!flags.bool('quiet')) io.err(`command terminated with exit code ${code}\n`);
      throw new ReportedFailure(code);
    }
  },
};
