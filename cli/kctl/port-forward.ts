// `kctl port-forward TYPE/NAME [LOCAL_PORT:]REMOTE_PORT… [--address 127.0.0.1]`: listen on
// local ports and carry each accepted connection to the pod over pods/NAME/portforward (a
// WebSocket per connection, since portforward.k8s.io over WebSocket carries one stream per
// port; api/core/port-forward.ts). `pod/NAME` or a bare name, `svc/NAME` (a running pod of
// the Service's selector; the service port mapped to its targetPort, by number or by
// container port name, as kubectl's translateServicePortToTargetPort), `deploy/NAME`,
// `rs/NAME`. Prints kubectl's lines and runs until Ctrl-C.
import net from 'node:net';
import type { Pod, Service } from '../../api/core/index.js';
import { dataChannel, encodeFrame, errorChannel, PortForwardDemuxer } from '../../api/core/port-forward.js';
import type { Command, Output } from './command.js';
import { connect, type Connection } from './connection.js';
import { isNotFound, UsageError } from './errors.js';
import type { OptionDefs } from './flags.js';
import { byLogging, podFor, selectorString } from './logs.js';
import { resolveKind } from './resource-args.js';

/** One `[LOCAL:]REMOTE` argument; local 0 = pick a free port; remote may be a port name until resolved. */
export interface PortSpec { local: number; remote: string }

/** Parse kubectl's port arguments. Pure. */
export function parsePortSpecs(args: readonly string[]): PortSpec[] {
  if (args.length === 0) throw new UsageError('at least 1 PORT is required for port-forward');
  const port = (s: string, what: string, allowZero: boolean): number => {
    const n = /^\d+$/.test(s) ? Number(s) : NaN;
    if (!Number.isInteger(n) || n > 65535 || n < (allowZero ? 0 : 1)) throw new UsageError(`${what} port ${JSON.stringify(s)} is not a valid port number (1-65535)`);
    return n;
  };
  return args.map((a) => {
    const parts = a.split(':');
    if (parts.length > 2) throw new UsageError(`invalid port format ${JSON.stringify(a)}: want [LOCAL_PORT:]REMOTE_PORT`);
    const [l, r] = parts.length === 2 ? [parts[0]!, parts[1]!] : [parts[0]!, parts[0]!];
    if (r === '') throw new UsageError(`invalid port format ${JSON.stringify(a)}: the remote port is empty`);
    // `:80` and `0:80` pick a random local port; a name (`http`) is resolved against the pod or Service.
    const remoteIsName = !/^\d+$/.test(r);
    if (remoteIsName && parts.length === 1) throw new UsageError(`invalid port ${JSON.stringify(a)}: a named remote port needs a local port (e.g. 8080:${r})`);
    if (!remoteIsName) port(r, 'remote', false);
    return { local: l === '' ? 0 : port(l, 'local', true), remote: r };
  });
}

/** A pod's container port named `name`, or undefined. Pure. */
function containerPortByName(pod: Pod, name: string): number | undefined {
  for (const c of pod.spec.containers) for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
  return undefined;
}

/** Pod ports: numbers as given, names looked up in the pod's containers (kubectl's convertPodNamedPortToNumber). Pure. */
export function podPortsToNumbers(specs: PortSpec[], pod: Pod): { local: number; remote: number }[] {
  return specs.map((s) => {
    if (/^\d+$/.test(s.remote)) return { local: s.local, remote: Number(s.remote) };
    const n = containerPortByName(pod, s.remote);
    if (n === undefined) throw new UsageError(`Pod '${pod.metadata.name}' does not have a named port '${s.remote}'`);
    return { local: s.local, remote: n };
  });
}

/**
 * Service ports → the pod's ports (kubectl's translateServicePortToTargetPort): the service
 * port by number or name; its targetPort as a number, or a name looked up in the pod's
 * container ports. A bare `80` keeps listening on 80 locally. Pure.
 */
export function servicePortsToTarget(specs: PortSpec[], svc: Service, pod: Pod): { local: number; remote: number }[] {
  const name = svc.metadata.name;
  return specs.map((s) => {
    const ports = svc.spec?.ports ?? [];
    const sp = /^\d+$/.test(s.remote) ? ports.find((p) => p.port === Number(s.remote)) : ports.find((p) => p.name === s.remote);
    if (!sp) throw new UsageError(/^\d+$/.test(s.remote) ? `Service ${name} does not have a service port ${s.remote}` : `Service '${name}' does not have a named port '${s.remote}'`);
    const tp = sp.targetPort;
    let remote: number;
    if (tp === undefined || tp === 0 || tp === '') remote = sp.port;
    else if (typeof tp === 'number' || /^\d+$/.test(tp)) remote = Number(tp);
    else {
      const n = containerPortByName(pod, tp);
      if (n === undefined) throw new UsageError(`Pod '${pod.metadata.name}' does not have a named port '${tp}' (the targetPort of service port ${sp.port})`);
      remote = n;
    }
    return { local: s.local, remote };
  });
}

const OPTIONS: OptionDefs = {
  address: { type: 'string', help: 'addresses to listen on, comma separated: localhost (127.0.0.1 and ::1), or IPs (default localhost)' },
};

/** The pod to forward to for TYPE/NAME, and the specs mapped to its port numbers. */
async function resolveTarget(conn: Connection, io: Output, ref: string, specs: PortSpec[]): Promise<{ pod: Pod; ports: { local: number; remote: number }[] }> {
  const slash = ref.indexOf('/');
  const info = slash < 0 ? undefined : resolveKind(ref.slice(0, slash));
  if (info?.kind === 'Service') {
    const name = ref.slice(slash + 1);
    const svc = await conn.client.resource<Service>('Service').get(name, conn.namespace);
    const selector = svc.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) throw new UsageError(`cannot port-forward to service/${name}: it has no selector, so no pods to pick`);
    const pods = (await conn.client.pods().list({ namespace: conn.namespace, labelSelector: selectorString({ matchLabels: selector }) })).items ?? [];
    const live = pods.filter((p) => !p.metadata.deletionTimestamp).sort(byLogging);
    if (live.length === 0) throw new UsageError(`no pods found for service/${name} (selector ${selectorString({ matchLabels: selector })})`);
    const pod = live[0]!;
    return { pod, ports: servicePortsToTarget(specs, svc, pod) };
  }
  const pod = await podFor(conn, io, ref, false);
  return { pod, ports: podPortsToNumbers(specs, pod) };
}

/** `localhost` → both loopbacks (kubectl tolerates ::1 failing); else the IPs given. */
function listenAddresses(flag: string | undefined): { host: string; required: boolean }[] {
  const list = (flag ?? 'localhost').split(',').map((a) => a.trim()).filter(Boolean);
  const out: { host: string; required: boolean }[] = [];
  for (const a of list) {
    if (a === 'localhost') out.push({ host: '127.0.0.1', required: false }, { host: '::1', required: false });
    else if (net.isIP(a)) out.push({ host: a, required: true });
    else throw new UsageError(`${a} is not a valid IP address for --address`);
  }
  return out;
}

function listen(host: string, port: number, onConn: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer(onConn);
    srv.once('error', reject);
    srv.listen(port, host, () => {
      srv.off('error', reject);
      resolve(srv);
    });
  });
}

/** Unsent bytes on the WebSocket past which reading the local connection pauses. */
const HIGH_WATER = 1 << 20;

/** Carry one local connection to the pod's port over its own WebSocket. */
function carry(conn: Connection, io: Output, pod: Pod, local: number, remote: number, sock: net.Socket): void {
  io.out(`Handling connection for ${local}\n`);
  sock.on('error', () => sock.destroy()); // a reset by the local client must not end kctl
  sock.pause();
  conn.client.podPortForward(pod.metadata.namespace ?? conn.namespace, pod.metadata.name!, [remote]).then((ws) => {
    const demux = new PortForwardDemuxer();
    ws.on('message', (msg: Buffer) => {
      const f = demux.push(msg);
      if (!f) return;
      // Backpressure both ways: a slow local reader pauses the WebSocket, a slow server the local socket.
      if (f.channel === dataChannel(0)) { if (!sock.write(f.data)) ws.pause(); }
      else if (f.channel === errorChannel(0)) io.err(`E port-forward: an error occurred forwarding ${local} -> ${remote}: ${f.data.toString('utf8')}\n`);
    });
    ws.on('close', () => sock.end());
    ws.on('error', () => sock.destroy());
    sock.on('drain', () => ws.resume());
    const resume = () => { if (sock.isPaused() && ws.bufferedAmount < HIGH_WATER / 2) sock.resume(); };
    sock.on('data', (d: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(encodeFrame(dataChannel(0), d), { binary: true }, resume);
      if (ws.bufferedAmount >= HIGH_WATER) sock.pause();
    });
    sock.on('close', () => ws.close(1000));
    if (sock.destroyed) ws.close(1000);
    else sock.resume();
  }, (e: Error) => {
    io.err(`E port-forward: error creating stream for ${local} -> ${remote}: ${e.message}\n`);
    sock.destroy();
  });
}

/** Resolves 'gone' once the pod is deleted or has finished (a watch on it, resumed when it ends). */
async function podGone(conn: Connection, pod: Pod, signal: AbortSignal): Promise<'gone'> {
  const namespace = pod.metadata.namespace ?? conn.namespace;
  let resourceVersion = pod.metadata.resourceVersion;
  while (!signal.aborted) {
    try {
      if (resourceVersion === undefined) {
        // After an expired watch: where the pod stands now (gone while we were not looking?).
        const now = await conn.client.pods().get(pod.metadata.name!, namespace).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
        if (!now || now.metadata.uid !== pod.metadata.uid) return 'gone';
        resourceVersion = now.metadata.resourceVersion;
      }
      for await (const ev of conn.client.pods().watch({ namespace, fieldSelector: `metadata.name=${pod.metadata.name}`, resourceVersion, signal })) {
        if (ev.type === 'ERROR') { resourceVersion = undefined; break; }
        const p = ev.object as Pod;
        if (p.metadata.uid !== pod.metadata.uid) continue;
        resourceVersion = p.metadata.resourceVersion;
        if (ev.type === 'DELETED' || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return 'gone';
      }
    } catch {
      /* the API server went away for a moment: watch again */
    }
    if (!signal.aborted) await new Promise((r) => setTimeout(r, 1000));
  }
  return new Promise<'gone'>(() => undefined);
}

export const portForward: Command = {
  usage: 'kctl port-forward (POD | TYPE/NAME) [LOCAL_PORT:]REMOTE_PORT [...] [--address ADDR]',
  summary: 'Forward local ports to a pod (pod/NAME, svc/NAME, deploy/NAME); runs until Ctrl-C.',
  options: OPTIONS,
  async run(flags, io) {
    const [ref, ...portArgs] = flags.positionals;
    if (!ref) throw new UsageError('TYPE/NAME and list of ports are required for port-forward, e.g. kctl port-forward pod/web 8080:80');
    const specs = parsePortSpecs(portArgs);
    const addresses = listenAddresses(flags.string('address'));
    const conn = await connect(flags);
    const { pod, ports } = await resolveTarget(conn, io, ref, specs);
    if (pod.status?.phase !== 'Running') throw new UsageError(`unable to forward port because pod is not running. Current status=${pod.status?.phase ?? 'Pending'}`);

    const servers: net.Server[] = [];
    const stop = () => { for (const s of servers) s.close(); };
    try {
      for (const p of ports) {
        let local = p.local;
        const failures: string[] = [];
        let bound = 0;
        for (const a of addresses) {
          try {
            const srv = await listen(a.host, local, (sock) => carry(conn, io, pod, local, p.remote, sock));
            local = (srv.address() as net.AddressInfo).port; // `:80` binds every address to the port the first one got
            servers.push(srv);
            bound++;
            io.out(`Forwarding from ${a.host.includes(':') ? `[${a.host}]` : a.host}:${local} -> ${p.remote}\n`);
          } catch (e) {
            const msg = `unable to create listener: Error listen tcp ${a.host}:${local}: ${(e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'bind: address already in use' : (e as Error).message}`;
            if (a.required) throw new UsageError(`Unable to listen on port ${local}: ${msg}`);
            failures.push(msg);
          }
        }
        if (bound === 0) throw new UsageError(`unable to listen on any of the requested ports: [${p.local}:${p.remote}] (${failures.join('; ')})`);
      }
    } catch (e) {
      stop();
      throw e;
    }
    const watching = new AbortController();
    try {
      const outcome = await Promise.race([
        new Promise<'stopped'>((resolve) => {
          process.once('SIGINT', () => resolve('stopped'));
          process.once('SIGTERM', () => resolve('stopped'));
        }),
        podGone(conn, pod, watching.signal),
      ]);
      // kubectl ends when its connection to the pod does: the pod is gone, so is every forward.
      if (outcome === 'gone') throw new UsageError('lost connection to pod');
    } finally {
      watching.abort();
      stop();
      conn.client.close();
    }
  },
};
