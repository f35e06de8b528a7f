// The kubelet's exec and attach streaming endpoints, as the Kubernetes kubelet's streaming
// server serves them over WebSocket (wsstream):
//   GET /exec/NS/POD/CONTAINER?command=sh&stdin=true&stdout=true&stderr=true&tty=true
//   GET /attach/NS/POD/CONTAINER?stdin=true&stdout=true&tty=true
// upgraded with one of the channel.k8s.io subprotocols (api/core/remote-command.ts): stdin
// in on channel 0 (v5 closes it with the close signal), stdout/stderr out on 1/2, terminal
// resizes in on 4, and how it ended on 3, after which the kubelet closes the WebSocket. The
// API server relays the upgrade here untouched. SPDY is refused with a Status.
import type { IncomingMessage } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  CLOSE, decodeMessage, encodeMessage, ERROR, exitMessage, failureMessage, negotiate, parseResize,
  REMOTE_COMMAND_PROTOCOLS, RESIZE, STDERR, STDIN, STDOUT, type ProtocolFeatures,
} from '../api/core/remote-command.js';
import type { ExecResult, StreamOptions, StreamSession } from './runtime/interface.js';
import type { Kubelet } from './kubelet.js';
import { refuse } from './port-forward.js';

/** Unsent bytes on the WebSocket past which reading the process's output pauses. */
const HIGH_WATER = 1 << 20;

const wss = new WebSocketServer({
  noServer: true,
  // An empty offer is wsstream's "" protocol (v1 binary); handleProtocols is not called then.
  handleProtocols: (offered) => negotiate([...offered])?.name ?? false,
});

const truthy = (v: string | null) => v !== null && v !== 'false' && v !== '0';

/** Parse the remote-command options as the kubelet's NewOptions does (a TTY merges stderr into stdout). */
export function streamOptions(query: URLSearchParams): StreamOptions | { error: string } {
  const tty = truthy(query.get('tty'));
  const o = { stdin: truthy(query.get('stdin')), stdout: truthy(query.get('stdout')), stderr: truthy(query.get('stderr')) && !tty, tty };
  if (!o.stdin && !o.stdout && !truthy(query.get('stderr'))) return { error: 'you must specify at least 1 of stdin, stdout, stderr' };
  return o;
}

/** Serve one exec or attach upgrade on `kubelet`; the caller has authenticated and authorized it. */
export async function serveRemoteCommand(
  kubelet: Kubelet, kind: 'exec' | 'attach', req: IncomingMessage, socket: Duplex, head: Buffer,
  target: { namespace: string; pod: string; container?: string }, query: URLSearchParams,
): Promise<void> {
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    return refuse(socket, 400, `${kind} over ${req.headers.upgrade ?? 'plain HTTP'} is not supported by this kubelet: use a WebSocket (${REMOTE_COMMAND_PROTOCOLS.join(', ')})`);
  }
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const protocol = negotiate(offered);
  if (!protocol) return refuse(socket, 400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${REMOTE_COMMAND_PROTOCOLS.join(' ')}]`);
  const opts = streamOptions(query);
  if ('error' in opts) return refuse(socket, 400, opts.error);
  const command = query.getAll('command');
  if (kind === 'exec' && command.length === 0) return refuse(socket, 400, 'you must specify at least 1 command');
  const found = await kubelet.findContainer(target.namespace, target.pod, target.container, false);
  if ('error' in found) return refuse(socket, found.code, found.error);
  const state = (await kubelet.runtime.listContainers()).find((c) => c.id === found.id)?.state;
  if (state !== 'running') return refuse(socket, 400, `container ${JSON.stringify(target.container ?? '')} in pod ${JSON.stringify(target.pod)} is not running (${state ?? 'gone'}): cannot ${kind}`);
  const rt = kubelet.runtime;
  const start = kind === 'attach' ? rt.attach?.bind(rt, found.id, opts)
    : rt.execStream ? rt.execStream.bind(rt, found.id, command, opts)
    // A runtime with only run-to-completion exec still serves exec without stdin or a terminal.
    : !opts.stdin && !opts.tty ? () => completedSession(rt.exec(found.id, command))
    : undefined;
  if (!start) return refuse(socket, 400, `the ${kubelet.runtime.info().name} runtime of node ${kubelet.nodeName} does not support interactive ${kind}`);
  let session: StreamSession;
  try {
    session = await start();
  } catch (err) {
    return refuse(socket, 500, `error ${kind === 'exec' ? 'executing command in' : 'attaching to'} container: ${err instanceof Error ? err.message : String(err)}`);
  }
  // An attach that lasted until the container ended is a success, as the Kubernetes kubelet
  // reports it (CRI's Attach carries no exit code): kubectl run -i reads the pod's status for it.
  if (kind === 'attach') session = { ...session, done: session.done.then(() => 0) };
  wss.handleUpgrade(req, socket, head, (ws) => relay(ws, socket, protocol, session, opts, command));
}

/** A finished exec's output as a session. */
async function completedSession(result: Promise<ExecResult>): Promise<StreamSession> {
  const r = await result;
  return {
    stdout: Readable.from(r.stdout ? [Buffer.from(r.stdout)] : []),
    stderr: Readable.from(r.stderr ? [Buffer.from(r.stderr)] : []),
    resize: () => undefined,
    done: Promise.resolve(r.exitCode),
    close: () => undefined,
  };
}

/** Carry the session over the WebSocket until the process ends (or the client leaves). */
function relay(ws: WebSocket, socket: Duplex, p: ProtocolFeatures, session: StreamSession, opts: StreamOptions, command: string[]): void {
  const send = (channel: number, data: Buffer | string, sent?: () => void) => {
    if (ws.readyState === ws.OPEN) ws.send(encodeMessage(p, channel, data), { binary: !p.base64 }, sent);
    else sent?.();
  };
  let ended = false;
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const m = decodeMessage(p, isBinary ? msg : msg.toString('latin1'));
    if (!m) return;
    if (m.channel === STDIN && opts.stdin) session.stdin?.write(m.data);
    else if (m.channel === RESIZE && p.resize) {
      const size = parseResize(m.data);
      if (size) session.resize(size.width, size.height);
    } else if (m.channel === CLOSE && p.close && m.data[0] === STDIN) session.stdin?.end();
  });
  ws.on('close', () => {
    if (!ended) session.close();
  });
  ws.on('error', () => undefined);

  const pump = (stream: Readable | undefined, channel: number, wanted: boolean): Promise<void> => new Promise((resolve) => {
    if (!stream) return resolve();
    stream.on('data', (d: Buffer) => {
      if (!wanted) return;
      send(channel, d, () => {
        if (stream.isPaused() && ws.bufferedAmount < HIGH_WATER / 2) stream.resume();
      });
      if (ws.bufferedAmount >= HIGH_WATER) stream.pause();
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  const drained = Promise.all([pump(session.stdout, STDOUT, opts.stdout), pump(session.stderr, STDERR, opts.stderr)]);
  // The close frame, then our end of the connection at once, as the Kubernetes kubelet's
  // wsstream does: ws would wait (up to 30 s) for the client's close frame first, and a client
  // that polls the socket for its next frame (python-kubernetes' WSClient) never sees a close
  // frame that arrived in the same TLS record as the exit Status, so it waits until the FIN.
  const finish = () => {
    ws.close(1000);
    socket.end();
  };
  session.done.then(async (code) => {
    await drained;
    ended = true;
    if (code !== undefined) {
      const msg = exitMessage(p, command, code);
      if (msg !== undefined) send(ERROR, msg);
    } else if (p.statusJSON) {
      send(ERROR, exitMessage(p, command, 0)!);
    }
    finish();
  }, (err: unknown) => {
    ended = true;
    send(ERROR, failureMessage(p, err instanceof Error ? err.message : String(err)));
    finish();
  });
}
