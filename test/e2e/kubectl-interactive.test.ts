// The real kubectl's interactive streams against `skiff up` with the process runtime:
// `exec -i` with piped stdin (v5's close signal ends the command's input), and `exec -it sh`
// driven through a pseudo-terminal (node-pty) as a person at a terminal would: type commands,
// read their output, `exit 3` becomes kubectl's exit status; `run --rm -it … -- sh` (a pod on
// a terminal, attached once it runs, its exit status kubectl's, deleted afterwards). Image
// "host" runs on the node's own filesystem inside the container's namespaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pty from 'node-pty';
import { Cluster, KCTL, ROOT, until } from './cluster.js';
import { hasKubectl, Kubectl, KUBECTL } from './kubectl.js';

const cluster = hasKubectl ? new Cluster({ nodes: 1, runtime: 'process' }) : (undefined as unknown as Cluster);
let k: Kubectl;

const POD = [
  'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: shell', 'spec:', '  terminationGracePeriodSeconds: 1', '  containers:',
  '  - name: c', '    image: host', '    command: ["sleep", "100000"]', '',
].join('\n');

/** kubectl under a pseudo-terminal: its output so far, typing, and its exit code. */
function terminal(args: string[], kctl = false) {
  const term = kctl
    ? pty.spawn(process.execPath, [KCTL, ...args], { cols: 100, rows: 30, cwd: ROOT, env: cluster.env() as Record<string, string> })
    : pty.spawn(KUBECTL, k.args(args, false), { cols: 100, rows: 30, env: k.env() as Record<string, string> });
  let output = '';
  term.onData((d) => (output += d));
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  return {
    term,
    exited,
    output: () => output,
    waitFor: (re: RegExp) => until(() => `terminal output matching ${re} (so far ${JSON.stringify(output.slice(-500))})`, async () => re.test(output), 60_000, 100),
    /** Resize the terminal and ask `stty size` until the shell reports it. kubectl sends the
     *  new size on its resize stream and what is typed on stdin: two streams, so a command
     *  typed at once may run before the resize lands, as it may at a person's terminal. */
    resizeAndSee: async (cols: number, rows: number) => {
      term.resize(cols, rows);
      const seen = new RegExp(`${rows} ${cols}`);
      await until(() => `stty size saying ${rows} ${cols} (so far ${JSON.stringify(output.slice(-500))})`, async () => {
        if (seen.test(output)) return true;
        term.write('stty size\r');
        return false;
      }, 60_000, 1000);
    },
  };
}

describe.skipIf(!hasKubectl)('the real kubectl: exec -i and exec -it (process runtime)', () => {
  beforeAll(async () => {
    await cluster.up();
    k = new Kubectl(cluster);
    await k.ok(['apply', '-f', k.file('shell.yaml', POD)]);
    await until('pod shell Running', async () => (await k.json(['get', 'pod', 'shell'])).status?.containerStatuses?.[0]?.state?.running, 120_000);
  }, 240_000);

  afterAll(async () => {
    await k?.stopAll();
    await cluster.destroy();
  }, 180_000);

  it('exec -i passes piped stdin to the command and ends it at EOF', async () => {
    const r = await k.run(['exec', '-i', 'shell', '--', 'sh', '-c', 'cat; echo "[done $(wc -c </dev/null)]"'], { input: 'hi\nthrough stdin\n' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hi\nthrough stdin\n[done 0]\n');
    expect(r.code).toBe(0);
    const counted = await k.run(['exec', '-i', 'shell', '--', 'wc', '-l'], { input: 'a\nb\nc\n' });
    expect(counted.stdout.trim()).toBe('3');
  });

  it('exec -it sh: a terminal session (tty, size, typed commands) whose `exit 3` is kubectl\'s exit status', async () => {
    const t = terminal(['exec', '-it', 'shell', '--', 'sh']);
    await t.waitFor(/[#$] $/m);
    t.term.write('tty; stty size; echo "sum=$((40 + 2))"\r');
    await t.waitFor(/sum=42/);
    expect(t.output()).toMatch(/\/dev\/pts\/\d+/); // a real terminal in the container
    expect(t.output()).toMatch(/30 100/); // kubectl's resize reached it
    await t.resizeAndSee(120, 40);
    t.term.write('exit 3\r');
    const code = await t.exited;
    expect(t.output()).toContain('command terminated with exit code 3');
    expect(code).toBe(3);
    expect(t.output()).toContain('command terminated with exit code 3');
  });

  it('kctl exec -i and exec -it sh behave the same (stdin, terminal, resize, exit 3)', async () => {
    const piped = await cluster.kctl(['exec', '-i', 'shell', '--', 'sh', '-c', 'cat; echo end'], { input: 'from kctl\n' });
    expect(piped.stdout).toBe('from kctl\nend\n');
    expect(piped.code).toBe(0);
    const t = terminal(['exec', '-it', 'shell', '--', 'sh'], true);
    await t.waitFor(/[#$] $/m);
    t.term.write('tty; stty size; echo "sum=$((40 + 2))"\r');
    await t.waitFor(/sum=42/);
    expect(t.output()).toMatch(/\/dev\/pts\/\d+/);
    expect(t.output()).toMatch(/30 100/);
    await t.resizeAndSee(120, 40);
    t.term.write('exit 3\r');
    const code = await t.exited;
    expect(t.output()).toContain('command terminated with exit code 3');
    expect(code).toBe(3);
    const noTerminal = await cluster.kctl(['exec', '-it', 'shell', '--', 'echo', 'plain'], { input: '' });
    expect(noTerminal.stderr).toContain('Unable to use a TTY - input is not a terminal or the right kind of file');
    expect(noTerminal.stdout).toBe('plain\n');
  });

  for (const tool of ['kubectl', 'kctl'] as const) {
    it(`${tool} run --rm -it --restart=Never -- sh: a shell on the pod's terminal, its exit status, the pod deleted`, async () => {
      const name = `rm-${tool}`;
      const t = terminal(['run', name, '--rm', '-it', '--image=host', '--restart=Never', '--', 'sh'], tool === 'kctl');
      await t.waitFor(/If you don't see a command prompt, try pressing enter/);
      t.term.write('\r');
      await t.waitFor(/# $/m);
      t.term.write('tty; echo "in $(hostname) $((6 * 7))"\r');
      await t.waitFor(/in rm-\w+ 42/);
      expect(t.output()).toMatch(/\/dev\/pts\/\d+/);
      t.term.write('exit 3\r');
      const code = await t.exited;
      expect(t.output()).toContain(`pod "${name}" deleted`);
      expect(t.output()).toContain(`pod default/${name} terminated (Error)`);
      expect(code).toBe(3);
      await until(`pod ${name} gone`, async () => (await k.run(['get', 'pod', name])).stderr.includes('NotFound'), 60_000);
    });
  }

  it('exec -t without a terminal warns as kubectl does; a missing container is kube-apiserver\'s 400', async () => {
    // kubectl says so only with -i (with -t alone it quietly runs without a terminal), and carries on.
    const r = await k.run(['exec', '-it', 'shell', '--', 'echo', 'plain'], { input: '' });
    expect(r.stderr).toContain('Unable to use a TTY - input is not a terminal or the right kind of file');
    expect(r.stdout).toBe('plain\n');
    expect(r.code).toBe(0);
    const missing = await k.run(['exec', '-i', 'shell', '-c', 'nope', '--', 'true'], { input: '' });
    expect(missing.stderr).toContain('container nope is not valid for pod shell');
    expect(missing.code).not.toBe(0);
  });
});
