// `skiff proxy`: the node proxy, one per host (kube-proxy's place). Programs Services into the
// kernel with nftables; without root (or without nft) it falls back to relaying NodePorts in
// userspace and says so (an Event on each of its Nodes and their ServiceProxy condition).
//   skiff proxy --kubeconfig F [--hostname-override node-1,node-2] [--cluster-cidr 10.244.0.0/16]
//               [--nft-table skiff] [--masquerade-all] [--full-sync-period 0]
//   skiff proxy --cleanup [--nft-table skiff]     remove the proxy's table and exit
// SIGTERM stops it and leaves the rules serving (a restart replaces them in one step); the
// clean stop of `skiff up` runs --cleanup.
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Node } from '../api/core/index.js';
import { parseDuration } from '../api/duration.js';
import { buildConfigFromFlags, EventRecorder, RestClient } from '../client/index.js';
import { prepareHostNetwork } from './host-network.js';
import { Nft } from './nftables/nft.js';
import { NftablesDataPlane, Proxier, type DataPlane } from './proxier.js';
import { UserspaceRelay } from './userspace-relay.js';

const USAGE = `usage: skiff proxy --kubeconfig FILE [--server URL[,URL2]] [--hostname-override NODE[,NODE…]]
                   [--cluster-cidr 10.244.0.0/16] [--nft-table skiff] [--masquerade-all] [--full-sync-period 0]
                   [--mode nftables|userspace]
       skiff proxy --cleanup [--nft-table skiff]`;

/** nftables table names: what nft accepts as an identifier, kept short. */
const TABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,31}$/;

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      kubeconfig: { type: 'string' },
      'hostname-override': { type: 'string' },
      'cluster-cidr': { type: 'string', default: '10.244.0.0/16' },
      'nft-table': { type: 'string', default: 'skiff' },
      'masquerade-all': { type: 'boolean', default: false },
      // A full rewrite replaces the table, ClientIP affinity sets too: so by default only at
      // start and after a failed write (the table is the proxy's alone).
      'full-sync-period': { type: 'string', default: '0' },
      mode: { type: 'string' },
      cleanup: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  const fail = (msg: string) => {
    console.error(`skiff proxy: ${msg}\n${USAGE}`);
    process.exitCode = 2;
  };
  if (values.help) return void console.error(USAGE);
  const table = values['nft-table']!;
  if (!TABLE_NAME.test(table)) return fail(`--nft-table ${JSON.stringify(table)}: letters, digits, '-' and '_', at most 32, starting with a letter`);
  const nft = new Nft();
  if (values.cleanup) {
    await nft.deleteTable(table);
    console.error(`skiff proxy: removed nftables table ip ${table}`);
    return;
  }
  if (!values.server && !values.kubeconfig) return fail('--kubeconfig (or --server) is required');
  const cidr = values['cluster-cidr'] || undefined;
  if (cidr && !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr)) return fail(`--cluster-cidr ${JSON.stringify(cidr)} is not an IPv4 CIDR`);
  let fullSyncPeriodMs: number;
  try {
    fullSyncPeriodMs = parseDuration(values['full-sync-period']!);
  } catch (e) {
    return fail(`--full-sync-period: ${(e as Error).message}`);
  }
  if (values.mode && values.mode !== 'nftables' && values.mode !== 'userspace') return fail(`--mode must be nftables or userspace`);
  const nodeNames = (values['hostname-override'] ?? os.hostname()).split(',').map((s) => s.trim()).filter(Boolean);
  const local = new Set(nodeNames);

  const client = new RestClient({ ...buildConfigFromFlags({ kubeconfig: values.kubeconfig, server: values.server }), userAgent: 'skiff-proxy' });
  const recorder = new EventRecorder(client, { component: 'skiff-proxy', host: os.hostname() });

  // Kernel rules need root and nft; anything less is the userspace relay, said out loud.
  let degraded: string | undefined;
  if (values.mode === 'userspace') degraded = 'started with --mode userspace';
  else if (process.getuid?.() !== 0) degraded = 'not running as root, so it cannot program the kernel';
  else if (!(await nft.available())) degraded = 'nft (Debian package nftables) is not installed';
  let dataPlane: DataPlane;
  let relay: UserspaceRelay | undefined;
  if (degraded) {
    relay = new UserspaceRelay('0.0.0.0', (m) => console.error(`skiff proxy: ${m}`));
    dataPlane = relay;
    console.error(`skiff proxy: DEGRADED: ${degraded}; NodePorts are relayed in userspace, ClusterIPs do not route`);
  } else {
    const host = prepareHostNetwork();
    for (const w of host.warnings) console.error(`skiff proxy: warning: ${w}`);
    dataPlane = new NftablesDataPlane(nft, { table, clusterCIDR: cidr, masqueradeAll: values['masquerade-all']! || !host.bridgeNetfilter, isLocal: (n) => n !== undefined && local.has(n) });
    console.error(`skiff proxy: programming Services into nftables table ip ${table} for node(s) ${nodeNames.join(', ')}`);
  }

  const proxier = new Proxier({
    client,
    dataPlane,
    fullSyncPeriodMs,
    onSync: (r) => {
      if (r.error) console.error(`skiff proxy: sync failed (will retry): ${r.error}`);
      else if (r.full) console.error(`skiff proxy: full sync: ${r.servicePorts} service ports, ${r.lines} rule lines`);
    },
  });
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('SIGHUP', stop);
  void reportMode(client, recorder, nodeNames, degraded, table);
  await proxier.start(ac.signal).catch((e) => {
    if (!ac.signal.aborted) throw e;
  });
  if (!ac.signal.aborted) await new Promise((r) => ac.signal.addEventListener('abort', r, { once: true }));
  proxier.stop();
  relay?.close();
  await recorder.flush();
  client.close();
}

/** The ServiceProxy condition on each of this proxy's Nodes, and an Event when degraded. */
async function reportMode(client: RestClient, recorder: EventRecorder, nodeNames: string[], degraded: string | undefined, table: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const condition = degraded
    ? { type: 'ServiceProxy', status: 'False', reason: 'UserspaceRelay', message: `skiff proxy is degraded: ${degraded}; NodePorts are relayed in userspace and ClusterIPs do not route` }
    : { type: 'ServiceProxy', status: 'True', reason: 'KernelRules', message: `Services are programmed into nftables (table ip ${table})` };
  for (const name of nodeNames) {
    // The node may not have registered yet: try for a while, quietly.
    for (let attempt = 0; attempt < 30; attempt++) {
      try {
        const node = await client.nodes().get(name);
        const old = (node.status?.conditions ?? []).find((c) => c.type === 'ServiceProxy');
        const transition = old && old.status === condition.status ? old.lastTransitionTime : now;
        await client.nodes().patch(name, { status: { conditions: [{ ...condition, lastHeartbeatTime: now, lastTransitionTime: transition }] } }, 'strategic', { subresource: 'status' });
        if (degraded) recorder.event(node as Node, 'Warning', 'ServiceProxyDegraded', condition.message);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 2000).unref());
      }
    }
  }
}
