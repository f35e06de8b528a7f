// kctl's side of an interactive exec or attach (api/core/remote-command.ts has the protocol):
// local stdin to channel 0 (v5's close signal at EOF), channels 1/2 to stdout/stderr, the
// local terminal in raw mode with its size sent on channel 4 at the start and on every
// SIGWINCH, and the error channel's Status turned into the exit code. A connection that
// breaks before that Status arrives ends the session with a message and exit code 1.
import type WebSocket from 'ws';
import type { OptionDefs } from './flags.js';
import {
  CLOSE, decodeMessage, encodeMessage, ERROR, features, parseExitMessage, REMOTE_COMMAND_PROTOCOLS, RESIZE, resizeMessage, STDERR, STDIN, STDOUT,
} from '../../api/core/remote-command.js';

export { REMOTE_COMMAND_PROTOCOLS };

/** The flags exec and attach share, as kubectl's. */
export const STREAM_OPTIONS: OptionDefs = {
  container: { type: 'string', short: 'c', help: 'the container (default: the first)' },
  stdin: { type: 'boolean', short: 'i', help: 'pass stdin to the container' },
  tty: { type: 'boolean', short: 't', help: 'stdin is a TTY' },
  quiet: { type: 'boolean', short: 'q', help: 'only print output from the remote session' },
};

/**
 * Whether the session gets a terminal: -t only with -i from a real terminal. kubectl carries on
 * without one, saying so (in its words) only with -i and without --quiet.
 */
export function terminalWanted(tty: boolean, stdin: boolean, quiet: boolean, err: (s: string) => void): boolean {
  if (!tty) return false;
  if (stdin && process.stdin.isTTY) return true;
  if (stdin && !quiet) err('Unable to use a TTY - input is not a terminal or the right kind of file\n');
  return false;
}

export interface SessionIO {
  stdin?: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Put the local terminal in raw mode and send its size. */
  tty: boolean;
}

/** Run the session until the server reports how it ended; resolves with the exit code, rejects with the server's error. */
export function runSession(ws: WebSocket, io: SessionIO): Promise<number> {
  const p = features(ws.protocol || 'channel.k8s.io');
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState === ws.OPEN) ws.send(encodeMessage(p, channel, data), { binary: !p.base64 });
  };
  let errorText = '';
  const restore: (() => void)[] = [];
  if (io.tty && io.stdin?.isTTY) {
    io.stdin.setRawMode(true);
    restore.push(() => io.stdin!.setRawMode(false));
    const size = () => send(RESIZE, resizeMessage({ width: io.stdout.columns ?? 80, height: io.stdout.rows ?? 24 }));
    if (p.resize) {
      size();
      process.on('SIGWINCH', size);
      restore.push(() => process.off('SIGWINCH', size));
    }
  }
  if (io.stdin) {
    const onData = (d: Buffer) => send(STDIN, d);
    const onEnd = () => { if (p.close) send(CLOSE, Buffer.from([STDIN])); };
    io.stdin.on('data', onData);
    io.stdin.on('end', onEnd);
    io.stdin.resume();
    restore.push(() => {
      io.stdin!.off('data', onData);
      io.stdin!.off('end', onEnd);
      io.stdin!.pause();
    });
  }
  let gotError = false;
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const m = decodeMessage(p, isBinary ? msg : msg.toString('latin1'));
    if (!m) return;
    if (m.channel === STDOUT) io.stdout.write(m.data);
    else if (m.channel === STDERR) io.stderr.write(m.data);
    else if (m.channel === ERROR) {
      gotError = true;
      errorText += m.data.toString('utf8');
    }
  });
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      for (const r of restore.reverse()) r();
      fn();
    };
    ws.on('close', (code, reason) => finish(() => {
      if (!gotError && code !== 1000) return reject(new Error(`connection to the server closed before the command ended (${code}${reason.length ? `: ${reason.toString()}` : ''})`));
      const r = parseExitMessage(p, errorText);
      if ('error' in r) reject(new Error(r.error));
      else resolve(r.exitCode);
    }));
    ws.on('error', (e) => finish(() => reject(new Error(`error on the connection to the server: ${e.message}`))));
  });
}
