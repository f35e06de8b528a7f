#!/usr/bin/env node
// kctl: Skiff's kubectl. This file only lists the commands: each command family lives in its
// own module under cli/kctl/ and is imported only when used, so `kctl describe pod x` loads
// describe and nothing else; cli/kctl/main.ts dispatches. get and events come from
// get-commands.ts, which cli/kctl-get.ts also bundles on its own for a faster start
// (startup time is measured against kubectl in the benchmark).
import { GET_COMMANDS } from './kctl/get-commands.js';
import { main, type Loader } from './kctl/main.js';

const LOADERS: Record<string, Loader> = {
  describe: async () => (await import('./kctl/describe.js')).describe,
  apply: async () => (await import('./kctl/apply.js')).apply,
  create: async () => (await import('./kctl/create.js')).create,
  replace: async () => (await import('./kctl/create.js')).replace,
  delete: async () => (await import('./kctl/delete.js')).del,
  logs: async () => (await import('./kctl/logs.js')).logs,
  exec: async () => (await import('./kctl/exec.js')).exec,
  'port-forward': async () => (await import('./kctl/port-forward.js')).portForward,
  cp: async () => (await import('./kctl/cp.js')).cp,
  attach: async () => (await import('./kctl/attach.js')).attach,
  scale: async () => (await import('./kctl/scale.js')).scale,
  autoscale: async () => (await import('./kctl/autoscale.js')).autoscale,
  expose: async () => (await import('./kctl/expose.js')).expose,
  rollout: async () => (await import('./kctl/rollout.js')).rollout,
  set: async () => (await import('./kctl/set-image.js')).set,
  'rolling-update': async () => (await import('./kctl/set-image.js')).rollingUpdate,
  cordon: async () => (await import('./kctl/drain.js')).cordon,
  uncordon: async () => (await import('./kctl/drain.js')).uncordon,
  drain: async () => (await import('./kctl/drain.js')).drain,
  'cluster-info': async () => (await import('./kctl/cluster-info.js')).clusterInfo,
  version: async () => (await import('./kctl/cluster-info.js')).version,
  'api-resources': async () => (await import('./kctl/cluster-info.js')).apiResources,
  auth: async () => (await import('./kctl/auth.js')).auth,
  top: async () => (await import('./kctl/top.js')).top,
  compose: async () => (await import('./kctl/compose/command.js')).compose,
  run: async () => (await import('./kctl/run.js')).run,
  label: async () => (await import('./kctl/label.js')).label,
  annotate: async () => (await import('./kctl/label.js')).annotate,
  patch: async () => (await import('./kctl/patch.js')).patch,
  wait: async () => (await import('./kctl/wait.js')).wait,
  config: async () => (await import('./kctl/config.js')).config,
  edit: async () => (await import('./kctl/edit.js')).edit,
  diff: async () => (await import('./kctl/diff.js')).diff,
  explain: async () => (await import('./kctl/explain.js')).explain,
  completion: async () => (await import('./kctl/completion.js')).completion,
  __complete: async () => (await import('./kctl/completion.js')).completeCommand(COMMANDS),
};

// get/events resolve kinds through the server's discovery (and start faster for it);
// version/cluster-info/config name no kinds; every other command uses the built-in resource table.
const NO_BUILTIN_CATALOG = new Set(['version', 'cluster-info', 'config']);

const withBuiltInCatalog = (load: Loader): Loader => async () => {
  const [command, catalog] = await Promise.all([load(), import('./kctl/built-in-catalog.js')]);
  await catalog.useBuiltInCatalog();
  return command;
};

const COMMANDS: Record<string, Loader> = {
  ...GET_COMMANDS,
  ...Object.fromEntries(Object.entries(LOADERS).map(([name, load]) => [name, NO_BUILTIN_CATALOG.has(name) ? load : withBuiltInCatalog(load)])),
};

main(COMMANDS);
