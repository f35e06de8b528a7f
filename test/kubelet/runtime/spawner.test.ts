// The process runtime's spawn helper (spawner.ts): real processes through a real helper.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Spawner, SpawnerPool } from '../../../kubelet/runtime/process/spawner.js';

const closers: (() => void)[] = [];
const pids: number[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** Field 6 (session id) of /proc/PID/stat. */
const sessionOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[3]);

describe('Spawner', () => {
  it('runs a command with stdin, returning its output and exit code', async () => {
    const s = new Spawner();
    closers.push(() => s.close());
    expect(await s.run(['/bin/sh', '-c', 'cat; echo oops >&2; exit 3'], { input: 'line 1\nline 2\n' })).toEqual({ code: 3, signal: null, stdout: 'line 1\nline 2\n', stderr: 'oops\n' });
    await expect(s.run(['/nonexistent/command'])).rejects.toThrow(/ENOENT/);
    // The helper is still there for the next one.
    expect((await s.run(['/bin/echo', 'again'])).stdout).toBe('again\n');
  });

  it('runs what a niced helper starts at its niceness, and a plain one at ours', async () => {
    const niced = new SpawnerPool(1, 10);
    const plain = new Spawner();
    closers.push(() => niced.close(), () => plain.close());
    // setpriority(2) sets the niceness, not an increment.
    expect(Number((await niced.run(['nice'])).stdout.trim())).toBe(10);
    expect(Number((await plain.run(['nice'])).stdout.trim())).not.toBe(10);
  });

  it('kills a command that outlives its timeout', async () => {
    const s = new Spawner();
    closers.push(() => s.close());
    const r = await s.run(['/bin/sleep', '30'], { timeoutMs: 100 });
    expect(r.signal).toBe('SIGKILL');
  });

  it('starts a detached process in its own session, says when it ends, and leaves it running when closed', async () => {
    const pool = new SpawnerPool(2);
    closers.push(() => pool.close());
    let ended = false;
    const pid = await pool.spawnDetached(['/bin/sh', '-c', 'sleep 0.2'], { env: { PATH: '/usr/bin:/bin' }, cwd: '/' }, () => (ended = true));
    pids.push(pid);
    expect(sessionOf(pid)).toBe(pid);
    await new Promise<void>((resolve) => {
      const poll = () => (ended ? resolve() : setTimeout(poll, 20));
      poll();
    });

    const survivor = await pool.spawnDetached(['/bin/sleep', '30'], { env: {}, cwd: '/' }, () => undefined);
    pids.push(survivor);
    pool.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(() => process.kill(survivor, 0)).not.toThrow();
    await expect(pool.run(['/bin/true'])).rejects.toThrow(/closed/);
  });
});
