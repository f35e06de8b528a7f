// The kubelet's port-forward endpoint: GET /portForward/NS/POD?port=80[&port=443] upgraded
// to a WebSocket speaking portforward.k8s.io (api/core/port-forward.ts has the framing), as
// the Kubernetes kubelet's websocket.go does: per port a data and an error channel, each
// opened with the port as 2 bytes little-endian; then the bytes of one TCP connection to that
// port in the pod's network (the runtime's portForward: the pod IP, or loopback for
// host-network pods). An error (nothing listening, no sandbox) is text on the error channel,
// and the streams close. SPDY (kubectl's own transport) is refused with a Status.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { dataChannel, decodeFrame, encodeFrame, errorChannel, parsePortList, portPrefix, PORT_FORWARD_PROTOCOL } from '../api/core/port-forward.js';
import { LABEL_POD_UID } from './runtime/interface.js';
import type { Kubelet } from './kubelet.js';

/** Raw sockets of the upgrade event: a refusal is written as an HTTP response with a Status. */
export function refuse(socket: Duplex, code: number, message: string): void {
  const reason = ({ 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound' } as Record<number, string>)[code] ?? 'InternalError';
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Unsent bytes on the WebSocket past which reading from the pod pauses (backpressure). */
const HIGH_WATER = 1 << 20;

const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has(PORT_FORWARD_PROTOCOL) ? PORT_FORWARD_PROTOCOL : false) });

/** Serve one upgrade for pod NS/NAME on `kubelet`; the caller has authenticated and authorized it. */
export async function servePortForward(kubelet: Kubelet, req: IncomingMessage, socket: Duplex, head: Buffer, namespace: string, podName: string, query: URLSearchParams): Promise<void> {
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    return refuse(socket, 400, `port-forward over ${req.headers.upgrade ?? 'plain HTTP'} is not supported by this kubelet: use a WebSocket (${PORT_FORWARD_PROTOCOL})`);
  }
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  if (offered.length && !offered.includes(PORT_FORWARD_PROTOCOL)) {
    return refuse(socket, 400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${PORT_FORWARD_PROTOCOL}]`);
  }
  const ports = parsePortList(query.getAll('port'));
  if ('error' in ports) return refuse(socket, 400, ports.error);
  const pod = kubelet.findPod(namespace, podName);
  if (!pod) return refuse(socket, 404, `pod not found ("${podName}_${namespace}")`);
  const uid = pod.metadata.uid!;
  const sandbox = (await kubelet.runtime.listPodSandboxes()).find((s) => s.labels[LABEL_POD_UID] === uid && s.state === 'ready');
  if (!sandbox) return refuse(socket, 400, `pod ${podName} has no running sandbox on node ${kubelet.nodeName}`);
  wss.handleUpgrade(req, socket, head, (ws) => forward(kubelet, ws, sandbox.id, podName, uid, ports));
}

/** One TCP connection per port, relayed over the WebSocket's channels until either side closes. */
function forward(kubelet: Kubelet, ws: WebSocket, sandboxId: string, podName: string, uid: string, ports: number[]): void {
  const send = (channel: number, data: Buffer | string, sent?: () => void) => {
    if (ws.readyState === ws.OPEN) ws.send(encodeFrame(channel, data), { binary: true }, sent);
  };
  let open = ports.length;
  const finished = () => {
    if (--open === 0) ws.close(1000);
  };
  const conns: (Duplex | undefined)[] = [];
  /** Bytes the client sent before the connection to the pod was up. */
  const pending: Buffer[][] = ports.map(() => []);
  ports.forEach((port, i) => {
    send(dataChannel(i), portPrefix(port));
    send(errorChannel(i), portPrefix(port));
    kubelet.runtime.portForward(sandboxId, port).then((conn) => {
      if (ws.readyState !== ws.OPEN) return conn.destroy();
      conns[i] = conn;
      for (const b of pending[i]!) conn.write(b);
      pending[i] = [];
      // Backpressure both ways: a slow client pauses the pod's socket, a slow pod the WebSocket.
      const resume = () => { if (conn.isPaused() && ws.bufferedAmount < HIGH_WATER / 2) conn.resume(); };
      conn.on('data', (d: Buffer) => {
        send(dataChannel(i), d, resume);
        if (ws.bufferedAmount >= HIGH_WATER) conn.pause();
      });
      conn.on('drain', () => ws.resume());
      conn.on('error', (e) => send(errorChannel(i), `error forwarding port ${port} to pod ${podName}, uid ${uid}: ${e.message}`));
      conn.on('close', finished);
    }, (e: Error) => {
      send(errorChannel(i), `error forwarding port ${port} to pod ${podName}, uid ${uid}: ${e.message}`);
      finished();
    });
  });
  ws.on('message', (msg: Buffer) => {
    const f = decodeFrame(msg);
    if (!f || f.channel % 2 !== 0 || f.channel / 2 >= ports.length || f.data.length === 0) return;
    const i = f.channel / 2;
    const conn = conns[i];
    if (!conn) pending[i]!.push(Buffer.from(f.data));
    else if (!conn.write(f.data)) ws.pause();
  });
  ws.on('close', () => {
    for (const c of conns) c?.destroy();
  });
  ws.on('error', () => ws.terminate());
}
