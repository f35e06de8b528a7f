// attach in the process runtime against real processes, with kctl (the built binary) and the
// real kubectl: a container started with `stdin: true` reads a FIFO its shim holds open, so
// separate attach sessions each reach the same running process; with stdinOnce the first
// session's EOF is the container's EOF (it ends: the session a success, as the Kubernetes
// kubelet reports an attach, and the exit code in the pod's status); attach
// shows output from now on. A `tty: true` container runs on a pseudo-terminal its shim holds:
// `attach -it` from a terminal (node-pty) gets the shell's prompt and echo, resizes reach it,
// leaving detaches (the container goes on), and its log records what the terminal showed.
// Bad input: a container that does not exist, -i on a container without stdin. A broken
// connection: the kubelet killed (-9) under live exec -it and attach -i sessions ends each of
// them with a message and a non-zero exit, never a hang (it runs last, then a new kubelet).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestClient } from '../../client/rest.js';
import { removeLeftovers } from '../support/leftovers.js';
import { testPki } from '../support/tls.js';
import { cliTerminal, client, hostResources, isRoot, podManifest, removeDir, ROOT, startApiServer, startKubelet, suffix, tempDir, waitFor, type KubeletProc, type Proc } from './harness.js';

const KCTL = join(ROOT, 'dist', 'cli', 'kctl.js');
const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const hasKubectl = fs.existsSync(KUBECTL);

const node = `attach-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: KubeletProc;
let rootDir: string;
let c: RestClient;
const children: ChildProcess[] = [];
const terminals: pty.IPty[] = [];

/** kctl or kubectl with a piped stdin; output accumulates. */
function start(tool: 'kctl' | 'kubectl', args: string[]) {
  const argv = tool === 'kctl'
    ? [KCTL, '--server', api.url, '--kubeconfig', testPki().kubeconfig, ...args]
    : ['--server', api.url, '--kubeconfig', testPki().kubeconfig, '--cache-dir', join(rootDir, 'kubectl-cache'), ...args];
  const child = spawn(tool === 'kctl' ? process.execPath : KUBECTL, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { child, exited, out: () => out, until: (re: RegExp) => waitFor(`output matching ${re} (so far ${JSON.stringify(out)})`, () => re.test(out), 60_000) };
}

const terminal = (tool: 'kctl' | 'kubectl', args: string[]) => cliTerminal(tool, api.url, join(rootDir, 'kubectl-cache'), args, terminals);

const READER = 'while read l; do echo "got:$l"; done; echo "stdin closed"; exit 7';

beforeAll(async () => {
  if (!isRoot) return;
  api = await startApiServer();
  rootDir = tempDir(node);
  c = client(api.url);
  kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
  const pod = (name: string, extra: object) => podManifest(name, node, {
    restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
    containers: [{ name: 'c', image: 'host', command: ['sh', '-c', READER], ...extra }],
  } as never);
  for (const tool of ['kctl', 'kubectl']) {
    await c.pods().create(pod(`keep-${tool}`, { stdin: true }));
    await c.pods().create(pod(`once-${tool}`, { stdin: true, stdinOnce: true }));
  }
  for (const tool of ['kctl', 'kubectl']) {
    await c.pods().create(podManifest(`term-${tool}`, node, {
      restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'host', command: ['sh'], stdin: true, tty: true }],
    } as never));
  }
  await c.pods().create(podManifest('plain', node, { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'host', command: ['sleep', '100000'] }] } as never));
  for (const name of ['keep-kctl', 'once-kctl', 'keep-kubectl', 'once-kubectl', 'term-kctl', 'term-kubectl', 'plain']) {
    await waitFor(`${name} running`, async () => (await c.pods().get(name, 'default')).status?.phase === 'Running', 60_000);
  }
}, 120_000);

afterAll(async () => {
  try {
    for (const ch of children) if (ch.exitCode === null) ch.kill('SIGKILL');
    for (const t of terminals) {
      try {
        t.kill('SIGKILL');
      } catch {
        /* exited */
      }
    }
    await kubelet?.stop('SIGTERM');
    // A kubelet that dies before it has stopped its pods leaves them running, and its pool of
    // network ends: nothing of this node may outlive the test.
    if (isRoot && rootDir) {
      const left = hostResources(rootDir, node);
      await removeLeftovers(rootDir, [node], [...left.sandboxes, ...left.poolIds]);
    }
  } finally {
    c?.close();
    await api?.proc.stop();
    removeDir(rootDir);
    removeDir(api?.dir);
  }
});

for (const tool of ['kctl', 'kubectl'] as const) {
  describe.skipIf(!isRoot || (tool === 'kubectl' && !hasKubectl))(`${tool} attach (process runtime)`, () => {
    it('reaches the same running process from one session to the next (stdin: true)', async () => {
      const first = start(tool, ['attach', '-i', `keep-${tool}`]);
      first.child.stdin!.write('one\n');
      await first.until(/got:one/);
      first.child.kill('SIGINT');
      await first.exited;
      const second = start(tool, ['attach', '-i', `keep-${tool}`]);
      second.child.stdin!.write('two\n');
      await second.until(/got:two/);
      // Output from now on: the first session's line is not replayed.
      expect(second.out()).not.toContain('got:one');
      second.child.kill('SIGINT');
      await second.exited;
      expect((await c.pods().get(`keep-${tool}`, 'default')).status?.phase).toBe('Running');
    });

    it('with stdinOnce the session\'s EOF ends the container; the session succeeds, its exit code is the pod\'s', async () => {
      const s = start(tool, ['attach', '-i', `once-${tool}`]);
      s.child.stdin!.end('last\n');
      expect(await s.exited).toBe(0);
      expect(s.out()).toContain('got:last');
      expect(s.out()).toContain('stdin closed');
      await waitFor('pod Failed', async () => (await c.pods().get(`once-${tool}`, 'default')).status?.phase === 'Failed', 60_000);
      expect((await c.pods().get(`once-${tool}`, 'default')).status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(7);
    });

    it('attach -it to a tty: true container: prompt, echo, resize; leaving detaches; the log keeps the session', async () => {
      const first = terminal(tool, ['attach', '-it', `term-${tool}`]);
      await first.until(/If you don't see a command prompt, try pressing enter/);
      first.term.write('\r');
      await first.until(/# $/m);
      first.term.write('tty; stty size; echo "sum=$((40 + 2))"\r');
      await first.until(/sum=42/);
      // The terminal echoed what was typed (nothing local does: kctl/kubectl are in raw mode).
      expect(first.out()).toContain('tty; stty size; echo "sum=$((40 + 2))"');
      expect(first.out()).toMatch(/\/dev\/pts\/\d+/);
      expect(first.out()).toMatch(/30 100/);
      first.term.resize(120, 40);
      // The resize travels on its own channel (as with kubectl against Kubernetes): a command
      // typed at the same moment may still see the old size, so ask again until the new one shows.
      await waitFor('the shell to see 40 rows, 120 columns', async () => {
        first.term.write('stty size\r');
        await new Promise((r) => setTimeout(r, 500));
        return /40 120/.test(first.out());
      }, 60_000);
      // Leaving (the terminal closes under the client) detaches: the shell goes on.
      first.term.kill('SIGTERM');
      await first.exited;
      const second = terminal(tool, ['attach', '-it', `term-${tool}`]);
      await second.until(/If you don't see a command prompt, try pressing enter/);
      second.term.write('echo "still $((6 * 7))"\r');
      await second.until(/still 42/);
      expect((await c.pods().get(`term-${tool}`, 'default')).status?.phase).toBe('Running');
      second.term.write('exit 5\r');
      expect(await second.exited).toBe(0);
      await waitFor('pod Failed', async () => (await c.pods().get(`term-${tool}`, 'default')).status?.phase === 'Failed', 60_000);
      expect((await c.pods().get(`term-${tool}`, 'default')).status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(5);
      // The container's log is what its terminal showed: prompts, echo and output of both sessions.
      const logs = start(tool, ['logs', `term-${tool}`]);
      await logs.exited;
      expect(logs.out()).toContain('sum=42');
      expect(logs.out()).toContain('echo "still $((6 * 7))"');
      expect(logs.out()).toContain('still 42');
      expect(logs.out()).toContain('\r\n'); // the terminal's line endings
    });

    it('refuses a container that does not exist, non-zero', async () => {
      const s = start(tool, ['attach', '-i', 'plain', '-c', 'nope']);
      s.child.stdin!.end();
      expect(await s.exited).not.toBe(0);
      // Both check the pod's spec first, in kubectl's words.
      expect(s.out()).toContain('cannot attach to the container: container nope not found in pod plain');
    });
  });
}

describe.skipIf(!isRoot)('kctl attach bad input', () => {
  it('-i on a container started without stdin says so and exits non-zero', async () => {
    const s = start('kctl', ['attach', '-i', 'plain']);
    s.child.stdin!.end();
    expect(await s.exited).not.toBe(0);
    expect(s.out()).toContain('container c of pod plain was not started with stdin: true');
  });
});

describe.skipIf(!isRoot)('a connection broken mid-session', () => {
  it('kctl and kubectl exec -it, and attach -i, end with a message and non-zero when the kubelet dies', async () => {
    const sessions = [terminal('kctl', ['exec', '-it', 'plain', '--', 'sh']), ...(hasKubectl ? [terminal('kubectl', ['exec', '-it', 'plain', '--', 'sh'])] : [])];
    for (const t of sessions) {
      await t.until(/# $/m);
      t.term.write('echo "alive $((1 + 1))"\r');
      await t.until(/alive 2/);
    }
    const attached = start('kctl', ['attach', '-i', 'keep-kctl']);
    attached.child.stdin!.write('before\n');
    await attached.until(/got:before/);
    await kubelet.stop('SIGKILL');
    try {
      const [kctlExec, kubectlExec] = sessions;
      expect(await kctlExec!.exited).not.toBe(0);
      expect(kctlExec!.out()).toMatch(/error: (connection to the server closed before the command ended|error on the connection to the server)/);
      if (kubectlExec) {
        expect(await kubectlExec.exited).not.toBe(0);
        expect(kubectlExec.out()).toMatch(/error|EOF|closed/i);
      }
      expect(await attached.exited).not.toBe(0);
      expect(attached.out()).toMatch(/error: (connection to the server closed before the command ended|error on the connection to the server)/);
    } finally {
      // The pods run on (a killed kubelet leaves them): a new kubelet adopts them, and stops them at the end.
      kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
    }
  });
});
