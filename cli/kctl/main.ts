// kctl's dispatcher: finds the command word, loads that command's module, parses its flags,
// runs it and turns what it throws into kubectl's messages and exit codes. Both kctl entries
// use it: cli/kctl.ts (every command) and cli/kctl-get.ts (get and events alone, bundled apart
// so the commands people run most start with a tenth of the code).
import type { Command } from './command.js';
import { commandIndex } from './command-word.js';

export type Loader = () => Promise<Command>;

const USAGE = `kctl controls a Skiff (or any Kubernetes-API) cluster, like kubectl.

Basic commands:
  get            Display one or many resources (-o wide|yaml|json|name|jsonpath=…, -w, -l, -A)
  describe       Show details of a resource, with its events
  apply          Apply a configuration from files or stdin (-f FILE|DIR|-, -R)
  create         Create resources from files (-f), or a namespace, deployment, job, configmap, secret generic or service
  replace        Replace resources from files (-f)
  delete         Delete resources by file or by kind and name
  events         List events
  run            Run a pod (NAME --image=I [--port] [--env] [--labels] [--restart]; --replicas N makes a deployment)
  label          Update the labels of resources (KEY=VALUE, KEY-, --overwrite, -l, --all)
  patch          Update fields of a resource (-p PATCH, --type strategic|merge|json)
  annotate       Update the annotations of resources (KEY=VALUE, KEY-, --overwrite, -l, --all)
  edit           Edit a resource in $KUBE_EDITOR or $EDITOR (re-opened with the errors on an invalid edit)
  diff           Diff the live objects against what apply -f would make (exit 0 same, 1 different, >1 error)

Deploy commands:
  rollout        Manage a rollout: status, history, undo, pause, resume, restart
  scale          Set a new size for a deployment or replica set
  autoscale      Make a HorizontalPodAutoscaler for a deployment (--min, --max, --cpu-percent)
  expose         Make a Service for a deployment (--port, --target-port, --type NodePort)
  set image      Update the image of containers (set env|resources|selector too)
  rolling-update Set a deployment's image and wait for the rollout (or --rollback)
  compose        Run a Compose file as Kubernetes objects: up, down, convert (-f docker-compose.yml, -p PROJECT)

Troubleshooting:
  wait           Wait for a condition (--for=condition=Ready|delete|jsonpath='{…}'=V, --timeout)
  logs           Print the logs of a container (-f, --tail, --previous, deploy/NAME)
  exec           Run a command in a container (kctl exec POD -- CMD …)
  port-forward   Forward local ports to a pod (pod/NAME, svc/NAME, deploy/NAME  [LOCAL:]REMOTE)
  attach         Attach to a running container's output (-i its stdin)
  cp             Copy files and directories to and from containers ([NS/]POD:PATH, through tar)

Cluster management:
  cluster-info   Display the API server address
  version        Print the client and server versions
  api-resources  Print the supported resource types
  explain        Documentation of a kind or field, from the server's OpenAPI (explain deployment.spec.replicas)
  cordon         Mark a node unschedulable
  uncordon       Mark a node schedulable
  drain          Cordon a node and evict its pods
  top            CPU and memory usage of pods or nodes (top pods [-A] [-l] [--containers], top nodes)
  config         The kubeconfig: view, current-context, get-contexts, use-context, set-context --current --namespace=NS
  auth           can-i VERB RESOURCE (--list, --as USER) and whoami
  completion     Print a shell completion script (source <(kctl completion bash), or zsh)

Global flags: --kubeconfig FILE, --context NAME, --server URL (-s), --namespace NS (-n),
              --request-timeout DURATION, --token T, --certificate-authority FILE,
              --client-certificate FILE, --client-key FILE, --insecure-skip-tls-verify,
              --as USER, --as-group GROUP, --as-uid UID (impersonation)
Use "kctl <command> --help" for more information about a command.
`;

async function finish(code: number): Promise<never> {
  // Let buffered output reach a pipe before exiting (process.exit does not wait for it).
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  process.exit(code);
}

async function run(commands: Record<string, Loader>): Promise<number> {
  const argv = process.argv.slice(2);
  // Global flags may come before the command (`kctl -n x get pods`): find the command word.
  const i = commandIndex(argv);
  const name = argv[i];
  if (!name || name === 'help' || (name === undefined && argv.includes('--help'))) {
    process.stdout.write(USAGE);
    return 0;
  }
  const rest = [...argv.slice(0, i), ...argv.slice(i + 1)];
  const load = commands[name];
  if (!load) {
    process.stderr.write(`error: unknown command "${name}" for "kctl"\nRun 'kctl --help' for usage.\n`);
    return 1;
  }
  const [command, { parseFlags, flagsHelp }, { processOutput }, errors] = await Promise.all([
    load(),
    import('./flags.js'),
    import('./command.js'),
    import('./errors.js'),
  ]);
  let server: string | undefined;
  try {
    const flags = parseFlags(rest, command.options);
    server = flags.string('server');
    if (flags.bool('help')) {
      process.stdout.write(`${command.summary}\n\nUsage:\n  ${command.usage}\n\nFlags:\n${flagsHelp(command.options)}\n`);
      return 0;
    }
    await command.run(flags, processOutput);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof errors.ReportedFailure) return e.exitCode;
    const s = errors.connectionState.server ?? server ?? serverFromError(e);
    process.stderr.write(errors.formatError(e, s) + '\n');
    if (e instanceof errors.UsageError && /^unknown (shorthand )?flag/.test(e.message)) {
      process.stderr.write(`See 'kctl ${name} --help' for usage.\n`);
    }
    return 1;
  }
}

/** Connection errors carry the URL in their message; pull the server out for kubectl's wording. */
function serverFromError(e: unknown): string | undefined {
  const msg = e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` : String(e);
  const m = /(https?:\/\/[^\s/"']+)/.exec(msg) ?? /(\d+\.\d+\.\d+\.\d+:\d+)/.exec(msg);
  return m?.[1];
}

/** Run the command the line names, from `commands`, and exit with its status. */
export function main(commands: Record<string, Loader>): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0); // `kctl get pods | head`
  });
  run(commands).then(finish, async (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    await finish(1);
  });
}
