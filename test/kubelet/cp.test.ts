// `cp` both ways against real processes, with kctl (the built binary) and the real kubectl:
// each runs `tar` in the container through pods/NAME/exec (stdin for `tar -xmf -`, stdout of
// `tar cf -`). A file into a directory keeps its name, a directory tree comes back whole, and
// an archive from the container whose entries climb out of the destination (`../`) has them
// skipped with kubectl's warning — the container's `tar` here is a script that serves such an
// archive (the container's PATH puts it first).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestClient } from '../../client/rest.js';
import { entryDestination, parseFileSpec, tarPrefix } from '../../cli/kctl/cp.js';
import { testPki } from '../support/tls.js';
import { client, isRoot, podManifest, removeDir, ROOT, startApiServer, startKubelet, suffix, tempDir, waitFor, type KubeletProc, type Proc } from './harness.js';

const KCTL = join(ROOT, 'dist', 'cli', 'kctl.js');
const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const hasKubectl = fs.existsSync(KUBECTL);

describe('cp file specs and destinations (kubectl\'s rules)', () => {
  it('reads [NS/]POD:PATH and local paths', () => {
    expect(parseFileSpec('web-1:/etc/x')).toEqual({ pod: 'web-1', path: '/etc/x' });
    expect(parseFileSpec('prod/web-1:logs')).toEqual({ namespace: 'prod', pod: 'web-1', path: 'logs' });
    expect(parseFileSpec('./a:b')).toEqual({ path: './a:b' });
    expect(parseFileSpec('/abs/path')).toEqual({ path: '/abs/path' });
    expect(() => parseFileSpec('web-1:')).toThrow('filepath can not be empty');
    expect(() => parseFileSpec('a/b/c:x')).toThrow('unexpected fileSpec format: a/b/c:x');
  });

  it('maps archive entries under the destination and refuses those that leave it', () => {
    expect(tarPrefix('/tmp/src/')).toBe('tmp/src');
    expect(entryDestination('tmp/src', 'tmp/src/a/b.txt', '/out')).toEqual({ file: '/out/a/b.txt' });
    expect(entryDestination('tmp/src', 'tmp/src', '/out')).toEqual({ file: '/out' });
    expect(entryDestination('tmp/src', 'tmp/src/../../escape.txt', '/out')).toEqual({ outside: '/escape.txt' });
    expect(entryDestination('tmp/src', 'tmp/src/a/../../../x', 'out')).toEqual({ outside: '../x' });
    expect(entryDestination('tmp/src', 'etc/passwd', '/out')).toEqual({ corrupted: true });
  });
});

const node = `cp-${suffix()}`;
let api: { proc: Proc; url: string; dir: string };
let kubelet: KubeletProc;
let rootDir: string;
let work: string;
let c: RestClient;

function runTool(tool: 'kctl' | 'kubectl', args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = tool === 'kctl'
    ? [KCTL, '--server', api.url, '--kubeconfig', testPki().kubeconfig, ...args]
    : ['--server', api.url, '--kubeconfig', testPki().kubeconfig, '--cache-dir', join(work, 'kubectl-cache'), ...args];
  const child = spawn(tool === 'kctl' ? process.execPath : KUBECTL, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: work });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** A shell command in the pod through kctl exec; its stdout. */
async function inPod(pod: string, script: string): Promise<string> {
  const r = await runTool('kctl', ['exec', pod, '--', 'sh', '-c', script]);
  if (r.code !== 0) throw new Error(`exec ${script}: ${r.code} ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  if (!isRoot) return;
  api = await startApiServer();
  rootDir = tempDir(node);
  work = tempDir(`${node}-work`);
  c = client(api.url);
  kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit']);
  // The evil `tar`: whatever it is asked, it serves an archive with an entry climbing out.
  const evilBin = join(work, 'evil-bin');
  fs.mkdirSync(evilBin);
  const p = pack();
  p.entry({ name: 'tmp/src', type: 'directory', mode: 0o755 });
  p.entry({ name: 'tmp/src/ok.txt', mode: 0o644 }, 'fine\n');
  p.entry({ name: 'tmp/src/../../escape.txt', mode: 0o644 }, 'gotcha\n');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const ch of p) chunks.push(ch as Buffer);
  fs.writeFileSync(join(work, 'evil.tar'), Buffer.concat(chunks));
  fs.writeFileSync(join(evilBin, 'tar'), `#!/bin/sh\nexec cat ${join(work, 'evil.tar')}\n`, { mode: 0o755 });
  await c.pods().create(podManifest('box', node, { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'host', command: ['sleep', '100000'] }] } as never));
  await c.pods().create(podManifest('evil', node, {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'c', image: 'host', command: ['sleep', '100000'], env: [{ name: 'PATH', value: `${evilBin}:/usr/local/bin:/usr/bin:/bin` }] }],
  } as never));
  for (const name of ['box', 'evil']) await waitFor(`${name} running`, async () => (await c.pods().get(name, 'default')).status?.phase === 'Running', 60_000);
}, 120_000);

afterAll(async () => {
  try {
    await kubelet?.stop('SIGTERM');
  } finally {
    c?.close();
    await api?.proc.stop();
    removeDir(rootDir);
    removeDir(work);
    removeDir(api?.dir);
  }
});

for (const tool of ['kctl', 'kubectl'] as const) {
  describe.skipIf(!isRoot || (tool === 'kubectl' && !hasKubectl))(`${tool} cp`, () => {
    it('copies a file into a container directory and a directory tree back out', async () => {
      const dir = `/tmp/skiff-cp-${tool}-${suffix()}`;
      await inPod('box', `mkdir -p ${dir}/in ${dir}/tree/sub && printf 'deep\\n' > ${dir}/tree/sub/deep.txt && printf 'top\\n' > ${dir}/tree/top.txt`);
      try {
        const local = join(work, `${tool}-hello.txt`);
        fs.writeFileSync(local, 'hello from the host\n');
        const up = await runTool(tool, ['cp', local, `box:${dir}/in`]);
        expect(up.stderr).toBe('');
        expect(up.code).toBe(0);
        expect(await inPod('box', `cat ${dir}/in/${tool}-hello.txt`)).toBe('hello from the host\n');
        // To a path that is not a directory: the file takes that name.
        const renamed = await runTool(tool, ['cp', local, `default/box:${dir}/in/renamed.txt`]);
        expect(renamed.code).toBe(0);
        expect(await inPod('box', `cat ${dir}/in/renamed.txt`)).toBe('hello from the host\n');

        const out = join(work, `${tool}-tree`);
        const down = await runTool(tool, ['cp', `box:${dir}/tree`, out]);
        expect(down.code).toBe(0);
        expect(fs.readFileSync(join(out, 'top.txt'), 'utf8')).toBe('top\n');
        expect(fs.readFileSync(join(out, 'sub', 'deep.txt'), 'utf8')).toBe('deep\n');
      } finally {
        await inPod('box', `rm -rf ${dir}`);
      }
    });

    it('skips archive entries that would land outside the destination, with kubectl\'s warning', async () => {
      const dest = join(work, `${tool}-dest`, 'inner');
      fs.mkdirSync(join(work, `${tool}-dest`));
      const r = await runTool(tool, ['cp', 'evil:/tmp/src', dest]);
      expect(r.stderr).toMatch(/warning: file ".*escape\.txt" is outside target destination, skipping/);
      expect(fs.readFileSync(join(dest, 'ok.txt'), 'utf8')).toBe('fine\n');
      expect(fs.existsSync(join(work, `${tool}-dest`, 'escape.txt'))).toBe(false);
      expect(fs.existsSync(join(work, 'escape.txt'))).toBe(false);
      expect(fs.existsSync(join(dest, 'escape.txt'))).toBe(false);
    });

    it('says what is wrong with bad arguments and exits non-zero', async () => {
      const both = await runTool(tool, ['cp', 'a.txt', 'b.txt']);
      expect(both.code).not.toBe(0);
      expect(both.stderr).toMatch(/one of src or dest must be a remote file specification/);
      const missing = await runTool(tool, ['cp', join(work, 'nope.txt'), 'box:/tmp/']);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain("nope.txt doesn't exist in local filesystem");
    });
  });
}
