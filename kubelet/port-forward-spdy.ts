// portforward.k8s.io over SPDY, as the Kubernetes kubelet's httpstream.go serves it — what the
// real kubectl speaks: tunnelled in a WebSocket (`SPDY/3.1+portforward.k8s.io`, its default
// since 1.31) or over a plain `Upgrade: SPDY/3.1` (KUBECTL_PORT_FORWARD_WEBSOCKETS=false).
// The client opens two streams per local connection, an error stream and a data stream, whose
// headers name the port and a requestID pairing them. Once both are there the pod's port is
// dialled and the data stream relayed to it both ways (a FIN from either side half-closes the
// other); a failure is `error forwarding port P to pod NAME, uid UID: …` written on the error
// stream; then both streams end.
import type { Duplex } from 'node:stream';
import type { SpdySession, SpdyStream } from './spdy.js';

/** kubelet's streamCreationTimeout: a pair whose second stream never comes is abandoned. */
const STREAM_PAIR_TIMEOUT_MS = 30_000;

interface StreamPair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Dial the pod's port (the runtime's portForward, in the pod's network). */
export type PortDialer = (port: number) => Promise<Duplex>;

/** Serve port-forward streams on `session` for pod NAME (uid UID) until the session closes. */
export function servePortForwardSpdy(session: SpdySession, podName: string, uid: string, dial: PortDialer): void {
  const pairs = new Map<string, StreamPair>();
  const conns = new Set<Duplex>();
  session.on('stream', (s: SpdyStream) => {
    s.on('error', () => s.destroy());
    // Old clients send no requestID; the kubelet pairs their streams by stream id then (data = error + 2).
    const type = s.header('streamtype');
    const requestId = s.header('requestid') ?? String(type === 'data' ? s.id - 2 : s.id);
    let pair = pairs.get(requestId);
    if (!pair) {
      const p: StreamPair = {
        timer: setTimeout(() => {
          pairs.delete(requestId);
          fail(p, `timed out waiting for streams`);
        }, STREAM_PAIR_TIMEOUT_MS),
      };
      pair = p;
      pairs.set(requestId, p);
    }
    const problem = type === 'error' ? (pair.error ? 'error stream already assigned' : undefined)
      : type === 'data' ? (pair.data ? 'data stream already assigned' : undefined)
        : `unexpected stream type "${type ?? ''}"`;
    if (problem) {
      writeError(pair.error, `error processing stream for request ${requestId}: ${problem}`);
      s.end();
      return;
    }
    if (type === 'error') pair.error = s;
    else pair.data = s;
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      forward(pair.data, pair.error);
    }
  });
  session.on('close', () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
    for (const c of conns) c.destroy();
  });

  function fail(p: StreamPair, message: string): void {
    writeError(p.error, message);
    p.error?.end();
    p.data?.end();
  }

  function writeError(errorStream: SpdyStream | undefined, message: string): void {
    if (errorStream && !errorStream.localClosed && !errorStream.destroyed) errorStream.write(message);
  }

  function forward(data: SpdyStream, error: SpdyStream): void {
    // The client never writes on its error stream; reading lets its FIN be seen.
    error.resume();
    const portText = data.header('port') ?? '';
    const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
    const finish = (message?: string) => {
      if (message) writeError(error, `error forwarding port ${portText} to pod ${podName}, uid ${uid}: ${message}`);
      if (!error.localClosed && !error.destroyed) error.end();
      if (!data.localClosed && !data.destroyed) data.end();
    };
    if (!(port >= 1 && port <= 65535)) return finish(`invalid port ${JSON.stringify(portText)}`);
    dial(port).then((conn) => {
      if (data.destroyed || session.closed) return conn.destroy();
      conns.add(conn);
      // Both ways with backpressure; each side's end half-closes the other (pipe's default).
      conn.pipe(data);
      data.pipe(conn);
      let failure: string | undefined;
      conn.on('error', (e: Error) => (failure = e.message));
      conn.on('close', () => {
        conns.delete(conn);
        finish(failure);
      });
      data.on('close', () => conn.destroy());
    }, (e: Error) => finish(e.message));
  }
}
