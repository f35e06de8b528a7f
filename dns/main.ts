// `skiff dns --kubeconfig FILE [--server URL] [--port 53] [--bind-address IP]
//   [--cluster-domain cluster.local] [--service-ip 10.96.0.10] [--advertise-address IP]
//   [--upstream IP[:PORT],...] [--identity NAME] [--register=true|false]`
// The cluster's DNS server (CoreDNS's role): waits for its Service and EndpointSlice caches,
// listens on UDP and TCP, registers itself as kube-system/kube-dns, and on SIGTERM/SIGINT
// (and SIGHUP: the supervisor is gone) removes its EndpointSlice and stops.
import net from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { RestClient } from '../client/rest.js';
import { buildConfigFromFlags } from '../client/kubeconfig.js';
import { isIPv4 } from '../api/core/service.js';
import { primaryIPv4 } from '../host/addresses.js';
import { Forwarder, chooseUpstreams } from './forwarder.js';
import { ClusterRecords } from './records.js';
import { deregister, ensureRegistered, type Registration } from './registration.js';
import { DnsServer, type Resolver } from './server.js';
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_TTL } from './zone.js';

const USAGE = `usage: skiff dns --kubeconfig FILE [--server URL[,URL2]] [--port 53] [--bind-address IP]
                 [--cluster-domain cluster.local] [--service-ip 10.96.0.10] [--advertise-address IP]
                 [--upstream IP[:PORT][,...]] [--identity NAME] [--register=true|false]`;

const SYNC_WAIT_MS = 5_000;
const DEREGISTER_WAIT_MS = 5_000;
/** How often the registration is checked again (someone may delete the slice or the Service). */
const REREGISTER_MS = 30_000;

function usageError(msg: string): void {
  console.error(`skiff dns: ${msg}\n${USAGE}`);
  process.exitCode = 2;
}

export async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        server: { type: 'string' },
        kubeconfig: { type: 'string' },
        port: { type: 'string', default: '53' },
        'bind-address': { type: 'string' },
        'cluster-domain': { type: 'string', default: DEFAULT_CLUSTER_DOMAIN },
        'service-ip': { type: 'string', default: '10.96.0.10' },
        'advertise-address': { type: 'string' },
        upstream: { type: 'string' },
        identity: { type: 'string' },
        register: { type: 'string', default: 'true' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }));
  } catch (e) {
    return usageError((e as Error).message);
  }
  if (values.help || (!values.server && !values.kubeconfig)) {
    console.error(USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return usageError(`--port must be a port number (0 = any free port), got ${JSON.stringify(values.port)}`);
  // Bind to the one address pods are sent to, not the wildcard: a UDP answer from a wildcard
  // socket leaves from whichever address routes to the pod (its bridge's gateway), which does
  // not match the node proxy's DNAT, so the pod's resolver (a connected socket) never sees it.
  const bindAddress = values['bind-address'] ?? values['advertise-address'] ?? primaryIPv4() ?? '127.0.0.1';
  if (!net.isIP(bindAddress)) return usageError(`--bind-address must be an IP address, got ${JSON.stringify(bindAddress)}`);
  const domain = values['cluster-domain']!.toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(domain)) return usageError(`--cluster-domain must be a DNS name, got ${JSON.stringify(values['cluster-domain'])}`);
  const serviceIP = values['service-ip']!;
  if (!isIPv4(serviceIP)) return usageError(`--service-ip must be an IPv4 address, got ${JSON.stringify(serviceIP)}`);
  const wildcard = bindAddress === '0.0.0.0' || bindAddress === '::';
  const advertise = values['advertise-address'] ?? (wildcard ? primaryIPv4() ?? '127.0.0.1' : bindAddress);
  if (!net.isIP(advertise)) return usageError(`--advertise-address must be an IP address, got ${JSON.stringify(advertise)}`);
  if (!['true', 'false'].includes(values.register!)) return usageError('--register must be true or false');

  const client = new RestClient({ ...buildConfigFromFlags({ kubeconfig: values.kubeconfig, server: values.server }), userAgent: 'skiff-dns' });
  const records = new ClusterRecords(client);
  records.start();
  const shutdown = new AbortController();
  const onSignal = () => shutdown.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  process.once('SIGHUP', onSignal);
  // Like CoreDNS: wait a few seconds for the first lists, then serve anyway (forwarding works,
  // cluster names get SERVFAIL until the caches fill) rather than not listen at all.
  const synced = await Promise.race([
    records.waitForSync(shutdown.signal).then(() => true, () => false),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), SYNC_WAIT_MS).unref()),
  ]);
  if (shutdown.signal.aborted) {
    records.stop();
    client.close();
    return;
  }
  if (!synced) console.error(`skiff dns: Services and EndpointSlices not listed after ${SYNC_WAIT_MS / 1000} s; serving, with SERVFAIL for cluster names until they are`);

  const resolver: Resolver = { zone: records, zoneConfig: () => ({ domain, ttl: DEFAULT_TTL, serial: records.serial() }), generation: () => records.generation(), synced: () => records.hasSynced() };
  const server = new DnsServer({ bindAddress, port, resolver });
  const listening = await server.listen();
  const upstreams = chooseUpstreams({ flag: values.upstream, self: { addresses: [bindAddress, advertise, serviceIP], port: listening.port } });
  // The forwarder needs to know our own port to skip ourselves, so it is made after listening.
  resolver.forwarder = new Forwarder({ upstreams });
  console.error(`skiff dns: serving ${domain} on ${bindAddress}:${listening.port} (udp+tcp); forwarding other names to ${upstreams.map((u) => `${u.host}:${u.port}`).join(',') || 'nobody (they get SERVFAIL)'}`);

  const reg: Registration = { serviceIP, advertiseAddress: advertise, port: listening.port, identity: values.identity ?? os.hostname() };
  let regTimer: NodeJS.Timeout | undefined;
  let warnedMismatch = false;
  const register = async (): Promise<boolean> => {
    try {
      const r = await ensureRegistered(client, reg);
      if (r.clusterIPMismatch !== undefined && !warnedMismatch) {
        warnedMismatch = true;
        console.error(`skiff dns: Service ${r.service.metadata.namespace}/${r.service.metadata.name} already has cluster IP ${r.clusterIPMismatch}, not ${serviceIP}; keeping it`);
      }
      return true;
    } catch (e) {
      console.error(`skiff dns: registering as kube-system/kube-dns: ${(e as Error).message} (retrying every ${REREGISTER_MS / 1000} s)`);
      return false;
    }
  };
  if (values.register === 'true') {
    if (await register()) console.error(`skiff dns: registered in kube-system/kube-dns as ${advertise}:${listening.port}`);
    regTimer = setInterval(() => void register(), REREGISTER_MS);
  }

  await new Promise<void>((resolve) => shutdown.signal.addEventListener('abort', () => resolve(), { once: true }));
  if (regTimer) clearInterval(regTimer);
  if (values.register === 'true') {
    // Bounded: with the API server gone the client would retry for a long time; a stale slice
    // is corrected by the next start's registration anyway.
    await Promise.race([
      deregister(client, reg).catch((e) => console.error(`skiff dns: removing its EndpointSlice: ${(e as Error).message}`)),
      new Promise((resolve) => setTimeout(resolve, DEREGISTER_WAIT_MS).unref()),
    ]);
  }
  await server.close();
  records.stop();
  client.close();
  console.error(`skiff dns: stopped (${server.stats.queries} queries, ${server.stats.malformed} malformed)`);
  process.exit(0);
}
