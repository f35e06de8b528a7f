// `skiff apiserver --port N --data-dir DIR [--bind-address 127.0.0.1]`: the API server
// process. Prints the URL once it listens (tests and `skiff up` read that line); on SIGTERM,
// SIGINT or SIGHUP (its supervisor is gone: cli/up/liveness-pipe.ts) it stops accepting, ends
// watches and closes the store (the log is flushed).
import { parseArgs } from 'node:util';
import { openEmbeddedStorage } from './storage/embedded.js';
import { openEtcdStorage } from './storage/etcd.js';
import { createApiServer } from './server.js';
import { defaultTolerationSeconds } from './registry/pods.js';

const USAGE = `Usage: skiff apiserver [flags]

Flags:
  --port N                 port to listen on (default 6443; 0 picks a free one)
  --bind-address ADDR      address to listen on (default 127.0.0.1)
  --storage embedded|etcd  the store behind the API (default embedded)
  --etcd-servers URL[,URL] etcd client URLs for --storage etcd, e.g. http://127.0.0.1:2379
  --data-dir DIR           where the embedded store keeps its log and snapshots (default: in memory only)
  --compaction-interval S  seconds between compactions (default 300; 0 disables)
  --max-requests-inflight N            read-only requests in flight before 429 (default 800)
  --max-mutating-requests-inflight N   mutating requests in flight before 429 (default 400)
  --default-not-ready-toleration-seconds N    tolerationSeconds of the not-ready:NoExecute toleration
                                              added to every pod on create (default 300)
  --default-unreachable-toleration-seconds N  likewise for unreachable:NoExecute (default 300): how
                                              long pods stay on a lost node before eviction
  --service-cluster-ip-range CIDR  IPv4 range Service cluster IPs come from (default 10.96.0.0/12)
  --service-node-port-range A-B    ports NodePort Services get (default 30000-32767)`;

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '6443' },
      'bind-address': { type: 'string', default: '127.0.0.1' },
      storage: { type: 'string', default: 'embedded' },
      'etcd-servers': { type: 'string' },
      'data-dir': { type: 'string' },
      'compaction-interval': { type: 'string', default: '300' },
      'max-requests-inflight': { type: 'string', default: '800' },
      'max-mutating-requests-inflight': { type: 'string', default: '400' },
      'default-not-ready-toleration-seconds': { type: 'string', default: '300' },
      'default-unreachable-toleration-seconds': { type: 'string', default: '300' },
      'service-cluster-ip-range': { type: 'string', default: '10.96.0.0/12' },
      'service-node-port-range': { type: 'string', default: '30000-32767' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  for (const [flag, field] of [['default-not-ready-toleration-seconds', 'notReady'], ['default-unreachable-toleration-seconds', 'unreachable']] as const) {
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`invalid --${flag} ${values[flag]}`);
    defaultTolerationSeconds[field] = n;
  }
  let storage;
  if (values.storage === 'etcd') {
    const endpoints = (values['etcd-servers'] ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    if (endpoints.length === 0) throw new Error('--storage etcd needs --etcd-servers URL[,URL]');
    if (values['data-dir']) throw new Error('--data-dir is for --storage embedded (etcd keeps the data)');
    storage = await openEtcdStorage({ endpoints });
  } else if (values.storage === 'embedded') {
    if (!values['data-dir']) console.error('skiff apiserver: no --data-dir given: objects live in memory only and are lost when the process ends');
    storage = await openEmbeddedStorage({ dataDir: values['data-dir'] });
  } else {
    throw new Error(`invalid --storage ${values.storage} (embedded or etcd)`);
  }
  const server = createApiServer({
    storage,
    compactionIntervalMs: Number(values['compaction-interval']) * 1000,
    maxReadonlyInFlight: Number(values['max-requests-inflight']),
    maxMutatingInFlight: Number(values['max-mutating-requests-inflight']),
    serviceClusterIPRange: values['service-cluster-ip-range'],
    serviceNodePortRange: values['service-node-port-range'],
  });
  const { url } = await server.listen(port, values['bind-address']);
  console.log(`skiff apiserver listening on ${url}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`skiff apiserver: ${signal}, shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await server.close();
      await storage.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
}
