// The kubelet's own HTTP server (plain HTTP): container logs and exec for pods on this node.
// The API server proxies pods/log and pods/exec here, so logs never leave the node.
//   GET  /containerLogs/NS/POD/CONTAINER?follow=&tailLines=&sinceSeconds=&previous=&timestamps=
//   POST /exec/NS/POD/CONTAINER?command=a&command=b   → {"stdout","stderr","exitCode"}
//   GET  /healthz
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kubelet } from './kubelet.js';

export interface KubeletServerOptions {
  /** The kubelet that runs pod NS/NAME (one per process, or one of many hollow nodes). */
  kubeletFor(namespace: string, name: string): Kubelet | undefined;
  execTimeoutMs?: number;
}

const truthy = (v: string | null) => v !== null && v !== 'false' && v !== '0';

function fail(res: ServerResponse, code: number, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(
    JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: code === 404 ? 'NotFound' : code === 400 ? 'BadRequest' : 'InternalError', code }),
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
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let stream;
    try {
      stream = await kubelet.runtime.containerLogs(found.id, {
        follow: truthy(url.searchParams.get('follow')),
        tailLines: tail !== null && tail !== '' ? Math.max(0, Number(tail)) : undefined,
        sinceSeconds: since !== null && since !== '' ? Number(since) : undefined,
        timestamps: truthy(url.searchParams.get('timestamps')),
        signal: abort.signal,
      });
    } catch (err) {
      return fail(res, 500, err instanceof Error ? err.message : String(err));
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    stream.on('data', (chunk: Buffer) => res.write(chunk));
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

export async function startKubeletServer(o: KubeletServerOptions, port: number, host = '0.0.0.0'): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    handle(o, req, res).catch((err) => fail(res, 500, err instanceof Error ? err.message : String(err)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
