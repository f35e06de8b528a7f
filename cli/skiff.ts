#!/usr/bin/env node
// `skiff <component>`: one binary, one subcommand per component. Each component owns its
// own `main.ts` (flags and process wiring); this file only dispatches, loading the chosen
// component alone so a process starts with nothing it does not run. A component started by
// a supervisor watches the supervisor's liveness from here (up/liveness-pipe.ts), before it loads.
import { watchSupervisor } from './up/liveness-pipe.js';

const COMPONENTS: Record<string, () => Promise<{ main(argv: string[]): Promise<void> }>> = {
  apiserver: () => import('../apiserver/main.js'),
  'controller-manager': () => import('../controllers/main.js'),
  scheduler: () => import('../scheduler/main.js'),
  dns: () => import('../dns/main.js'),
  kubelet: () => import('../kubelet/main.js'),
  proxy: () => import('../proxy/main.js'),
  up: () => import('./up.js'),
  kubeconfig: () => import('./kubeconfig/create.js'),
  token: () => import('./token/token.js'),
};

const USAGE = `Usage: skiff <command> [flags]

Commands:
  up                   start a local cluster (API server, controller-manager, scheduler, kubelets)
  apiserver            run the API server
  controller-manager   run the controllers
  scheduler            run the scheduler
  kubelet              run a node agent
  proxy                run the node proxy (Services in the kernel, with nftables)
  dns                  run the cluster DNS server (registers as kube-system/kube-dns)
  join                 join this machine to a cluster as a node (skiff up prints the command)
  kubeconfig create    issue a user a client certificate (through a CSR) and print their kubeconfig
  token create|list|delete   join tokens (bootstrap tokens) and the skiff join command that uses them

Run 'skiff <command> --help' for a command's flags.`;

async function run(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return;
  }
  if (command === 'join') return join(rest);
  const load = COMPONENTS[command];
  if (!load) {
    console.error(`skiff: unknown command "${command}"\n\n${USAGE}`);
    process.exit(1);
  }
  watchSupervisor(command);
  const component = await load();
  await component.main(rest);
}

/**
 * `skiff join`: bootstrap this node's credentials, then be its kubelet (loaded here, as every
 * component is), with the node proxy as a child process (cli/join-proxy.ts).
 */
async function join(argv: string[]): Promise<void> {
  const plan = await (await import('./join.js')).bootstrap(argv);
  const proxy = plan.proxy ? (await import('./join-proxy.js')).superviseProxy(plan.proxy, plan.rootDir) : undefined;
  try {
    await (await COMPONENTS.kubelet!()).main(plan.kubelet);
  } finally {
    await proxy?.stop();
  }
}

run().catch((err: unknown) => {
  console.error(`skiff: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
