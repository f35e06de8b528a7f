// `skiff scheduler --kubeconfig FILE [--server URL[,URL2]] [--leader-elect=true] [--identity X]`
// Informers start at once on every instance; only the holder of the Lease
// kube-system/skiff-scheduler runs the scheduling loop. Losing the lease ends the process
// (as kube-scheduler does) so a supervisor restarts it clean; SIGTERM/SIGINT (and SIGHUP: the
// supervisor is gone, cli/up/liveness-pipe.ts) shut down
// gracefully: stop popping, let in-flight bindings finish, release the lease.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { LeaderElector } from '../client/leader-election.js';
import { RestClient } from '../client/rest.js';
import { buildConfigFromFlags } from '../client/kubeconfig.js';
import { Scheduler } from './scheduler.js';

const USAGE = `usage: skiff scheduler --kubeconfig FILE [--server URL[,URL2]] [--leader-elect=true|false] [--identity NAME]
                       [--scheduler-name default-scheduler] [--percentage-of-nodes-to-score N]
                       [--max-in-flight-bindings 256]`;

function usageError(msg: string): void {
  console.error(`skiff scheduler: ${msg}\n${USAGE}`);
  process.exitCode = 2;
}

export async function main(argv: string[]): Promise<void> {
  // parseArgs has no "--flag=false" for booleans: take leader-elect as a string.
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      kubeconfig: { type: 'string' },
      'leader-elect': { type: 'string', default: 'true' },
      identity: { type: 'string' },
      'scheduler-name': { type: 'string', default: 'default-scheduler' },
      'percentage-of-nodes-to-score': { type: 'string' },
      'max-in-flight-bindings': { type: 'string', default: '256' },
      'lease-namespace': { type: 'string', default: 'kube-system' },
      'lease-name': { type: 'string', default: 'skiff-scheduler' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help || (!values.server && !values.kubeconfig)) {
    console.error(USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  if (!['true', 'false'].includes(values['leader-elect']!)) return usageError(`--leader-elect must be true or false`);
  const leaderElect = values['leader-elect'] === 'true';
  const identity = values.identity ?? `${os.hostname()}_${process.pid}`;
  const maxInFlight = Number(values['max-in-flight-bindings']);
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) return usageError('--max-in-flight-bindings must be a positive integer');
  const pct = values['percentage-of-nodes-to-score'];
  if (pct !== undefined && !(Number.isInteger(Number(pct)) && Number(pct) >= 0 && Number(pct) <= 100)) {
    return usageError('--percentage-of-nodes-to-score must be an integer from 0 (adaptive) to 100');
  }
  const client = new RestClient({
    ...buildConfigFromFlags({ kubeconfig: values.kubeconfig, server: values.server }),
    userAgent: 'skiff-scheduler',
    maxSockets: Math.max(16, maxInFlight + 16),
  });
  const scheduler = new Scheduler({
    client,
    schedulerName: values['scheduler-name'],
    percentageOfNodesToScore: pct !== undefined ? Number(pct) : undefined,
    maxInFlightBindings: maxInFlight,
  });
  scheduler.start();

  const shutdown = new AbortController();
  let elector: LeaderElector | undefined;
  let exitCode = 0;
  const onSignal = () => shutdown.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  process.once('SIGHUP', onSignal);

  const lead = async (signal: AbortSignal) => {
    console.error(`skiff scheduler ${identity}: leading, scheduling pods`);
    try {
      await scheduler.run(signal);
    } catch (e) {
      console.error('scheduler loop failed:', e);
      exitCode = 1;
      shutdown.abort();
    }
  };

  if (leaderElect) {
    elector = new LeaderElector({
      client,
      namespace: values['lease-namespace'],
      name: values['lease-name'],
      identity,
      onStartedLeading: (signal) => lead(AbortSignal.any([signal, shutdown.signal])),
      onStoppedLeading: () => {
        if (shutdown.signal.aborted) return;
        console.error(`skiff scheduler ${identity}: leader election lost`);
        exitCode = 1;
        shutdown.abort();
      },
      onNewLeader: (id) => {
        if (id !== identity) console.error(`skiff scheduler ${identity}: ${id} is the leader`);
      },
    });
    void elector.run();
  } else {
    void lead(shutdown.signal);
  }
  console.error(`skiff scheduler ${identity}: started against ${client.servers.join(',')} (leader-elect=${leaderElect})`);

  await new Promise<void>((resolve) => shutdown.signal.addEventListener('abort', () => resolve(), { once: true }));
  await scheduler.stop();
  await elector?.stop();
  client.close();
  console.error(
    `skiff scheduler ${identity}: stopped (scheduled ${scheduler.stats.scheduled}, unschedulable attempts ${scheduler.stats.unschedulable}, binding errors ${scheduler.stats.bindErrors})`,
  );
  process.exit(exitCode);
}
