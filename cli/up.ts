// `skiff up [--nodes 2] [--runtime process|fake|docker] [--port 6443] [--data-dir ~/.skiff]`:
// a whole local cluster from one command. Starts the API server, controller-manager,
// scheduler and one kubelet per node as supervised child processes (`skiff <component>`),
// waits until the API answers and the nodes are Ready, writes kubeconfigs, then supervises:
// a crashed component is reported and restarted with backoff; Ctrl-C / SIGTERM stops the
// kubelets first (they stop their pods), then the controllers, then the API server.
// State lives in the data dir, so the next `skiff up` on it resumes the cluster.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { expandHome, freePort, layout, lockDataDir, portFree, prepare, reapLeftovers, recordComponents, unlockDataDir, type Layout } from './up/data-dir.js';
import { CONTEXT_NAME, writeKubeconfigs } from './up/kubeconfig.js';
import { Progress } from './up/progress.js';
import { Component, signalGroup, type SupervisorEvents } from './up/supervisor.js';

const USAGE = `Usage: skiff up [flags]

Start a local Skiff cluster: API server, controller-manager, scheduler and N kubelets.

Flags:
  --nodes N          number of nodes (kubelets) (default 2)
  --runtime R        container runtime for the nodes: process (default), fake or docker
  --port N           API server port on 127.0.0.1 (default 6443)
  --data-dir DIR     where the cluster keeps its state (default ~/.skiff); reused to resume
  --node-prefix P    node names are P1, P2, … (default node-); give two clusters on one
                     machine different prefixes (node names also name each node's pod bridge)
  -h, --help         this help`;

export const RUNTIMES = ['process', 'fake', 'docker'] as const;

export interface UpOptions {
  nodes: number;
  runtime: (typeof RUNTIMES)[number];
  port: number;
  dataDir: string;
  nodePrefix: string;
}

/** Flags → options, with a plain message for anything wrong. Pure (apart from HOME). */
export function parseUpFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): UpOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: 'string', default: '2' },
        runtime: { type: 'string', default: 'process' },
        port: { type: 'string', default: '6443' },
        'data-dir': { type: 'string', default: '~/.skiff' },
        'node-prefix': { type: 'string', default: 'node-' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return 'help';
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 500) throw new Error(`--nodes must be a whole number from 1 to 500, got "${values.nodes}"`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be a port number (1-65535), got "${values.port}"`);
  const runtime = String(values.runtime);
  if (!(RUNTIMES as readonly string[]).includes(runtime)) throw new Error(`--runtime must be one of ${RUNTIMES.join(', ')}, got "${runtime}"`);
  const nodePrefix = String(values['node-prefix']);
  if (!/^[a-z0-9]([a-z0-9-]{0,40})$/.test(nodePrefix)) throw new Error(`--node-prefix must be lowercase letters, digits and '-', got "${nodePrefix}"`);
  return { nodes, port, runtime: runtime as UpOptions['runtime'], dataDir: expandHome(String(values['data-dir']), env), nodePrefix };
}

export function nodeName(prefix: string, i: number): string {
  return `${prefix}${i}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `      ${l}`).join('\n');
  } catch {
    return '';
  }
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000, headers: { Accept: 'application/json', 'User-Agent': 'skiff-up' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Wait for `ready()` while `comp` stays up; false if the component died first or time ran out. */
async function waitFor(ready: () => Promise<boolean>, comps: Component[], timeoutMs: number): Promise<'ready' | 'died' | 'timeout'> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (comps.some((c) => !c.running)) return 'died';
    try {
      if (await ready()) return 'ready';
    } catch {
      // not yet
    }
    await sleep(150);
  }
  return 'timeout';
}

interface NodeList {
  items?: { metadata: { name?: string }; status?: { conditions?: { type: string; status: string; lastHeartbeatTime?: string | null }[] } }[];
}

/**
 * Nodes whose kubelet of THIS run reported Ready: on a resumed cluster the Node objects
 * still say Ready from the last run, so a heartbeat older than our start does not count. Pure.
 */
export function freshlyReadyNodes(list: NodeList, names: string[], sinceMs: number): string[] {
  return (list.items ?? [])
    .filter((n) => names.includes(n.metadata.name ?? ''))
    .filter((n) =>
      n.status?.conditions?.some(
        (c) => c.type === 'Ready' && c.status === 'True' && Date.parse(c.lastHeartbeatTime ?? '') >= Math.floor(sinceMs / 1000) * 1000,
      ),
    )
    .map((n) => n.metadata.name!);
}

export async function main(argv: string[]): Promise<void> {
  const parsed = parseUpFlags(argv);
  if (parsed === 'help') {
    console.log(USAGE);
    return;
  }
  const opts = parsed;
  const out = (s: string) => void process.stdout.write(s);
  const progress = new Progress(out, !!process.stdout.isTTY);
  const l: Layout = layout(opts.dataDir);
  const resuming = fs.existsSync(l.apiserver) && fs.readdirSync(l.apiserver).length > 0;
  prepare(l);
  lockDataDir(l);
  const reaped = reapLeftovers(l);
  if (!(await portFree(opts.port))) {
    unlockDataDir(l);
    throw new Error(
      `port ${opts.port} on 127.0.0.1 is already in use (another skiff up or Kubernetes API server?). Stop it, or choose another port: skiff up --port ${opts.port + 1}`,
    );
  }
  const server = `http://127.0.0.1:${opts.port}`;
  const skiffBin = fileURLToPath(new URL('./skiff.js', import.meta.url));
  const comps: Component[] = [];
  const record = () => recordComponents(l, comps.map((c) => ({ name: c.spec.name, pid: c.pid })));
  let up = false;
  const events: SupervisorEvents = {
    onCrash: (name, code, signal, delay) =>
      progress.note('!', `${name} exited (${signal ?? `code ${code}`}); restarting in ${Math.round(delay / 1000)}s — log: ${path.join(l.logs, `${name}.log`)}`),
    onRestart: (name, pid) => {
      if (up) progress.note('↻', `${name} restarted (pid ${pid})`);
    },
  };
  const component = (name: string, args: () => Promise<string[]>) => {
    const c = new Component({ name, args, logFile: path.join(l.logs, `${name}.log`) }, skiffBin, events, record);
    comps.push(c);
    return c;
  };

  // Shutdown: kubelets (and their pods) first, then controllers, then the API server.
  let stopping = false;
  const shutdown = async (why: string, code: number) => {
    if (stopping) {
      // A second Ctrl-C: stop waiting.
      for (const c of comps) if (c.pid) signalGroup(c.pid, 'SIGKILL');
      unlockDataDir(l);
      process.exit(130);
    }
    stopping = true;
    out(`\n${why}: stopping the cluster (Ctrl-C again to force)…\n`);
    const kubelets = comps.filter((c) => c.spec.name.startsWith('kubelet-'));
    const controllers = comps.filter((c) => c.spec.name === 'controller-manager' || c.spec.name === 'scheduler');
    const api = comps.filter((c) => c.spec.name === 'apiserver');
    await Promise.all(kubelets.map((c) => c.stop(45_000)));
    if (kubelets.length) progress.note('✓', `${kubelets.length} node(s) stopped (their pods too)`);
    await Promise.all(controllers.map((c) => c.stop(10_000)));
    await Promise.all(api.map((c) => c.stop(15_000)));
    progress.note('✓', 'control plane stopped');
    recordComponents(l, []);
    unlockDataDir(l);
    out(`State is kept in ${l.root}; run skiff up${opts.dataDir === expandHome('~/.skiff') ? '' : ` --data-dir ${l.root}`} to resume.\n`);
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => void shutdown(sig === 'SIGINT' ? 'Interrupted' : `Got ${sig}`, 0));
  }
  const fail = async (message: string) => {
    progress.note('✗', message);
    await shutdown('Start-up failed', 1);
  };

  out(
    `${resuming ? 'Resuming' : 'Starting'} a Skiff cluster: ${opts.nodes} node(s), ${opts.runtime} runtime, state in ${l.root}` +
      (reaped ? ` (stopped ${reaped} leftover process(es) of an earlier run)` : '') +
      '\n',
  );

  // 1. API server.
  const apiStep = progress.step('API server', 'starting');
  const api = component('apiserver', async () => ['apiserver', '--port', String(opts.port), '--data-dir', l.apiserver]);
  await api.start();
  const apiReady = await waitFor(async () => (await getJson(`${server}/version`)).status === 200, [api], 60_000);
  if (apiReady !== 'ready') {
    apiStep.fail(apiReady === 'died' ? 'exited while starting' : 'did not answer within 60s');
    const t = tail(api.spec.logFile);
    if (t) out(`${t}\n`);
    return fail(`the API server did not come up — log: ${api.spec.logFile}`);
  }
  apiStep.done(`${server}`);

  // 2. Kubeconfigs.
  const kcStep = progress.step('kubeconfig');
  let kubeconfigs: { own: string; user: string };
  try {
    kubeconfigs = writeKubeconfigs(l.kubeconfig, server);
    kcStep.done(`${l.kubeconfig}; context "${CONTEXT_NAME}" set in ${kubeconfigs.user}`);
  } catch (e) {
    kcStep.fail(`could not write a kubeconfig: ${(e as Error).message}`);
    return fail('kubeconfig');
  }

  // 3. Controllers and scheduler.
  for (const name of ['controller-manager', 'scheduler'] as const) {
    const step = progress.step(name, 'starting');
    const c = component(name, async () => [name, '--server', server]);
    const pid = await c.start();
    // Give it a moment to fail fast on bad flags; it is supervised from here on.
    const early = await waitFor(async () => false, [c], 500);
    if (early === 'died') {
      step.fail(`exited at start — log: ${c.spec.logFile}`);
      const t = tail(c.spec.logFile);
      if (t) out(`${t}\n`);
    } else {
      step.done(`running (pid ${pid})`);
    }
  }

  // 4. Kubelets, one per node; wait until the nodes are Ready.
  const names = Array.from({ length: opts.nodes }, (_, i) => nodeName(opts.nodePrefix, i + 1));
  const kubeletsStartedAt = Date.now();
  const nodeStep = progress.step(`${opts.nodes} node(s)`, 'starting kubelets');
  for (const n of names) {
    const root = path.join(l.nodes, n);
    fs.mkdirSync(root, { recursive: true });
    const c = component(`kubelet-${n}`, async () => [
      'kubelet', '--server', server, '--node-name', n, '--runtime', opts.runtime, '--port', String(await freePort()), '--root-dir', root, '--stop-pods-on-exit',
    ]);
    await c.start();
  }
  let readyNames: string[] = [];
  const kubelets = comps.filter((c) => c.spec.name.startsWith('kubelet-'));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      const res = await getJson(`${server}/api/v1/nodes`);
      const list = res.body as NodeList;
      readyNames = freshlyReadyNodes(list, names, kubeletsStartedAt);
    } catch {
      // the API server may be restarting; keep waiting
    }
    nodeStep.update(`${readyNames.length}/${opts.nodes} Ready`);
    if (readyNames.length === opts.nodes) break;
    if (kubelets.every((k) => !k.running)) break;
    await sleep(250);
  }
  if (readyNames.length === opts.nodes) nodeStep.done(`${names.join(', ')} Ready`);
  else {
    const missing = names.filter((n) => !readyNames.includes(n));
    nodeStep.fail(`${readyNames.length}/${opts.nodes} Ready; not Ready: ${missing.join(', ')} — logs: ${l.logs}/kubelet-<node>.log`);
  }
  up = true;
  record();

  out(
    [
      '',
      `Skiff is up. API server: ${server}`,
      `  kubeconfig   ${kubeconfigs.own}   (context "${CONTEXT_NAME}" is current in ${kubeconfigs.user})`,
      `  logs         ${l.logs}/`,
      '',
      'Talk to it (in another terminal):',
      '  npx kctl get nodes',
      '  kubectl get nodes',
      '  npx kctl apply -f manifests/web.yaml && npx kctl get pods -w',
      '',
      `Ctrl-C stops the cluster (pods too); skiff up again resumes it.`,
      '',
    ].join('\n'),
  );
  // From here on the supervisor's exit handlers and the signal handlers do the work.
  setInterval(() => undefined, 1 << 30);
  await new Promise<never>(() => undefined);
}
