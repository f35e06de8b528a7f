// Cgroup file writes against a fake hierarchy in a temp dir (v1 and v2 layouts), so both
// are checked whatever this machine mounts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cgroups, detectCgroupMode } from '../../../kubelet/runtime/process/cgroups.js';

const dirs: string[] = [];
const fakeRoot = () => {
  const d = mkdtempSync(join(tmpdir(), 'skiff-cg-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('cgroups', () => {
  it('v1: one directory per controller with limit_in_bytes, cfs quota and pids.max', async () => {
    const root = fakeRoot();
    for (const c of ['memory', 'cpu', 'pids', 'cpuacct']) mkdirSync(join(root, c), { recursive: true });
    writeFileSync(join(root, 'memory', 'memory.limit_in_bytes'), '');
    const cg = new Cgroups('v1', 'skiff/node-a', root);
    await cg.create('c1', { memoryBytes: 64 << 20, cpuMillis: 250, pids: 100 });
    expect(readFileSync(join(root, 'memory/skiff/node-a/c1/memory.limit_in_bytes'), 'utf8')).toBe(String(64 << 20));
    expect(readFileSync(join(root, 'cpu/skiff/node-a/c1/cpu.cfs_quota_us'), 'utf8')).toBe('25000');
    expect(readFileSync(join(root, 'cpu/skiff/node-a/c1/cpu.cfs_period_us'), 'utf8')).toBe('100000');
    expect(readFileSync(join(root, 'pids/skiff/node-a/c1/pids.max'), 'utf8')).toBe('100');
    expect(cg.procsFiles('c1')).toEqual(['memory', 'cpu', 'pids', 'cpuacct'].map((c) => join(root, c, 'skiff/node-a/c1/cgroup.procs'))); // cpuacct: CPU accounting for the metrics
    writeFileSync(join(root, 'memory/skiff/node-a/c1/memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    expect(cg.oomKills('c1')).toBe(1);
    // (a fake hierarchy's directories hold files, so rmdir fails there: removal is exercised on the real one)
  });

  it('v2: one directory, controllers enabled down the tree, memory.max / cpu.max / pids.max', async () => {
    const root = fakeRoot();
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids');
    writeFileSync(join(root, 'cgroup.subtree_control'), '');
    const cg = new Cgroups('v2', 'skiff/node-b', root);
    await cg.create('c2', { memoryBytes: 32 << 20, cpuMillis: 1500 });
    const dir = join(root, 'skiff/node-b/c2');
    expect(readFileSync(join(dir, 'memory.max'), 'utf8')).toBe(String(32 << 20));
    expect(readFileSync(join(dir, 'memory.swap.max'), 'utf8')).toBe('0');
    expect(readFileSync(join(dir, 'cpu.max'), 'utf8')).toBe('150000 100000');
    expect(existsSync(join(dir, 'pids.max'))).toBe(false);
    expect(readFileSync(join(root, 'skiff/node-b/cgroup.subtree_control'), 'utf8')).toBe('+memory +cpu +pids');
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    expect(cg.oomKills('c2')).toBe(1);
    expect(cg.procsFiles('c2')).toEqual([join(dir, 'cgroup.procs')]);
  });

  it('detects the hierarchy this machine mounts', () => {
    const mode = detectCgroupMode();
    if (process.getuid?.() !== 0) expect(mode).toBe('none');
    else expect(['v1', 'v2']).toContain(mode);
  });
});
