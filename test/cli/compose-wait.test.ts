// kctl compose's depends_on wait, run for real (root: a network namespace of its own). The init
// container's command must give up on each attempt after a bounded time, with nc or with bash's
// /dev/tcp, so that a lost SYN costs one short attempt rather than the ~2 minutes TCP takes to
// give up on a connect; and it must end as soon as the port answers.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert, DEFAULT_CONVERT_OPTIONS } from '../../cli/kctl/compose/convert.js';
import { loadCompose } from '../../cli/kctl/compose/load.js';
import { waitFor } from '../support/wait.js';

const isRoot = process.getuid?.() === 0;
const NS = `skiff-wait-${process.pid}`;
const DROPPED = 45999; // SYNs to it are dropped in NS
const OPEN = 45998; // a listener answers in NS

/** The wait-for-db init container's shell command for a project whose db exposes `port`. */
function waitCommand(port: number): string {
  const project = loadCompose(`services:\n  db:\n    image: postgres\n    expose: ["${port}"]\n  web:\n    image: app\n    depends_on: [db]\n`, '/proj/compose.yaml', { env: {}, readFile: () => Buffer.alloc(0) });
  const web = convert(project, DEFAULT_CONVERT_OPTIONS).objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'web') as unknown as { spec: { template: { spec: { initContainers: { command: string[] }[] } } } };
  const command = web.spec.template.spec.initContainers[0]!.command;
  expect(command.slice(0, 2)).toEqual(['sh', '-c']);
  return command[2]!;
}

/** Runs `script` in NS for at most `seconds`; its output, exit code and wall time. */
function runInNamespace(script: string, seconds: number): Promise<{ out: string; code: number | null; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn('ip', ['netns', 'exec', NS, 'timeout', String(seconds), 'sh', '-c', script]);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', (code) => resolve({ out, code, ms: Date.now() - t0 }));
  });
}

describe.skipIf(!isRoot)('compose depends_on wait, run in a network namespace', () => {
  let listener: ReturnType<typeof spawn> | undefined;
  const hadNetnsDir = existsSync('/etc/netns');

  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', NS]);
    execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    // `ip netns exec` mounts /etc/netns/NS/hosts over /etc/hosts: the Service name resolves.
    mkdirSync(`/etc/netns/${NS}`, { recursive: true });
    writeFileSync(`/etc/netns/${NS}/hosts`, '127.0.0.1 localhost db\n');
    execFileSync('ip', ['netns', 'exec', NS, 'nft', '-f', '-'], { input: `table inet skiff_wait_test {\n chain out {\n  type filter hook output priority 0;\n  tcp dport ${DROPPED} drop\n }\n}\n` });
    listener = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', `require('net').createServer((s) => s.end()).listen(${OPEN}, '127.0.0.1')`], { stdio: 'ignore' });
  });

  afterAll(() => {
    listener?.kill();
    spawnSync('ip', ['netns', 'del', NS]);
    rmSync(`/etc/netns/${NS}`, { recursive: true, force: true });
    if (!hadNetnsDir) {
      try {
        rmdirSync('/etc/netns'); // only when empty: made for this test and holding nothing else
      } catch { /* not empty, or gone */ }
    }
  });

  it('gives up on a connect whose SYNs are lost after a bounded time, and tries again', async () => {
    // The namespace's loopback drops every SYN to DROPPED: an unbounded connect would sit for
    // minutes in its first attempt, printing nothing.
    const r = await runInNamespace(waitCommand(DROPPED), 10);
    expect(r.code).toBe(124); // still waiting when `timeout` ended it: the port never answered
    expect(r.out.match(/waiting for db:45999/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
  }, 20_000);

  it('ends as soon as the port answers', async () => {
    await waitFor('the listener in the namespace', () => spawnSync('ip', ['netns', 'exec', NS, 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${OPEN}`], { stdio: 'ignore' }).status === 0, 5_000);
    const r = await runInNamespace(waitCommand(OPEN), 10);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
  }, 20_000);
});
