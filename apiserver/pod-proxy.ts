// pods/log and pods/exec: the API server finds the pod's node and proxies to that node's
// kubelet (status.addresses InternalIP + status.daemonEndpoints.kubeletEndpoint.Port), as
// kube-apiserver does. Logs stream back as text/plain; exec (plain POST) answers the
// kubelet's JSON {stdout, stderr, exitCode}. Kubelets serve HTTPS: the API server presents
// its client certificate (--kubelet-client-certificate/--kubelet-client-key) and verifies the
// kubelet's against --kubelet-certificate-authority when given (without it, like
// kube-apiserver, it does not verify the kubelet's certificate).
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { parsePortList } from '../api/core/port-forward.js';
import type { Pod, Node } from '../api/core/index.js';
import { badRequest, internalError, serviceUnavailable, StatusError } from '../api/errors.js';
import type { Registry } from './registry/index.js';
import { queryBool, queryInt, queryList, queryString } from './query-params.js';

export interface KubeletTarget { host: string; port: number; container: string; pod: Pod }

/** How the API server reaches kubelets: the registry (to find a pod's node) and one keep-alive TLS agent. */
export interface KubeletClient {
  registry: Registry;
  agent: https.Agent;
}

export interface KubeletClientTLS {
  /** The API server's client certificate and key towards kubelets (PEM). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** The CA kubelets' serving certificates must chain to; absent: not verified. */
  ca?: string | Buffer;
}

export function kubeletClient(registry: Registry, tls: KubeletClientTLS = {}): KubeletClient {
  return {
    registry,
    agent: new https.Agent({
      keepAlive: true,
      ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
      ...(tls.ca ? { ca: tls.ca } : { rejectUnauthorized: false }),
    }),
  };
}

/** Resolve pod → container → kubelet address, with kube-apiserver's error messages. */
export async function kubeletTarget(registry: Registry, namespace: string, podName: string, container: string | undefined): Promise<KubeletTarget> {
  const pod = (await registry.byKind('Pod').get(namespace, podName)) as unknown as Pod;
  const names = (pod.spec.containers ?? []).map((c) => c.name);
  const initNames = (pod.spec.initContainers ?? []).map((c) => c.name);
  let name = container;
  if (!name) {
    if (names.length === 1) name = names[0];
    else throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]${initNames.length ? ` or one of the init containers: [${initNames.join(' ')}]` : ''}`);
  } else if (!names.includes(name) && !initNames.includes(name)) {
    throw badRequest(`container ${name} is not valid for pod ${podName}`);
  }
  return { ...await kubeletAddress(registry, pod), container: name!, pod };
}

/** The kubelet serving this pod's node: its InternalIP and kubelet port. */
async function kubeletAddress(registry: Registry, pod: Pod): Promise<{ host: string; port: number }> {
  const podName = pod.metadata.name;
  const nodeName = pod.spec.nodeName;
  if (!nodeName) throw badRequest(`pod ${podName} does not have a host assigned`);
  let node: Node;
  try {
    node = (await registry.byKind('Node').get(undefined, nodeName)) as unknown as Node;
  } catch {
    throw badRequest(`node "${nodeName}" of pod ${podName} is not registered`);
  }
  const ep = kubeletEndpoint(node);
  if (!ep) throw serviceUnavailable(`no kubelet endpoint known for node "${nodeName}"`);
  return ep;
}

/** Where a node's kubelet listens: its InternalIP (else Hostname) and daemonEndpoints port. */
export function kubeletEndpoint(node: Node): { host: string; port: number } | undefined {
  const addresses = node.status?.addresses ?? [];
  const host = addresses.find((a) => a.type === 'InternalIP')?.address ?? addresses.find((a) => a.type === 'Hostname')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return host && port ? { host, port } : undefined;
}

// PodLogOptions' query parameters, converted as kube-apiserver converts them before it calls
// the kubelet: booleans and integers normalized (a bad integer is a 400 here, not upstream).
const LOG_PARAMS: [string, 'bool' | 'int' | 'string'][] = [
  ['follow', 'bool'], ['tailLines', 'int'], ['sinceSeconds', 'int'], ['sinceTime', 'string'],
  ['previous', 'bool'], ['timestamps', 'bool'], ['limitBytes', 'int'],
];

/** GET pods/NAME/log → GET http://kubelet/containerLogs/NS/POD/CONTAINER?…, streamed. */
export async function proxyLogs(kc: KubeletClient, namespace: string, podName: string, query: Record<string, unknown>, res: ServerResponse, onClientGone: (cb: () => void) => void): Promise<void> {
  const t = await kubeletTarget(kc.registry, namespace, podName, queryString(query, 'container') || undefined);
  const qs = new URLSearchParams();
  for (const [p, type] of LOG_PARAMS) {
    const v = type === 'bool' ? (queryBool(query, p) ? 'true' : undefined) : type === 'int' ? queryInt(query, p)?.toString() : queryString(query, p) || undefined;
    if (v !== undefined) qs.set(p, v);
  }
  const path = `/containerLogs/${enc(namespace)}/${enc(podName)}/${enc(t.container)}${qs.size ? `?${qs}` : ''}`;
  await new Promise<void>((resolve, reject) => {
    const up = https.request({ host: t.host, port: t.port, path, method: 'GET', agent: kc.agent }, (kres) => {
      const code = kres.statusCode ?? 502;
      if (code >= 400) {
        collect(kres).then((body) => reject(upstreamError(code, body)), reject);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      kres.pipe(res);
      kres.on('end', resolve);
      kres.on('error', () => { res.end(); resolve(); });
    });
    up.on('error', (e) => reject(serviceUnavailable(`error dialing kubelet at ${t.host}:${t.port}: ${e.message}`)));
    onClientGone(() => up.destroy());
    up.end();
  });
}

/**
 * GET nodes/NAME/proxy/PATH → GET https://kubelet/PATH, streamed back with the kubelet's status
 * and content type (how `kubectl get --raw /api/v1/nodes/N/proxy/stats/summary` reads a
 * kubelet). The Host header names the node, so simulated nodes sharing one server are told apart.
 */
export async function proxyNodeGet(kc: KubeletClient, nodeName: string, path: string, search: string, res: ServerResponse, onClientGone: (cb: () => void) => void): Promise<void> {
  let node: Node;
  try {
    node = (await kc.registry.byKind('Node').get(undefined, nodeName)) as unknown as Node;
  } catch (e) {
    throw e instanceof StatusError ? e : serviceUnavailable(String(e));
  }
  const ep = kubeletEndpoint(node);
  if (!ep) throw serviceUnavailable(`no kubelet endpoint known for node "${nodeName}"`);
  await new Promise<void>((resolve, reject) => {
    const up = https.request({ host: ep.host, port: ep.port, path: `${path}${search}`, method: 'GET', agent: kc.agent, headers: { Host: `${nodeName}:${ep.port}` }, servername: '' }, (kres) => {
      res.writeHead(kres.statusCode ?? 502, { 'Content-Type': String(kres.headers['content-type'] ?? 'text/plain') });
      kres.pipe(res);
      kres.on('end', resolve);
      kres.on('error', () => { res.end(); resolve(); });
    });
    up.on('error', (e) => reject(serviceUnavailable(`error dialing kubelet at ${ep.host}:${ep.port}: ${e.message}`)));
    onClientGone(() => up.destroy());
    up.end();
  });
}

/** POST pods/NAME/exec?command=…&container=… → POST http://kubelet/exec/NS/POD/CONTAINER?command=…, JSON back. */
export async function execInPod(kc: KubeletClient, namespace: string, podName: string, query: Record<string, unknown>): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const t = await kubeletTarget(kc.registry, namespace, podName, queryString(query, 'container') || undefined);
  const command = queryList(query, 'command');
  if (command.length === 0) throw badRequest('you must specify at least 1 command');
  const qs = new URLSearchParams();
  for (const c of command) qs.append('command', c);
  const path = `/exec/${enc(namespace)}/${enc(podName)}/${enc(t.container)}?${qs}`;
  return new Promise((resolve, reject) => {
    const up = https.request({ host: t.host, port: t.port, path, method: 'POST', agent: kc.agent }, (kres) => {
      collect(kres).then((body) => {
        const code = kres.statusCode ?? 502;
        if (code >= 400) return reject(upstreamError(code, body));
        try {
          const r = JSON.parse(body) as { stdout?: string; stderr?: string; exitCode?: number };
          resolve({ stdout: r.stdout ?? '', stderr: r.stderr ?? '', exitCode: r.exitCode ?? 0 });
        } catch {
          reject(internalError(`kubelet answered exec with non-JSON: ${body.slice(0, 200)}`));
        }
      }, reject);
    });
    up.on('error', (e) => reject(serviceUnavailable(`error dialing kubelet at ${t.host}:${t.port}: ${e.message}`)));
    up.end();
  });
}

function upstreamError(code: number, body: string): StatusError {
  try {
    const s = JSON.parse(body);
    if (s && s.kind === 'Status') return new StatusError(s);
  } catch { /* plain text */ }
  const message = body.trim() || `kubelet answered ${code}`;
  if (code === 404) return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message });
  if (code === 400) return badRequest(message);
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: code >= 500 ? code : 500, reason: 'InternalError', message });
}

function collect(s: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    s.on('error', reject);
  });
}

const enc = encodeURIComponent;

// ---- exec over WebSocket (what kubectl exec speaks: the channel.k8s.io subprotocols) ----

/** The subprotocols we answer, best first. kubectl 1.30+ offers only v5. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;

export interface ChannelSocket {
  send(data: Buffer, opts: { binary: boolean }): void;
  close(code?: number): void;
  on(event: 'message', cb: (data: Buffer) => void): void;
}

function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/**
 * Run a non-interactive exec through the kubelet and speak the v4/v5 channel protocol:
 * stdout on channel 1, stderr on 2, then a metav1.Status on the error channel 3 (Success,
 * or NonZeroExitCode with the exit code as a cause, which kubectl turns into its own exit
 * code), then close. Stdin (channel 0) and v5's close signal (255) are read and ignored.
 */
export async function serveExecWebSocket(ws: ChannelSocket, kc: KubeletClient, namespace: string, podName: string, query: Record<string, unknown>): Promise<void> {
  ws.on('message', () => undefined);
  try {
    const r = await execInPod(kc, namespace, podName, query);
    if (r.stdout && (query.stdout === undefined || queryBool(query, 'stdout'))) ws.send(frame(STDOUT, r.stdout), { binary: true });
    if (r.stderr && (query.stderr === undefined || queryBool(query, 'stderr'))) ws.send(frame(STDERR, r.stderr), { binary: true });
    const cmd = queryList(query, 'command');
    const status = r.exitCode === 0
      ? { metadata: {}, status: 'Success' }
      : {
          metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
          message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${r.exitCode}`,
          details: { causes: [{ reason: 'ExitCode', message: String(r.exitCode) }] },
        };
    ws.send(frame(ERROR, JSON.stringify(status)), { binary: true });
  } catch (e) {
    const s = e instanceof StatusError ? e.status : internalError((e as Error).message).status;
    ws.send(frame(ERROR, JSON.stringify(s)), { binary: true });
  }
  ws.close(1000);
}

// ---- port-forward: the upgrade proxied to the kubelet, bytes untouched ----

/**
 * pods/NAME/portforward?ports=80&ports=443 (a WebSocket upgrade) → the kubelet's
 * /portForward/NS/POD?port=80&port=443 over TLS with the API server's client certificate.
 * Like kube-apiserver's upgrade-aware proxy, the API server does not speak the stream
 * protocol: it relays the kubelet's answer to the upgrade (101 and its headers, or the
 * error) and then the raw bytes both ways.
 */
export async function proxyPortForward(kc: KubeletClient, req: IncomingMessage, client: Duplex, head: Buffer, namespace: string, podName: string, query: Record<string, unknown>): Promise<void> {
  // Ports are optional here, as in kube-apiserver: SPDY clients name them per stream; the
  // kubelet requires them of a WebSocket. Given ones must be ports.
  const given = queryList(query, 'ports');
  const ports = given.length ? parsePortList(given) : [];
  if ('error' in ports) throw badRequest(ports.error.replace('"port"', '"ports"'));
  const pod = (await kc.registry.byKind('Pod').get(namespace, podName)) as unknown as Pod;
  const { host, port } = await kubeletAddress(kc.registry, pod);
  const qs = new URLSearchParams();
  for (const p of ports) qs.append('port', String(p));
  await relayUpgrade(kc, req, client, head, host, port, `/portForward/${enc(namespace)}/${enc(podName)}${qs.size ? `?${qs}` : ''}`);
}

/**
 * pods/NAME/exec and pods/NAME/attach (a WebSocket upgrade with the channel.k8s.io
 * subprotocols) → the kubelet's /exec/NS/POD/CONTAINER or /attach/… with the
 * remote-command options, relayed untouched as kube-apiserver's upgrade-aware proxy does
 * (the kubelet negotiates the protocol and runs the streams). The container is checked
 * here first so a wrong name is kube-apiserver's 400, and a finished pod is refused.
 */
export async function proxyRemoteCommand(kc: KubeletClient, kind: 'exec' | 'attach', req: IncomingMessage, client: Duplex, head: Buffer, namespace: string, podName: string, query: Record<string, unknown>): Promise<void> {
  const t = await kubeletTarget(kc.registry, namespace, podName, queryString(query, 'container') || undefined);
  const phase = t.pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw badRequest(`cannot ${kind === 'exec' ? 'exec into' : 'attach to'} a container in a completed pod; current phase is ${phase}`);
  const qs = new URLSearchParams();
  if (kind === 'exec') {
    const command = queryList(query, 'command');
    if (command.length === 0) throw badRequest('you must specify at least 1 command');
    for (const c of command) qs.append('command', c);
  }
  for (const p of ['stdin', 'stdout', 'stderr', 'tty']) if (queryBool(query, p)) qs.set(p, 'true');
  await relayUpgrade(kc, req, client, head, t.host, t.port, `/${kind}/${enc(namespace)}/${enc(podName)}/${enc(t.container)}?${qs}`);
}

/** Relay an upgrade to the kubelet: its answer (101 and headers, or its error Status), then raw bytes both ways. */
async function relayUpgrade(kc: KubeletClient, req: IncomingMessage, client: Duplex, head: Buffer, host: string, port: number, path: string): Promise<void> {
  const headers: Record<string, string> = {};
  for (const h of ['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'x-stream-protocol-version']) {
    const v = req.headers[h];
    if (v !== undefined) headers[h] = Array.isArray(v) ? v.join(', ') : v;
  }
  await new Promise<void>((resolve, reject) => {
    const up = https.request({ host, port, path, method: req.method, headers, agent: kc.agent });
    up.on('upgrade', (kres, upstream, upHead) => {
      const lines = [`HTTP/1.1 ${kres.statusCode ?? 101} ${kres.statusMessage ?? 'Switching Protocols'}`];
      for (let i = 0; i < kres.rawHeaders.length; i += 2) lines.push(`${kres.rawHeaders[i]}: ${kres.rawHeaders[i + 1]}`);
      client.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upHead.length) client.write(upHead);
      if (head.length) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
      const close = () => { upstream.destroy(); client.destroy(); };
      upstream.on('error', close).on('close', close);
      client.on('error', close).on('close', close);
      resolve();
    });
    up.on('response', (kres) => {
      // The kubelet refused the upgrade (pod gone, bad port, protocol): its Status goes back as is.
      collect(kres).then((body) => reject(upstreamError(kres.statusCode ?? 502, body)), reject);
    });
    up.on('error', (e) => reject(serviceUnavailable(`error dialing kubelet at ${host}:${port}: ${e.message}`)));
    client.on('close', () => up.destroy());
    up.end();
  });
}
