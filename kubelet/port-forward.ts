// The kubelet's port-forward endpoint: GET /portForward/NS/POD?port=80[&port=443] upgraded
// to a WebSocket speaking portforward.k8s.io (api/core/port-forward.ts has the framing), as
// the Kubernetes kubelet's websocket.go does: per port a data and an error channel, each
// opened with the port as 2 bytes little-endian; then the bytes of one TCP connection to that
// port in the pod's network (the runtime's portForward: the pod IP, or loopback for
// host-network pods). An error (nothing listening, no sandbox) is text on the error channel,
// and the streams close. The real kubectl speaks SPDY instead (tunnelled in a WebSocket
// as `SPDY/3.1+portforward.k8s.io`, or a plain SPDY/3.1 upgrade): port-forward-spdy.ts.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';
import { servePortForwardSpdy } from './port-forward-spdy.js';
import { SpdySession } from './spdy.js';
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

/** kubectl's port-forward protocol (X-Stream-Protocol-Version; SPDY streams carry the ports). */
export const PORT_FORWARD_SPDY_PROTOCOL = 'portforward.k8s.io';
/** The same tunnelled in WebSocket binary messages (k8s.io/apimachinery/pkg/util/portforward). */
export const PORT_FORWARD_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_SPDY_PROTOCOL}`;

const wss = new WebSocketServer({
  noServer: true,
  handleProtocols: (offered) => (offered.has(PORT_FORWARD_TUNNEL_PROTOCOL) ? PORT_FORWARD_TUNNEL_PROTOCOL : offered.has(PORT_FORWARD_PROTOCOL) ? PORT_FORWARD_PROTOCOL : false),
});

/** Serve one upgrade for pod NS/NAME on `kubelet`; the caller has authenticated and authorized it. */
export async function servePortForward(kubelet: Kubelet, req: IncomingMessage, socket: Duplex, head: Buffer, namespace: string, podName: string, query: URLSearchParams): Promise<void> {
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  const spdy = upgrade.startsWith('spdy/');
  if (upgrade !== 'websocket' && upgrade !== 'spdy/3.1') {
    return refuse(socket, 400, `port-forward over ${req.headers.upgrade ?? 'plain HTTP'} is not supported by this kubelet: use a WebSocket (${PORT_FORWARD_TUNNEL_PROTOCOL} or ${PORT_FORWARD_PROTOCOL}) or SPDY/3.1`);
  }
  const offered = String(spdy ? req.headers['x-stream-protocol-version'] ?? '' : req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const supported = spdy ? [PORT_FORWARD_SPDY_PROTOCOL] : [PORT_FORWARD_TUNNEL_PROTOCOL, PORT_FORWARD_PROTOCOL];
  if (offered.length && !offered.some((p) => supported.includes(p))) {
    return refuse(socket, 400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${supported.join(' ')}]`);
  }
  // SPDY streams name their ports as they open; only the channel protocol needs them up front.
  const overSpdy = spdy || offered.includes(PORT_FORWARD_TUNNEL_PROTOCOL);
  const ports = overSpdy ? [] : parsePortList(query.getAll('port'));
  if ('error' in ports) return refuse(socket, 400, ports.error);
  const pod = kubelet.findPod(namespace, podName);
  if (!pod) return refuse(socket, 404, `pod not found ("${podName}_${namespace}")`);
  const uid = pod.metadata.uid!;
  const sandbox = (await kubelet.runtime.listPodSandboxes()).find((s) => s.labels[LABEL_POD_UID] === uid && s.state === 'ready');
  if (!sandbox) return refuse(socket, 400, `pod ${podName} has no running sandbox on node ${kubelet.nodeName}`);
  const dial = (port: number) => kubelet.runtime.portForward(sandbox.id, port);
  /** One SPDY connection carries every local connection: it lives as long as the pod does here. */
  const serveSpdy = (session: SpdySession) => {
    servePortForwardSpdy(session, podName, uid, dial);
    const held = kubelet.podSessions.get(uid) ?? new Set();
    kubelet.podSessions.set(uid, held.add(session));
    session.on('close', () => held.delete(session));
  };
  if (spdy) {
    // httpstream.Handshake's answer, then SPDY frames on the raw connection.
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_SPDY_PROTOCOL}\r\n\r\n`);
    serveSpdy(new SpdySession(socket, head));
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (ws.protocol !== PORT_FORWARD_TUNNEL_PROTOCOL) return forward(kubelet, ws, sandbox.id, podName, uid, ports);
    // Each binary message carries the next bytes of the SPDY connection (TunnelingConnection).
    serveSpdy(new SpdySession(createWebSocketStream(ws)));
  });
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
