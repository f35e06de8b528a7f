// kctl start-up + one request, beside the real kubectl in the same run: `kctl get pods`
// vs `/usr/bin/kubectl get pods` against the same `skiff apiserver` process (50 pods in
// the namespace, server-side Table output for both), each run as a fresh process the way a
// user runs it. kubectl gets its own --cache-dir and kctl its ~/.kube/cache (both warmed
// once, so discovery is cached as on a user's machine) and both read the same kubeconfig.
// Twice: over plain HTTP (the CLIs' own work alone), then over HTTPS with a client
// certificate, as `skiff up` serves and writes the kubeconfig (credentials inline). Median and p90 of N runs each,
// interleaved so machine load hits both alike; plus `node -e ''` as the Node start floor, and
// the start of Node 20 from a user-land startup snapshot whose main does nothing (the floor a
// `--snapshot-blob` kctl could reach: above `node -e ''`, since such a blob replaces Node's
// own built-in snapshot, so it is not used for kctl).
//
// Every command runs without NODE_EXTRA_CA_CERTS, which this machine's environment sets (an
// extra CA bundle for its proxy): Node reads and parses that file while it starts, before any
// of kctl's code runs (≈ 45 ms here), and kubectl ignores it. A row shows `node -e ''` with it.
//
//   npx tsc -p tsconfig.json && npx vitest run --config vitest.bench.config.ts test/bench/kctl.bench.ts
//
// Prints figures only; never asserts on timing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { testPki } from '../support/tls.js';
import { fmt, percentile, report } from './report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNS = Number(process.env.SKIFF_BENCH_KCTL_RUNS ?? 21);
const PODS = 50;
const KUBECTL = '/usr/bin/kubectl';

/** The environment every timed command gets: this one, less NODE_EXTRA_CA_CERTS (see above). */
const { NODE_EXTRA_CA_CERTS: extraCaCerts, ...baseEnv } = process.env;

/** Wall milliseconds of `node -e ''`, in `env`. */
function nodeStart(env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', ''], { env });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const children: ChildProcess[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-kctl-'));

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function startApiserver(name: string, flags: string[]): Promise<string> {
  const proc = spawn(process.execPath, [path.join(root, 'dist/cli/skiff.js'), 'apiserver', '--port', '0', ...flags, '--data-dir', path.join(dir, name)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (https?:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.on('exit', (c) => reject(new Error(`apiserver exited ${c}: ${out}`)));
  });
}

async function post(url: string, body: unknown): Promise<number> {
  if (url.startsWith('https:')) return (await testPki().fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).status;
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(text);
  });
}

async function createPods(server: string): Promise<void> {
  for (let i = 0; i < PODS; i++) {
    const code = await post(`${server}/api/v1/namespaces/default/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `bench-pod-${i}`, labels: { app: 'bench' } },
      spec: { containers: [{ name: 'c', image: 'host', command: ['sleep', '1000'] }] },
    });
    if (code !== 201) throw new Error(`create pod ${i}: HTTP ${code}`);
  }
}

const med = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const p90 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 90);

/** Wall time of one command in ms; throws if it fails (a failed run would flatter it). */
function timeRun(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  if (!r.stdout.includes('bench-pod-0')) throw new Error(`${cmd} printed no pods: ${r.stdout.slice(0, 200)}`);
  return ms;
}

describe('kctl get pods vs kubectl get pods', () => {
  it(`median of ${RUNS} runs each, same server`, async () => {
    // Plain HTTP (the loopback development flag): the CLIs' start-up and requests alone.
    const server = await startApiserver('api', ['--insecure-http']);
    await createPods(server);
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster: {server: ${server}}\nusers:\n- name: bench\n  user: {}\ncontexts:\n- name: bench\n  context: {cluster: bench, user: bench}\ncurrent-context: bench\n`,
    );
    const env = { ...baseEnv, HOME: dir, KUBECONFIG: kubeconfig };
    const kctlArgs = [path.join(root, 'dist/cli/kctl.js'), 'get', 'pods'];
    // The `kctl` bin: get's own bundle run through its V8 code cache (scripts/build-kctl.mjs).
    const bundleArgs = [path.join(root, 'dist/kctl/kctl.cjs'), 'get', 'pods'];
    const haveBundle = fs.existsSync(bundleArgs[0]!);
    const kubectlArgs = ['get', 'pods', '--cache-dir', path.join(dir, 'kube-cache')];
    const haveKubectl = fs.existsSync(KUBECTL);

    // Warm-up: the page cache for both binaries, kubectl's discovery cache.
    timeRun(process.execPath, kctlArgs, env);
    if (haveBundle) timeRun(process.execPath, bundleArgs, env); // writes the code cache, as a user's first run does
    if (haveKubectl) timeRun(KUBECTL, kubectlArgs, env);

    // An empty user-land snapshot: what `node --snapshot-blob` costs before any kctl code runs.
    const snapEntry = path.join(dir, 'empty-snapshot.js');
    const blob = path.join(dir, 'empty.blob');
    fs.writeFileSync(snapEntry, "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {});\n");
    const built = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', snapEntry], { encoding: 'utf8' });
    const haveSnapshot = built.status === 0 && fs.existsSync(blob);

    const kctl: number[] = [];
    const snapshotFloor: number[] = [];
    const bundled: number[] = [];
    const kubectl: number[] = [];
    const nodeFloor: number[] = [];
    const nodeWithExtraCa: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      kctl.push(timeRun(process.execPath, kctlArgs, env));
      if (haveBundle) bundled.push(timeRun(process.execPath, bundleArgs, env));
      if (haveKubectl) kubectl.push(timeRun(KUBECTL, kubectlArgs, env));
      nodeFloor.push(nodeStart(baseEnv));
      if (extraCaCerts) nodeWithExtraCa.push(nodeStart(process.env));
      if (haveSnapshot) {
        const t1 = process.hrtime.bigint();
        spawnSync(process.execPath, ['--snapshot-blob', blob], { env: baseEnv });
        snapshotFloor.push(Number(process.hrtime.bigint() - t1) / 1e6);
      }
    }
    report(`kctl get pods vs kubectl get pods (${PODS} pods, NODE_EXTRA_CA_CERTS unset, ${RUNS} runs each, ${os.cpus().length} CPUs)`, [
      { measure: 'get pods wall time, median (ms)', value: fmt(med(kctl)), baseline: haveKubectl ? `kubectl ${fmt(med(kubectl))}` : 'kubectl not installed', goal: '≤ kubectl' },
      { measure: 'get pods wall time, p90 (ms)', value: fmt(p90(kctl)), baseline: haveKubectl ? `kubectl ${fmt(p90(kubectl))}` : '', goal: '≤ kubectl' },
      {
        measure: 'get pods, bundled kctl bin (code cache), median (ms)',
        value: haveBundle ? fmt(med(bundled)) : 'not built (node scripts/build-kctl.mjs)',
        baseline: haveKubectl && haveBundle ? `kubectl ${fmt(med(kubectl))}; ratio ${(med(bundled) / med(kubectl)).toFixed(2)}` : '',
        goal: '≤ kubectl',
      },
      { measure: 'node -e "" start, median (ms)', value: fmt(med(nodeFloor)), baseline: 'floor for any Node CLI' },
      ...(extraCaCerts ? [{ measure: 'node -e "" start with this machine\'s NODE_EXTRA_CA_CERTS, median (ms)', value: fmt(med(nodeWithExtraCa)), baseline: `without ${fmt(med(nodeFloor))}` }] : []),
      {
        measure: 'node --snapshot-blob (empty user-land snapshot) start, median (ms)',
        value: haveSnapshot ? fmt(med(snapshotFloor)) : `could not build: ${built.stderr.trim().split('\n').at(-1)}`,
        baseline: `node -e "" ${fmt(med(nodeFloor))}`,
      },
    ]);
  });

  it(`over HTTPS with a client certificate, median of ${RUNS} runs each, same server`, async () => {
    const pki = testPki();
    const server = await startApiserver('api-tls', pki.apiserverFlags);
    await createPods(server);
    // The kubeconfig as `skiff up` writes it: the CA and the client certificate inline.
    const kubeconfig = path.join(dir, 'kubeconfig-tls');
    fs.writeFileSync(kubeconfig, fs.readFileSync(pki.kubeconfig, 'utf8').replace('https://127.0.0.1:6443', server), { mode: 0o600 });
    const home = path.join(dir, 'home-tls');
    fs.mkdirSync(home);
    const env = { ...baseEnv, HOME: home, KUBECONFIG: kubeconfig };
    const bin = path.join(root, 'dist/kctl/kctl.cjs');
    if (!fs.existsSync(bin)) throw new Error('the kctl bin is not built: node scripts/build-kctl.mjs');
    const kctlArgs = [bin, 'get', 'pods'];
    const kubectlArgs = ['get', 'pods', '--cache-dir', path.join(home, 'kube-cache')];
    const haveKubectl = fs.existsSync(KUBECTL);
    // Warm-up: page cache, kctl's code cache and discovery cache, kubectl's discovery cache.
    timeRun(process.execPath, kctlArgs, env);
    if (haveKubectl) timeRun(KUBECTL, kubectlArgs, env);
    const kctl: number[] = [];
    const kubectl: number[] = [];
    const nodeFloor: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      kctl.push(timeRun(process.execPath, kctlArgs, env));
      if (haveKubectl) kubectl.push(timeRun(KUBECTL, kubectlArgs, env));
      nodeFloor.push(nodeStart(baseEnv));
    }
    report(`kctl get pods vs kubectl get pods over HTTPS (${PODS} pods, client certificate, NODE_EXTRA_CA_CERTS unset, ${RUNS} runs each, ${os.cpus().length} CPUs)`, [
      {
        measure: 'get pods, kctl bin, median (ms)',
        value: fmt(med(kctl)),
        baseline: haveKubectl ? `kubectl ${fmt(med(kubectl))}; ratio ${(med(kctl) / med(kubectl)).toFixed(2)}` : 'kubectl not installed',
        goal: '≤ kubectl',
      },
      { measure: 'get pods, kctl bin, p90 (ms)', value: fmt(p90(kctl)), baseline: haveKubectl ? `kubectl ${fmt(p90(kubectl))}` : '', goal: '≤ kubectl' },
      { measure: 'node -e "" start, median (ms)', value: fmt(med(nodeFloor)), baseline: 'floor for any Node CLI' },
    ]);
  });
});
