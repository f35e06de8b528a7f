// The kubelet's own HTTPS server: container logs and exec for pods on this node. The API
// server proxies pods/log and pods/exec here, so logs never leave the node. Callers
// authenticate with a client certificate verified against --client-ca-file (the API server's
// --kubelet-client-certificate); /healthz is open. Authorization is the API server's: a
// SubjectAccessReview on nodes/NODE (webhook-authorizer.ts, the kubelet's Webhook mode); a
// kubelet started without one (hollow nodes) admits only system:masters.
//   GET  /containerLogs/NS/POD/CONTAINER?follow=&tailLines=&sinceSeconds=&previous=&timestamps=&sinceTime=&limitBytes=
//   POST /exec/NS/POD/CONTAINER?command=a&command=b   → {"stdout","stderr","exitCode"}
//   GET  /exec/NS/POD/CONTAINER?command=…&stdin=&stdout=&stderr=&tty=   WebSocket upgrade, channel.k8s.io (remote-command.ts)
//   GET  /attach/NS/POD/CONTAINER?stdin=&stdout=&stderr=&tty=            the same, to the container's own streams
//   GET  /portForward/NS/POD?port=80   WebSocket upgrade, portforward.k8s.io (port-forward.ts)
//   GET  /metrics            Prometheus text: the kubelet's own (pod startup histograms, metrics/kubelet-metrics.ts)
//   GET  /metrics/resource   Prometheus text: container/pod/node CPU and memory (metrics/prometheus-text.ts)
//   GET  /stats/summary      the Summary API JSON (metrics/summary.ts)
//   GET  /healthz
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Kubelet } from './kubelet.js';
import { kubeletAttributes, type KubeletAuthorizer } from './webhook-authorizer.js';
import { refuse, servePortForward } from './port-forward.js';
import { serveRemoteCommand } from './remote-command.js';
import type { StatsProvider } from './metrics/stats-provider.js';
import { renderResourceMetrics } from './metrics/prometheus-text.js';

export interface KubeletServerOptions {
  /** The kubelet that runs pod NS/NAME (one per process, or one of many hollow nodes). */
  kubeletFor(namespace: string, name: string): Kubelet | undefined;
  execTimeoutMs?: number;
  /**
   * The stats of the node a request is for. One server may serve many simulated nodes: they
   * are told apart by the Host header's name (the scraper sends the node's name), as one
   * address serves many sites; a single kubelet ignores it.
   */
  statsFor?(host: string | undefined): StatsProvider | undefined;
  /** Who may call (webhook-authorizer.ts); absent: system:masters only. */
  authorize?: KubeletAuthorizer;
  /** The kubelet's own metrics (GET /metrics); absent: 404. */
  metrics?: () => string;
}

export interface KubeletServingTLS {
  cert: string | Buffer;
  key: string | Buffer;
  /** Client certificates must chain to this CA; absent: nobody can authenticate (401 but /healthz). */
  clientCA?: string | Buffer;
}

/** 401 without a verified client certificate; 403 unless the authorizer (or, without one, system:masters) allows it. */
export async function authorizeCaller(req: IncomingMessage, path: string, authorize?: KubeletAuthorizer): Promise<{ code: 401 | 403; message: string } | undefined> {
  const sock = req.socket as TLSSocket;
  if (!sock.authorized) return { code: 401, message: 'Unauthorized' };
  const subject = sock.getPeerCertificate().subject ?? {};
  const caller = { name: String(subject.CN ?? ''), groups: ([] as string[]).concat(subject.O ?? []) };
  const decision = authorize ? await authorize(caller, req.method ?? 'GET', path) : { allowed: caller.groups.includes('system:masters') };
  if (decision.allowed) return undefined;
  const { verb, subresource } = kubeletAttributes(req.method ?? 'GET', path);
  return { code: 403, message: `Forbidden (user=${caller.name}, verb=${verb}, resource=nodes, subresource=${subresource})` };
}

const truthy = (v: string | null) => v !== null && v !== 'false' && v !== '0';

function fail(res: ServerResponse, code: number, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(
    JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: ({ 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound' } as Record<number, string>)[code] ?? 'InternalError', code }),
  );
}

/** /containerLogs/NS/POD[/CONTAINER] → its parts. */
export function parseLogPath(pathname: string, prefix: string): { namespace: string; pod: string; container?: string } | undefined {
  if (!pathname.startsWith(prefix)) return undefined;
  const parts = pathname.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length < 2 || parts.length > 3) return undefined;
  return { namespace: parts[0]!, pod: parts[1]!, container: parts[2] };
}

export async function handle(o: KubeletServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://kubelet');
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
    return;
  }
  const refused = await authorizeCaller(req, url.pathname, o.authorize);
  if (refused) return fail(res, refused.code, refused.message);
  if (url.pathname === '/metrics') {
    if (req.method !== 'GET') return fail(res, 405, 'method not allowed');
    if (!o.metrics) return fail(res, 404, 'no metrics here');
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(o.metrics());
    return;
  }
  if (url.pathname === '/metrics/resource' || url.pathname === '/stats/summary' || url.pathname === '/stats/summary/') {
    if (req.method !== 'GET') return fail(res, 405, 'method not allowed');
    const host = req.headers.host?.replace(/:\d+$/, '');
    const stats = o.statsFor?.(host);
    if (!stats) return fail(res, 404, `no stats for node "${host}" here`);
    const { summary, error } = await stats.summary();
    if (url.pathname === '/metrics/resource') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(renderResourceMetrics(summary, error));
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(summary));
    }
    return;
  }
  const logs = parseLogPath(url.pathname, '/containerLogs/');
  const exec = parseLogPath(url.pathname, '/exec/');
  const target = logs ?? exec;
  if (!target) return fail(res, 404, `no handler for ${url.pathname}`);
  const kubelet = o.kubeletFor(target.namespace, target.pod);
  if (!kubelet) return fail(res, 404, `pods "${target.pod}" not found`);
  const previous = truthy(url.searchParams.get('previous'));
  const found = await kubelet.findContainer(target.namespace, target.pod, target.container, logs ? previous : false);
  if ('error' in found) return fail(res, found.code, found.error);

  if (logs) {
    if (req.method !== 'GET') return fail(res, 405, 'method not allowed');
    const tail = url.searchParams.get('tailLines');
    const since = url.searchParams.get('sinceSeconds');
    // sinceTime (RFC 3339) as the seconds before now it names (one in the future: only what comes next, to the runtime's timestamp accuracy).
    const sinceTime = Date.parse(url.searchParams.get('sinceTime') ?? '');
    const sinceSeconds = since !== null && since !== '' ? Number(since) : Number.isNaN(sinceTime) ? undefined : Math.max(1e-9, (Date.now() - sinceTime) / 1000);
    // limitBytes: the output stops after that many bytes, even mid-line or when following (the kubelet's LimitWriter).
    const limitBytes = Number(url.searchParams.get('limitBytes') ?? '');
    let bytesLeft = Number.isSafeInteger(limitBytes) && limitBytes > 0 ? limitBytes : Infinity;
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let stream;
    try {
      stream = await kubelet.runtime.containerLogs(found.id, {
        follow: truthy(url.searchParams.get('follow')),
        tailLines: tail !== null && tail !== '' ? Math.max(0, Number(tail)) : undefined,
        sinceSeconds,
        timestamps: truthy(url.searchParams.get('timestamps')),
        signal: abort.signal,
      });
    } catch (err) {
      return fail(res, 500, err instanceof Error ? err.message : String(err));
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    stream.on('data', (chunk: Buffer) => {
      if (chunk.length < bytesLeft) {
        bytesLeft -= chunk.length;
        res.write(chunk);
        return;
      }
      res.end(chunk.subarray(0, bytesLeft));
      stream.destroy();
    });
    stream.on('end', () => res.end());
    stream.on('error', () => res.end());
    res.on('close', () => stream.destroy());
    return;
  }

  if (req.method !== 'POST' && req.method !== 'GET') return fail(res, 405, 'method not allowed');
  const command = url.searchParams.getAll('command');
  if (!command.length) return fail(res, 400, 'you must specify at least one command for the container');
  try {
    const result = await kubelet.runtime.exec(found.id, command, { timeoutMs: o.execTimeoutMs ?? 60_000 });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(result));
  } catch (err) {
    fail(res, 500, err instanceof Error ? err.message : String(err));
  }
}

export async function startKubeletServer(o: KubeletServerOptions, tls: KubeletServingTLS, port: number, host = '0.0.0.0'): Promise<{ server: Server; port: number }> {
  const server = createServer({
    cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2',
    ...(tls.clientCA ? { ca: tls.clientCA, requestCert: true, rejectUnauthorized: false } : {}),
  }, (req, res) => {
    handle(o, req, res).catch((err) => fail(res, 500, err instanceof Error ? err.message : String(err)));
  });
  server.on('upgrade', (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://kubelet');
    authorizeCaller(req, url.pathname, o.authorize).then(async (refused) => {
      if (refused) return refuse(socket, refused.code, refused.message);
      const stream = parseLogPath(url.pathname, '/exec/') ?? parseLogPath(url.pathname, '/attach/');
      if (stream) {
        const kubelet = o.kubeletFor(stream.namespace, stream.pod);
        if (!kubelet) return refuse(socket, 404, `pod not found ("${stream.pod}_${stream.namespace}")`);
        return serveRemoteCommand(kubelet, url.pathname.startsWith('/exec/') ? 'exec' : 'attach', req, socket, head, stream, url.searchParams);
      }
      const target = parseLogPath(url.pathname, '/portForward/');
      if (!target) return refuse(socket, 404, `no handler for ${url.pathname}`);
      const kubelet = o.kubeletFor(target.namespace, target.pod);
      if (!kubelet) return refuse(socket, 404, `pod not found ("${target.pod}_${target.namespace}")`);
      return servePortForward(kubelet, req, socket, head, target.namespace, target.pod, url.searchParams);
    }).catch((err: unknown) => refuse(socket, 500, err instanceof Error ? err.message : String(err)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
